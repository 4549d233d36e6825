#!/usr/bin/env python3
"""Exports Keras networks to ONNX with Keras's outputs on MNIST test images, for SwiftCNN's ONNX import tests.

Made with Python 3.11 and the pins of Scripts/ONNX/keras-requirements.txt (tensorflow-cpu 2.21.0,
keras 3.15.1 with the TensorFlow backend, tf2onnx 1.17.0, onnx 1.23.2, numpy 2.4.6):

    python3 -m venv Scripts/ONNX/.venv-keras
    Scripts/ONNX/.venv-keras/bin/pip install -r Scripts/ONNX/keras-requirements.txt
    Scripts/ONNX/.venv-keras/bin/python Scripts/ONNX/make-keras-fixtures.py Tests/SwiftCNNTests/Fixtures/ONNX

The networks are Benchmarks/Peers/networks.py's Keras models (`keras_model(name, keras)`), exported by
`model.export(path, format="onnx")`, which goes through tf2onnx (NHWC graphs with Transposes, Dense as
MatMul + Add):
  reference  the reference CNN (softmax output) with the weights PyTorch trained in
             Scripts/interop/pytorch_reference.py (Tests/SwiftCNNTests/Fixtures/Interop/pytorch-reference-cnn.safetensors),
             converted to Keras's layouts (dense1's input features moved from (c, h, w) to Keras's (h, w, c) order)
  resnet8    ResNet-8 (softmax output), with the weights trained on Fashion-MNIST in
             Tests/SwiftCNNTests/Fixtures/resnet8-pytorch/weights.safetensors and PyTorch's batch-norm
             epsilon (1e-5), as Benchmarks/Peers/resnet8_export.py converts them

The images are the ones make-fixtures.py wrote (OUT_DIR/mnist-test-images.safetensors); written to OUT_DIR:
  keras-NAME.onnx                    the exported network
  keras-NAME-outputs.safetensors     `probabilities`, F32 [N, 10]: Keras's outputs for those images (pixels / 255)

Running it again writes identical outputs and ResNet-8; in keras-reference.onnx tf2onnx may keep another of
two equal constants (a Slice's `starts` and `axes`, both [0]) from one run to the next, which changes names only.
"""
import argparse
import os
import pathlib
import sys

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import onnx  # noqa: E402
import tensorflow as tf  # noqa: E402
import tf2onnx  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "Benchmarks" / "Peers"))
import networks  # noqa: E402
from fixture_files import read_safetensors, write_safetensors  # noqa: E402

NETWORKS = ["reference", "resnet8"]


def reference_weights():
    """The trained PyTorch reference CNN's weights by Keras layer, in Keras's layouts."""
    trained = read_safetensors(ROOT / "Tests/SwiftCNNTests/Fixtures/Interop/pytorch-reference-cnn.safetensors")
    # PyTorch's Linear takes (c, h, w) = (64, 5, 5) features; Keras's Flatten gives (h, w, c).
    dense1 = trained["7.weight"].reshape(64, 64, 5, 5).transpose(0, 2, 3, 1).reshape(64, 1600)
    return {"conv1": [trained["0.weight"].transpose(2, 3, 1, 0), trained["0.bias"]],
            "conv2": [trained["3.weight"].transpose(2, 3, 1, 0), trained["3.bias"]],
            "dense1": [dense1.T, trained["7.bias"]],
            "dense2": [trained["9.weight"].T, trained["9.bias"]]}


def resnet8_weights(model):
    """The trained PyTorch ResNet-8's weights by Keras layer (named after the modules, "_" for ".")."""
    trained = read_safetensors(ROOT / "Tests/SwiftCNNTests/Fixtures/resnet8-pytorch/weights.safetensors")
    weights = {}
    for layer in model.layers:
        module = layer.name.replace("_", ".")
        if isinstance(layer, keras.layers.Conv2D):
            weights[layer.name] = [trained[f"{module}.weight"].transpose(2, 3, 1, 0)]
        elif isinstance(layer, keras.layers.BatchNormalization):
            weights[layer.name] = [trained[f"{module}.{name}"] for name in ("weight", "bias", "running_mean", "running_var")]
        elif isinstance(layer, keras.layers.Dense):
            weights[layer.name] = [trained[f"{module}.weight"].T, trained[f"{module}.bias"]]
    return weights


def network(name):
    if name == "reference":
        model = networks.keras_model(name, keras)
        weights = reference_weights()
    else:
        model = networks.keras_model(name, keras, batchnorm_epsilon=1e-5)
        weights = resnet8_weights(model)
    for layer in model.layers:
        if layer.weights:
            layer.set_weights([np.asarray(value, dtype=np.float32) for value in weights.pop(layer.name)])
    assert not weights, f"weights left over: {sorted(weights)}"
    return model


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out", type=pathlib.Path)
    parser.add_argument("--networks", nargs="+", choices=NETWORKS, default=NETWORKS)
    arguments = parser.parse_args()
    tf.config.threading.set_intra_op_parallelism_threads(1)
    tf.config.threading.set_inter_op_parallelism_threads(1)
    images = read_safetensors(arguments.out / "mnist-test-images.safetensors")["images"]
    pixels = (images.astype(np.float32) / 255)[..., np.newaxis]  # [N, 28, 28, 1]
    versions = {"tensorflow": tf.__version__, "keras": keras.__version__, "tf2onnx": tf2onnx.__version__,
                "onnx": onnx.__version__, "numpy": np.__version__}
    for name in arguments.networks:
        model = network(name)
        # Keras exports only a model that has been called.
        probabilities = model.predict(pixels, batch_size=len(pixels), verbose=0).astype(np.float32)
        path = arguments.out / f"keras-{name}.onnx"
        model.export(str(path), format="onnx", verbose=False)
        write_safetensors(arguments.out / f"keras-{name}-outputs.safetensors", {"probabilities": probabilities}, versions)
        print(f"wrote {path.name} ({path.stat().st_size} bytes) and keras-{name}-outputs.safetensors")


if __name__ == "__main__":
    main()
