#!/usr/bin/env python3
"""Times SwiftCNN's networks in peer frameworks (Keras on TensorFlow, PyTorch, ONNX Runtime).

Reference job: the classic Keras MNIST CNN (Conv 32 3x3 ReLU, MaxPool 2, Conv 64 3x3 ReLU,
MaxPool 2, Flatten, Dense 64 ReLU, Dense 10 softmax; 121,930 parameters) on channels-last
28x28x1 images scaled to [0, 1], trained with Adam (lr 1e-3), batch 64, reshuffled every epoch,
cross-entropy loss, on 2 threads. `train --network` trains the other networks of networks.py
the same way; `export-resnet8` writes a trained PyTorch ResNet-8 for SwiftCNN's import tests.

Every run prints one line "RESULT {json}" (schema in README.md). Each framework is imported
only by the command that needs it, and `all` runs every measurement in a fresh process, so
the frameworks' thread pools never share a process.
"""

import argparse
import json
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np

import networks
from frameworks import INFER_BATCH, JOBS, LEARNING_RATE, THREADS, TRAIN_BATCH, OnnxRuntimeJob
from image_datasets import DATASETS, load_split
from machine import cpu_identity

# Weight files use Keras' layouts and names (conv kernels HWIO, dense kernels (in, out),
# Flatten over H, W, C), so one file loads into every implementation of the job.
WEIGHT_NAMES = [
    "conv1.kernel", "conv1.bias", "conv2.kernel", "conv2.bias",
    "dense1.kernel", "dense1.bias", "dense2.kernel", "dense2.bias",
]


# ---------------------------------------------------------------------------- results

def emit(result, results_path):
    result = {**result, **cpu_identity(), "threads": THREADS,
              "omp_wait_policy": os.environ.get("OMP_WAIT_POLICY", "default"),
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


# ---------------------------------------------------------------------------- commands

def command_train(args):
    if args.save_weights and args.network != "reference":
        raise SystemExit("--save-weights writes the reference network's weights only")
    recipe = {"batch_size": args.batch_size, "learning_rate": args.learning_rate, "schedule": args.schedule}
    if args.framework == "keras" and recipe != {"batch_size": TRAIN_BATCH, "learning_rate": LEARNING_RATE,
                                                "schedule": "constant"}:
        raise SystemExit("--batch-size, --learning-rate and --schedule are for --framework torch only")
    dataset = args.dataset or networks.NETWORKS[args.network][0]
    job = JOBS[args.framework](args.seed, args.network)
    x_train, y_train = load_split("train", dataset)
    x_test, y_test = load_split("t10k", dataset)
    if args.standardize:
        # What mnist-train's Normalization layer does: the training images' mean and variance.
        mean, deviation = x_train.mean(dtype=np.float64), x_train.std(dtype=np.float64)
        x_train = ((x_train - mean) / deviation).astype(np.float32)
        x_test = ((x_test - mean) / deviation).astype(np.float32)
    print(f"{job.name} {job.version}: training {args.network} on {dataset}, {args.epochs} "
          f"epoch(s), seed {args.seed}, {THREADS} threads"
          f"{', standardised inputs' if args.standardize else ''}", flush=True)
    if args.framework == "keras":
        seconds = job.train(x_train, y_train, args.epochs)
    else:
        seconds = job.train(x_train, y_train, args.epochs, **recipe)
    # Wall-clock time, for races timed from the launch of this process (Scripts/race-to-99.py).
    training_ended = time.time()
    loss, accuracy = job.evaluate(x_test, y_test)
    print(f"  {job.name} test accuracy {accuracy:.4f}, loss {loss:.4f}", flush=True)
    if args.save_weights:
        save_weights(args.save_weights, job.get_weights())
    emit({"kind": "train", "framework": job.name, "version": job.version,
          "network": args.network, "dataset": dataset, "seed": args.seed,
          "epochs": args.epochs, **recipe, "standardized": args.standardize,
          "kernels": getattr(job, "kernels", None), "training_ended": round(training_ended, 3),
          "epoch_seconds": [round(s, 4) for s in seconds],
          "median_epoch_seconds": round(statistics.median(seconds), 4),
          "test_accuracy": round(accuracy, 4), "test_loss": round(loss, 4)}, args.results)


def command_export_resnet8(args):
    # Not a timing: PyTorch's OpenMP threads sleep rather than spin while they wait, which
    # is many times faster on a busy machine. Read when torch loads, so set before.
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    import resnet8_export
    resnet8_export.export(args.seed, args.epochs, args.out)


def command_infer(args):
    job = JOBS[args.framework](args.seed)
    if args.weights:
        job.set_weights(load_weights(args.weights))
    x_test, y_test = load_split("t10k")
    print(f"{job.name} {job.version}: inference, {THREADS} threads", flush=True)
    result = {"kind": "infer", "framework": job.name, "version": job.version,
              "network": "reference", "dataset": "mnist", "batch_size": args.batch_size}

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
    # Nearest rank, as SwiftCNN's epoch-benchmark computes it.
    result["latency_p99_us"] = round(sorted(latencies)[math.ceil(0.99 * len(latencies)) - 1] * 1e6, 1)

    if isinstance(job, OnnxRuntimeJob):
        result["max_abs_diff_vs_torch"] = job.max_difference_from_torch(x_test[:args.batch_size])
    print(f"  {job.name}: {result['images_per_second']:.0f} images/s (batch {size}), "
          f"{result['latency_us']:.0f} us/image (batch 1; 99th percentile {result['latency_p99_us']:.0f} us)",
          flush=True)
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
        for network in args.networks:
            for framework in ("keras", "torch"):
                for seed in args.seeds:
                    first_torch = (network, framework, seed) == ("reference", "torch", args.seeds[0])
                    save = ["--save-weights", weights] if first_torch else []
                    trained += run_child(["train", "--framework", framework, "--network", network,
                                          "--seed", str(seed), "--epochs", str(args.epochs), *save, *extra])
        if "reference" not in args.networks:
            print_summary(trained, inferred)
            return
        # Inference uses the first seed's trained PyTorch weights in all three frameworks, so
        # each one's test accuracy also checks that the weight layouts agree.
        for framework in ("keras", "torch", "onnxruntime"):
            inferred += run_child(["infer", "--framework", framework, "--weights", weights, *extra])
    print_summary(trained, inferred)


def print_summary(trained, inferred):
    print(f"\nSummary ({cpu_identity()['cpu']}, {THREADS} threads)")
    print(f"{'network':<17} {'framework':<12} {'runs':>4} {'s/epoch (median)':>17} {'test accuracy':>22}")
    for network in dict.fromkeys(r["network"] for r in trained):
        for framework in ("keras", "torch"):
            runs = [r for r in trained if r["framework"] == framework and r["network"] == network]
            if runs:
                median = statistics.median(s for r in runs for s in r["epoch_seconds"])
                accuracies = ", ".join(f"{r['test_accuracy']:.4f}" for r in runs)
                print(f"{network:<17} {framework:<12} {len(runs):>4} {median:>17.2f} {accuracies:>22}")
    if not inferred:
        return
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
    train.add_argument("--framework", choices=["keras", "torch", "pytorch"], required=True,
                       help="pytorch is another name for torch (RESULTs say torch)")
    train.add_argument("--network", choices=list(networks.NETWORKS), default="reference")
    train.add_argument("--dataset", choices=DATASETS,
                       help="default: mnist for reference and pytorch-examples, fashion otherwise")
    train.add_argument("--epochs", type=int, default=5)
    train.add_argument("--seed", type=int, default=1)
    train.add_argument("--batch-size", type=int, default=TRAIN_BATCH, help="torch only")
    train.add_argument("--learning-rate", type=float, default=LEARNING_RATE,
                       help="Adam's learning rate; the peak rate with --schedule one-cycle (torch only)")
    train.add_argument("--schedule", choices=["constant", "one-cycle"], default="constant",
                       help="one-cycle: mnist-train's --schedule one-cycle, the same rate at every step "
                            "(torch only)")
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

    export = commands.add_parser(
        "export-resnet8", help="train the PyTorch ResNet-8 on Fashion-MNIST and write its weights, "
                               "test predictions and module order for SwiftCNN's import tests")
    export.add_argument("--epochs", type=int, default=2)
    export.add_argument("--seed", type=int, default=1)
    export.add_argument("--out", metavar="DIR", required=True)
    export.set_defaults(run=command_export_resnet8)

    every = commands.add_parser("all", parents=[common],
                                help="train keras and torch for each network and seed, then infer in all three")
    every.add_argument("--epochs", type=int, default=5)
    every.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    every.add_argument("--networks", choices=list(networks.NETWORKS), nargs="+", default=["reference"],
                       help="the networks to train (inference runs on the reference network)")
    every.set_defaults(run=command_all)

    args = parser.parse_args()
    if getattr(args, "framework", None) == "pytorch":
        args.framework = "torch"
    args.run(args)


if __name__ == "__main__":
    main()
