#!/usr/bin/env python3
"""A small Keras model with random weights, exported the way SwiftCNN's `loadWeights(fromKeras:)` documents.

Made with Python 3.11, keras 3.15.1 on tensorflow 2.21.0 (CPU), safetensors 0.8.0 and numpy 2.4.6:

    python3 Scripts/interop/keras_reference.py [--seed 0]

The model covers every Keras layer whose weights SwiftCNN imports — Conv2D with and without bias,
BatchNormalization (with random moving statistics, so inference really uses them) and Dense — and some
without weights between them. Written to Tests/SwiftCNNTests/Fixtures/Interop/:
  keras-small.safetensors          the weights, named `<layer index>.<weight name>` as in the export line below
  keras-small-outputs.safetensors  `inputs` (F32 [4, 10, 10, 2]) and the model's `outputs` (F32 [4, 5])
"""
import argparse
import os
import pathlib
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import safetensors  # noqa: E402
import tensorflow as tf  # noqa: E402
from safetensors.numpy import save_file  # noqa: E402

FIXTURES = pathlib.Path(__file__).resolve().parents[2] / "Tests/SwiftCNNTests/Fixtures/Interop"


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seed", type=int, default=0)
    arguments = parser.parse_args()
    keras.utils.set_random_seed(arguments.seed)
    random = np.random.default_rng(arguments.seed)

    model = keras.Sequential([
        keras.Input((10, 10, 2)),
        keras.layers.Conv2D(6, 3, activation="relu"),
        keras.layers.BatchNormalization(),
        keras.layers.MaxPooling2D(2),
        keras.layers.Conv2D(4, 3, strides=2, padding="same", use_bias=False, activation="tanh"),
        keras.layers.Flatten(),
        keras.layers.Dense(8, activation="sigmoid"),
        keras.layers.LeakyReLU(negative_slope=0.2),
        keras.layers.Dense(5),
    ])
    normalization = model.layers[1]
    normalization.set_weights([
        random.uniform(0.5, 1.5, 6).astype(np.float32),
        random.normal(0, 0.5, 6).astype(np.float32),
        random.normal(0, 0.5, 6).astype(np.float32),
        random.uniform(0.5, 2.0, 6).astype(np.float32),
    ])
    model.layers[0].bias.assign(random.normal(0, 0.1, 6).astype(np.float32))

    # The export line documented in Sequential.loadWeights(fromKeras:).
    FIXTURES.mkdir(parents=True, exist_ok=True)
    save_file({f"{i}.{w.name}": w.numpy() for i, layer in enumerate(model.layers) for w in layer.weights},
              FIXTURES / "keras-small.safetensors")

    inputs = random.normal(0, 1, (4, 10, 10, 2)).astype(np.float32)
    outputs = model(inputs, training=False).numpy()
    versions = {"keras": keras.__version__, "tensorflow": tf.__version__, "safetensors": safetensors.__version__,
                "numpy": np.__version__}
    save_file({"inputs": inputs, "outputs": outputs}, FIXTURES / "keras-small-outputs.safetensors", metadata=versions)
    print(f"wrote keras-small.safetensors and keras-small-outputs.safetensors in {FIXTURES}")


if __name__ == "__main__":
    sys.exit(main())
