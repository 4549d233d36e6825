#!/usr/bin/env python3
"""Writes the fuzzers' seed corpora: small valid inputs of every kind each parser reads, a few damaged
ones, and some larger than 1 MB (a damaged gzip's trailer, for one, only matters at that size).

    make-seeds.py CORPUS_DIR MNIST_TRAIN

CORPUS_DIR gets one folder per harness (model, idx, image, architecture, onnx). MNIST_TRAIN is the built
mnist-train executable: the model seeds are files it saves (and the ONNX file it exports), so they follow
the current format.
"""
import gzip
import json
import os
import random
import shutil
import struct
import subprocess
import sys
import tempfile
import zlib

corpus, mnist_train = sys.argv[1], sys.argv[2]
root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
rng = random.Random(18)


def write(harness, name, data):
    folder = os.path.join(corpus, harness)
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, name), "wb") as f:
        f.write(data)


def noise(count):
    return bytes(rng.getrandbits(8) for _ in range(count))


# --- IDX and gzip -------------------------------------------------------------------------------

def idx(type_code, dimensions, payload):
    return bytes([0, 0, type_code, len(dimensions)]) + b"".join(struct.pack(">I", d) for d in dimensions) + payload


images = idx(0x08, [10, 28, 28], noise(10 * 784))
labels = idx(0x08, [10], bytes(range(10)))
write("idx", "images", images)
write("idx", "labels", labels)
write("idx", "images.gz", gzip.compress(images))
write("idx", "labels.gz", gzip.compress(labels))
write("idx", "int32", idx(0x0C, [3, 2], struct.pack(">6i", 1, -2, 3, -4, 5, -6)))
write("idx", "float32", idx(0x0D, [4], struct.pack(">4f", 0.5, -1, 1e30, 0)))
write("idx", "float64", idx(0x0E, [2], struct.pack(">2d", 0.25, -8)))
write("idx", "int16", idx(0x0B, [2, 2], struct.pack(">4h", 1, -1, 300, -300)))
write("idx", "two-members.gz", gzip.compress(images[:100]) + gzip.compress(images[100:]))
write("idx", "truncated", images[:500])
# Larger than 1 MB: 1,400 noise images, compressed (incompressible, so about 1.1 MB) ...
large = idx(0x08, [1400, 28, 28], noise(1400 * 784))
large_gz = bytearray(gzip.compress(large, 6))
write("idx", "large.gz", bytes(large_gz))
# ... the same cut short, its trailer claiming 4 GiB ...
damaged = bytearray(large_gz[:1_050_000])
damaged[-4:] = b"\xff\xff\xff\xff"
write("idx", "large-damaged.gz", bytes(damaged))
# ... and 4 MB of zeros in 4 kB: compressed a thousandfold (larger bombs only slow every execution
# that mutates them; the ceiling itself is tested in GzipTests).
write("idx", "bomb.gz", gzip.compress(idx(0x08, [4, 1024, 1024], bytes(4 << 20)), 9))

# --- PNG and PGM ---------------------------------------------------------------------------------

def png(width, height, color_type, bit_depth, rows, palette=None):
    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
    header = struct.pack(">IIBBBBB", width, height, bit_depth, color_type, 0, 0, 0)
    raw = b"".join(b"\x00" + row for row in rows)
    body = chunk(b"IHDR", header)
    if palette:
        body += chunk(b"PLTE", palette)
    return b"\x89PNG\r\n\x1a\n" + body + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")


def digit(width, height):
    """A bar, dark on light, as rows of 8-bit grey."""
    return [bytes(0 if width // 3 <= x < width // 2 and height // 5 <= y < 4 * height // 5 else 255
                  for x in range(width)) for y in range(height)]


rows = digit(28, 28)
write("image", "gray8.png", png(28, 28, 0, 8, rows))
write("image", "rgb.png", png(20, 24, 2, 8, [bytes(v for v in row[:20] for _ in range(3)) for row in digit(20, 24)]))
write("image", "rgba.png", png(16, 16, 6, 8, [bytes(b for v in row[:16] for b in (v, v, v, 255 - v)) for row in digit(16, 16)]))
write("image", "gray-alpha.png", png(16, 16, 4, 8, [bytes(b for v in row[:16] for b in (v, 255)) for row in digit(16, 16)]))
write("image", "gray16.png", png(12, 12, 0, 16, [bytes(b for v in row[:12] for b in (v, v)) for row in digit(12, 12)]))
write("image", "palette.png", png(8, 8, 3, 8, [bytes(v // 255 for v in row[:8]) for row in digit(8, 8)],
                                   palette=b"\x00\x00\x00\xff\xff\xff"))
write("image", "gray8-ascii.pgm", b"P2\n# a comment\n28 28\n255\n" + b"\n".join(b" ".join(b"%d" % v for v in row) for row in rows) + b"\n")
write("image", "gray8.pgm", b"P5 28 28 255\n" + b"".join(rows))
write("image", "gray16.pgm", b"P5 12 12 65535\n" + b"".join(bytes(b for v in row[:12] for b in (v, v)) for row in digit(12, 12)))
# Larger than 1 MB: a 1,100 × 1,000 digit as PGM, and the same with noise as PNG (incompressible).
big = digit(1100, 1000)
write("image", "large.pgm", b"P5 1100 1000 255\n" + b"".join(big))
write("image", "large.png", png(1100, 1000, 0, 8, [bytes(v ^ (rng.getrandbits(8) & 0x3F) for v in row) for row in big]))
fixtures = os.path.join(root, "Tests", "SwiftCNNVisionTests", "Fixtures")
for name in sorted(os.listdir(fixtures)):
    if name.endswith((".png", ".pgm")):
        shutil.copy(os.path.join(fixtures, name), os.path.join(corpus, "image", "fixture-" + name))

# --- Model files, checkpoints and their architectures --------------------------------------------

def safetensors_metadata(path):
    with open(path, "rb") as f:
        length = struct.unpack("<Q", f.read(8))[0]
        return json.loads(f.read(length)).get("__metadata__", {})


with tempfile.TemporaryDirectory() as data:
    write_idx = lambda name, content: open(os.path.join(data, name), "wb").write(content)
    write_idx("train-images-idx3-ubyte", idx(0x08, [64, 28, 28], noise(64 * 784)))
    write_idx("train-labels-idx1-ubyte", idx(0x08, [64], bytes(i % 10 for i in range(64))))
    write_idx("t10k-images-idx3-ubyte", idx(0x08, [16, 28, 28], noise(16 * 784)))
    write_idx("t10k-labels-idx1-ubyte", idx(0x08, [16], bytes(i % 10 for i in range(16))))
    saved = {}
    # The reference CNN's checkpoint (weights and Adam's two moments: about 1.5 MB), with and without
    # its Normalization layer.
    onnx_path = os.path.join(data, "reference-cnn.onnx")
    for name, flags in [("checkpoint.safetensors", ["--export-onnx", onnx_path]),
                        ("checkpoint-raw-pixels.safetensors", ["--no-standardize"])]:
        path = os.path.join(data, name)
        subprocess.run([mnist_train, "--data-dir", data, "--epochs", "1", "--quiet", "--threads", "1",
                        "--save", path] + flags, check=True, stdout=subprocess.DEVNULL)
        with open(path, "rb") as f:
            saved[name] = f.read()
        write("model", name, saved[name])
    metadata = safetensors_metadata(os.path.join(data, "checkpoint.safetensors"))
    with open(onnx_path, "rb") as f:
        saved_onnx = {"reference-cnn.onnx": f.read()}

# --- ONNX files: SwiftCNN's export and PyTorch's, whole and damaged ------------------------------

onnx_fixtures = os.path.join(root, "Tests", "SwiftCNNTests", "Fixtures", "ONNX")
for name in sorted(os.listdir(onnx_fixtures)):
    if name.endswith(".onnx"):
        with open(os.path.join(onnx_fixtures, name), "rb") as f:
            saved_onnx[name] = f.read()
for name, content in saved_onnx.items():
    write("onnx", name, content)
    flipped = bytearray(content)
    flipped[len(content) // 3] ^= 0x41
    write("onnx", "flipped-" + name, bytes(flipped))
    write("onnx", "truncated-" + name, content[: len(content) // 2])

for name, content in saved.items():
    # Damaged copies: a byte flipped in the header, and the file cut short.
    header = bytearray(content)
    header[40] ^= 0x20
    write("model", "flipped-" + name, bytes(header))
    write("model", "truncated-" + name, content[: len(content) // 2])
interop = os.path.join(root, "Tests", "SwiftCNNTests", "Fixtures", "Interop")
for name in sorted(os.listdir(interop)):
    shutil.copy(os.path.join(interop, name), os.path.join(corpus, "model", "interop-" + name))

architecture = json.loads(metadata["swiftcnn.model"])
write("architecture", "reference-cnn.json", json.dumps(architecture).encode())
# Models whose layers have no parameters get built in full by the harness: one of each such layer.
parameter_free = dict(architecture)
parameter_free["layers"] = [
    {"type": "max_pooling2d", "config": {"poolSize": [2, 2], "strides": [2, 2], "padding": "valid"}},
    {"type": "average_pooling2d", "config": {"poolSize": [3, 3], "strides": [1, 1], "padding": "same"}},
    {"type": "relu", "config": {}},
    {"type": "leaky_relu", "config": {"slope": 0.2}},
    {"type": "dropout", "config": {"rate": 0.5, "seed": 3}},
    {"type": "flatten", "config": {}},
    {"type": "sigmoid", "config": {}},
    {"type": "tanh", "config": {}},
    {"type": "softmax", "config": {}},
]
write("architecture", "parameter-free.json", json.dumps(parameter_free).encode())
write("architecture", "out-of-range.json",
      json.dumps(architecture).replace("28", "99999999999999999999", 1).encode())
write("architecture", "not-json.json", b'{"format": "swiftcnn.model", "layers": [')
