#!/usr/bin/env python3
"""The cost model of Documentation/Distributed.md: epoch time of data-parallel training on N machines.

    epoch(N) = steps · (f + (B / N) · c + comm(N))
    comm(N)  = 4 (N − 1) α + 2 (N − 1) / N · 4 P / bandwidth + P · add

One step per global batch of B images (steps = ⌈images / B⌉). Each machine trains B / N images at c
seconds each and pays f per step whatever its share (the optimizer's update of all P parameters, the
layers' fixed costs), both measured on one process. The gradient sum is a reduce-scatter and an
all-gather (MPIProcessGroup): each machine sends and receives (N − 1) / N of the 4P bytes in each, in
N − 1 messages, and the metrics' sum adds two more rounds of messages; nothing overlaps the backward
pass. `add` is the time to add one float of the chunks.

Run it with the measured constants (the defaults are those of Documentation/Distributed.md):
    python3 Benchmarks/Scripts/distributed-cost-model.py
"""
import argparse
import math

NETWORKS = {
    # name: (latency per message in s, bandwidth in bytes/s): TCP over 10 GbE; RDMA over 100 Gbit/s.
    "10 Gbit/s": (25e-6, 10e9 / 8 * 0.9),
    "100 Gbit/s": (3e-6, 100e9 / 8 * 0.9),
}


def epoch_seconds(machines, images, batch, per_image, per_step, parameters, latency, bandwidth, add=1e-9):
    steps = math.ceil(images / batch)
    compute = per_step + batch / machines * per_image
    if machines == 1:
        return steps * compute
    communication = (4 * (machines - 1) * latency + 2 * (machines - 1) / machines * 4 * parameters / bandwidth
                     + parameters * add)
    return steps * (compute + communication)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--images", type=int, default=60000)
    parser.add_argument("--batch", type=int, default=64)
    # (per image, per step, parameters) measured on one process × one thread: see Distributed.md.
    parser.add_argument("--reference", type=float, nargs=3, default=[0.50e-3, 0.1e-3, 121930])
    parser.add_argument("--resnet8", type=float, nargs=3, default=[2.7e-3, 0.1e-3, 77754])
    parser.add_argument("--weak", action="store_true", help="batch grows with the machines: B = batch · N")
    arguments = parser.parse_args()
    for name, (per_image, per_step, parameters) in (("reference CNN", arguments.reference),
                                                    ("ResNet-8", arguments.resnet8)):
        print(f"{name}: {per_image * 1e3:.3f} ms per image, {per_step * 1e3:.3f} ms per step, {int(parameters)} parameters"
              + (", batch 64 per machine" if arguments.weak else f", global batch {arguments.batch}"))
        print("| machines | " + " | ".join(f"{network} epoch (speed-up)" for network in NETWORKS) + " |")
        print("|---:|" + "---:|" * len(NETWORKS))
        one = epoch_seconds(1, arguments.images, arguments.batch, per_image, per_step, parameters, 0, 1)
        for machines in (1, 2, 4, 8, 16, 32, 64):
            batch = arguments.batch * machines if arguments.weak else arguments.batch
            cells = []
            for latency, bandwidth in NETWORKS.values():
                seconds = epoch_seconds(machines, arguments.images, batch, per_image, per_step, parameters,
                                        latency, bandwidth)
                cells.append(f"{seconds:.1f} s ({one / seconds:.1f}×)")
            print(f"| {machines} | " + " | ".join(cells) + " |")
        print()


if __name__ == "__main__":
    main()
