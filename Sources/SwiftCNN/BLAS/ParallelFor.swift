import Dispatch

/// Runs `body` for each of `iterations` indices, spread over ``Backend/threadCount`` threads.
///
/// For SwiftCNN's own (non-BLAS) kernels. Iterations must be independent; with one thread or one
/// iteration, `body` runs on the calling thread.
func parallelFor(_ iterations: Int, _ body: (Int) -> Void) {
    guard iterations > 1, Backend.threadCount > 1 else {
        for index in 0..<iterations { body(index) }
        return
    }
    DispatchQueue.concurrentPerform(iterations: iterations, execute: body)
}

/// Splits `range` into one contiguous chunk per thread and runs `body` on each chunk in parallel.
///
/// Chunks never have fewer than `minimumChunk` elements, so small ranges stay on one thread.
func parallelFor(chunksOf range: Range<Int>, minimumChunk: Int = 1, _ body: (Range<Int>) -> Void) {
    let chunks = max(1, min(Backend.threadCount, range.count / max(1, minimumChunk)))
    guard chunks > 1 else {
        body(range)
        return
    }
    DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
        let lower = range.lowerBound + range.count * chunk / chunks
        let upper = range.lowerBound + range.count * (chunk + 1) / chunks
        body(lower..<upper)
    }
}
