#!/usr/bin/env bash
# One command for the peer comparison: ensures the virtual env, then runs `peers.py all`.
# Arguments go to `peers.py all` (e.g. --epochs 1 --seeds 1). Each RESULT is also written,
# as one JSON line, to $PEERS_RESULTS (default Benchmarks/.results/peers.jsonl), which
# this script empties first so that the file holds exactly one run.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
benchmarks="$(cd "$here/.." && pwd)"
results="${PEERS_RESULTS:-$benchmarks/.results/peers.jsonl}"

"$here/setup-venv.sh"
mkdir -p "$(dirname "$results")"
: > "$results"
"$benchmarks/.venv-peers/bin/python" "$here/peers.py" all --results "$results" "$@"
echo "results: $results"
