/// Where and how ``Server`` listens.
public struct ServerConfiguration: Sendable {
    /// The address to bind, such as 127.0.0.1 (this machine only) or 0.0.0.0 (every interface).
    public var host = "127.0.0.1"
    /// The TCP port; 0 lets the system pick a free one.
    public var port = 8080
    /// The threads that decode and classify pictures, and as many for the network.
    public var threads = 2
    /// The largest request body accepted, in bytes; larger ones get 413.
    public var maximumBodySize = 4 * 1024 * 1024

    /// The defaults: 127.0.0.1:8080, two threads, 4 MB bodies.
    public init() {}
}
