/// Why an MPI operation of an ``MPIProcessGroup`` failed.
public enum MPIError: Error, Equatable, CustomStringConvertible {
    /// An MPI call returned an error code, with MPI's description of it.
    case failed(operation: String, code: Int32, message: String)
    /// A collective operation did not complete within the group's timeout: another process has
    /// failed, stopped or is far behind.
    case timedOut(operation: String, seconds: Double)

    public var description: String {
        switch self {
        case let .failed(operation, code, message):
            return "\(operation) failed (MPI error \(code)): \(message)"
        case let .timedOut(operation, seconds):
            return "\(operation) did not complete within \(seconds) s: another process has failed or stopped"
        }
    }
}
