import Foundation
import Synchronization
import SwiftCNN
import SwiftCNNVision

/// The loaded classifier and the preprocessing in front of it: turns a picture, or 784 pixel values,
/// into a ``Prediction`` exactly as `mnist-predict` does.
///
/// Every method may be called from many threads at once.
public final class ModelService: @unchecked Sendable {
    /// The model file it was loaded from.
    public let modelPath: String
    /// The side of the square grey images the model takes (28 for MNIST).
    public let side: Int
    /// The number of classes the model scores.
    public let classCount: Int
    /// Keras's summary of the architecture.
    public let summary: String
    /// The number of parameters the model learnt.
    public let parameterCount: Int
    /// The test results recorded in the model file, when mnist-train recorded them.
    public let evaluation: ModelEvaluation?

    /// The model, loaded once per replica. `predict` is safe from any thread, but one model runs one pass
    /// at a time; requests take the replicas in turn, so up to `replicas.count` run inference at once.
    private let replicas: [Model]
    private let nextReplica = Atomic<Int>(0)
    private let preprocessor: MNISTPreprocessor

    /// Loads the model file at `url` and checks that it classifies square grey images.
    ///
    /// - Parameters:
    ///   - url: A model file written by mnist-train (or `Model.save(to:)`), sequential or functional.
    ///   - replicas: How many copies of the model serve requests side by side (one per core by default).
    /// - Throws: ``ServiceError`` when the file is missing, unreadable or not such a classifier.
    public init(contentsOf url: URL, replicas: Int = ProcessInfo.processInfo.activeProcessorCount) throws {
        let path = url.path
        guard FileManager.default.fileExists(atPath: path) else { throw ServiceError.missingModel(path: path) }
        let model: Model
        do {
            model = try Model.load(contentsOf: url)
            evaluation = try ModelEvaluation(modelFileAt: url)
        } catch {
            throw ServiceError.invalidModel(path: path, reason: "\(error)")
        }
        let shape = model.inputShape
        guard shape.count == 3, shape[0] == shape[1], shape[2] == 1, model.outputShape.count == 1 else {
            throw ServiceError.invalidModel(
                path: path, reason: "it takes inputs of shape \(shape) and gives \(model.outputShape); "
                    + "mnist-serve needs a classifier of square grey images, such as [28, 28, 1]")
        }
        var preprocessor = MNISTPreprocessor()
        preprocessor.canvasSide = shape[0]
        preprocessor.digitSide = max(1, (shape[0] * 20 + 14) / 28)
        do {
            self.replicas = try [model] + (1..<max(1, replicas)).map { _ in try Model.load(contentsOf: url) }
        } catch {
            throw ServiceError.invalidModel(path: path, reason: "\(error)")
        }
        self.preprocessor = preprocessor
        modelPath = path
        side = shape[0]
        classCount = model.outputShape[0]
        summary = model.summary()
        parameterCount = model.parameterCount
    }

    /// Preprocesses `picture` as mnist-predict does and classifies it.
    ///
    /// - Parameters:
    ///   - picture: Any picture of one digit.
    ///   - decodeSeconds: How long decoding the picture took, reported in the timing.
    /// - Throws: ``MNISTPreprocessingError/blank`` when the picture has no ink.
    public func predict(picture: Image, decodeSeconds: Double = 0) throws -> Prediction {
        let start = DispatchTime.now()
        let digit = try preprocessor.digitImage(from: picture)
        let preprocessed = DispatchTime.now()
        let probabilities = probabilities(of: digit)
        let end = DispatchTime.now()
        return Prediction(
            probabilities: probabilities, preprocessed: digit,
            timing: Prediction.Timing(decode: decodeSeconds,
                                      preprocess: Self.seconds(from: start, to: preprocessed),
                                      inference: Self.seconds(from: preprocessed, to: end)))
    }

    /// The class probabilities of one preprocessed `side`×`side` digit.
    private func probabilities(of digit: Image) -> [Float] {
        let input = Tensor(shape: [1, side, side, 1], scalars: digit.pixels)
        let replica = replicas[nextReplica.wrappingAdd(1, ordering: .relaxed).oldValue % replicas.count]
        return replica.predict(input).scalars
    }

    private static func seconds(from start: DispatchTime, to end: DispatchTime) -> Double {
        Double(end.uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
    }
}

/// Why the server cannot start with a model file.
public enum ServiceError: Error, CustomStringConvertible {
    /// No file at the path.
    case missingModel(path: String)
    /// The file is not a model mnist-serve can use.
    case invalidModel(path: String, reason: String)

    public var description: String {
        switch self {
        case let .missingModel(path):
            return "no model at \(path): train one with mnist-train (`make serve` does), or name a model file with --model"
        case let .invalidModel(path, reason):
            return "\(path) is not a model mnist-serve can use: \(reason)"
        }
    }
}
