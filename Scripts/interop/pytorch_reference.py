#!/usr/bin/env python3
"""Trains the reference CNN in PyTorch and exports what SwiftCNN's weight-import tests check against.

Made with Python 3.11, torch 2.13.0 (CPU), safetensors 0.8.0 and numpy 2.4.6:

    MNIST_DIR=path/to/mnist python3 Scripts/interop/pytorch_reference.py [--epochs 1] [--seed 0]
    python3 Scripts/interop/pytorch_reference.py --only batchnorm    # just the small model, no MNIST needed

The model is SwiftCNN's reference CNN in PyTorch's layout (NCHW, `Conv2d` weights [O, I, KH, KW], `Linear`
weights [out, in], flattening in (channel, row, column) order):
Conv2d(1→32, 3) ReLU MaxPool(2) Conv2d(32→64, 3) ReLU MaxPool(2) Flatten Linear(1600→64) ReLU Linear(64→10).
It is trained with Adam (lr 1e-3, batch 64) on pixels divided by 255, as SwiftCNN reads MNIST.

Written to Tests/SwiftCNNTests/Fixtures/Interop/:
  pytorch-reference-cnn.safetensors      the trained state_dict, as `safetensors.torch.save_file` writes it
  pytorch-reference-outputs.safetensors  `images` (U8 [16, 28, 28], the first 16 test images), their `logits`
                                         and softmax `probabilities` (F32 [16, 10]), and `test_classes`
                                         (U8 [10000], the predicted class of every test image)
  pytorch-batchnorm.safetensors          a small random model with BatchNorm2d, and BatchNorm1d after Flatten:
                                         Conv2d(2→4, 3) BatchNorm2d ReLU MaxPool(2) Flatten BatchNorm1d(36)
                                         Linear(36→5), with random running statistics, in eval mode
  pytorch-batchnorm-outputs.safetensors  its `inputs` (F32 [4, 8, 8, 2], channels-last as SwiftCNN takes them)
                                         and `outputs` (F32 [4, 5])
"""
import argparse
import gzip
import os
import pathlib
import sys

import numpy as np
import safetensors
import torch
from torch import nn
from safetensors.torch import save_file

FIXTURES = pathlib.Path(__file__).resolve().parents[2] / "Tests/SwiftCNNTests/Fixtures/Interop"


def read_idx(path):
    with gzip.open(path, "rb") as file:
        data = file.read()
    dimensions = data[3]
    shape = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(dimensions)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dimensions).reshape(shape)


def reference_cnn():
    return nn.Sequential(
        nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(1600, 64), nn.ReLU(),
        nn.Linear(64, 10),
    )


def versions():
    return {"torch": torch.__version__, "safetensors": safetensors.__version__, "numpy": np.__version__}


def write_batchnorm_model(seed):
    torch.manual_seed(seed)
    model = nn.Sequential(
        nn.Conv2d(2, 4, 3), nn.BatchNorm2d(4), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.BatchNorm1d(36),
        nn.Linear(36, 5),
    )
    with torch.no_grad():
        for normalization in (model[1], model[5]):
            normalization.weight.uniform_(0.5, 1.5)
            normalization.bias.normal_(0, 0.5)
            normalization.running_mean.normal_(0, 0.5)
            normalization.running_var.uniform_(0.5, 2.0)
    model.eval()
    inputs = torch.randn(4, 8, 8, 2)
    with torch.no_grad():
        outputs = model(inputs.permute(0, 3, 1, 2))
    FIXTURES.mkdir(parents=True, exist_ok=True)
    save_file({name: tensor.contiguous() for name, tensor in model.state_dict().items()},
              FIXTURES / "pytorch-batchnorm.safetensors", metadata={"format": "pt", **versions()})
    save_file({"inputs": inputs.contiguous(), "outputs": outputs.contiguous()},
              FIXTURES / "pytorch-batchnorm-outputs.safetensors", metadata=versions())
    print("wrote pytorch-batchnorm.safetensors and pytorch-batchnorm-outputs.safetensors")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mnist-dir", default=os.environ.get("MNIST_DIR"), help="directory of the .gz IDX files")
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--only", choices=["reference", "batchnorm"], help="write only these fixtures")
    arguments = parser.parse_args()
    if arguments.only != "reference":
        write_batchnorm_model(arguments.seed)
    if arguments.only == "batchnorm":
        return
    if not arguments.mnist_dir:
        parser.error("set MNIST_DIR or pass --mnist-dir")
    directory = pathlib.Path(arguments.mnist_dir)

    torch.manual_seed(arguments.seed)
    train_images = torch.from_numpy(read_idx(directory / "train-images-idx3-ubyte.gz").copy())
    train_labels = torch.from_numpy(read_idx(directory / "train-labels-idx1-ubyte.gz").astype(np.int64))
    test_images = torch.from_numpy(read_idx(directory / "t10k-images-idx3-ubyte.gz").copy())
    test_labels = torch.from_numpy(read_idx(directory / "t10k-labels-idx1-ubyte.gz").astype(np.int64))

    def pixels(images):
        return (images.float() / 255).unsqueeze(1)

    model = reference_cnn()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_function = nn.CrossEntropyLoss()
    for epoch in range(arguments.epochs):
        model.train()
        order = torch.randperm(len(train_images))
        for start in range(0, len(order), 64):
            batch = order[start:start + 64]
            optimizer.zero_grad()
            loss = loss_function(model(pixels(train_images[batch])), train_labels[batch])
            loss.backward()
            optimizer.step()
        print(f"epoch {epoch + 1}: last batch loss {loss.item():.4f}")

    model.eval()
    with torch.no_grad():
        logits = torch.cat([model(pixels(test_images[i:i + 1000])) for i in range(0, len(test_images), 1000)])
    classes = logits.argmax(dim=1)
    accuracy = (classes == test_labels).float().mean().item()
    print(f"test accuracy {accuracy:.4%}")

    FIXTURES.mkdir(parents=True, exist_ok=True)
    state = {name: tensor.contiguous() for name, tensor in model.state_dict().items()}
    save_file(state, FIXTURES / "pytorch-reference-cnn.safetensors",
              metadata={"format": "pt", "test_accuracy": f"{accuracy:.4f}", **versions()})
    outputs = {
        "images": test_images[:16].contiguous(),
        "logits": logits[:16].contiguous(),
        "probabilities": torch.softmax(logits[:16], dim=1).contiguous(),
        "test_classes": classes.to(torch.uint8).contiguous(),
    }
    save_file(outputs, FIXTURES / "pytorch-reference-outputs.safetensors", metadata=versions())
    print(f"wrote {FIXTURES / 'pytorch-reference-cnn.safetensors'} and pytorch-reference-outputs.safetensors")


if __name__ == "__main__":
    sys.exit(main())
