#!/usr/bin/env bash
# Measures ONNX parity on all 10,000 MNIST test images, for the figures in Documentation/Guide.md:
#  - a model trained by mnist-train (EPOCHS epochs, 1 by default) and exported with --export-onnx, run in
#    ONNX Runtime: how many classes are identical to SwiftCNN's, and the largest probability difference;
#  - PyTorch's exports of the reference CNN, pytorch/examples' network and ResNet-8 (make-fixtures.py),
#    imported with Model(onnx:): identical classes and largest logit and probability differences.
#
# Usage: MNIST_DIR=path/to/mnist Scripts/ONNX/parity.sh [EPOCHS]
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
epochs="${1:-1}"
: "${MNIST_DIR:?set MNIST_DIR to the folder of the MNIST files}"
python="$("$root/Scripts/ONNX/setup-venv.sh")"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

cd "$root"
swift build -c release --product mnist-train
.build/release/mnist-train --epochs "$epochs" --save "$work/model.safetensors" --export-onnx "$work/model.onnx"
"$python" Scripts/ONNX/make-fixtures.py "$work/pytorch" --images 10000
swift build -c release -Xswiftc -enable-testing --build-tests
SWIFTCNN_ONNX_PYTHON="$python" SWIFTCNN_ONNX_PARITY_MODEL="$work/model" SWIFTCNN_ONNX_FIXTURES="$work/pytorch" \
    swift test -c release -Xswiftc -enable-testing --skip-build --filter 'ONNXParityMeasurement|ONNXImportTests' 2>&1 \
    | grep -E "ONNX|passed|failed|error"
