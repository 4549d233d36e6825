import Foundation
import SwiftCNN
import SwiftCNNVision
import Testing
import TestSupport

/// The `mnist-predict` executable, run as a subprocess on real MNIST test digits with a small model
/// trained here.
@Suite(.enabled(if: ProcessInfo.processInfo.environment["MNIST_DIR"] != nil, "needs MNIST_DIR"))
struct MNISTPredictTests {
    /// A Dense-only classifier trained for a few seconds on the first 4,000 MNIST test images, the
    /// images it is tried on (test images 9,000 onwards, which it has not seen) and their labels.
    struct Setup {
        let model: Sequential
        let images: [Image]
        let labels: [Int]
    }

    /// Trained once for both tests: two trainings at the same time would compete for the cores.
    nonisolated(unsafe) static let shared = Result { try makeSetup() }

    static func makeSetup() throws -> Setup {
        let test = try MNIST(downloadMissingFiles: false).test
        let training = test.prefix(4000), tried = test.subset(9000..<9006)
        let model = try Sequential(inputShape: [28, 28, 1], seed: 7) {
            Flatten()
            Dense(units: 64, activation: .relu)
            Dense(units: 10)
        }
        try model.fit(training, epochs: 3, batchSize: 32, optimizer: Adam(learningRate: 2e-3), verbosity: .quiet)
        let pixels = tried.inputs.scalars
        let images = (0..<tried.count).map { index in
            Image(width: 28, height: 28, channels: 1, pixels: Array(pixels[(index * 784)..<((index + 1) * 784)]))
        }
        return Setup(model: model, images: images, labels: tried.labels.map(Int.init))
    }

    struct Candidate: Decodable {
        var digit: Int
        var probability: Double
    }

    struct Report: Decodable {
        var file: String
        var digit: Int?
        var probabilities: [Candidate]?
        var preprocessed: String?
        var error: String?
    }

    @Test func classifiesDigitsAndReportsBadFiles() throws {
        let setup = try Self.shared.get()
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let modelURL = directory.file("model.safetensors")
        try setup.model.save(to: modelURL)

        // As MNIST stores them (light on dark, 28×28, PNG), and restyled: enlarged tenfold, dark on white,
        // off-centre on a larger page, as a JPEG.
        var files = [String]()
        for (index, image) in setup.images.enumerated() {
            let plain = directory.file("digit\(index).png")
            try image.write(to: plain)
            var page = Image(width: 420, height: 360, channels: 1, repeating: 1)
            let enlarged = image.resized(toWidth: 280, height: 280).inverted()
            for y in 0..<280 { for x in 0..<280 { page[x: x + 120, y: y + 20] = enlarged[x: x, y: y] } }
            let restyled = directory.file("page\(index).jpg")
            try page.write(to: restyled)
            files += [plain.path, restyled.path]
        }
        let broken = directory.file("broken.png")
        try Data("not a picture".utf8).write(to: broken)
        files.append(broken.path)
        let preprocessed = directory.file("seen")

        let (status, output, errors) = try run(["--model", modelURL.path, "--json", "--top", "3",
                                                "--save-preprocessed", preprocessed.path] + files)
        #expect(status == 1, "a bad file makes the exit status 1; stderr: \(errors)")
        let reports = try JSONDecoder().decode([Report].self, from: Data(output.utf8))
        #expect(reports.map(\.file) == files)

        let failure = try #require(reports.last)
        #expect(failure.digit == nil && failure.error?.contains("broken.png") == true)

        // Each answer matches the same model run in this process on the same preprocessing.
        let preprocessor = MNISTPreprocessor()
        var correct = 0
        for (index, report) in reports.dropLast().enumerated() {
            let picture = try Image(contentsOf: URL(fileURLWithPath: report.file))
            let expected = setup.model.predictedClasses(for: try preprocessor.tensor(from: picture))[0]
            #expect(report.digit == expected, "\(report.file)")
            let candidates = try #require(report.probabilities)
            #expect(candidates.count == 3 && candidates[0].digit == report.digit)
            #expect(zip(candidates, candidates.dropFirst()).allSatisfy { $0.probability >= $1.probability })
            if report.digit == setup.labels[index / 2] { correct += 1 }

            let seen = try Image(contentsOf: URL(fileURLWithPath: try #require(report.preprocessed)))
            #expect(seen.width == 28 && seen.height == 28)
        }
        #expect(correct >= 9, "\(correct) of 12 digits recognised")
    }

    @Test func printsReadableText() throws {
        let setup = try Self.shared.get()
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let modelURL = directory.file("model.safetensors")
        try setup.model.save(to: modelURL)
        let file = directory.file("digit.png")
        try setup.images[0].write(to: file)

        let (status, output, _) = try run(["--model", modelURL.path, file.path])
        #expect(status == 0)
        let line = output.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(line.hasPrefix(file.path))
        #expect(line.components(separatedBy: "%").count - 1 == 3, "three probabilities in: \(line)")

        let (missingStatus, _, missingErrors) = try run(["--model", directory.file("none.safetensors").path, file.path])
        #expect(missingStatus != 0 && missingErrors.contains("mnist-train"))
    }

    private func run(_ arguments: [String]) throws -> (status: Int32, output: String, errors: String) {
        try ExampleExecutable(name: "mnist-predict").run(arguments)
    }
}
