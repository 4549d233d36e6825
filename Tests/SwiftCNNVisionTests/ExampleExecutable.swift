import Foundation
import Testing

/// An example executable (`mnist-train`, `mnist-predict`), built beside the test bundle in the build
/// directory, run as a subprocess.
struct ExampleExecutable {
    let name: String

    var url: URL {
        Bundle.module.bundleURL.deletingLastPathComponent().appendingPathComponent(name)
    }

    /// Runs it with `arguments` and returns its exit status, standard output and standard error.
    ///
    /// With `memoryLimitKiB` it runs under that limit on its address space (`ulimit -v`), so an attempt to
    /// allocate more fails at once instead of taking the memory.
    func run(_ arguments: [String], memoryLimitKiB: Int? = nil) throws -> (status: Int32, output: String, errors: String) {
        try #require(FileManager.default.isExecutableFile(atPath: url.path), "build \(name) first: \(url.path)")
        let process = Process()
        if let memoryLimitKiB {
            process.executableURL = URL(fileURLWithPath: "/bin/sh")
            process.arguments = ["-c", "ulimit -v \(memoryLimitKiB) && exec \"$0\" \"$@\"", url.path] + arguments
        } else {
            process.executableURL = url
            process.arguments = arguments
        }
        let output = Pipe(), errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let outputData = output.fileHandleForReading.readDataToEndOfFile()
        let errorData = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: outputData, as: UTF8.self),
                String(decoding: errorData, as: UTF8.self))
    }
}
