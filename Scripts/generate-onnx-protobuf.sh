#!/usr/bin/env bash
# Regenerates Sources/ONNXProtobuf/onnx.pb.swift, the Swift messages of ONNX's onnx.proto, which the ONNX
# export and import of SwiftCNN read and write through swift-protobuf. The generated file is committed:
# building the plugin takes minutes, so neither `make` nor CI runs this.
#
# Made with:
#   protoc 3.21.12 (Debian 12's protobuf-compiler)
#   protoc-gen-swift 1.39.0, built from apple/swift-protobuf at tag 1.39.0:
#       git clone https://github.com/apple/swift-protobuf && cd swift-protobuf && git checkout 1.39.0
#       swift build -c release --product protoc-gen-swift
#   onnx.proto of the onnx 1.23.2 wheel (the file ships inside the package, as onnx/onnx.proto)
#
# Usage: Scripts/generate-onnx-protobuf.sh PATH/TO/protoc-gen-swift PATH/TO/onnx.proto
set -euo pipefail

if [[ $# -ne 2 ]]; then
    echo "usage: $0 PATH/TO/protoc-gen-swift PATH/TO/onnx.proto" >&2
    exit 2
fi
plugin="$1"
proto="$2"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
output="$root/Sources/ONNXProtobuf"

# Public, so the SwiftCNN target (which imports the module internally) can use the messages.
protoc --plugin=protoc-gen-swift="$plugin" \
    --proto_path="$(dirname "$proto")" \
    --swift_opt=Visibility=Public \
    --swift_out="$output" \
    "$(basename "$proto")"
echo "wrote $output/onnx.pb.swift"
