#!/usr/bin/env bash
# SwiftCNN against the peer frameworks in one go: SwiftCNN's epoch benchmark, then the peers'
# (Peers/run-peers.sh, which sets up its Python environment on first use), then a table of ratios.
# Both sides train the reference job for the same epochs and seeds on 2 threads; inference is
# measured once per framework.
#
# NETWORKS names the networks of the benchmark set to train (default: the reference CNN); each gets
# its own table. Then the time-to-99% race (race-to-99.py: mnist-train's recipe against the same in
# PyTorch, from process launch to the end of training) over RACE_SEEDS, in each of PRECISIONS;
# RACE_SEEDS="" skips it.
#
# Environment: EPOCHS (3), SEEDS ("1"), NETWORKS ("reference"; also pytorch-examples, batchnorm,
# resnet8), PRECISIONS ("fp32"; "fp32 bf16" also trains SwiftCNN with BF16 products, on CPUs with
# AVX512_BF16; "winograd" in FP32 with the 3×3 stride-1 convolutions' forward passes, input and kernel
# gradients by Winograd's F(4×4, 3×3)), RACE_SEEDS ("1 2 3 4 5"), RACE_EPOCHS (the recipe's; fewer only to check the script),
# SWIFT (swift), PEERS_RESULTS (where the peers' records go, .results/peers.jsonl).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
package="$(cd "$here/.." && pwd)"
epochs="${EPOCHS:-3}"
read -r -a seeds <<<"${SEEDS:-1}"
read -r -a networks <<<"${NETWORKS:-reference}"
read -r -a precisions <<<"${PRECISIONS:-fp32}"
read -r -a race_seeds <<<"${RACE_SEEDS-1 2 3 4 5}"
results="$package/.results"
peers_results="${PEERS_RESULTS:-$results/peers.jsonl}"
mkdir -p "$results"

"${SWIFT:-swift}" build -c release --package-path "$package" --product epoch-benchmark
binary="$("${SWIFT:-swift}" build -c release --package-path "$package" --show-bin-path)/epoch-benchmark"

: > "$results/swiftcnn.jsonl"
for network in "${networks[@]}"; do
    for precision in "${precisions[@]}"; do
        case "$precision" in
            fp32) products=() ;;
            bf16) products=(--bf16) ;;
            winograd) products=(--winograd) ;;
            *) echo "PRECISIONS: fp32, bf16 or winograd, not $precision" >&2; exit 2 ;;
        esac
        for seed in "${seeds[@]}"; do
            inference=--no-inference
            [ "$seed" = "${seeds[0]}" ] && [ "$network" = reference ] && inference=--inference
            "$binary" --network "$network" --epochs "$epochs" --threads 2 --seed "$seed" "$inference" \
                "${products[@]}" --results "$results/swiftcnn.jsonl"
        done
    done
done

PEERS_RESULTS="$peers_results" "$package/Peers/run-peers.sh" --epochs "$epochs" --seeds "${seeds[@]}" \
    --networks "${networks[@]}"

: > "$results/race.jsonl"
if [ ${#race_seeds[@]} -gt 0 ]; then
    "${SWIFT:-swift}" build -c release --package-path "$package/.." --product mnist-train
    race_epochs=()
    [ -n "${RACE_EPOCHS:-}" ] && race_epochs=(--epochs "$RACE_EPOCHS")
    python3 "$here/race-to-99.py" --seeds "${race_seeds[@]}" "${race_epochs[@]}" --precisions "${precisions[@]}" \
        --results "$results/race.jsonl" \
        --mnist-train "$("${SWIFT:-swift}" build -c release --package-path "$package/.." --show-bin-path)/mnist-train" \
        --python "$package/.venv-peers/bin/python"
fi

echo
python3 "$here/compare.py" "$results/swiftcnn.jsonl" "$peers_results" "$results/race.jsonl"
