/// How many chunks to split `count` elements into for ``parallelFor(_:chunksOf:_:)``: one a thread, but
/// none smaller than `minimumChunk`, so that small loops stay on the calling thread. It is the split
/// ``parallelFor(chunksOf:minimumChunk:_:)`` makes, for loops that must not allocate.
func threadChunkCount(for count: Int, minimumChunk: Int) -> Int {
    Swift.max(1, Swift.min(Backend.threadCount, count / Swift.max(1, minimumChunk)))
}
