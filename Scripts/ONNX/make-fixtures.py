#!/usr/bin/env python3
"""Exports PyTorch networks to ONNX with their outputs on MNIST test images, for SwiftCNN's ONNX import tests.

Made with Python 3.11 and the pins of Scripts/ONNX/requirements.txt (torch 2.13.0+cpu, onnx 1.23.2,
numpy 2.4.6):

    MNIST_DIR=path/to/mnist Scripts/ONNX/.venv/bin/python Scripts/ONNX/make-fixtures.py \
        Tests/SwiftCNNTests/Fixtures/ONNX --networks reference resnet8 --images 256

The networks are Benchmarks/Peers/networks.py's, exported by `torch.onnx.export` with the classic
(TorchScript) exporter (`dynamo=False`), opset 13, a dynamic batch dimension and constant folding:
  reference         the reference CNN as networks.py writes it: it takes channels-last images [N, 28, 28, 1],
                    permutes them to NCHW and flattens in (h, w, c) order (so the graph holds Transposes),
                    with the weights PyTorch trained in Scripts/interop/pytorch_reference.py
                    (Tests/SwiftCNNTests/Fixtures/Interop/pytorch-reference-cnn.safetensors), their dense1
                    columns moved from (c, h, w) to (h, w, c) order
  resnet8           ResNet-8 (Pad before its stride-2 convolutions, batch normalisations folded into the
                    convolutions by the exporter, ReduceMean; the padding amounts taken as constants, see
                    below), with the weights trained on Fashion-MNIST in
                    Tests/SwiftCNNTests/Fixtures/resnet8-pytorch/weights.safetensors
  pytorch-examples  pytorch/examples' MNIST network (1.2 M parameters, Dropout), weights drawn with
                    torch.manual_seed(SEED); 4.8 MB, so it is not committed: the tests export it when they
                    have Python

Written to OUT_DIR:
  mnist-test-images.safetensors        `images`, U8 [N, 28, 28]: the first N MNIST test images
  pytorch-NAME.onnx                    the exported network
  pytorch-NAME-outputs.safetensors     `logits`, F32 [N, 10]: PyTorch's outputs for those images (pixels / 255)
"""
import argparse
import os
import pathlib
import sys

import numpy as np
import torch

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "Benchmarks" / "Peers"))
import networks  # noqa: E402
from image_datasets import read_idx  # noqa: E402
from fixture_files import read_safetensors, write_safetensors  # noqa: E402

NETWORKS = ["reference", "resnet8", "pytorch-examples"]


# ResNet-8 computes its 'same' padding from the image's size (x.shape[2]): traced as it is, the exporter writes
# that arithmetic as some 60 Shape/Gather/Cast/Concat/Slice nodes. The sizes are fixed (only the batch varies),
# so they are taken as Python numbers, and the exporter writes one Pad with constant pads.
_keras_same_padding = networks.keras_same_padding
networks.keras_same_padding = lambda size, kernel, stride: _keras_same_padding(int(size), kernel, stride)


def network(name, seed):
    torch.manual_seed(seed)
    model = networks.torch_model(name, torch)
    if name == "reference":
        trained = read_safetensors(ROOT / "Tests/SwiftCNNTests/Fixtures/Interop/pytorch-reference-cnn.safetensors")
        # networks.py's reference flattens (h, w, c); the trained Linear takes (c, h, w) = (64, 5, 5).
        dense1 = trained["7.weight"].reshape(64, 64, 5, 5).transpose(0, 2, 3, 1).reshape(64, 1600)
        state = {"conv1.weight": trained["0.weight"], "conv1.bias": trained["0.bias"],
                 "conv2.weight": trained["3.weight"], "conv2.bias": trained["3.bias"],
                 "dense1.weight": dense1, "dense1.bias": trained["7.bias"],
                 "dense2.weight": trained["9.weight"], "dense2.bias": trained["9.bias"]}
        model.load_state_dict({key: torch.from_numpy(np.array(value)) for key, value in state.items()})
    elif name == "resnet8":
        trained = read_safetensors(ROOT / "Tests/SwiftCNNTests/Fixtures/resnet8-pytorch/weights.safetensors")
        model.load_state_dict({key: torch.from_numpy(np.array(value)) for key, value in trained.items()})
    return model.eval()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out", type=pathlib.Path)
    parser.add_argument("--networks", nargs="+", choices=NETWORKS, default=NETWORKS)
    parser.add_argument("--images", type=int, default=256, help="how many test images (the first N)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--mnist-dir", default=os.environ.get("MNIST_DIR"), help="directory of the .gz IDX files")
    arguments = parser.parse_args()
    if not arguments.mnist_dir:
        parser.error("set MNIST_DIR or pass --mnist-dir")
    torch.set_num_threads(1)
    images = read_idx(pathlib.Path(arguments.mnist_dir) / "t10k-images-idx3-ubyte.gz")[:arguments.images]
    versions = {"torch": torch.__version__, "numpy": np.__version__}
    arguments.out.mkdir(parents=True, exist_ok=True)
    write_safetensors(arguments.out / "mnist-test-images.safetensors", {"images": images}, versions)
    pixels = torch.from_numpy(images.astype(np.float32) / 255).unsqueeze(-1)  # [N, 28, 28, 1]
    for name in arguments.networks:
        model = network(name, arguments.seed)
        inputs = pixels if model.takes_channels_last else pixels.permute(0, 3, 1, 2).contiguous()
        path = arguments.out / f"pytorch-{name}.onnx"
        torch.onnx.export(model, (inputs[:1],), str(path), dynamo=False, opset_version=13, do_constant_folding=True,
                          input_names=["input"], output_names=["logits"],
                          dynamic_axes={"input": {0: "N"}, "logits": {0: "N"}})
        with torch.no_grad():
            logits = model(inputs).numpy().astype(np.float32)
        write_safetensors(arguments.out / f"pytorch-{name}-outputs.safetensors", {"logits": logits}, versions)
        print(f"wrote {path.name} ({path.stat().st_size} bytes) and pytorch-{name}-outputs.safetensors")


if __name__ == "__main__":
    main()
