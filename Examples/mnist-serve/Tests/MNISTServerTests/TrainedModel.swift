import Foundation
import SwiftCNN
import SwiftCNNVision

/// The reference CNN trained for one epoch on real MNIST (about 98 % on the test set), saved with its
/// recorded evaluation, and MNIST test digits to send. Trained once for all tests.
struct TrainedModel {
    let directory: URL
    let url: URL
    let model: Sequential
    let evaluation: ModelEvaluation
    /// Test images as MNIST stores them: 28×28, light ink on black.
    let digits: [Image]
    let labels: [Int]

    static let shared = Result { try TrainedModel() }

    private init() throws {
        let data = try MNIST(downloadMissingFiles: false)
        let model = try Sequential.referenceCNN(seed: 5)
        try model.fit(data.train, epochs: 1, batchSize: 64, optimizer: Adam(learningRate: 1e-3), verbosity: .quiet)
        let (loss, accuracy) = model.evaluate(data.test)

        directory = FileManager.default.temporaryDirectory.appendingPathComponent("mnist-serve-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        url = directory.appendingPathComponent("model.safetensors")
        try model.save(to: url)
        evaluation = ModelEvaluation(dataset: "MNIST", accuracy: Double(accuracy), loss: Double(loss),
                                     sampleCount: data.test.count)
        try evaluation.record(inModelFileAt: url)
        self.model = model

        let pixels = data.test.inputs.scalars
        digits = (0..<200).map { index in
            Image(width: 28, height: 28, channels: 1, pixels: Array(pixels[(index * 784)..<((index + 1) * 784)]))
        }
        labels = data.test.labels.prefix(200).map(Int.init)
    }

    /// Serialises the tests' own use of the model, which they make from several tests at once.
    private static let modelLock = NSLock()

    /// What the server should answer for `picture`: the same preprocessing and model, run here.
    func expected(for picture: Image) throws -> (digit: Int, probabilities: [Float], preprocessed: [Float]) {
        let digit = try MNISTPreprocessor().digitImage(from: picture)
        Self.modelLock.lock()
        let probabilities = model.predict(Tensor(shape: [1, 28, 28, 1], scalars: digit.pixels)).scalars
        Self.modelLock.unlock()
        let best = probabilities.indices.max { probabilities[$0] < probabilities[$1] }!
        return (best, probabilities, digit.pixels)
    }

    /// `digit` as a person would photograph it: enlarged, dark ink on white paper, off-centre on a page.
    static func page(of digit: Image) -> Image {
        var page = Image(width: 300, height: 260, channels: 1, repeating: 1)
        let enlarged = digit.resized(toWidth: 196, height: 196).inverted()
        for y in 0..<196 { for x in 0..<196 { page[x: x + 80, y: y + 30] = enlarged[x: x, y: y] } }
        return page
    }
}

/// The answer of `POST /predict`.
struct PredictionAnswer: Decodable {
    struct Picture: Decodable { var width: Int; var height: Int; var pixels: [Double] }
    struct Timing: Decodable { var decodeMilliseconds: Double; var preprocessMilliseconds: Double; var inferenceMilliseconds: Double }
    var digit: Int
    var probabilities: [Double]
    var preprocessed: Picture
    var timing: Timing
}

/// The answer of a refused request.
struct ErrorAnswer: Decodable {
    struct Detail: Decodable { var code: String; var message: String }
    var error: Detail
}
