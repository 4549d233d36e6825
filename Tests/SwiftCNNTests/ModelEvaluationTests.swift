import Foundation
import SwiftCNN
import Testing
import TestSupport

/// The test evaluation recorded in a model file's metadata.
struct ModelEvaluationTests {
    func savedModel(in directory: TemporaryDirectory) throws -> (model: Sequential, url: URL) {
        let model = try Sequential(inputShape: [4], seed: 3) { Dense(units: 2) }
        let url = directory.file("model.safetensors")
        try model.save(to: url)
        return (model, url)
    }

    @Test func recordsAndReadsBackWithoutChangingTheModel() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let (model, url) = try savedModel(in: directory)
        #expect(try ModelEvaluation(modelFileAt: url) == nil, "a file saved without an evaluation records none")

        let evaluation = ModelEvaluation(dataset: "MNIST", accuracy: 0.9875, loss: 0.04, sampleCount: 10_000)
        try evaluation.record(inModelFileAt: url)
        #expect(try ModelEvaluation(modelFileAt: url) == evaluation)
        let reloaded = try Sequential(contentsOf: url)
        let input = Tensor(shape: [1, 4], scalars: [0.5, -1, 2, 0.25])
        #expect(reloaded.predict(input).scalars == model.predict(input).scalars)

        let later = ModelEvaluation(dataset: "MNIST", accuracy: 0.99, loss: 0.03, sampleCount: 10_000)
        try later.record(inModelFileAt: url)
        #expect(try ModelEvaluation(modelFileAt: url) == later, "a new evaluation replaces the old one")
    }

    @Test func reportsAMalformedRecord() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let (_, url) = try savedModel(in: directory)
        var file = try SafeTensorsFile(contentsOf: url)
        file.metadata["swiftcnn.evaluation"] = #"{"dataset": "MNIST", "accuracy": "high"}"#
        try file.write(to: url)
        #expect {
            try ModelEvaluation(modelFileAt: url)
        } throws: { error in
            guard case let ModelFileError.malformedEvaluation(file, _) = error else { return false }
            return file == url.path
        }
    }
}
