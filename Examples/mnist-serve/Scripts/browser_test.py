"""Draws MNIST test digits on mnist-serve's page in headless Chromium and reads back the predictions.

Each digit is traced as a person with a mouse would colour it in: one stroke along every run of ink in
every pixel row, sent as real mouse events through the Chrome DevTools Protocol, so the page's pointer
handlers, its drawing, its requests and its display are all exercised. Usage:

    python3 browser_test.py SERVER_URL MNIST_DIR SCREENSHOT.png [--chromium PATH]

Exits non-zero unless at least 9 of the 10 digits (the first test image of each class) come back right.
"""
import argparse
import base64
import gzip
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request

import websocket  # websocket-client, pinned in requirements-browser.txt

DIGITS_REQUIRED = 9


def read_test_digits(mnist_dir):
    """The first test image of each class 0...9, as 28 rows of 28 values in 0...255, with its label."""
    def load(name):
        path = os.path.join(mnist_dir, name)
        if os.path.exists(path):
            return open(path, "rb").read()
        return gzip.open(path + ".gz", "rb").read()

    images = load("t10k-images-idx3-ubyte")
    labels = load("t10k-labels-idx1-ubyte")
    chosen = {}
    for index, label in enumerate(labels[8:]):
        if label not in chosen:
            start = 16 + index * 784
            pixels = images[start:start + 784]
            chosen[label] = (index, [list(pixels[row * 28:(row + 1) * 28]) for row in range(28)])
        if len(chosen) == 10:
            break
    return [(label, *chosen[label]) for label in range(10)]


def strokes_for(rows, threshold=90):
    """One horizontal stroke per run of ink pixels in each row, in digit pixel units (centres)."""
    strokes = []
    for y, row in enumerate(rows):
        x = 0
        while x < 28:
            if row[x] >= threshold:
                start = x
                while x < 28 and row[x] >= threshold:
                    x += 1
                strokes.append(((start + 0.5, y + 0.5), (x - 0.5, y + 0.5)))
            else:
                x += 1
    return strokes


class DevTools:
    """A minimal Chrome DevTools Protocol client: one page, commands answered in order."""

    def __init__(self, socket_url):
        self.socket = websocket.create_connection(socket_url, timeout=30, suppress_origin=True)
        self.next_id = 0

    def call(self, method, **params):
        self.next_id += 1
        self.socket.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            message = json.loads(self.socket.recv())
            if message.get("id") == self.next_id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result", {})

    def evaluate(self, expression):
        result = self.call("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in result:
            raise RuntimeError(f"{expression}: {result['exceptionDetails']}")
        return result["result"].get("value")

    def wait_for(self, expression, timeout=20):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.evaluate(expression):
                return
            time.sleep(0.05)
        raise TimeoutError(f"waited {timeout} s for {expression}")

    def mouse(self, kind, x, y, buttons):
        self.call("Input.dispatchMouseEvent", type=kind, x=x, y=y, button="left",
                  buttons=buttons, clickCount=1 if kind != "mouseMoved" else 0)


def draw(tools, strokes, rect):
    """Drags the mouse along each stroke, mapping digit pixels onto the canvas with a small margin."""
    margin = rect["width"] * 0.1
    scale = (rect["width"] - 2 * margin) / 28

    def place(point):
        return rect["left"] + margin + point[0] * scale, rect["top"] + margin + point[1] * scale

    for start, end in strokes:
        x0, y0 = place(start)
        x1, y1 = place(end)
        tools.mouse("mouseMoved", x0, y0, 0)
        tools.mouse("mousePressed", x0, y0, 1)
        steps = max(1, int(abs(x1 - x0) / 4))
        for step in range(1, steps + 1):
            tools.mouse("mouseMoved", x0 + (x1 - x0) * step / steps, y0 + (y1 - y0) * step / steps, 1)
        tools.mouse("mouseReleased", x1, y1, 0)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("mnist_dir")
    parser.add_argument("screenshot")
    parser.add_argument("--chromium", default=shutil.which("chromium") or "chromium")
    arguments = parser.parse_args()

    profile = tempfile.mkdtemp(prefix="mnist-serve-browser-")
    browser = subprocess.Popen(
        [arguments.chromium, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
         "--disable-extensions", "--disable-dev-shm-usage", "--remote-debugging-port=0",
         f"--user-data-dir={profile}", "--window-size=900,1000", "about:blank"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        # Chromium writes the port it picked into the profile once DevTools listens.
        port_file = os.path.join(profile, "DevToolsActivePort")
        deadline = time.time() + 60
        while not (os.path.exists(port_file) and open(port_file).read().strip()):
            if time.time() > deadline or browser.poll() is not None:
                raise RuntimeError("Chromium did not start its DevTools server")
            time.sleep(0.1)
        port = open(port_file).read().split()[0]
        targets = json.load(urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list"))
        page = next(target for target in targets if target["type"] == "page")
        tools = DevTools(page["webSocketDebuggerUrl"])
        tools.call("Page.enable")
        tools.call("Page.navigate", url=arguments.url)
        tools.wait_for("document.readyState === 'complete' && !!document.getElementById('pad')")

        right = 0
        for label, index, rows in read_test_digits(arguments.mnist_dir):
            tools.evaluate("document.getElementById('clear').click()")
            rect = tools.evaluate("(r => ({left: r.left, top: r.top, width: r.width}))"
                                  "(document.getElementById('pad').getBoundingClientRect())")
            strokes = strokes_for(rows)
            draw(tools, strokes, rect)
            tools.wait_for("document.body.dataset.busy === 'false' && "
                           "document.body.dataset.answered === document.body.dataset.version")
            shown = tools.evaluate("document.getElementById('digit').textContent")
            confidence = tools.evaluate("document.getElementById('confidence').textContent")
            verdict = "right" if shown == str(label) else "WRONG"
            right += shown == str(label)
            print(f"test image {index:4d}: drew a {label} in {len(strokes)} strokes, the page says {shown} "
                  f"({confidence}) {verdict}", flush=True)

        shot = tools.call("Page.captureScreenshot", format="png")
        os.makedirs(os.path.dirname(os.path.abspath(arguments.screenshot)), exist_ok=True)
        with open(arguments.screenshot, "wb") as file:
            file.write(base64.b64decode(shot["data"]))
        print(f"{right} of 10 digits recognised; screenshot: {arguments.screenshot}")
        return 0 if right >= DIGITS_REQUIRED else 1
    finally:
        browser.terminate()
        try:
            browser.wait(timeout=10)
        except subprocess.TimeoutExpired:
            browser.kill()
        shutil.rmtree(profile, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
