import ArgumentParser
import Foundation
import SwiftCNN
import SwiftCNNVision

/// Reads pictures of handwritten digits and prints what a model trained by mnist-train sees in them.
struct MNISTPredict: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mnist-predict",
        abstract: "Predict the digit in each picture with a model saved by mnist-train.",
        discussion: """
            Each picture (PNG, JPEG or PGM, any size, dark ink on light paper or the other way round, colour or \
            grey, with or without transparency) is normalised as MNIST was: cropped to the ink, scaled into \
            a 20×20 box, and centred by mass on a 28×28 canvas. A picture that cannot be read is reported \
            and skipped; the exit status is then 1.
            """)

    @Option(help: "The model file written by mnist-train.")
    var model = "mnist-model.safetensors"

    @Flag(help: "Print one JSON document (an array with one object per picture) instead of text.")
    var json = false

    @Option(help: "How many of the most likely digits to list per picture.")
    var top = 3

    @Option(help: "Also write each 28×28 image the model saw, as PNG, into this directory.")
    var savePreprocessed: String?

    @Flag(help: "Keep thin pen strokes as they are instead of widening them to MNIST's stroke width.")
    var noThickening = false

    @Argument(help: "The pictures to classify.")
    var images: [String]

    /// The pictures classified at once.
    static let batchSize = 256

    func validate() throws {
        guard top > 0 else { throw ValidationError("--top must be positive") }
        guard !images.isEmpty else { throw ValidationError("Name at least one picture") }
    }

    func run() throws {
        guard FileManager.default.fileExists(atPath: model) else {
            throw Failure(description: "no model at \(model): train one with mnist-train, which saves it there "
                          + "by default, or name a model file with --model")
        }
        let classifier = try Model.load(contentsOf: URL(fileURLWithPath: model))
        let shape = classifier.inputShape
        guard shape.count == 3, shape[0] == shape[1], shape[2] == 1, classifier.outputShape.count == 1 else {
            throw Failure(description: "\(model) takes inputs of shape \(shape) and gives \(classifier.outputShape); "
                          + "mnist-predict needs a classifier of square grey images, such as [28, 28, 1]")
        }
        do {
            try classifier.checkActivationMemory(batchSize: min(images.count, Self.batchSize))
        } catch {
            throw Failure(description: "\(model) cannot be used: \(error)")
        }
        var preprocessor = MNISTPreprocessor()
        preprocessor.canvasSide = shape[0]
        preprocessor.digitSide = max(1, (shape[0] * 20 + 14) / 28)
        if noThickening { preprocessor.strokeWidth = nil }

        let outputDirectory = savePreprocessed.map { URL(fileURLWithPath: $0, isDirectory: true) }
        if let outputDirectory, let savePreprocessed {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: savePreprocessed, isDirectory: &isDirectory), !isDirectory.boolValue {
                throw Failure(description: "--save-preprocessed \(savePreprocessed) is a file; name a directory to write the images into")
            }
            do {
                try FileManager.default.createDirectory(at: outputDirectory, withIntermediateDirectories: true)
            } catch {
                throw Failure(description: "--save-preprocessed \(savePreprocessed): cannot create the directory "
                              + "(\(String(cString: strerror(Self.errorNumber(of: error)))))")
            }
        }
        var savedNames = Set<String>()
        var outcomes = [Outcome]()
        for path in images {
            do {
                let digit = try preprocessor.digitImage(from: Image(contentsOf: URL(fileURLWithPath: path)))
                var saved: String?
                if let outputDirectory {
                    let url = outputDirectory.appendingPathComponent(Self.uniqueName(for: path, avoiding: &savedNames))
                    try digit.write(to: url)
                    saved = url.path
                }
                outcomes.append(Outcome(file: path, digit: digit, savedAs: saved))
            } catch let error as MNISTPreprocessingError {
                outcomes.append(Outcome(file: path, error: "\(path): \(error)"))
            } catch {
                outcomes.append(Outcome(file: path, error: "\(error)"))
            }
        }

        let readable = outcomes.indices.compactMap { index in outcomes[index].digit.map { (index: index, digit: $0) } }
        if !readable.isEmpty {
            let side = shape[0]
            let batch = Tensor(shape: [readable.count, side, side, 1],
                               scalars: readable.flatMap(\.digit.pixels))
            let probabilities = classifier.predict(batch, batchSize: Self.batchSize).scalars
            let classes = classifier.outputShape[0]
            for (row, index) in readable.map(\.index).enumerated() {
                let scores = probabilities[(row * classes)..<((row + 1) * classes)]
                guard scores.allSatisfy(\.isFinite) else {
                    outcomes[index].error = "\(outcomes[index].file): \(model) gave probabilities that are not numbers "
                        + "(\(scores.first { !$0.isFinite } ?? .nan)): its weights overflow on this picture"
                    continue
                }
                outcomes[index].ranking = scores.enumerated()
                    .sorted { $0.element > $1.element || ($0.element == $1.element && $0.offset < $1.offset) }
                    .prefix(top)
                    .map { Candidate(digit: $0.offset, probability: (Double($0.element) * 1e6).rounded() / 1e6) }
            }
        }

        if json {
            try printJSON(outcomes)
        } else {
            printText(outcomes)
        }
        if outcomes.contains(where: { $0.error != nil }) { throw ExitCode.failure }
    }

    private func printText(_ outcomes: [Outcome]) {
        let width = outcomes.map(\.file.count).max() ?? 0
        for outcome in outcomes {
            let name = outcome.file.padding(toLength: width, withPad: " ", startingAt: 0)
            if let error = outcome.error {
                FileHandle.standardError.write(Data("mnist-predict: error: \(error)\n".utf8))
                continue
            }
            let ranking = outcome.ranking.map { "\($0.digit) \(String(format: "%5.1f%%", $0.probability * 100))" }
            var line = "\(name)  \(outcome.ranking[0].digit)   (\(ranking.joined(separator: ", ")))"
            if let saved = outcome.savedAs { line += "  → \(saved)" }
            print(line)
        }
    }

    private func printJSON(_ outcomes: [Outcome]) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let report = outcomes.map { outcome in
            Report(file: outcome.file, digit: outcome.ranking.first?.digit,
                   probabilities: outcome.error == nil ? outcome.ranking : nil,
                   preprocessed: outcome.savedAs, error: outcome.error)
        }
        print(String(decoding: try encoder.encode(report), as: UTF8.self))
    }

    /// The POSIX error number behind a Foundation file error, or EIO when there is none.
    private static func errorNumber(of error: Error) -> Int32 {
        let underlying = (error as NSError).userInfo[NSUnderlyingErrorKey] as? NSError
        return underlying?.domain == NSPOSIXErrorDomain ? Int32(underlying!.code) : EIO
    }

    /// `<name>.png` for a picture `…/<name>.<ext>`, numbered when two pictures share a name.
    private static func uniqueName(for path: String, avoiding taken: inout Set<String>) -> String {
        let stem = URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
        var name = "\(stem).png", number = 2
        while taken.contains(name) {
            name = "\(stem)-\(number).png"
            number += 1
        }
        taken.insert(name)
        return name
    }
}

/// A failure that ends the command, with a message for the user.
struct Failure: Error, CustomStringConvertible {
    var description: String
}

/// What happened to one picture.
struct Outcome {
    var file: String
    var digit: Image?
    var savedAs: String?
    var error: String?
    var ranking: [Candidate] = []

    init(file: String, digit: Image, savedAs: String?) {
        self.file = file
        self.digit = digit
        self.savedAs = savedAs
    }

    init(file: String, error: String) {
        self.file = file
        self.error = error
    }
}

struct Candidate: Encodable {
    var digit: Int
    var probability: Double
}

/// One element of the `--json` output; absent fields are left out.
struct Report: Encodable {
    var file: String
    var digit: Int?
    var probabilities: [Candidate]?
    var preprocessed: String?
    var error: String?
}

MNISTPredict.main()
