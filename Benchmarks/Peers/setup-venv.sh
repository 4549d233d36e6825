#!/usr/bin/env bash
# Creates (or reuses) the peer-framework virtual env at Benchmarks/.venv-peers.
# Reinstalls only when requirements.txt changed since the last successful install.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
venv="$(cd "$here/.." && pwd)/.venv-peers"
requirements="$here/requirements.txt"
stamp="$venv/.requirements.sha256"
python="${PYTHON:-python3}"

wanted="$(sha256sum "$requirements" | cut -d' ' -f1)"
if [[ -x "$venv/bin/python" && -f "$stamp" && "$(cat "$stamp")" == "$wanted" ]]; then
    exit 0
fi

echo "setup-venv: installing peer frameworks into $venv (about 2.5 GB)" >&2
[[ -x "$venv/bin/python" ]] || "$python" -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --requirement "$requirements"
# Written last, so an interrupted install is retried on the next call.
echo "$wanted" > "$stamp"
