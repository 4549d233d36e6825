#!/usr/bin/env bash
# Creates (or reuses) the virtual env of the ONNX checks at Scripts/ONNX/.venv and prints its python.
# Reinstalls only when requirements.txt changed since the last successful install.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
venv="$here/.venv"
requirements="$here/requirements.txt"
stamp="$venv/.requirements.sha256"
python="${PYTHON:-python3}"

wanted="$(sha256sum "$requirements" | cut -d' ' -f1)"
if ! [[ -x "$venv/bin/python" && -f "$stamp" && "$(cat "$stamp")" == "$wanted" ]]; then
    echo "setup-venv: installing onnx, onnxruntime and torch (CPU) into $venv" >&2
    [[ -x "$venv/bin/python" ]] || "$python" -m venv "$venv"
    "$venv/bin/python" -m pip install --quiet --requirement "$requirements" >&2
    # Written last, so an interrupted install is retried on the next call.
    echo "$wanted" > "$stamp"
fi
echo "$venv/bin/python"
