import SwiftCNN

/// The JSON answer of `POST /predict`.
struct PredictionResponse: Encodable {
    struct Picture: Encodable {
        var width: Int
        var height: Int
        /// Row by row from the top, ink 1 on paper 0, rounded to 3 decimals.
        var pixels: [Double]
    }

    struct Timing: Encodable {
        var decodeMilliseconds: Double
        var preprocessMilliseconds: Double
        var inferenceMilliseconds: Double
    }

    var digit: Int
    var probabilities: [Double]
    var preprocessed: Picture
    var timing: Timing

    init(_ prediction: Prediction) {
        digit = prediction.digit
        probabilities = prediction.probabilities.map { (Double($0) * 1e6).rounded() / 1e6 }
        let image = prediction.preprocessed
        preprocessed = Picture(width: image.width, height: image.height,
                               pixels: image.pixels.map { (Double($0) * 1000).rounded() / 1000 })
        timing = Timing(decodeMilliseconds: Self.milliseconds(prediction.timing.decode),
                        preprocessMilliseconds: Self.milliseconds(prediction.timing.preprocess),
                        inferenceMilliseconds: Self.milliseconds(prediction.timing.inference))
    }

    private static func milliseconds(_ seconds: Double) -> Double {
        (seconds * 1e6).rounded() / 1e3
    }
}

/// The JSON answer of `GET /model`.
struct ModelDescription: Encodable {
    var file: String
    var inputShape: [Int]
    var classes: Int
    var parameterCount: Int
    var summary: String
    /// The test results mnist-train recorded in the file; absent for files saved without them.
    var evaluation: ModelEvaluation?

    init(service: ModelService) {
        file = service.modelPath
        inputShape = [service.side, service.side, 1]
        classes = service.classCount
        parameterCount = service.parameterCount
        summary = service.summary
        evaluation = service.evaluation
    }
}
