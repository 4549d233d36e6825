import Foundation
import Synchronization

/// Splits `range` into `chunkCount` contiguous chunks of near-equal size and runs `body(index, chunk)`
/// on each, in parallel on up to ``Backend/threadCount`` threads; returns when all are done.
///
/// The chunks depend only on `range` and `chunkCount`, never on which thread runs them, so a kernel that
/// keeps one partial result per chunk and combines them in chunk order gives the same numbers on every
/// run, whichever threads run them — the pool's, or only the caller's when another loop holds the pool.
/// Matrix products inside `body` run single-threaded in OpenBLAS, always (``OpenBLAS/makeSingleThreaded()``).
///
/// `body` is escaping so that the worker threads can hold it; it is released before this returns. Only a
/// closure that captures nothing but one class instance (a method reference, or `{ [self] index, chunk in
/// … }`) needs no allocation, and it reaches the pass's pointers only through that instance's properties,
/// which makes the pass non-reentrant; a closure that captures more is boxed on the heap at every call.
/// Describe a pass as ``ChunkedWork`` instead, as the layers do, for the `parallelFor` that takes one.
func parallelFor(_ chunkCount: Int, chunksOf range: Range<Int>,
                 _ body: @escaping (_ index: Int, _ chunk: Range<Int>) -> Void) {
    WorkerPool.shared.run(chunks: Swift.max(1, chunkCount), of: range, threads: Backend.threadCount,
                          ClosureChunks(body: body))
}

/// `parallelFor(_:chunksOf:_:)` for a pass described by a value that carries its pointers and sizes:
/// `work.run(chunk:_:)` runs on each chunk, reading `work` where this call keeps it. So the pass's context
/// goes to the loop without an allocation and without being parked in the layer's properties.
func parallelFor<Work: ChunkedWork>(_ chunkCount: Int, chunksOf range: Range<Int>, _ work: Work) {
    withUnsafePointer(to: work) { work in
        WorkerPool.shared.run(chunks: Swift.max(1, chunkCount), of: range, threads: Backend.threadCount,
                              ChunkedWorkReference(work: work))
    }
}

/// One pass of a parallel loop, as a value that holds what its chunks need, for the `parallelFor` that
/// takes one.
protocol ChunkedWork {
    /// Runs chunk number `index`: the elements `chunk` of the loop's range.
    func run(chunk index: Int, _ chunk: Range<Int>)
}

/// What a ``WorkerPool`` loop runs on each chunk. The pool holds it as `any ChunkRunner`; both runners
/// below fit in an existential's inline buffer, so posting a loop boxes nothing.
protocol ChunkRunner {
    func callAsFunction(_ index: Int, _ chunk: Range<Int>)
}

/// A closure's chunks.
private struct ClosureChunks: ChunkRunner {
    let body: (Int, Range<Int>) -> Void

    func callAsFunction(_ index: Int, _ chunk: Range<Int>) { body(index, chunk) }
}

/// The chunks of work that stays where its caller keeps it while the loop runs: a single pointer.
private struct ChunkedWorkReference<Work: ChunkedWork>: ChunkRunner {
    let work: UnsafePointer<Work>

    func callAsFunction(_ index: Int, _ chunk: Range<Int>) { work.pointee.run(chunk: index, chunk) }
}

/// How many chunks to split `count` elements into for ``parallelFor(_:chunksOf:_:)``: one a thread, but
/// none smaller than `minimumChunk`, so that small loops stay on the calling thread.
func threadChunkCount(for count: Int, minimumChunk: Int) -> Int {
    Swift.max(1, Swift.min(Backend.threadCount, count / Swift.max(1, minimumChunk)))
}

/// How many chunks to split `count` elements into for a pass whose numbers depend on where its chunks
/// begin and end: ``fixedChunks``, whatever ``Backend/threadCount`` is, but none smaller than
/// `minimumChunk`.
///
/// Two kinds of pass need it. A sum over the batch keeps one partial sum per chunk and adds them in chunk
/// order, so its rounding follows the chunks. And OpenBLAS's SGEMM can round a row of a product
/// differently when the same rows are handed to it split otherwise (measured: `Tensor.matmul` split by
/// the thread count gave other bits on 1 and 2 threads), so the rows a chunk hands to SGEMM must not
/// move. With the chunks fixed by `count`, one thread and eight compute the same bits, and a process of a
/// distributed job computes for its slice of a batch exactly what one process accumulating over the same
/// slices does.
func threadIndependentChunkCount(for count: Int, minimumChunk: Int = 1) -> Int {
    Swift.max(1, Swift.min(fixedChunks, count / Swift.max(1, minimumChunk)))
}

/// The most chunks ``threadIndependentChunkCount(for:minimumChunk:)`` makes: enough to keep eight threads
/// busy, few enough that each chunk's partial sums and blocks stay a small part of the pass.
let fixedChunks = 8

/// ``threadChunkCount(for:minimumChunk:)`` for `rows` rows of `width` elements, with enough rows per
/// chunk (`minimumElements` elements) that spreading an element-wise pass pays for waking the threads.
func threadChunkCount(rows: Int, width: Int, minimumElements: Int = 1 << 14) -> Int {
    threadChunkCount(for: rows, minimumChunk: Swift.max(1, minimumElements / Swift.max(1, width)))
}

/// Long-lived threads that run the parallel loops, so that a loop costs a wake-up rather than a thread
/// hand-off through Dispatch.
///
/// One loop runs at a time: a loop started while another is running (from inside a loop body, or from
/// another thread) runs on its caller's thread. Each loop's chunks are handed out in order to whichever
/// thread asks first. When the caller has taken the last chunk it closes the loop and waits only for the
/// helpers that joined before that: a helper that arrives later (descheduled by a busy machine, or still
/// waking) finds the loop closed and touches nothing of it, so the caller never waits for a thread that
/// has no work, and no thread can still be reading one loop's chunks when the next is posted. (A helper
/// that arrives late may find the next loop open and join it, even one posted to fewer threads; the
/// chunks, which own their scratch, and so the numbers do not depend on which threads run them.) Helpers spin
/// for a short while after a loop, since a training step posts the next one within microseconds, then
/// sleep.
final class WorkerPool: @unchecked Sendable {
    static let shared = WorkerPool()

    /// One helper thread and the loop generation it was last asked to join.
    private final class Helper: @unchecked Sendable {
        let assigned = Atomic<Int>(0)
        let sleeping = Atomic<Bool>(false)
    }

    /// The loop being run: read by helpers only between its posting and their report.
    private struct Loop {
        var body: (any ChunkRunner)?
        var range = 0..<0
        var chunks = 0
        var floatingPointControl: UInt32 = 0
    }

    private let inUse = Atomic<Bool>(false)
    private let nextChunk = Atomic<Int>(0)
    /// The helpers that joined the posted loop, plus ``closed`` once its caller has taken every chunk.
    private let joined = Atomic<Int>(0)
    /// The helpers that joined the posted loop and have finished with it.
    private let finished = Atomic<Int>(0)
    /// The flag in ``joined`` that turns late helpers away.
    private static let closed = 1 << 40
    private let loop: UnsafeMutablePointer<Loop>
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private let wakeUp: UnsafeMutablePointer<pthread_cond_t>
    /// Grows only while `inUse` is held.
    private var helpers: [Helper] = []
    private var generation = 0

    /// How long a helper keeps polling for the next loop before it sleeps.
    private static let spinNanoseconds: UInt64 = 200_000

    private init() {
        loop = .allocate(capacity: 1)
        loop.initialize(to: Loop())
        mutex = .allocate(capacity: 1)
        pthread_mutex_init(mutex, nil)
        wakeUp = .allocate(capacity: 1)
        pthread_cond_init(wakeUp, nil)
    }

    /// Runs `body(index, chunk)` for the `chunks` chunks of `range` on up to `threads` threads, the
    /// caller's included, and returns when all have finished.
    func run(chunks: Int, of range: Range<Int>, threads: Int, _ body: any ChunkRunner) {
        guard inUse.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged else {
            Self.runChunks(body, of: range, count: chunks)
            return
        }
        let helperCount = Swift.min(threads, chunks) - 1
        if helperCount <= 0 {
            Self.runChunks(body, of: range, count: chunks)
        } else {
            post(body, chunks: chunks, of: range, helperCount: helperCount)
        }
        inUse.store(false, ordering: .releasing)
    }

    private func post(_ body: any ChunkRunner, chunks: Int, of range: Range<Int>, helperCount: Int) {
        while helpers.count < helperCount { startHelper() }
        loop.pointee = Loop(body: body, range: range, chunks: chunks, floatingPointControl: FloatingPointControl.current)
        nextChunk.store(0, ordering: .relaxed)
        finished.store(0, ordering: .relaxed)
        // Published by the helpers' read-modify-write of `joined`, which reads this store or a later one.
        joined.store(0, ordering: .sequentiallyConsistent)
        generation &+= 1
        var anyAsleep = false
        for index in 0..<helperCount {
            let helper = helpers[index]
            helper.assigned.store(generation, ordering: .sequentiallyConsistent)
            if helper.sleeping.load(ordering: .sequentiallyConsistent) { anyAsleep = true }
        }
        if anyAsleep {
            pthread_mutex_lock(mutex)
            pthread_cond_broadcast(wakeUp)
            pthread_mutex_unlock(mutex)
        }
        runSharedChunks(body, of: range, count: chunks)
        let participants = joined.wrappingAdd(Self.closed, ordering: .sequentiallyConsistent).oldValue
        var polls = 0
        while finished.load(ordering: .acquiring) < participants {
            polls &+= 1
            if polls > 4096 { sched_yield() }
        }
        loop.pointee.body = nil
    }

    /// Runs every chunk of `range`, in order.
    private static func runChunks(_ body: any ChunkRunner, of range: Range<Int>, count: Int) {
        for index in 0..<count { body(index, chunk(index, of: range, count: count)) }
    }

    /// Runs chunks of `range` as long as the shared counter hands out one that is left.
    private func runSharedChunks(_ body: any ChunkRunner, of range: Range<Int>, count: Int) {
        while true {
            let index = nextChunk.wrappingAdd(1, ordering: .relaxed).oldValue
            guard index < count else { return }
            body(index, Self.chunk(index, of: range, count: count))
        }
    }

    @inline(__always)
    private static func chunk(_ index: Int, of range: Range<Int>, count: Int) -> Range<Int> {
        let lower = range.lowerBound, length = range.count
        return (lower &+ length &* index / count)..<(lower &+ length &* (index &+ 1) / count)
    }

    private func startHelper() {
        let helper = Helper()
        helpers.append(helper)
        let context = Unmanaged.passRetained(HelperContext(pool: self, helper: helper)).toOpaque()
        var thread = pthread_t()
        let status = pthread_create(&thread, nil, { raw in
            let context = Unmanaged<HelperContext>.fromOpaque(raw!).takeRetainedValue()
            context.pool.serve(context.helper)
        }, context)
        precondition(status == 0, "SwiftCNN could not start a worker thread (pthread_create returned \(status))")
        pthread_detach(thread)
    }

    private final class HelperContext {
        let pool: WorkerPool
        let helper: Helper
        init(pool: WorkerPool, helper: Helper) {
            self.pool = pool
            self.helper = helper
        }
    }

    /// A helper thread's life: wait for a loop, join it unless it has closed, repeat.
    private func serve(_ helper: Helper) -> Never {
        var seen = 0
        while true {
            seen = awaitLoop(after: seen, helper)
            guard joined.wrappingAdd(1, ordering: .sequentiallyConsistent).oldValue & Self.closed == 0 else { continue }
            join()
            finished.wrappingAdd(1, ordering: .releasing)
        }
    }

    /// Takes chunks of the posted loop until none are left. A function of its own so that its copy of
    /// the loop body is released on return, before the helper reports that it has finished.
    @inline(never)
    private func join() {
        let posted = loop.pointee
        if FloatingPointControl.current != posted.floatingPointControl {
            FloatingPointControl.current = posted.floatingPointControl
        }
        if let body = posted.body { runSharedChunks(body, of: posted.range, count: posted.chunks) }
    }

    /// Polls for a generation other than `seen`, then sleeps until one is posted; returns it.
    private func awaitLoop(after seen: Int, _ helper: Helper) -> Int {
        let start = DispatchTime.now().uptimeNanoseconds
        var polls = 0
        while true {
            let current = helper.assigned.load(ordering: .acquiring)
            if current != seen { return current }
            polls &+= 1
            if polls & 255 == 0, DispatchTime.now().uptimeNanoseconds &- start > Self.spinNanoseconds { break }
        }
        pthread_mutex_lock(mutex)
        helper.sleeping.store(true, ordering: .sequentiallyConsistent)
        var current = helper.assigned.load(ordering: .sequentiallyConsistent)
        while current == seen {
            pthread_cond_wait(wakeUp, mutex)
            current = helper.assigned.load(ordering: .sequentiallyConsistent)
        }
        helper.sleeping.store(false, ordering: .relaxed)
        pthread_mutex_unlock(mutex)
        return current
    }
}

/// The calling thread's SSE control register (MXCSR) without its status flags: rounding and the
/// flush-to-zero and denormals-are-zero modes that training turns on. Worker threads copy it from the
/// thread that posts a loop, so a loop computes exactly as its caller would.
private enum FloatingPointControl {
    static var current: UInt32 {
        get {
            #if arch(x86_64) && canImport(Glibc)
            var environment = fenv_t()
            fegetenv(&environment)
            return environment.__mxcsr & ~0x3F
            #else
            return 0
            #endif
        }
        set {
            #if arch(x86_64) && canImport(Glibc)
            var environment = fenv_t()
            fegetenv(&environment)
            environment.__mxcsr = newValue
            fesetenv(&environment)
            #endif
        }
    }
}
