import Foundation
import SwiftCNN
import SwiftCNNVision
import Testing

/// The real server, over HTTP on loopback: each route, each kind of body, each bad request, and many
/// requests at once. Needs real MNIST (MNIST_DIR) to train the model it serves.
@Suite(.enabled(if: ProcessInfo.processInfo.environment["MNIST_DIR"] != nil, "needs MNIST_DIR"))
struct ServerTests {
    @Test func servesThePageHealthAndModel() async throws {
        let setup = try TrainedModel.shared.get()
        let server = try RunningServer(model: setup.url)
        defer { server.stop() }

        let health = try await server.send("GET", "/health")
        #expect(health.status == 200)
        #expect(try JSONDecoder().decode([String: String].self, from: health.body) == ["status": "ok"])

        let page = try await server.send("GET", "/")
        #expect(page.status == 200 && page.contentType.hasPrefix("text/html"))
        let html = String(decoding: page.body, as: UTF8.self)
        for part in ["<canvas id=\"pad\"", "touch-action: none", "name=\"viewport\"", "pointerdown", "id=\"undo\"",
                     "id=\"clear\"", "type=\"file\"", "id=\"seen\""] {
            #expect(html.contains(part), "the page lacks \(part)")
        }
        #expect(!html.contains("src=\"http") && !html.contains("href=\"http") && !html.contains("url(http"),
                "the page loads nothing from elsewhere")

        struct ModelAnswer: Decodable {
            var inputShape: [Int]; var classes: Int; var parameterCount: Int; var summary: String
            var evaluation: ModelEvaluation?
        }
        let description = try await server.send("GET", "/model")
        #expect(description.status == 200)
        let model = try JSONDecoder().decode(ModelAnswer.self, from: description.body)
        #expect(model.inputShape == [28, 28, 1] && model.classes == 10)
        #expect(model.parameterCount == setup.model.parameterCount)
        #expect(model.summary == setup.model.summary())
        #expect(model.evaluation == setup.evaluation)
        #expect(setup.evaluation.accuracy > 0.95, "one epoch of the reference CNN reaches \(setup.evaluation.accuracy)")
    }

    @Test func modelsWithoutARecordedEvaluationStillServe() async throws {
        let setup = try TrainedModel.shared.get()
        let plain = setup.directory.appendingPathComponent("plain.safetensors")
        try setup.model.save(to: plain)
        let server = try RunningServer(model: plain)
        defer { server.stop() }
        let description = try await server.send("GET", "/model")
        let json = try #require(try JSONSerialization.jsonObject(with: description.body) as? [String: Any])
        #expect(description.status == 200 && json["evaluation"] == nil && json["parameterCount"] != nil)
    }

    /// Every format (URLSession always sends a Content-Type with a body, so recognising the format by its
    /// bytes is tested with application/octet-stream), each answer compared with the same preprocessing and model run in this process.
    @Test func predictsFromPNGJPEGPGMAndPixels() async throws {
        let setup = try TrainedModel.shared.get()
        let server = try RunningServer(model: setup.url)
        defer { server.stop() }

        var correct = 0, total = 0
        for index in 0..<5 {
            let digit = setup.digits[index], page = TrainedModel.page(of: digit)
            let json = try JSONEncoder().encode(["pixels": digit.pixels])
            let bodies: [(body: Data, type: String)] = [
                (try page.pngData(), "image/png"),
                (try page.jpegData(quality: 90), "image/jpeg"),
                (page.pgmData(), "image/x-portable-graymap"),
                (try digit.pngData(), "application/octet-stream"),
                (try page.jpegData(quality: 80), "application/octet-stream"),
                (json, "application/json"),
                (json, "application/octet-stream"),
            ]
            for (body, type) in bodies {
                // What the server sees: the 8-bit samples of the file, or the JSON values themselves.
                let picture = body.first == UInt8(ascii: "{") ? digit : try Image(data: body)
                let answer = try await server.send("POST", "/predict", body: body, contentType: type)
                #expect(answer.status == 200, "\(type): \(String(decoding: answer.body, as: UTF8.self))")
                let prediction = try JSONDecoder().decode(PredictionAnswer.self, from: answer.body)
                let expected = try setup.expected(for: picture)
                #expect(prediction.digit == expected.digit, "\(type)")
                #expect(prediction.probabilities.count == 10)
                for (served, computed) in zip(prediction.probabilities, expected.probabilities) {
                    #expect(abs(served - Double(computed)) <= 1e-5)
                }
                #expect(prediction.preprocessed.width == 28 && prediction.preprocessed.height == 28)
                #expect(zip(prediction.preprocessed.pixels, expected.preprocessed).allSatisfy { abs($0 - Double($1)) <= 6e-4 })
                #expect(prediction.timing.inferenceMilliseconds > 0 && prediction.timing.preprocessMilliseconds > 0)
                total += 1
                if prediction.digit == setup.labels[index] { correct += 1 }
            }
        }
        // The model errs on about 2 % of MNIST: at most one of the five digits, in its seven forms.
        #expect(correct >= total - 7, "\(correct) of \(total) right")
    }

    @Test func startsOnlyWithAUsableModel() throws {
        let setup = try TrainedModel.shared.get()
        let missing = try runToExit(RunningServer.executable, ["--model", setup.directory.appendingPathComponent("none.safetensors").path])
        #expect(missing.status != 0)
        #expect(missing.errors.contains("no model at") && missing.errors.contains("mnist-train"), "\(missing.errors)")

        let junk = setup.directory.appendingPathComponent("junk.safetensors")
        try Data("not a model".utf8).write(to: junk)
        let invalid = try runToExit(RunningServer.executable, ["--model", junk.path])
        #expect(invalid.status != 0)
        #expect(invalid.errors.contains("junk.safetensors") && invalid.errors.contains("not a model mnist-serve can use"),
                "\(invalid.errors)")
    }

    /// 200 requests at once, 16 connections, every answer the right one for its picture.
    @Test func answersManyConcurrentRequestsCorrectly() async throws {
        let setup = try TrainedModel.shared.get()
        let server = try RunningServer(model: setup.url)
        defer { server.stop() }
        var bodies = [Data](), expected = [Int]()
        for digit in setup.digits.prefix(200) {
            bodies.append(try digit.pngData())
            expected.append(try setup.expected(for: digit).digit)
        }
        let answers = try await withThrowingTaskGroup(of: (Int, Int, Int).self) { group in
            for (index, body) in bodies.enumerated() {
                group.addTask {
                    let answer = try await server.send("POST", "/predict", body: body, contentType: "image/png")
                    let digit = try JSONDecoder().decode(PredictionAnswer.self, from: answer.body).digit
                    return (index, answer.status, digit)
                }
            }
            var answers = [(Int, Int, Int)]()
            for try await answer in group { answers.append(answer) }
            return answers
        }
        #expect(answers.count == 200)
        for (index, status, digit) in answers {
            #expect(status == 200 && digit == expected[index], "request \(index)")
        }
    }
}
