"""MNIST and Fashion-MNIST from their gzipped IDX files, as channels-last [0, 1] floats.

Directories: $MNIST_DIR (default ../shared/datasets/mnist beside the repository) and
$FASHION_MNIST_DIR (default /usr/share/datasets/fashion-mnist, where Debian's
dataset-fashion-mnist package puts it). Both hold train-images-idx3-ubyte.gz,
train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz and t10k-labels-idx1-ubyte.gz.
"""

import gzip
import os
from pathlib import Path

import numpy as np

REPO_ROOT = Path(__file__).resolve().parents[2]
DATASETS = ("mnist", "fashion")


def dataset_dir(dataset):
    if dataset == "mnist":
        return Path(os.environ.get("MNIST_DIR", REPO_ROOT.parent / "shared" / "datasets" / "mnist"))
    if dataset == "fashion":
        return Path(os.environ.get("FASHION_MNIST_DIR", "/usr/share/datasets/fashion-mnist"))
    raise ValueError(f"unknown dataset {dataset!r}; expected one of {', '.join(DATASETS)}")


def read_idx(path):
    """Parses a gzipped IDX file (big-endian header: magic, one uint32 per dimension)."""
    with gzip.open(path, "rb") as f:
        data = f.read()
    if data[:3] != b"\x00\x00\x08":
        raise ValueError(f"{path}: not an unsigned-byte IDX file")
    dims = data[3]
    shape = tuple(int.from_bytes(data[4 + 4 * i: 8 + 4 * i], "big") for i in range(dims))
    expected = 4 + 4 * dims + int(np.prod(shape))
    if len(data) != expected:
        raise ValueError(f"{path}: {len(data)} bytes, expected {expected} for shape {shape}")
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


def load_split(prefix, dataset="mnist"):
    """Returns (images N x 28 x 28 x 1 float32 in [0, 1], labels N int64); prefix is
    "train" or "t10k"."""
    directory = dataset_dir(dataset)
    images = read_idx(directory / f"{prefix}-images-idx3-ubyte.gz")
    labels = read_idx(directory / f"{prefix}-labels-idx1-ubyte.gz")
    return (images.astype(np.float32) / 255.0)[..., np.newaxis], labels.astype(np.int64)
