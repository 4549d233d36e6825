#!/usr/bin/env python3
"""SafeTensors fixtures written by the reference implementation, and a check that it reads SwiftCNN's files.

Made with Python 3.11, safetensors 0.8.0, numpy 2.4.6 and torch 2.13.0 (CPU; torch only for bfloat16).

    python3 Scripts/interop/safetensors_fixtures.py            # rewrite the fixtures
    python3 Scripts/interop/safetensors_fixtures.py --check model.safetensors [...]

The fixtures, under Tests/SwiftCNNTests/Fixtures/Interop/:
  python-dtypes.safetensors  one tensor of each element type SwiftCNN reads, with known values
  python-f32.safetensors     two float32 tensors that SwiftCNN must serialize to exactly these bytes

`--check` loads each file with safetensors (the Rust reader, through numpy and through safe_open) and
prints its metadata and tensors; it exits non-zero if the library rejects a file.
"""
import argparse
import pathlib
import sys

import numpy as np
import safetensors
import torch
from safetensors import safe_open
from safetensors.numpy import load_file
from safetensors.torch import save_file

FIXTURES = pathlib.Path(__file__).resolve().parents[2] / "Tests/SwiftCNNTests/Fixtures/Interop"


def write_fixtures():
    FIXTURES.mkdir(parents=True, exist_ok=True)
    dtypes = {
        "f32": torch.tensor([[1.5, -2.25, 3.0], [0.0, -0.0, 1e-40]], dtype=torch.float32),
        "f16": torch.tensor([1.0, -2.0, 65504.0, 2.0**-24, float("inf")], dtype=torch.float16),
        "bf16": torch.tensor([1.0, -0.15625, 3.0e38], dtype=torch.bfloat16),
        "f64": torch.tensor([0.1, -1.0e10], dtype=torch.float64),
        "i64": torch.tensor([-3, 0, 7], dtype=torch.int64),
        "i32": torch.tensor([[-2147483648], [5]], dtype=torch.int32),
        "u8": torch.tensor([0, 255], dtype=torch.uint8),
        "bool": torch.tensor([True, False], dtype=torch.bool),
        "scalar": torch.tensor(2.5, dtype=torch.float32),
        "empty": torch.zeros(0, 3, dtype=torch.float32),
    }
    save_file(dtypes, FIXTURES / "python-dtypes.safetensors", metadata={"format": "pt", "origin": "safetensors"})
    float32 = {
        "a": torch.arange(6, dtype=torch.float32).reshape(2, 3),
        "b": torch.tensor([-1.0]),
    }
    save_file(float32, FIXTURES / "python-f32.safetensors", metadata={"format": "pt"})
    print(f"wrote fixtures in {FIXTURES} with safetensors {safetensors.__version__}, torch {torch.__version__}")


def check(paths):
    for path in paths:
        tensors = load_file(path)
        with safe_open(path, framework="numpy") as handle:
            metadata = handle.metadata() or {}
            names = list(handle.keys())
        assert sorted(names) == sorted(tensors), "safe_open and load_file disagree"
        print(f"{path}: {len(tensors)} tensors, metadata keys {sorted(metadata)}")
        for name in names:
            array = tensors[name]
            finite = bool(np.isfinite(array).all()) if array.dtype.kind == "f" else True
            print(f"  {name}: {array.dtype} {list(array.shape)} finite={finite}")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", nargs="+", metavar="FILE", help="load these files instead of writing fixtures")
    arguments = parser.parse_args()
    if arguments.check:
        check(arguments.check)
    else:
        write_fixtures()


if __name__ == "__main__":
    sys.exit(main())
