"""`peers.py export-resnet8`: a PyTorch ResNet-8 trained on Fashion-MNIST, written for SwiftCNN.

The network pads its stride-2 convolutions as Keras' 'same' does (networks.torch_resnet8), which
is what SwiftCNN does, so the weights compute the same function in SwiftCNN. The export checks
that claim against an independent implementation: the same weights in the Keras ResNet-8 must
give the same probabilities on all 10,000 test images.

Files written to the output directory:
- weights.safetensors: the `state_dict` as it is (PyTorch layouts and names, float32, plus each
  batch norm's int64 `num_batches_tracked`, which SwiftCNN's importer ignores);
- module_order.json: the module names (prefixes before `.weight`) in SwiftCNN's layer order;
- classes.u8: the predicted class of each of the 10,000 test images, one byte each;
- probabilities-16.f32: the softmax of the first 16 test images, 16 x 10 float32 little-endian;
- README.md: how they were made.
"""

import json
import os
from pathlib import Path

import numpy as np

import networks
from frameworks import THREADS, TorchJob
from image_datasets import REPO_ROOT, load_split

BATCHNORM_EPSILON = 1e-5  # PyTorch's default, which SwiftCNN's imported model must use too
PROBABILITY_IMAGES = 16
# The largest difference from Keras' probabilities that still counts as the same function:
# float32 sums in different orders differ by about 1e-6.
KERAS_TOLERANCE = 1e-4


def keras_probabilities(state_dict, x):
    """Probabilities of the Keras ResNet-8 given the PyTorch weights (converted to Keras'
    layouts), with PyTorch's batch-norm epsilon."""
    import tensorflow as tf
    import keras
    tf.config.threading.set_intra_op_parallelism_threads(THREADS)
    tf.config.threading.set_inter_op_parallelism_threads(1)
    model = networks.keras_model("resnet8", keras, batchnorm_epsilon=BATCHNORM_EPSILON)
    weights = {name: tensor.numpy() for name, tensor in state_dict.items()}
    for layer in model.layers:
        if not layer.weights:
            continue
        module = layer.name.replace("_", ".")
        if isinstance(layer, keras.layers.Conv2D):
            layer.set_weights([weights[f"{module}.weight"].transpose(2, 3, 1, 0)])
        elif isinstance(layer, keras.layers.BatchNormalization):
            layer.set_weights([weights[f"{module}.{name}"]
                               for name in ("weight", "bias", "running_mean", "running_var")])
        else:
            layer.set_weights([weights[f"{module}.weight"].T, weights[f"{module}.bias"]])
    return np.concatenate([model(x[i:i + 1000], training=False).numpy()
                           for i in range(0, len(x), 1000)])


def write_atomically(path, data):
    partial = path.with_name(path.name + ".partial")
    partial.write_bytes(data)
    os.replace(partial, path)


def shown_path(out):
    """The output directory as the README shows it: relative to the repository if inside it."""
    try:
        return str(out.resolve().relative_to(REPO_ROOT))
    except ValueError:
        return out.name


def export(seed, epochs, out):
    from safetensors.torch import save
    job = TorchJob(seed, "resnet8")
    torch = job.torch
    x_train, y_train = load_split("train", "fashion")
    x_test, y_test = load_split("t10k", "fashion")
    print(f"torch {job.version}: training resnet8 (Keras padding) on fashion, {epochs} epoch(s), "
          f"seed {seed}, {THREADS} threads", flush=True)
    job.train(x_train, y_train, epochs)
    logits = job.logits(x_test)
    probabilities = torch.softmax(logits, dim=1).numpy()
    classes = logits.argmax(1).numpy().astype(np.uint8)
    accuracy = float((classes == y_test).mean())
    state_dict = {name: tensor.detach().contiguous() for name, tensor in job.model.state_dict().items()}
    order = networks.module_order(job.model, torch)
    print(f"  test accuracy {accuracy:.4f}", flush=True)

    keras = keras_probabilities(state_dict, x_test)
    difference = float(np.abs(keras - probabilities).max())
    agreeing = int((keras.argmax(1) == classes).sum())
    print(f"  Keras with the same weights: max probability difference {difference:.2e}, "
          f"{agreeing}/{len(classes)} classes agree", flush=True)
    if difference > KERAS_TOLERANCE:
        raise SystemExit(f"the PyTorch ResNet-8 does not compute what the Keras one does "
                         f"(max probability difference {difference:.2e}); nothing written")

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    write_atomically(out / "weights.safetensors", save(state_dict))
    write_atomically(out / "module_order.json", (json.dumps(order, indent=2) + "\n").encode())
    write_atomically(out / "classes.u8", classes.tobytes())
    write_atomically(out / "probabilities-16.f32",
                     probabilities[:PROBABILITY_IMAGES].astype("<f4").tobytes())
    write_atomically(out / "README.md", readme(seed, epochs, out, job.version, accuracy, order,
                                               difference, agreeing, classes).encode())
    for path in sorted(out.iterdir()):
        print(f"  {path.name}: {path.stat().st_size} bytes", flush=True)


def readme(seed, epochs, out, version, accuracy, order, difference, agreeing, classes):
    modules = "\n".join(f"{i + 1}. `{name}`" for i, name in enumerate(order))
    return f"""# ResNet-8 trained in PyTorch on Fashion-MNIST

Made with

```sh
Benchmarks/.venv-peers/bin/python Benchmarks/Peers/peers.py export-resnet8 --seed {seed} --epochs {epochs} --out {shown_path(out)}
```

torch {version}, seed {seed}, {epochs} epochs, {THREADS} threads; Adam (lr 1e-3, epsilon 1e-7),
batch 64. Test accuracy on the 10,000 Fashion-MNIST test images: {accuracy:.4f}.

**Network** (`Benchmarks/Peers/networks.py`, `torch_resnet8`): channels-last [0, 1] images,
given to PyTorch as NCHW; stem Conv 3x3 16 → BN → ReLU; three stages of one basic block with
16, 32 and 64 channels, the second and third starting with stride 2; a block is Conv 3x3 → BN →
ReLU → Conv 3x3 → BN, added to the shortcut (identity in the first stage, Conv 1x1 stride 2 →
BN in the others), then ReLU; global average pooling → Dense 10 (logits). Convolutions have no
bias; batch norms use PyTorch's epsilon 1e-5, so SwiftCNN's model must be built with epsilon
1e-5. Padding is Keras' 'same', as SwiftCNN's: stride-1 3x3 convolutions pad 1 on every side;
the stride-2 ones (28 → 14, 14 → 7) pad 0 above and left and 1 below and right, which PyTorch's
`padding=1` would not (it pads 1 on both sides: same output size, windows shifted by one pixel).

**Check.** The same weights in the Keras ResNet-8 (`keras_resnet8`, epsilon 1e-5) give
probabilities within {difference:.1e} of PyTorch's on all 10,000 test images; {agreeing:,} of the
10,000 predicted classes agree.

## Files

- `weights.safetensors`: the `state_dict` as saved by `safetensors.torch` (PyTorch layouts:
  Conv2d `[out, in, h, w]`, Linear `[out, in]`; BatchNorm2d `weight`, `bias`, `running_mean`,
  `running_var` and an int64 `num_batches_tracked`, which SwiftCNN ignores).
- `module_order.json`: the module names in the order of SwiftCNN's layers with parameters, for
  `loadWeights(fromPyTorch:moduleOrder:)`.
- `classes.u8`: the predicted class (0-9) of each test image in file order, one byte each
  (the first 16: {", ".join(str(c) for c in classes[:PROBABILITY_IMAGES])}).
- `probabilities-16.f32`: the softmax probabilities of the first {PROBABILITY_IMAGES} test
  images, {PROBABILITY_IMAGES} x 10 float32 little-endian, row by row.

## Module order

{modules}
"""
