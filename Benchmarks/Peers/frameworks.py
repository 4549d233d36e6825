"""Training and inference in the peer frameworks: Keras on TensorFlow, PyTorch, ONNX Runtime.

Every job trains with Adam (lr 1e-3, epsilon 1e-7), batch 64, reshuffled every epoch,
cross-entropy loss, on 2 threads; PyTorch's also with another learning rate and batch size, and with
SwiftCNN's one-cycle schedule (for the time-to-99% race). Each framework is imported only when its job is made.
"""

import logging
import math
import os
import tempfile
import time
import warnings

import numpy as np

import networks

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

# The jobs run on 2 threads, as SwiftCNN is measured; PEERS_THREADS=1 measures one thread.
THREADS = int(os.environ.get("PEERS_THREADS", "2"))
TRAIN_BATCH = 64
INFER_BATCH = 1000
LEARNING_RATE = 1e-3
# Keras' Adam default; PyTorch's is 1e-8. Using Keras' keeps the two runs the same job.
ADAM_EPSILON = 1e-7


def one_cycle(peak, step, total_steps, warmup=0.3, initial_divisor=25, final_divisor=1e4):
    """The learning rate of SwiftCNN's OneCycle schedule (mnist-train --schedule one-cycle) at `step`
    (from 0) of `total_steps`, the same formula: a half cosine from peak / 25 up to peak over the first
    30% of the steps, then one down to peak / 25 / 1e4 at the last step. PyTorch's OneCycleLR gives the
    same rates with cycle_momentum=False; written out here so that the two can be compared line by line."""
    def cosine(start, end, fraction):
        return end + (start - end) / 2 * (math.cos(math.pi * fraction) + 1)
    initial = peak / initial_divisor
    rise_end = warmup * total_steps - 1
    fall_end = total_steps - 1
    if step <= rise_end:
        return cosine(initial, peak, step / rise_end if rise_end > 0 else 1)
    return cosine(peak, initial / final_divisor, min(1, (step - rise_end) / (fall_end - rise_end)))


def check_parameters(network, found):
    expected = networks.NETWORKS[network][1]
    if found != expected:
        raise AssertionError(f"{network}: {found} trainable parameters, expected {expected}")


# ---------------------------------------------------------------------------- Keras

class KerasJob:
    name = "keras"

    def __init__(self, seed, network="reference"):
        import tensorflow as tf
        import keras
        # Thread pools are fixed when TensorFlow first runs an op, so this comes first.
        tf.config.threading.set_intra_op_parallelism_threads(THREADS)
        tf.config.threading.set_inter_op_parallelism_threads(1)
        keras.utils.set_random_seed(seed)
        self.tf, self.keras = tf, keras
        self.version = f"{keras.__version__} (tensorflow {tf.__version__})"
        self.model = networks.keras_model(network, keras)
        check_parameters(network, networks.keras_trainable_parameters(self.model))
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

    def __init__(self, seed, network="reference"):
        import torch
        torch.set_num_threads(THREADS)
        torch.set_num_interop_threads(1)
        torch.manual_seed(seed)
        self.torch, self.nn = torch, torch.nn
        self.version = torch.__version__
        self.generator = torch.Generator().manual_seed(seed)
        self.model = networks.torch_model(network, torch)
        check_parameters(network, networks.torch_trainable_parameters(self.model))

    def tensor(self, x):
        """Channels-last images as the tensor the model takes (channels-first for all but the
        reference network), converted once rather than per batch."""
        if not self.model.takes_channels_last:
            x = np.ascontiguousarray(x.transpose(0, 3, 1, 2))
        return self.torch.from_numpy(x)

    @property
    def kernels(self):
        """The vector instructions PyTorch's CPU kernels were chosen for, such as AVX2."""
        return self.torch.backends.cpu.get_cpu_capability()

    def train(self, x, y, epochs, batch_size=TRAIN_BATCH, learning_rate=LEARNING_RATE, schedule="constant"):
        torch = self.torch
        x, y = self.tensor(x), torch.from_numpy(y)
        optimizer = torch.optim.Adam(self.model.parameters(), lr=learning_rate, eps=ADAM_EPSILON)
        self.model.train()
        steps_per_epoch = -(-len(x) // batch_size)
        seconds = []
        for epoch in range(epochs):
            start = time.perf_counter()
            order = torch.randperm(len(x), generator=self.generator)
            total = 0.0
            for step, i in enumerate(range(0, len(x), batch_size), epoch * steps_per_epoch):
                if schedule == "one-cycle":
                    optimizer.param_groups[0]["lr"] = one_cycle(learning_rate, step, epochs * steps_per_epoch)
                batch = order[i:i + batch_size]
                optimizer.zero_grad(set_to_none=True)
                loss = torch.nn.functional.cross_entropy(self.model(x[batch]), y[batch])
                loss.backward()
                optimizer.step()
                total += loss.item() * len(batch)
            seconds.append(time.perf_counter() - start)
            print(f"  torch epoch {epoch + 1}/{epochs}: {seconds[-1]:.2f} s, "
                  f"loss {total / len(x):.4f}", flush=True)
        return seconds

    def logits(self, x):
        """The model's logits for channels-last images, in inference mode."""
        torch = self.torch
        self.model.eval()
        x = self.tensor(x)
        with torch.inference_mode():
            return torch.cat([self.model(x[i:i + INFER_BATCH]) for i in range(0, len(x), INFER_BATCH)])

    def evaluate(self, x, y):
        torch = self.torch
        logits, labels = self.logits(x), torch.from_numpy(y)
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
