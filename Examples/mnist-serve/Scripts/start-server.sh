# Sourced by the scripts beside it: start_server MODEL [ARGUMENTS...] runs the built mnist-serve on a free
# loopback port in the background, waits for the URL it prints and sets SERVER_URL and SERVER_PID.
start_server() {
    local model=$1
    shift
    local log
    log=$(mktemp)
    .build/release/mnist-serve --model "$model" --port 0 "$@" >"$log" 2>&1 &
    SERVER_PID=$!
    SERVER_URL=
    for _ in $(seq 600); do
        SERVER_URL=$(sed -n 's/^listening on //p' "$log")
        [ -n "$SERVER_URL" ] && break
        if ! kill -0 "$SERVER_PID" 2>/dev/null; then
            cat "$log" >&2
            return 1
        fi
        sleep 0.1
    done
    rm -f "$log"
    [ -n "$SERVER_URL" ] || { echo "mnist-serve printed no URL" >&2; return 1; }
}

stop_server() {
    [ -n "${SERVER_PID:-}" ] || return 0
    kill "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
    SERVER_PID=
}

# A model for the scripts: trained once with mnist-train (one epoch, about 98 %) into .results/. The
# mnist-train is $MNIST_TRAIN when set (the root package's Makefile passes the one its tests built);
# otherwise the library's, built in this package's build beside the SwiftCNN that mnist-serve uses.
test_model() {
    local model=.results/test-model.safetensors
    if [ ! -f "$model" ]; then
        mkdir -p .results
        local trainer=${MNIST_TRAIN:-}
        if [ -z "$trainer" ]; then
            swift build -c release --product mnist-train >&2
            trainer=.build/release/mnist-train
        fi
        env -u OPENBLAS_CORETYPE "$trainer" --epochs 1 --quiet --save "$model" >&2
    fi
    echo "$model"
}
