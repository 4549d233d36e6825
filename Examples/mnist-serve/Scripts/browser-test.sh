#!/usr/bin/env bash
# The page as a person uses it: headless Chromium draws ten MNIST test digits on mnist-serve's canvas with
# mouse events and reads the predicted digit from the page (browser_test.py); at least 9 must be right.
# Installs Debian's chromium and a Python venv with websocket-client when missing. Needs MNIST_DIR and a
# built mnist-serve (`swift build -c release` in Examples/mnist-serve).
# Usage: Scripts/browser-test.sh [SCREENSHOT.png]   (default .results/browser-test.png)
set -euo pipefail
cd "$(dirname "$0")/.."
: "${MNIST_DIR:?set MNIST_DIR to the folder holding the MNIST files}"
screenshot=${1:-.results/browser-test.png}

if ! command -v chromium >/dev/null; then
    if [ "$(id -u)" -ne 0 ]; then
        echo "The browser test needs Debian's chromium: sudo apt-get install -y chromium" >&2
        exit 1
    fi
    echo "Installing chromium"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi
venv=.venv-browser
if ! "$venv/bin/python" -c "import websocket" 2>/dev/null; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q --disable-pip-version-check -r Scripts/requirements-browser.txt
fi

. Scripts/start-server.sh
model=$(test_model)
start_server "$model"
trap stop_server EXIT
echo "mnist-serve at $SERVER_URL"
"$venv/bin/python" Scripts/browser_test.py "$SERVER_URL" "$MNIST_DIR" "$screenshot"
