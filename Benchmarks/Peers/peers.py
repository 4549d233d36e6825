#!/usr/bin/env python3
"""Times SwiftCNN's reference job in peer frameworks (Keras on TensorFlow, PyTorch, ONNX Runtime).

Reference job: the classic Keras MNIST CNN (Conv 32 3x3 ReLU, MaxPool 2, Conv 64 3x3 ReLU,
MaxPool 2, Flatten, Dense 64 ReLU, Dense 10 softmax; 121,930 parameters) on channels-last
28x28x1 images scaled to [0, 1], trained with Adam (lr 1e-3), batch 64, reshuffled every epoch,
cross-entropy loss, on 2 threads.

Every run prints one line "RESULT {json}" (schema in README.md). Each framework is imported
only by the command that needs it, and `all` runs every measurement in a fresh process, so
the frameworks' thread pools never share a process.
"""

import argparse
import gzip
import json
import logging
import os
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

REPO_ROOT = Path(__file__).resolve().parents[2]
THREADS = 2
TRAIN_BATCH = 64
INFER_BATCH = 1000
LEARNING_RATE = 1e-3
# Keras' Adam default; PyTorch's is 1e-8. Using Keras' keeps the two runs the same job.
ADAM_EPSILON = 1e-7
PARAMETER_COUNT = 121_930

# Weight files use Keras' layouts and names (conv kernels HWIO, dense kernels (in, out),
# Flatten over H, W, C), so one file loads into every implementation of the job.
WEIGHT_NAMES = [
    "conv1.kernel", "conv1.bias", "conv2.kernel", "conv2.bias",
    "dense1.kernel", "dense1.bias", "dense2.kernel", "dense2.bias",
]


# ---------------------------------------------------------------------------- data

def mnist_dir():
    return Path(os.environ.get("MNIST_DIR", REPO_ROOT.parent / "shared" / "datasets" / "mnist"))


def read_idx(path):
    """Parses a gzipped IDX file (big-endian header: magic, one uint32 per dimension)."""
    with gzip.open(path, "rb") as f:
        data = f.read()
    if data[:3] != b"\x00\x00\x08":
        raise ValueError(f"{path}: not an unsigned-byte IDX file")
    dims = data[3]
    shape = tuple(int.from_bytes(data[4 + 4 * i: 8 + 4 * i], "big") for i in range(dims))
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


def load_split(prefix):
    """Returns (images N x 28 x 28 x 1 float32 in [0, 1], labels N int64)."""
    directory = mnist_dir()
    images = read_idx(directory / f"{prefix}-images-idx3-ubyte.gz")
    labels = read_idx(directory / f"{prefix}-labels-idx1-ubyte.gz")
    return (images.astype(np.float32) / 255.0)[..., np.newaxis], labels.astype(np.int64)


# ---------------------------------------------------------------------------- results

def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown"


def emit(result, results_path):
    result = {**result, "cpu": cpu_model(), "threads": THREADS,
              "timestamp": time.strftime("%Y-%m-%dT%H:%M:%S%z")}
    line = json.dumps(result)
    print("RESULT " + line, flush=True)
    if results_path:
        with open(results_path, "a") as f:
            f.write(line + "\n")


def load_weights(path):
    from safetensors.numpy import load_file
    weights = load_file(str(path))
    return [weights[name] for name in WEIGHT_NAMES]


def save_weights(path, arrays):
    from safetensors.numpy import save_file
    save_file({name: np.ascontiguousarray(a, dtype=np.float32)
               for name, a in zip(WEIGHT_NAMES, arrays)}, str(path))


# ---------------------------------------------------------------------------- Keras

class KerasJob:
    name = "keras"

    def __init__(self, seed):
        import tensorflow as tf
        import keras
        # Thread pools are fixed when TensorFlow first runs an op, so this comes first.
        tf.config.threading.set_intra_op_parallelism_threads(THREADS)
        tf.config.threading.set_inter_op_parallelism_threads(1)
        keras.utils.set_random_seed(seed)
        self.tf, self.keras = tf, keras
        self.version = f"{keras.__version__} (tensorflow {tf.__version__})"
        layers = keras.layers
        self.model = keras.Sequential([
            keras.Input((28, 28, 1)),
            layers.Conv2D(32, 3, activation="relu", name="conv1"),
            layers.MaxPooling2D(2),
            layers.Conv2D(64, 3, activation="relu", name="conv2"),
            layers.MaxPooling2D(2),
            layers.Flatten(),
            layers.Dense(64, activation="relu", name="dense1"),
            layers.Dense(10, activation="softmax", name="dense2"),
        ])
        assert self.model.count_params() == PARAMETER_COUNT
        # One compiled graph per input shape: Keras' predict() adds per-call overhead
        # (dataset, callbacks) that would dominate single-image latency.
        self.forward = tf.function(lambda t: self.model(t, training=False))

    def train(self, x, y, epochs):
        keras = self.keras
        self.model.compile(
            optimizer=keras.optimizers.Adam(learning_rate=LEARNING_RATE, epsilon=ADAM_EPSILON),
            loss="sparse_categorical_crossentropy", metrics=["accuracy"])
        seconds = []

        class EpochTimer(keras.callbacks.Callback):
            def on_epoch_begin(self, epoch, logs=None):
                self.start = time.perf_counter()

            def on_epoch_end(self, epoch, logs=None):
                seconds.append(time.perf_counter() - self.start)
                print(f"  keras epoch {epoch + 1}/{epochs}: {seconds[-1]:.2f} s, "
                      f"loss {logs['loss']:.4f}", flush=True)

        self.model.fit(x, y, batch_size=TRAIN_BATCH, epochs=epochs, shuffle=True,
                       verbose=0, callbacks=[EpochTimer()])
        return seconds

    def evaluate(self, x, y):
        loss, accuracy = self.model.evaluate(x, y, batch_size=INFER_BATCH, verbose=0)
        return float(loss), float(accuracy)

    def get_weights(self):
        return self.model.get_weights()

    def set_weights(self, arrays):
        self.model.set_weights(arrays)

    def predictor(self, x):
        tensor = self.tf.constant(x)
        return lambda: self.forward(tensor).numpy()


# ---------------------------------------------------------------------------- PyTorch

class TorchJob:
    name = "torch"

    def __init__(self, seed):
        import torch
        from torch import nn
        torch.set_num_threads(THREADS)
        torch.set_num_interop_threads(1)
        torch.manual_seed(seed)
        self.torch, self.nn = torch, nn
        self.version = torch.__version__
        self.generator = torch.Generator().manual_seed(seed)

        class Net(nn.Module):
            """Takes channels-last input and flattens in H, W, C order, as Keras does."""

            def __init__(self):
                super().__init__()
                self.conv1 = nn.Conv2d(1, 32, 3)
                self.conv2 = nn.Conv2d(32, 64, 3)
                self.dense1 = nn.Linear(5 * 5 * 64, 64)
                self.dense2 = nn.Linear(64, 10)

            def forward(self, x):
                x = x.permute(0, 3, 1, 2)
                x = nn.functional.max_pool2d(torch.relu(self.conv1(x)), 2)
                x = nn.functional.max_pool2d(torch.relu(self.conv2(x)), 2)
                x = torch.relu(self.dense1(x.permute(0, 2, 3, 1).flatten(1)))
                return self.dense2(x)  # logits; softmax is in the loss or in probabilities()

        self.model = Net()
        # Keras' initialisation (Glorot-uniform kernels, zero biases), not PyTorch's default.
        for module in self.model.modules():
            if isinstance(module, (nn.Conv2d, nn.Linear)):
                nn.init.xavier_uniform_(module.weight)
                nn.init.zeros_(module.bias)
        assert sum(p.numel() for p in self.model.parameters()) == PARAMETER_COUNT

    def train(self, x, y, epochs):
        torch = self.torch
        x, y = torch.from_numpy(x), torch.from_numpy(y)
        optimizer = torch.optim.Adam(self.model.parameters(), lr=LEARNING_RATE, eps=ADAM_EPSILON)
        self.model.train()
        seconds = []
        for epoch in range(epochs):
            start = time.perf_counter()
            order = torch.randperm(len(x), generator=self.generator)
            total = 0.0
            for i in range(0, len(x), TRAIN_BATCH):
                batch = order[i:i + TRAIN_BATCH]
                optimizer.zero_grad(set_to_none=True)
                loss = torch.nn.functional.cross_entropy(self.model(x[batch]), y[batch])
                loss.backward()
                optimizer.step()
                total += loss.item() * len(batch)
            seconds.append(time.perf_counter() - start)
            print(f"  torch epoch {epoch + 1}/{epochs}: {seconds[-1]:.2f} s, "
                  f"loss {total / len(x):.4f}", flush=True)
        return seconds

    def evaluate(self, x, y):
        torch = self.torch
        self.model.eval()
        with torch.inference_mode():
            logits = torch.cat([self.model(torch.from_numpy(x[i:i + INFER_BATCH]))
                                for i in range(0, len(x), INFER_BATCH)])
            labels = torch.from_numpy(y)
            loss = torch.nn.functional.cross_entropy(logits, labels).item()
            accuracy = (logits.argmax(1) == labels).float().mean().item()
        return loss, accuracy

    def get_weights(self):
        m = self.model
        return [m.conv1.weight.detach().permute(2, 3, 1, 0).numpy(), m.conv1.bias.detach().numpy(),
                m.conv2.weight.detach().permute(2, 3, 1, 0).numpy(), m.conv2.bias.detach().numpy(),
                m.dense1.weight.detach().T.numpy(), m.dense1.bias.detach().numpy(),
                m.dense2.weight.detach().T.numpy(), m.dense2.bias.detach().numpy()]

    def set_weights(self, arrays):
        torch, m = self.torch, self.model
        k1, b1, k2, b2, d1, c1, d2, c2 = (torch.from_numpy(np.asarray(a)) for a in arrays)
        with torch.no_grad():
            m.conv1.weight.copy_(k1.permute(3, 2, 0, 1)); m.conv1.bias.copy_(b1)
            m.conv2.weight.copy_(k2.permute(3, 2, 0, 1)); m.conv2.bias.copy_(b2)
            m.dense1.weight.copy_(d1.T); m.dense1.bias.copy_(c1)
            m.dense2.weight.copy_(d2.T); m.dense2.bias.copy_(c2)

    def probabilities(self):
        """The full reference model, softmax included, for inference and ONNX export."""
        return self.nn.Sequential(self.model, self.nn.Softmax(dim=1)).eval()

    def predictor(self, x):
        torch = self.torch
        model, tensor = self.probabilities(), torch.from_numpy(x)

        def run():
            with torch.inference_mode():
                return model(tensor).numpy()
        return run


# ---------------------------------------------------------------------------- ONNX Runtime

class OnnxRuntimeJob:
    """Runs the PyTorch reference model exported to ONNX."""
    name = "onnxruntime"

    def __init__(self, seed):
        import onnxruntime as ort
        self.torch_job = TorchJob(seed)
        self.ort = ort
        self.version = f"{ort.__version__} (exported by torch {self.torch_job.version})"
        self.session = None

    def set_weights(self, arrays):
        self.torch_job.set_weights(arrays)

    def _session(self):
        if self.session is None:
            torch, ort = self.torch_job.torch, self.ort
            with tempfile.TemporaryDirectory() as tmp:
                path = os.path.join(tmp, "reference.onnx")
                batch = torch.export.Dim("batch", min=1, max=100_000)
                with warnings.catch_warnings():
                    # The exporter warns about its own deprecated internals and about
                    # torchvision (not installed, not needed here).
                    warnings.simplefilter("ignore", FutureWarning)
                    logging.getLogger("torch.onnx").setLevel(logging.ERROR)
                    torch.onnx.export(self.torch_job.probabilities(), (torch.zeros(2, 28, 28, 1),),
                                      path, input_names=["images"], output_names=["probabilities"],
                                      dynamic_shapes=({0: batch},), verbose=False)
                options = ort.SessionOptions()
                options.intra_op_num_threads = THREADS
                options.inter_op_num_threads = 1
                options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
                self.session = ort.InferenceSession(path, options,
                                                    providers=["CPUExecutionProvider"])
        return self.session

    def predictor(self, x):
        session = self._session()
        feed = {"images": np.ascontiguousarray(x)}
        return lambda: session.run(None, feed)[0]

    def max_difference_from_torch(self, x):
        """Largest difference from PyTorch's output: guards against a wrong export."""
        return float(np.abs(self.predictor(x)() - self.torch_job.predictor(x)()).max())


JOBS = {job.name: job for job in (KerasJob, TorchJob, OnnxRuntimeJob)}


# ---------------------------------------------------------------------------- commands

def command_train(args):
    job = JOBS[args.framework](args.seed)
    x_train, y_train = load_split("train")
    x_test, y_test = load_split("t10k")
    if args.standardize:
        # What mnist-train's Normalization layer does: the training images' mean and variance.
        mean, deviation = x_train.mean(dtype=np.float64), x_train.std(dtype=np.float64)
        x_train = ((x_train - mean) / deviation).astype(np.float32)
        x_test = ((x_test - mean) / deviation).astype(np.float32)
    print(f"{job.name} {job.version}: training {args.epochs} epoch(s), seed {args.seed}, "
          f"{THREADS} threads{', standardised inputs' if args.standardize else ''}", flush=True)
    seconds = job.train(x_train, y_train, args.epochs)
    loss, accuracy = job.evaluate(x_test, y_test)
    print(f"  {job.name} test accuracy {accuracy:.4f}, loss {loss:.4f}", flush=True)
    if args.save_weights:
        save_weights(args.save_weights, job.get_weights())
    emit({"kind": "train", "framework": job.name, "version": job.version, "seed": args.seed,
          "epochs": args.epochs, "batch_size": TRAIN_BATCH, "standardized": args.standardize,
          "epoch_seconds": [round(s, 4) for s in seconds],
          "median_epoch_seconds": round(statistics.median(seconds), 4),
          "test_accuracy": round(accuracy, 4), "test_loss": round(loss, 4)}, args.results)


def command_infer(args):
    job = JOBS[args.framework](args.seed)
    if args.weights:
        job.set_weights(load_weights(args.weights))
    x_test, y_test = load_split("t10k")
    print(f"{job.name} {job.version}: inference, {THREADS} threads", flush=True)
    result = {"kind": "infer", "framework": job.name, "version": job.version,
              "batch_size": args.batch_size}

    size = args.batch_size
    batches = [job.predictor(x_test[i:i + size]) for i in range(0, len(x_test), size)]
    predictions = np.concatenate([run() for run in batches])  # also the warm-up pass
    passes = []
    for _ in range(args.repeats):
        start = time.perf_counter()
        for run in batches:
            run()
        passes.append(time.perf_counter() - start)
    result["images_per_second"] = round(len(x_test) / min(passes), 1)
    if args.weights:
        result["test_accuracy"] = round(float((predictions.argmax(1) == y_test).mean()), 4)

    single = job.predictor(x_test[:1])
    for _ in range(args.warmup):
        single()
    latencies = []
    for _ in range(args.calls):
        start = time.perf_counter()
        single()
        latencies.append(time.perf_counter() - start)
    result["latency_us"] = round(statistics.median(latencies) * 1e6, 1)

    if isinstance(job, OnnxRuntimeJob):
        result["max_abs_diff_vs_torch"] = job.max_difference_from_torch(x_test[:args.batch_size])
    print(f"  {job.name}: {result['images_per_second']:.0f} images/s (batch {size}), "
          f"{result['latency_us']:.0f} us/image (batch 1)", flush=True)
    emit(result, args.results)


def run_child(argv):
    """Runs one measurement in a fresh process, echoing its output; returns its RESULTs."""
    command = [sys.executable, __file__, *argv]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    found = []
    for line in process.stdout:
        print(line, end="", flush=True)
        if line.startswith("RESULT "):
            found.append(json.loads(line[len("RESULT "):]))
    if process.wait() != 0:
        raise SystemExit(f"failed: {' '.join(command)}")
    return found


def command_all(args):
    extra = ["--results", args.results] if args.results else []
    trained, inferred = [], []
    with tempfile.TemporaryDirectory() as tmp:
        weights = os.path.join(tmp, "torch-first-seed.safetensors")
        for framework in ("keras", "torch"):
            for seed in args.seeds:
                first_torch = (framework, seed) == ("torch", args.seeds[0])
                save = ["--save-weights", weights] if first_torch else []
                trained += run_child(["train", "--framework", framework, "--seed", str(seed),
                                      "--epochs", str(args.epochs), *save, *extra])
        # Inference uses the first seed's trained PyTorch weights in all three frameworks, so
        # each one's test accuracy also checks that the weight layouts agree.
        for framework in ("keras", "torch", "onnxruntime"):
            inferred += run_child(["infer", "--framework", framework, "--weights", weights, *extra])
    print_summary(trained, inferred)


def print_summary(trained, inferred):
    print(f"\nSummary ({cpu_model()}, {THREADS} threads)")
    print(f"{'framework':<12} {'runs':>4} {'s/epoch (median)':>17} {'test accuracy':>22}")
    for framework in ("keras", "torch"):
        runs = [r for r in trained if r["framework"] == framework]
        if runs:
            median = statistics.median(s for r in runs for s in r["epoch_seconds"])
            accuracies = ", ".join(f"{r['test_accuracy']:.4f}" for r in runs)
            print(f"{framework:<12} {len(runs):>4} {median:>17.2f} {accuracies:>22}")
    print(f"\n{'framework':<12} {'images/s (batch 1000)':>22} {'us/image (batch 1)':>19}")
    for r in inferred:
        print(f"{r['framework']:<12} {r['images_per_second']:>22.0f} {r['latency_us']:>19.1f}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--results", metavar="FILE",
                        help="also append each RESULT (as one JSON line) to FILE")
    commands = parser.add_subparsers(dest="command", required=True)

    train = commands.add_parser("train", parents=[common], help="time training epochs")
    train.add_argument("--framework", choices=["keras", "torch"], required=True)
    train.add_argument("--epochs", type=int, default=5)
    train.add_argument("--seed", type=int, default=1)
    train.add_argument("--save-weights", metavar="FILE",
                       help="write the trained weights as safetensors (Keras layouts)")
    train.add_argument("--standardize", action="store_true",
                       help="standardise the images with the training set's mean and variance, "
                            "as mnist-train does by default")
    train.set_defaults(run=command_train)

    infer = commands.add_parser("infer", parents=[common], help="time inference")
    infer.add_argument("--framework", choices=list(JOBS), required=True)
    infer.add_argument("--seed", type=int, default=1, help="initialisation seed without --weights")
    infer.add_argument("--weights", metavar="FILE",
                       help="safetensors weights from train --save-weights (adds test accuracy)")
    infer.add_argument("--batch-size", type=int, default=INFER_BATCH,
                       help="batch size for the throughput passes")
    infer.add_argument("--repeats", type=int, default=5, help="timed passes over the test set")
    infer.add_argument("--warmup", type=int, default=100, help="untimed single-image calls")
    infer.add_argument("--calls", type=int, default=1000, help="timed single-image calls")
    infer.set_defaults(run=command_infer)

    every = commands.add_parser("all", parents=[common],
                                help="train keras and torch for each seed, then infer in all three")
    every.add_argument("--epochs", type=int, default=5)
    every.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    every.set_defaults(run=command_all)

    args = parser.parse_args()
    args.run(args)


if __name__ == "__main__":
    main()
