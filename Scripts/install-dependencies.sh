#!/usr/bin/env bash
# Installs the Debian packages SwiftCNN builds against, when any is missing.
# As root it runs apt-get itself; otherwise it prints the exact command and fails, so that
# `make` never half-builds on a machine without them.
set -euo pipefail

if ! command -v swift >/dev/null; then
    echo "SwiftCNN needs a Swift 6.1 or later toolchain on PATH (https://www.swift.org/install/linux/)." >&2
    exit 1
fi

# Open MPI for the SwiftCNNDistributed product and the examples' --distributed (mpirun comes with openmpi-bin).
packages=(libopenblas-dev libpng-dev libjpeg-dev libcairo2-dev zlib1g-dev pkg-config libopenmpi-dev openmpi-bin)
if [ "${WITH_FASHION_MNIST:-0}" = 1 ]; then
    packages+=(dataset-fashion-mnist)
fi
# The ONNX tests' virtual env (Scripts/ONNX/setup-venv.sh) needs Python's venv module.
if [ "${WITH_ONNX:-0}" = 1 ]; then
    packages+=(python3 python3-venv)
fi
# The fuzzers' seed corpora are written by a Python script (Fuzz/Scripts/make-seeds.py).
if [ "${WITH_FUZZING:-0}" = 1 ]; then
    packages+=(python3)
fi

# oneDNN, only for the benchmarks' onednn-comparison (make bench-onednn).
if [ "${WITH_ONEDNN:-0}" = 1 ]; then
    packages+=(libdnnl-dev)
fi

missing=()
for package in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -eq 0 ]; then
    echo "Installing ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
else
    echo "SwiftCNN needs these Debian packages: ${missing[*]}" >&2
    echo "Install them with:  sudo apt-get install -y ${missing[*]}" >&2
    exit 1
fi
