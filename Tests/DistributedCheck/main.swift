// Run under `mpirun -np N` by SwiftCNNDistributedTests: checks MPIProcessGroup's collectives against
// a naive reference, or fails one process on purpose so that the tests can see the job end.
//
//   distributed-check sums    every sum and broadcast equals its reference, bit for bit; prints "sums: ok"
//   distributed-check kill    process 1 kills itself with SIGKILL while process 0 waits in a sum
//   distributed-check stall   process 1 sleeps while process 0 waits in a sum with a 2 s timeout
//   distributed-check time N  the median time of 200 sums of N floats, for Documentation/Distributed.md
import Foundation
import SwiftCNN
import SwiftCNNDistributed

/// Process `rank`'s values for a sum of `count` values: seeded, of mixed signs and magnitudes, so that
/// another order of additions would round differently.
func values(rank: Int, count: Int) -> [Double] {
    var generator = Xoshiro256(seed: UInt64(1000 + rank * 7 + count))
    return (0..<count).map { _ in
        let magnitude = Double.random(in: -8...8, using: &generator)
        return Double.random(in: -1...1, using: &generator) * pow(10, magnitude)
    }
}

/// Fails the job with `message` unless `condition` holds.
func require(_ condition: Bool, _ message: @autoclosure () -> String, group: MPIProcessGroup) {
    guard !condition else { return }
    FileHandle.standardError.write(Data("distributed-check (process \(group.rank)): \(message())\n".utf8))
    group.abort(status: 2)
}

func checkSums(group: MPIProcessGroup) throws {
    // Counts that split evenly and unevenly into chunks, fewer values than processes, and the reference CNN.
    for count in [1, 2, 7, 1000, 121_930] {
        // The reference: all processes' values, which every process can draw, added in rank order from zero.
        var expectedFloats = [Float](repeating: 0, count: count)
        var expectedDoubles = [Double](repeating: 0, count: count)
        for rank in 0..<group.size {
            let drawn = values(rank: rank, count: count)
            for index in 0..<count {
                expectedFloats[index] += Float(drawn[index])
                expectedDoubles[index] += drawn[index]
            }
        }
        let mine = values(rank: group.rank, count: count)
        var floats = mine.map { Float($0) }
        var doubles = mine
        try floats.withUnsafeMutableBufferPointer { try group.sumInRankOrder($0) }
        try doubles.withUnsafeMutableBufferPointer { try group.sumInRankOrder($0) }
        require(floats.map(\.bitPattern) == expectedFloats.map(\.bitPattern),
                "the float sum of \(count) values differs from adding them in rank order", group: group)
        require(doubles.map(\.bitPattern) == expectedDoubles.map(\.bitPattern),
                "the double sum of \(count) values differs from adding them in rank order", group: group)

        var broadcast = mine.map { Float($0) }
        try broadcast.withUnsafeMutableBufferPointer { try group.broadcast($0, from: group.size - 1) }
        require(broadcast == values(rank: group.size - 1, count: count).map { Float($0) },
                "the broadcast of \(count) values did not deliver the last process's values", group: group)
    }
    if group.isPrimary { print("sums: ok on \(group.size) processes") }
}

func timeSums(count: Int, group: MPIProcessGroup) throws {
    var values = [Float](repeating: 1, count: count)
    var seconds: [Double] = []
    for _ in 0..<200 {
        var start = timespec(), end = timespec()
        clock_gettime(CLOCK_MONOTONIC, &start)
        try values.withUnsafeMutableBufferPointer { try group.sumInRankOrder($0) }
        clock_gettime(CLOCK_MONOTONIC, &end)
        seconds.append(Double(end.tv_sec - start.tv_sec) + Double(end.tv_nsec - start.tv_nsec) * 1e-9)
    }
    seconds.sort()
    if group.isPrimary {
        print(String(format: "%d floats on %d processes: median %.1f µs, 10%% %.1f µs, 90%% %.1f µs per sum", count,
                     group.size, seconds[100] * 1e6, seconds[20] * 1e6, seconds[180] * 1e6))
    }
}

func failOneProcess(group: MPIProcessGroup, by failure: () -> Void) throws {
    var values: [Float] = [1, 2, 3]
    try values.withUnsafeMutableBufferPointer { try group.sumInRankOrder($0) }
    if group.rank == 1 { failure() }
    try values.withUnsafeMutableBufferPointer { try group.sumInRankOrder($0) }
    print("process \(group.rank) finished although process 1 failed")
}

let mode = CommandLine.arguments.dropFirst().first ?? ""
let group = try MPIProcessGroup(timeout: mode == "stall" ? 2 : 60)
do {
    switch mode {
    case "sums": try checkSums(group: group)
    case "kill": try failOneProcess(group: group) { kill(getpid(), SIGKILL) }
    case "stall": try failOneProcess(group: group) { sleep(600) }
    case "time": try timeSums(count: CommandLine.arguments.dropFirst(2).first.flatMap(Int.init) ?? 121_930, group: group)
    default:
        FileHandle.standardError.write(Data("usage: distributed-check sums|kill|stall|time [count]\n".utf8))
        group.abort(status: 64)
    }
} catch {
    FileHandle.standardError.write(Data("distributed-check (process \(group.rank)): \(error)\n".utf8))
    group.abort(status: 1)
}
group.finalize()
