import CMPI
import Glibc
import SwiftCNN

/// The processes of an `mpirun` job as a `ProcessGroup` for data-parallel training with Open MPI.
///
/// ```swift
/// let group = try MPIProcessGroup()
/// try model.fit(data, epochs: 5, batchSize: 128, processGroup: group)
/// if group.isPrimary { try model.save(to: url) }
/// group.finalize()
/// ```
///
/// The sums are reduce-scatter then all-gather: each process receives one chunk of every process's
/// values (`MPI_Ialltoall`), adds them in rank order and shares its summed chunk (`MPI_Iallgather`).
/// Every process thus holds the same bits, added in the same order as one process adding slices, which
/// `MPI_Allreduce` does not promise. Each process sends and receives about twice its values, as a ring
/// all-reduce does. Errors come back as ``MPIError`` (the communicator's error handler returns them), and
/// a collective that does not complete within ``timeout`` throws ``MPIError/timedOut(operation:seconds:)``
/// rather than wait for a process that died.
public final class MPIProcessGroup: ProcessGroup {
    public let rank: Int
    public let size: Int
    /// How long a collective operation may take before it throws.
    public var timeout: Double
    /// Seconds this process has spent in collective operations, waiting for the others included.
    public private(set) var collectiveSeconds: Double = 0
    /// How many collective operations this process has completed.
    public private(set) var collectiveCount = 0

    private let communicator: MPI_Comm
    /// The values to send, padded to whole chunks, then the gathered sums.
    private var outgoing = UnsafeMutableRawBufferPointer(start: nil, count: 0)
    /// One chunk from each process.
    private var incoming = UnsafeMutableRawBufferPointer(start: nil, count: 0)
    private var finalized = false

    /// Joins the job `mpirun` started, initialising MPI once per process.
    ///
    /// - Parameter timeout: Seconds a collective operation may take before it throws.
    /// - Throws: ``MPIError`` when MPI cannot start.
    public init(timeout: Double = 60) throws {
        var initialized: Int32 = 0
        MPI_Initialized(&initialized)
        if initialized == 0 {
            var provided: Int32 = 0
            try Self.check(MPI_Init_thread(nil, nil, cmpi_thread_funneled(), &provided), "MPI_Init_thread")
        }
        communicator = cmpi_comm_world()
        try Self.check(MPI_Comm_set_errhandler(communicator, cmpi_errors_return()), "MPI_Comm_set_errhandler")
        var rank: Int32 = 0, size: Int32 = 0
        try Self.check(MPI_Comm_rank(communicator, &rank), "MPI_Comm_rank")
        try Self.check(MPI_Comm_size(communicator, &size), "MPI_Comm_size")
        self.rank = Int(rank)
        self.size = Int(size)
        self.timeout = timeout
    }

    deinit {
        outgoing.deallocate()
        incoming.deallocate()
    }

    /// Ends MPI for this process; call it once, after the last collective operation.
    public func finalize() {
        guard !finalized else { return }
        finalized = true
        MPI_Finalize()
    }

    /// Ends every process of the job with `status`: for an error that this process cannot recover from,
    /// so that the others do not wait for it.
    public func abort(status: Int32) -> Never {
        MPI_Abort(communicator, status)
        exit(status)
    }

    public func sumInRankOrder(_ values: UnsafeMutableBufferPointer<Float>) throws {
        try sumInRankOrder(values, type: cmpi_float())
    }

    public func sumInRankOrder(_ values: UnsafeMutableBufferPointer<Double>) throws {
        try sumInRankOrder(values, type: cmpi_double())
    }

    public func broadcast(_ values: UnsafeMutableBufferPointer<Float>, from root: Int) throws {
        var request: MPI_Request?
        try Self.check(MPI_Ibcast(values.baseAddress, Int32(values.count), cmpi_float(), Int32(root), communicator,
                                  &request), "MPI_Ibcast")
        try wait(for: &request, "MPI_Ibcast")
    }

    private func sumInRankOrder<Element: BinaryFloatingPoint>(
        _ values: UnsafeMutableBufferPointer<Element>, type: MPI_Datatype
    ) throws {
        guard size > 1 else { return }
        let chunk = (values.count + size - 1) / size
        reserve(bytes: size * chunk * MemoryLayout<Element>.stride)
        let send = outgoing.baseAddress!.assumingMemoryBound(to: Element.self)
        let received = incoming.baseAddress!.assumingMemoryBound(to: Element.self)
        send.update(from: values.baseAddress!, count: values.count)
        (send + values.count).update(repeating: 0, count: size * chunk - values.count)

        var request: MPI_Request?
        try Self.check(MPI_Ialltoall(send, Int32(chunk), type, received, Int32(chunk), type, communicator, &request),
                       "MPI_Ialltoall")
        try wait(for: &request, "MPI_Ialltoall")
        // Process r's chunk of the sums goes at the front of `received`, added in rank order from zero as
        // one process adds its slices.
        for index in 0..<chunk {
            var sum: Element = 0
            for source in 0..<size { sum += received[source * chunk + index] }
            received[index] = sum
        }
        try Self.check(MPI_Iallgather(received, Int32(chunk), type, send, Int32(chunk), type, communicator, &request),
                       "MPI_Iallgather")
        try wait(for: &request, "MPI_Iallgather")
        values.baseAddress!.update(from: send, count: values.count)
    }

    /// Grows the two buffers to at least `bytes` each; they stay for the next call.
    private func reserve(bytes: Int) {
        guard outgoing.count < bytes else { return }
        outgoing.deallocate()
        incoming.deallocate()
        outgoing = .allocate(byteCount: bytes, alignment: 64)
        incoming = .allocate(byteCount: bytes, alignment: 64)
    }

    /// Polls `request` until it completes, or throws once ``timeout`` has passed.
    private func wait(for request: inout MPI_Request?, _ operation: String) throws {
        let start = Self.now()
        var done: Int32 = 0
        while true {
            try Self.check(MPI_Test(&request, &done, cmpi_status_ignore()), operation)
            let now = Self.now()
            if done != 0 {
                collectiveSeconds += now - start
                collectiveCount += 1
                return
            }
            if now > start + timeout { throw MPIError.timedOut(operation: operation, seconds: timeout) }
            sched_yield()
        }
    }

    private static func now() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) * 1e-9
    }

    private static func check(_ code: Int32, _ operation: String) throws {
        guard code != cmpi_success() else { return }
        var message = [CChar](repeating: 0, count: Int(cmpi_max_error_string()) + 1)
        var length: Int32 = 0
        MPI_Error_string(code, &message, &length)
        let text = String(decoding: message.prefix(Int(length)).map { UInt8(bitPattern: $0) }, as: UTF8.self)
        throw MPIError.failed(operation: operation, code: code, message: text)
    }
}
