import Foundation
import Synchronization
@testable import SwiftCNN
import TestSupport
import Testing

/// Records which chunk ran on which elements: each element's slot gets its chunk's index plus one, and a
/// slot written twice is counted.
private final class ChunkLog: @unchecked Sendable {
    let slots: UnsafeMutablePointer<Int>
    let count: Int
    let overwrites = Atomic<Int>(0)
    /// Microseconds the chunk with index 0 sleeps, so that the other threads finish first.
    let slowFirstChunk: UInt32

    init(count: Int, slowFirstChunk: UInt32 = 0) {
        self.count = count
        self.slowFirstChunk = slowFirstChunk
        slots = .allocate(capacity: Swift.max(count, 1))
        slots.initialize(repeating: 0, count: Swift.max(count, 1))
    }

    deinit { slots.deallocate() }

    func record(_ index: Int, _ chunk: Range<Int>) {
        if index == 0, slowFirstChunk > 0 { usleep(slowFirstChunk) }
        for element in chunk {
            if slots[element] != 0 { overwrites.wrappingAdd(1, ordering: .relaxed) }
            slots[element] = index + 1
        }
    }

    /// What the chunks should have written: element e of `count` in `chunks` chunks belongs to the chunk
    /// c with c·count/chunks ≤ e < (c+1)·count/chunks.
    func expected(chunks: Int) -> [Int] {
        (0..<count).map { element in (0..<chunks).first { element < count * ($0 + 1) / chunks }! + 1 }
    }

    var written: [Int] { Array(UnsafeBufferPointer(start: slots, count: count)) }
}

private struct LoggedWork: ChunkedWork {
    let log: ChunkLog
    func run(chunk: Int, _ range: Range<Int>) { log.record(chunk, range) }
}

@Suite struct ParallelForTests {
    /// Thousands of loops back to back, most too short for a helper to arrive before the caller has
    /// taken every chunk: each chunk runs exactly once, on its documented range, and every loop has
    /// finished all of them when it returns.
    @Test(arguments: [2, 3])
    func everyChunkRunsOnceBeforeTheLoopReturns(threads: Int) {
        withThreadCount(threads) {
            var generator = Xoshiro256(seed: UInt64(threads))
            for _ in 0..<3000 {
                let count = Int.random(in: 0...40, using: &generator)
                let chunks = Int.random(in: 1...9, using: &generator)
                let log = ChunkLog(count: count)
                parallelFor(chunks, chunksOf: 0..<count, LoggedWork(log: log))
                #expect(log.written == log.expected(chunks: chunks), "\(count) elements in \(chunks) chunks")
                #expect(log.overwrites.load(ordering: .relaxed) == 0)
            }
        }
    }

    /// While the caller sleeps in a slow chunk the helpers take the rest, and the loop still returns only
    /// when the slow chunk is done; a loop started inside a chunk runs on that chunk's thread.
    @Test func aSlowChunkAndANestedLoopFinishBeforeTheLoopReturns() {
        withThreadCount(2) {
            for _ in 0..<20 {
                let log = ChunkLog(count: 64, slowFirstChunk: 2000)
                parallelFor(8, chunksOf: 0..<64, LoggedWork(log: log))
                #expect(log.written == log.expected(chunks: 8))
            }
            let inner = (0..<4).map { _ in ChunkLog(count: 10) }
            parallelFor(4, chunksOf: 0..<4) { index, _ in
                parallelFor(3, chunksOf: 0..<10, LoggedWork(log: inner[index]))
            }
            for log in inner { #expect(log.written == log.expected(chunks: 3)) }
        }
    }
}
