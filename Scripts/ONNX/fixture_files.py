"""The safetensors files of the ONNX fixtures, read and written with numpy alone."""
import json
import pathlib
import struct

import numpy as np


def read_safetensors(path):
    """The tensors of a safetensors file, as numpy arrays (F32, I64 and U8, as these fixtures hold)."""
    data = pathlib.Path(path).read_bytes()
    size = struct.unpack("<Q", data[:8])[0]
    header = json.loads(data[8:8 + size])
    kinds = {"F32": "<f4", "I64": "<i8", "U8": "u1"}
    tensors = {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        start, end = entry["data_offsets"]
        tensors[name] = np.frombuffer(data[8 + size + start:8 + size + end], dtype=kinds[entry["dtype"]]).reshape(entry["shape"])
    return tensors


def write_safetensors(path, tensors, metadata):
    """Writes numpy arrays in the safetensors format."""
    kinds = {np.dtype("float32"): "F32", np.dtype("uint8"): "U8"}
    header, blobs, offset = {"__metadata__": metadata}, [], 0
    for name, array in tensors.items():
        blob = np.ascontiguousarray(array).tobytes()
        header[name] = {"dtype": kinds[array.dtype], "shape": list(array.shape), "data_offsets": [offset, offset + len(blob)]}
        blobs.append(blob)
        offset += len(blob)
    encoded = json.dumps(header, separators=(",", ":")).encode()
    encoded += b" " * (-len(encoded) % 8)
    pathlib.Path(path).write_bytes(struct.pack("<Q", len(encoded)) + encoded + b"".join(blobs))
