import Foundation
import SwiftCNN

/// A training measurement in the peer benchmarks' RESULT schema (`kind: "train"`, see
/// `Peers/README.md`), with two fields of SwiftCNN's own: training images per second at the median
/// epoch time, and the process's peak resident memory.
public struct TrainResult: Encodable {
    public let kind = "train"
    public var threads: Int
    public var network: String
    public var dataset: String
    public var seed: UInt64
    public var epochs: Int
    public var batchSize: Int
    public var epochSeconds: [Double]
    public var medianEpochSeconds: Double
    public var testAccuracy: Double
    public var testLoss: Double
    public var trainImagesPerSecond: Double
    public var peakMemoryMB: Double?

    public init(network: String = "reference", dataset: String = "mnist", threads: Int, seed: UInt64, batchSize: Int,
                epochSeconds: [Double], trainingImages: Int, testAccuracy: Float, testLoss: Float, peakMemoryBytes: Int?) {
        self.network = network
        self.dataset = dataset
        self.threads = threads
        self.seed = seed
        epochs = epochSeconds.count
        self.batchSize = batchSize
        self.epochSeconds = epochSeconds.map { ResultRecord.rounded($0, places: 4) }
        let median = Timing.median(epochSeconds)
        medianEpochSeconds = ResultRecord.rounded(median, places: 4)
        self.testAccuracy = ResultRecord.rounded(Double(testAccuracy), places: 4)
        self.testLoss = ResultRecord.rounded(Double(testLoss), places: 4)
        trainImagesPerSecond = ResultRecord.rounded(Double(trainingImages) / median, places: 1)
        peakMemoryMB = peakMemoryBytes.map { ResultRecord.rounded(Double($0) / 1_048_576, places: 1) }
    }

    enum CodingKeys: String, CodingKey {
        case kind, threads, network, dataset, seed, epochs
        case batchSize = "batch_size"
        case epochSeconds = "epoch_seconds"
        case medianEpochSeconds = "median_epoch_seconds"
        case testAccuracy = "test_accuracy"
        case testLoss = "test_loss"
        case trainImagesPerSecond = "train_images_per_second"
        case peakMemoryMB = "peak_memory_mb"
    }
}

/// An inference measurement in the peer benchmarks' RESULT schema (`kind: "infer"`).
public struct InferResult: Encodable {
    public let kind = "infer"
    public var threads: Int
    public var batchSize: Int
    public var imagesPerSecond: Double
    /// The median time of one single-image call.
    public var latencyMicroseconds: Double
    /// The 99th percentile (nearest rank) of the same calls.
    public var latencyP99Microseconds: Double
    public var testAccuracy: Double

    public init(threads: Int, batchSize: Int, imagesPerSecond: Double, latencyMicroseconds: Double,
                latencyP99Microseconds: Double, testAccuracy: Double) {
        self.threads = threads
        self.batchSize = batchSize
        self.imagesPerSecond = ResultRecord.rounded(imagesPerSecond, places: 1)
        self.latencyMicroseconds = ResultRecord.rounded(latencyMicroseconds, places: 1)
        self.latencyP99Microseconds = ResultRecord.rounded(latencyP99Microseconds, places: 1)
        self.testAccuracy = ResultRecord.rounded(testAccuracy, places: 4)
    }

    enum CodingKeys: String, CodingKey {
        case kind, threads
        case batchSize = "batch_size"
        case imagesPerSecond = "images_per_second"
        case latencyMicroseconds = "latency_us"
        case latencyP99Microseconds = "latency_p99_us"
        case testAccuracy = "test_accuracy"
    }
}

/// One pass of one convolution (`kind: "conv"`, SwiftCNN's own: the peers have no such record) against
/// SGEMM on the same thread count, from `conv-efficiency`: its rate, and that rate as a share of SGEMM on
/// a large square product and of SGEMM on the pass's own products.
public struct ConvolutionResult: Encodable {
    public let kind = "conv"
    public var threads: Int
    public var batchSize: Int
    /// The convolution, as `conv-efficiency` prints it.
    public var shape: String
    /// The benchmark networks' layers that have this shape, as `network/layer`.
    public var layers: [String]
    /// `forward` or `backward`.
    public var direction: String
    public var repetitions: Int
    public var megaflops: Double
    public var medianMilliseconds: Double
    public var gigaflopsPerSecond: Double
    /// SGEMM's rate on a large square product.
    public var peakSGEMMGigaflopsPerSecond: Double
    /// SGEMM's rate on the im2col products of this pass, run whole.
    public var shapeSGEMMGigaflopsPerSecond: Double
    public var percentOfPeakSGEMM: Double
    public var percentOfShapeSGEMM: Double

    /// The pass did `flops` in `seconds` (median); SGEMM ran `peakSGEMMGigaflopsPerSecond` on a square
    /// product and did the pass's own products in `shapeSGEMMSeconds` (the sum of their medians).
    public init(shape: String, layers: [String], direction: String, threads: Int, batchSize: Int, repetitions: Int,
                flops: Double, seconds: Double, peakSGEMMGigaflopsPerSecond: Double, shapeSGEMMSeconds: Double) {
        self.shape = shape
        self.layers = layers
        self.direction = direction
        self.threads = threads
        self.batchSize = batchSize
        self.repetitions = repetitions
        megaflops = ResultRecord.rounded(flops / 1e6, places: 1)
        medianMilliseconds = ResultRecord.rounded(seconds * 1e3, places: 3)
        let rate = Timing.gigaflopsPerSecond(flops: flops, seconds: seconds)
        let shapeRate = Timing.gigaflopsPerSecond(flops: flops, seconds: shapeSGEMMSeconds)
        gigaflopsPerSecond = ResultRecord.rounded(rate, places: 1)
        self.peakSGEMMGigaflopsPerSecond = ResultRecord.rounded(peakSGEMMGigaflopsPerSecond, places: 1)
        shapeSGEMMGigaflopsPerSecond = ResultRecord.rounded(shapeRate, places: 1)
        percentOfPeakSGEMM = ResultRecord.rounded(100 * rate / peakSGEMMGigaflopsPerSecond, places: 1)
        percentOfShapeSGEMM = ResultRecord.rounded(100 * rate / shapeRate, places: 1)
    }

    enum CodingKeys: String, CodingKey {
        case kind, threads, shape, layers, direction, repetitions, megaflops
        case batchSize = "batch_size"
        case medianMilliseconds = "median_ms"
        case gigaflopsPerSecond = "gflops"
        case peakSGEMMGigaflopsPerSecond = "peak_sgemm_gflops"
        case shapeSGEMMGigaflopsPerSecond = "shape_sgemm_gflops"
        case percentOfPeakSGEMM = "percent_of_peak_sgemm"
        case percentOfShapeSGEMM = "percent_of_shape_sgemm"
    }
}

/// Writes measurements as the peer benchmarks do: a line `RESULT {json}` on standard output, and the
/// same JSON object as one line of a results file when one is given.
public enum ResultRecord {
    /// How the measured model's convolutions were computed, when a benchmark asked for other than the
    /// automatic algorithm: Winograd's records are `swiftcnn-winograd` (or `swiftcnn-bf16-winograd`).
    nonisolated(unsafe) public static var convolutionAlgorithm = Conv2D.Algorithm.automatic

    /// The `framework` field: SwiftCNN, with the precision and algorithm when they are not the defaults.
    static var framework: String {
        "swiftcnn" + (Backend.precision == .bfloat16 ? "-bf16" : "") + (convolutionAlgorithm == .winograd ? "-winograd" : "")
    }

    /// What stands in the `version` field: SwiftCNN has no release number yet, so the OpenBLAS release,
    /// the kernels in use and, when not FP32, the precision, which are what decides its speed.
    public static var version: String {
        let release = Backend.blasConfiguration.split(separator: " ").prefix(2).joined(separator: " ")
        let precision = Backend.precision == .float32 ? "" : ", \(Backend.precision)"
        return "\(release), \(Backend.kernels.coreName) kernels\(precision)"
    }

    /// Prints `record` as a RESULT line and appends it to the file at `path`, if any; the line also carries
    /// the fields every record has (framework, version, CPU, timestamp), as the peers' records do.
    public static func emit(_ record: some Encodable, appendingTo path: String?) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let line = String(decoding: try encoder.encode(Stamped(record: record)), as: UTF8.self)
        print("RESULT \(line)")
        guard let path else { return }
        let url = URL(fileURLWithPath: path)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        if !FileManager.default.fileExists(atPath: path) {
            try Data().write(to: url)
        }
        let file = try FileHandle(forWritingTo: url)
        defer { try? file.close() }
        try file.seekToEnd()
        try file.write(contentsOf: Data((line + "\n").utf8))
    }

    static func rounded(_ value: Double, places: Int) -> Double {
        let scale = pow(10, Double(places))
        return (value * scale).rounded() / scale
    }

    /// Local time in ISO 8601, as the peers write it (`2025-01-31T14:05:09+0100`).
    static func timestamp() -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.dateFormat = "yyyy-MM-dd'T'HH:mm:ssZ"
        return formatter.string(from: Date())
    }
}

/// A record with the fields that every record carries, in the same JSON object: who measured (SwiftCNN,
/// its OpenBLAS release and kernels), on which CPU (the model name, and the vendor, family and model that
/// tell a virtual machine's core apart), and when.
private struct Stamped<Record: Encodable>: Encodable {
    var record: Record

    private enum Key: String, CodingKey {
        case framework, version, cpu, timestamp
        case cpuVendor = "cpu_vendor", cpuFamily = "cpu_family", cpuModelNumber = "cpu_model_number"
    }

    func encode(to encoder: Encoder) throws {
        try record.encode(to: encoder)
        var stamp = encoder.container(keyedBy: Key.self)
        try stamp.encode(ResultRecord.framework, forKey: .framework)
        try stamp.encode(ResultRecord.version, forKey: .version)
        try stamp.encode(Machine.cpuModel, forKey: .cpu)
        try stamp.encode(Machine.cpuVendor, forKey: .cpuVendor)
        try stamp.encode(Machine.cpuFamily, forKey: .cpuFamily)
        try stamp.encode(Machine.cpuModelNumber, forKey: .cpuModelNumber)
        try stamp.encode(ResultRecord.timestamp(), forKey: .timestamp)
    }
}
