#!/usr/bin/env bash
# SwiftCNN against the peer frameworks in one go: SwiftCNN's epoch benchmark, then the peers'
# (Peers/run-peers.sh, which sets up its Python environment on first use), then a table of ratios.
# Both sides train the reference job for the same epochs and seeds on 2 threads; inference is
# measured once per framework.
#
# NETWORKS names the networks of the benchmark set to train (default: the reference CNN); each gets
# its own table.
#
# Environment: EPOCHS (3), SEEDS ("1"), NETWORKS ("reference"; also pytorch-examples, batchnorm,
# resnet8), SWIFT (swift), PEERS_RESULTS (where the peers' records go, .results/peers.jsonl).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
package="$(cd "$here/.." && pwd)"
epochs="${EPOCHS:-3}"
read -r -a seeds <<<"${SEEDS:-1}"
read -r -a networks <<<"${NETWORKS:-reference}"
results="$package/.results"
peers_results="${PEERS_RESULTS:-$results/peers.jsonl}"
mkdir -p "$results"

"${SWIFT:-swift}" build -c release --package-path "$package" --product epoch-benchmark
binary="$("${SWIFT:-swift}" build -c release --package-path "$package" --show-bin-path)/epoch-benchmark"

: > "$results/swiftcnn.jsonl"
for network in "${networks[@]}"; do
    for seed in "${seeds[@]}"; do
        inference=--no-inference
        [ "$seed" = "${seeds[0]}" ] && [ "$network" = reference ] && inference=--inference
        "$binary" --network "$network" --epochs "$epochs" --threads 2 --seed "$seed" "$inference" \
            --results "$results/swiftcnn.jsonl"
    done
done

PEERS_RESULTS="$peers_results" "$package/Peers/run-peers.sh" --epochs "$epochs" --seeds "${seeds[@]}" \
    --networks "${networks[@]}"

echo
python3 "$here/compare.py" "$results/swiftcnn.jsonl" "$peers_results"
