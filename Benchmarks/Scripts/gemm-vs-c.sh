#!/usr/bin/env bash
# SGEMM through SwiftCNN's Tensor.matmul against the same product called from C, with no SwiftCNN
# involved on the C side. The C program runs with OPENBLAS_CORETYPE set to the best OpenBLAS kernels
# for this CPU (what a careful C user would do); the Swift executable runs with no OpenBLAS variable
# set, so SwiftCNN's own kernel choice is what gets measured. The two alternate, ROUNDS times per
# thread count, to spread out the noise of a shared machine; the best rate of each side counts.
#
# Environment: SIZE (1024), THREADS ("1 2"), ROUNDS (5), C_CORETYPE (overrides the detected core),
# SWIFT (swift), CC (gcc).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
package="$(cd "$here/.." && pwd)"
size="${SIZE:-1024}"
threads="${THREADS:-1 2}"
rounds="${ROUNDS:-5}"

# The same rule SwiftCNN applies (BLASKernelChoice): the widest vectors the CPU has.
best_core() {
    local flags
    flags="$(grep -m1 '^flags' /proc/cpuinfo 2>/dev/null || true)"
    has() { [[ " $flags " == *" $1 "* ]]; }
    if has avx512f && has avx512dq && has avx512bw && has avx512vl; then echo SkylakeX
    elif has avx2 && has fma; then echo Haswell
    elif has avx; then echo Sandybridge
    fi
}
core="${C_CORETYPE:-$(best_core)}"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
"${CC:-gcc}" -O2 "$here/gemm-throughput.c" -o "$work/gemm-throughput-c" -lopenblas
echo "Building gemm-throughput (release)..."
if ! "${SWIFT:-swift}" build -c release --package-path "$package" --product gemm-throughput >"$work/build.log" 2>&1; then
    cat "$work/build.log" >&2
    exit 1
fi
swift_binary="$("${SWIFT:-swift}" build -c release --package-path "$package" --show-bin-path)/gemm-throughput"

run_c() {
    if [ -n "$core" ]; then
        env -u OPENBLAS_L2_SIZE OPENBLAS_CORETYPE="$core" "$work/gemm-throughput-c" "$size" "$1"
    else
        env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE "$work/gemm-throughput-c" "$size" "$1"
    fi
}
run_swift() {
    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE "$swift_binary" --size "$size" --threads "$1" "${@:2}"
}
best_of() { sed -n 's/.*best_gflops=\([0-9.]*\).*/\1/p'; }

echo "CPU: $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)"
if [ -n "$core" ]; then
    echo "C: OPENBLAS_CORETYPE=$core"
else
    echo "C: OPENBLAS_CORETYPE unset (no better kernels known for this CPU)"
fi
run_swift 1 --summary --repeats 1 --warmup 0 | grep '^swift backend' | sed 's/^swift backend/Swift: Backend.summary/'

declare -A best
for round in $(seq 1 "$rounds"); do
    for t in $threads; do
        c_line="$(run_c "$t")"
        swift_line="$(run_swift "$t")"
        echo "round $round: $c_line"
        echo "round $round: $swift_line"
        for side in c swift; do
            line="$c_line"; [ "$side" = swift ] && line="$swift_line"
            rate="$(best_of <<<"$line")"
            key="$side-$t"
            if [ -z "${best[$key]:-}" ] || awk -v a="$rate" -v b="${best[$key]}" 'BEGIN { exit !(a > b) }'; then
                best[$key]="$rate"
            fi
        done
    done
done

echo
echo "SGEMM ${size}×${size}×${size}, best of $rounds alternating rounds (GFLOP/s = 2·n³/s)"
printf '%-8s %10s %10s %14s\n' threads C Swift "Swift / C"
for t in $threads; do
    c="${best[c-$t]}"; s="${best[swift-$t]}"
    printf '%-8s %10s %10s %14s\n' "$t" "$c" "$s" "$(awk -v s="$s" -v c="$c" 'BEGIN { printf "%.3f", s / c }')"
done
