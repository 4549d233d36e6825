#!/usr/bin/env bash
# Requests per second and latency of POST /predict, measured by wrk from another process on loopback,
# with the server on 1 and on 2 threads. The body is what the page sends: a 280×280 PNG of a drawn digit
# (an MNIST test digit enlarged tenfold, dark on white). Installs Debian's wrk when missing; needs
# MNIST_DIR and a built mnist-serve.
# Usage: Scripts/load-test.sh [SECONDS] [CONNECTIONS]   (default 15 s, 8 connections)
set -euo pipefail
cd "$(dirname "$0")/.."
: "${MNIST_DIR:?set MNIST_DIR to the folder holding the MNIST files}"
seconds=${1:-15}
connections=${2:-8}

if ! command -v wrk >/dev/null; then
    if [ "$(id -u)" -ne 0 ]; then
        echo "The load test needs Debian's wrk: sudo apt-get install -y wrk" >&2
        exit 1
    fi
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null
fi

. Scripts/start-server.sh
model=$(test_model)
work=$(mktemp -d)
trap 'stop_server; rm -rf "$work"' EXIT

# The body, written with Python's standard library only.
python3 - "$MNIST_DIR" "$work/digit.png" <<'PY'
import gzip, os, struct, sys, zlib
directory, output = sys.argv[1], sys.argv[2]
path = os.path.join(directory, "t10k-images-idx3-ubyte")
images = open(path, "rb").read() if os.path.exists(path) else gzip.open(path + ".gz").read()
digit = images[16:16 + 784]                      # test image 0, a 7
rows = b"".join(b"\x00" + bytes(255 - digit[(y // 10) * 28 + x // 10] for x in range(280)) for y in range(280))
def chunk(kind, payload):
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))
with open(output, "wb") as file:
    file.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 280, 280, 8, 0, 0, 0, 0))
               + chunk(b"IDAT", zlib.compress(rows, 9)) + chunk(b"IEND", b""))
PY
cat >"$work/post.lua" <<LUA
local file = io.open("$work/digit.png", "rb")
wrk.method = "POST"
wrk.body = file:read("*a")
file:close()
wrk.headers["Content-Type"] = "image/png"
LUA

echo "POST /predict, $(stat -c %s "$work/digit.png")-byte PNG, wrk: 1 thread, $connections connections, $seconds s"
echo "CPU: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores"
echo
echo "| server threads | requests/s | p50 latency | p99 latency | errors |"
echo "|---|---|---|---|---|"
for threads in 1 2; do
    start_server "$model" --threads "$threads"
    wrk -t1 -c"$connections" -d3s -s "$work/post.lua" "${SERVER_URL}predict" >/dev/null   # warm-up
    wrk -t1 -c"$connections" -d"${seconds}s" --latency -s "$work/post.lua" "${SERVER_URL}predict" >"$work/wrk.txt"
    stop_server
    rate=$(awk '/^Requests\/sec/ {print $2}' "$work/wrk.txt")
    p50=$(awk '/^ +50%/ {print $2}' "$work/wrk.txt")
    p99=$(awk '/^ +99%/ {print $2}' "$work/wrk.txt")
    errors=$(awk '/Non-2xx|Socket errors/ {sub(/^ +/, ""); printf "%s; ", $0}' "$work/wrk.txt")
    echo "| $threads | $rate | $p50 | $p99 | ${errors:-none} |"
done
