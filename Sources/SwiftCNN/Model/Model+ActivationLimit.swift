import Foundation

/// A model whose activations would take more memory than allowed, found before the first forward pass.
///
/// Loading a model file is bounded by the file's size, but using the model is not: a 672-byte file can
/// describe a 46,340 × 46,340 input, whose activations take 8.6 GB a sample.
public struct ActivationMemoryError: Error, Equatable, CustomStringConvertible {
    /// The bytes of one sample's activations: its input and every layer's output, doubled in training
    /// for their gradients. `Int.max` when that overflows.
    public var bytesPerSample: Int
    /// The samples computed at once.
    public var batchSize: Int
    /// The most bytes allowed for a batch's activations.
    public var limit: Int

    public var description: String {
        let total = bytesPerSample.multipliedReportingOverflow(by: batchSize)
        let needed = total.overflow ? "more than \(Int.max) bytes" : Self.format(total.partialValue)
        return "the model's activations would take \(needed) for a batch of \(batchSize) "
            + "(\(Self.format(bytesPerSample)) a sample), more than the \(Self.format(limit)) allowed"
    }

    /// `bytes` in the largest unit that keeps it at least 1, such as `8.6 GB`.
    static func format(_ bytes: Int) -> String {
        let units = ["bytes", "kB", "MB", "GB", "TB", "PB", "EB"]
        var value = Double(bytes), unit = 0
        while value >= 1000, unit < units.count - 1 {
            value /= 1000
            unit += 1
        }
        return unit == 0 ? "\(bytes) bytes" : String(format: "%.1f %@", value, units[unit])
    }
}

extension Model {
    /// The most bytes of activations ``checkActivationMemory(batchSize:training:limit:)`` allows by
    /// default, and the limit `fit` applies: 4 GiB.
    public static let defaultActivationMemoryLimit = 4 << 30

    /// The bytes that one sample's activations take in inference: its input and the output of every
    /// layer, as 32-bit floats. `Int.max` when that overflows.
    public var activationBytesPerSample: Int {
        var total = 0
        for shape in [inputShape] + layerOutputShapes {
            var elements = MemoryLayout<Float>.stride
            for dimension in shape {
                let (product, overflow) = elements.multipliedReportingOverflow(by: dimension)
                guard !overflow else { return .max }
                elements = product
            }
            let (sum, overflow) = total.addingReportingOverflow(elements)
            guard !overflow else { return .max }
            total = sum
        }
        return total
    }

    /// Checks that the activations of `batchSize` samples fit in `limit` bytes, before any is allocated.
    /// Call it on a model from a file before using it; `fit` calls it itself.
    ///
    /// - Parameters:
    ///   - batchSize: the samples computed at once.
    ///   - training: whether the gradients of the activations are kept too, doubling the memory.
    ///   - limit: the most bytes allowed; by default ``defaultActivationMemoryLimit``.
    /// - Throws: ``ActivationMemoryError`` when they do not fit.
    public func checkActivationMemory(batchSize: Int, training: Bool = false,
                                      limit: Int = Model.defaultActivationMemoryLimit) throws {
        precondition(batchSize > 0, "batchSize must be positive, got \(batchSize)")
        var perSample = activationBytesPerSample
        if training { perSample = perSample > Int.max / 2 ? .max : 2 * perSample }
        let (total, overflow) = perSample.multipliedReportingOverflow(by: batchSize)
        if overflow || total > limit {
            throw ActivationMemoryError(bytesPerSample: perSample, batchSize: batchSize, limit: limit)
        }
    }
}
