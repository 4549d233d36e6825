#!/usr/bin/env python3
"""Compares SwiftCNN's RESULT records with the peer frameworks' and prints ratios.

Reads JSON-lines results files (the `--results` files of epoch-benchmark and of
Peers/run-peers.sh, or any captured output holding `RESULT {json}` lines), matches records by
`kind` and thread count, and prints one table for training, one for inference and one for the
time-to-99% race (Scripts/race-to-99.py). Every ratio is the peer's time over SwiftCNN's: above 1,
SwiftCNN is faster. SwiftCNN's runs with BF16 products (epoch-benchmark --bf16) are the framework
swiftcnn-bf16, with Winograd's forward passes (--winograd) swiftcnn-winograd; each training table ends
with each of SwiftCNN's times over the faster peer's, and the inference table with each of SwiftCNN's
figures against each peer's.
"""

import argparse
import json
import statistics
import sys

SELF = "swiftcnn"


def own(framework):
    """Whether the framework is SwiftCNN, in any precision or algorithm."""
    return framework.startswith(SELF)


def read_records(paths):
    records = []
    for path in paths:
        with open(path) as f:
            for number, line in enumerate(f, 1):
                line = line.strip()
                if line.startswith("RESULT "):
                    line = line[len("RESULT "):]
                if not line.startswith("{"):
                    continue
                try:
                    records.append(json.loads(line))
                except json.JSONDecodeError as error:
                    sys.exit(f"{path}:{number}: not a JSON record ({error})")
    return records


def by_framework(records, kind, threads):
    grouped = {}
    for record in records:
        if record.get("kind") == kind and record.get("threads") == threads:
            grouped.setdefault(record["framework"], []).append(record)
    return grouped


def ratio(value):
    return f"{value:.2f}x" if value is not None else "-"


def training_table(records, threads):
    trained = [record for record in records if record.get("kind") == "train"]
    networks = list(dict.fromkeys(record.get("network", "reference") for record in trained))
    for network in networks:
        grouped = by_framework([r for r in trained if r.get("network", "reference") == network], "train", threads)
        rows = []
        for framework, runs in grouped.items():
            seconds = [s for run in runs for s in run["epoch_seconds"]]
            accuracies = ", ".join(f"{run['test_accuracy']:.4f}" for run in runs)
            rows.append((framework, len(runs), len(seconds), statistics.median(seconds), accuracies))
        mine = next((row[3] for row in rows if row[0] == SELF), None)
        print(f"\nTraining {network}, {threads} threads (median seconds per epoch over all runs and epochs)")
        print(f"{'framework':<18} {'runs':>4} {'epochs':>6} {'s/epoch':>9} {'SwiftCNN speed-up':>18}  test accuracy")
        ordered = sorted(rows, key=lambda row: (row[0] != SELF, not own(row[0]), row[0]))
        for framework, runs, epochs, median, accuracies in ordered:
            speedup = median / mine if mine and framework != SELF else None
            print(f"{framework:<18} {runs:>4} {epochs:>6} {median:>9.2f} {ratio(speedup):>18}  {accuracies}")
        peers = [row[3] for row in rows if not own(row[0])]
        for framework, _, _, median, _ in ordered:
            if own(framework) and peers:
                print(f"{framework} / the faster peer: {ratio(median / min(peers))}")
    return bool(networks)


def inference_table(records, threads):
    grouped = by_framework(records, "infer", threads)
    rows = []
    for framework, runs in grouped.items():
        throughput = max(run["images_per_second"] for run in runs)
        latency = min(run["latency_us"] for run in runs)
        tails = [run["latency_p99_us"] for run in runs if "latency_p99_us" in run]
        rows.append((framework, throughput, latency, min(tails) if tails else None))
    if not rows:
        return False
    mine = next((row for row in rows if row[0] == SELF), None)
    print(f"\nInference, {threads} threads (best images/s in batches of 1000; median and 99th-percentile "
          "latency of one image)")
    print(f"{'framework':<18} {'images/s':>10} {'speed-up':>9} {'µs/image':>10} {'speed-up':>9} "
          f"{'p99 µs':>8} {'speed-up':>9}")
    for framework, throughput, latency, tail in sorted(rows, key=lambda row: (row[0] != SELF, not own(row[0]), row[0])):
        other = mine and not own(framework)
        tail_ratio = tail / mine[3] if other and tail and mine[3] else None
        print(f"{framework:<18} {throughput:>10.0f} {ratio(mine[1] / throughput if other else None):>9} "
              f"{latency:>10.1f} {ratio(latency / mine[2] if other else None):>9} "
              f"{tail if tail else '-':>8} {ratio(tail_ratio):>9}")
    for framework, throughput, latency, tail in rows:
        if not own(framework) or framework == SELF:
            continue
        for peer, peer_throughput, peer_latency, peer_tail in rows:
            if own(peer):
                continue
            tail_ratio = peer_tail / tail if tail and peer_tail else None
            print(f"{framework} against {peer}: {ratio(throughput / peer_throughput)} the images/s, "
                  f"{ratio(peer_latency / latency)} the speed of one image, {ratio(tail_ratio)} at the 99th percentile")
    return True


def race_table(records):
    """The time-to-99% race (race-to-99.py): medians over seeds of the time from process launch to the
    end of training and of the test accuracy, and each peer's time over SwiftCNN's."""
    grouped = {}
    for record in records:
        if record.get("kind") == "race":
            grouped.setdefault(record["framework"], []).append(record)
    if not grouped:
        return False
    first = next(iter(grouped.values()))[0]
    epochs = f"{first['epochs']} epoch{'s' if first['epochs'] != 1 else ''}"
    print(f"\nTime to 99% ({epochs}, batch {first['batch_size']}, {first['schedule']} to "
          f"{first['learning_rate']:g}, {first['threads']} threads; median seconds from launch to the end of training)")
    seconds = {framework: statistics.median(r["seconds"] for r in runs) for framework, runs in grouped.items()}
    mine = seconds.get(SELF)
    print(f"{'framework':<13} {'runs':>4} {'seconds':>9} {'time / SwiftCNN':>16} {'median accuracy':>16}  kernels")
    for framework, runs in sorted(grouped.items(), key=lambda item: item[0] != SELF):
        accuracy = statistics.median(r["test_accuracy"] for r in runs)
        kernels = ", ".join(sorted({r.get("kernels") or "unknown" for r in runs}))
        slower = seconds[framework] / mine if mine and framework != SELF else None
        print(f"{framework:<13} {len(runs):>4} {seconds[framework]:>9.1f} {ratio(slower):>16} {accuracy:>16.4f}  {kernels}")
    for variant in grouped:
        if own(variant) and variant != SELF:
            for framework in grouped:
                if not own(framework):
                    print(f"{framework} / {variant}: {ratio(seconds[framework] / seconds[variant])}")
    return True


def machine(records):
    """The CPUs the records were measured on: vendor, family and model where the records say (the race's
    do), then the model name."""
    cpus = {}
    for record in records:
        identity = " ".join(f"{label} {record[key]}" for label, key in
                            (("family", "cpu_family"), ("model", "cpu_model_number")) if key in record)
        name = record.get("cpu", "unknown")
        if "cpu_vendor" in record:
            cpus[name] = f"{record['cpu_vendor']} {identity}, {name}"
        else:
            cpus.setdefault(name, name)
    return "; ".join(sorted(cpus.values()))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("results", nargs="+", help="results files (JSON lines or RESULT lines)")
    parser.add_argument("--threads", type=int, default=2,
                        help="compare the records measured on this many threads (default 2, as the peers)")
    args = parser.parse_args()

    records = read_records(args.results)
    print(f"CPU: {machine(records)}")
    found_training = training_table(records, args.threads)
    found_inference = inference_table(records, args.threads)
    found_race = race_table(records)
    if not (found_training or found_inference or found_race):
        sys.exit(f"no records measured on {args.threads} threads in {', '.join(args.results)}")


if __name__ == "__main__":
    main()
