import Foundation

/// How a saved model did on its test set, kept as JSON in the model file's metadata under
/// `swiftcnn.evaluation`, so that whoever loads the file (a server, a report) can show it.
///
/// Files without it load as before; files with it load in older versions too, which ignore metadata they
/// do not know.
///
/// ```swift
/// let (loss, accuracy) = model.evaluate(data.test)
/// try model.save(to: url)
/// try ModelEvaluation(dataset: "MNIST", accuracy: accuracy, loss: loss, sampleCount: data.test.count)
///     .record(inModelFileAt: url)
/// let recorded = try ModelEvaluation(modelFileAt: url)    // nil for a file that records none
/// ```
public struct ModelEvaluation: Codable, Equatable, Sendable {
    static let metadataKey = "swiftcnn.evaluation"

    /// The name of the data set evaluated on, such as "MNIST".
    public var dataset: String
    /// The fraction of test samples classified right, in 0...1.
    public var accuracy: Double
    /// The mean loss over the test samples.
    public var loss: Double
    /// The number of test samples.
    public var sampleCount: Int

    /// A result of evaluating on `sampleCount` samples of `dataset`.
    ///
    /// - Parameters:
    ///   - dataset: The data set's name.
    ///   - accuracy: The fraction classified right.
    ///   - loss: The mean loss.
    ///   - sampleCount: The number of samples evaluated.
    public init(dataset: String, accuracy: Double, loss: Double, sampleCount: Int) {
        self.dataset = dataset
        self.accuracy = accuracy
        self.loss = loss
        self.sampleCount = sampleCount
    }

    /// The evaluation recorded in the model file at `url`, or nil when it records none.
    ///
    /// - Parameter url: A model file or training checkpoint.
    /// - Throws: ``SafeTensorsError`` when the file cannot be read, ``ModelFileError/malformedEvaluation(file:reason:)``
    ///   when the recorded evaluation is not valid JSON of this shape.
    public init?(modelFileAt url: URL) throws {
        let file = try SafeTensorsFile(contentsOf: url)
        guard let json = file.metadata[Self.metadataKey] else { return nil }
        do {
            self = try JSONDecoder().decode(Self.self, from: Data(json.utf8))
        } catch {
            throw ModelFileError.malformedEvaluation(file: file.source, reason: ModelArchitecture.describe(error))
        }
    }

    /// Adds this evaluation to the model file at `url`, replacing any recorded before and keeping the
    /// tensors and other metadata. The file is replaced atomically.
    ///
    /// - Parameter url: A model file or training checkpoint.
    /// - Throws: ``SafeTensorsError`` when the file cannot be read or written.
    public func record(inModelFileAt url: URL) throws {
        var file = try SafeTensorsFile(contentsOf: url)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        file.metadata[Self.metadataKey] = String(decoding: try encoder.encode(self), as: UTF8.self)
        try file.write(to: url)
    }
}
