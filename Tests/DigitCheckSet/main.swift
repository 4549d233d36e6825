import ArgumentParser
import Foundation
import SwiftCNN
import SwiftCNNVision

/// Makes the non-MNIST digit check set and measures models on it, through each preprocessing step.
struct DigitCheckSet: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "digit-checkset",
        abstract: "Draw a check set of digits MNIST's writers did not make, and measure models on it.",
        discussion: """
            The set is drawn with Cairo from --seed: hand-like strokes and typeset digits, thin and thick pens, \
            slanted, off-centre, on noisy, textured or ruled paper, photographed-looking, light on dark. Each \
            model is measured with the preprocessor's defaults, with every optional step off, and with each \
            step switched from its default.
            """)

    @Option(help: "The seed the set is drawn from.")
    var seed: UInt64 = 2026

    @Option(help: "Images per digit.")
    var perDigit = 40

    @Option(help: "Write the images into this directory as PNG files named index-label.png.")
    var write: String?

    @Option(name: .customLong("model"), help: "A model file to measure; repeat for several.")
    var models: [String] = []

    func run() throws {
        let digits = CheckSetGenerator(seed: seed, perDigit: perDigit).make()
        if let write {
            let directory = URL(fileURLWithPath: write, isDirectory: true)
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            var manifest = ""
            for (index, digit) in digits.enumerated() {
                let name = String(format: "%04d-%d.png", index, digit.label)
                try digit.image.write(to: directory.appendingPathComponent(name))
                manifest += "\(name)\t\(digit.label)\t\(digit.style)\n"
            }
            try manifest.write(to: directory.appendingPathComponent("manifest.tsv"), atomically: true, encoding: .utf8)
            print("wrote \(digits.count) images to \(write)")
        }
        for path in models {
            let model = try Sequential(contentsOf: URL(fileURLWithPath: path))
            print("\(path):")
            for (name, preprocessor) in Self.variants() {
                let (accuracy, byStyle) = try measure(model, on: digits, with: preprocessor)
                let styles = byStyle.map { String(format: "%@ %.1f", $0.key, $0.value * 100) }.joined(separator: ", ")
                let label = name.padding(toLength: 28, withPad: " ", startingAt: 0)
                print("  " + label + String(format: "%6.2f%%   (", accuracy * 100) + styles + ")")
            }
        }
    }

    /// The preprocessors compared: defaults, every optional step off, and each step switched.
    static func variants() -> [(String, MNISTPreprocessor)] {
        let defaults = MNISTPreprocessor()
        var plain = MNISTPreprocessor()
        plain.deskews = false
        plain.paperEstimate = .border
        plain.inkThreshold = .fraction
        plain.removesSpecks = false
        plain.removesRuledLines = false
        var every = plain
        every.deskews = true
        every.paperEstimate = .borderGradient
        every.inkThreshold = .otsu
        every.removesSpecks = true
        every.removesRuledLines = true
        var result = [("defaults", defaults), ("no optional steps", plain), ("every optional step", every)]
        func switched(_ name: String, _ change: (inout MNISTPreprocessor) -> Void) {
            var variant = defaults
            change(&variant)
            result.append((name, variant))
        }
        switched(defaults.deskews ? "without deskewing" : "with deskewing") { $0.deskews.toggle() }
        switched(defaults.paperEstimate == .borderGradient ? "paper level from border" : "paper gradient from border") {
            $0.paperEstimate = $0.paperEstimate == .borderGradient ? .border : .borderGradient
        }
        switched(defaults.inkThreshold == .otsu ? "fixed ink threshold" : "Otsu ink threshold") {
            $0.inkThreshold = $0.inkThreshold == .otsu ? .fraction : .otsu
        }
        switched(defaults.removesSpecks ? "keeping specks" : "removing specks") { $0.removesSpecks.toggle() }
        switched(defaults.removesRuledLines ? "keeping ruled lines" : "removing ruled lines") { $0.removesRuledLines.toggle() }
        return result
    }

    /// The accuracy on `digits`, and by style word.
    private func measure(_ model: Sequential, on digits: [CheckDigit], with preprocessor: MNISTPreprocessor) throws
        -> (Double, [(key: String, value: Double)]) {
        var scalars: [Float] = []
        for digit in digits {
            let input = (try? preprocessor.digitImage(from: digit.image))
                ?? Image(width: 28, height: 28, channels: 1, repeating: 0)
            scalars += input.pixels
        }
        let predictions = model.predictedClasses(for: Tensor(shape: [digits.count, 28, 28, 1], scalars: scalars))
        var right: [String: (Int, Int)] = [:]
        var correct = 0
        for (digit, prediction) in zip(digits, predictions) {
            let hit = digit.label == prediction
            if hit { correct += 1 }
            for word in Set(digit.style.split(separator: " ").map(String.init)) {
                let (r, n) = right[word] ?? (0, 0)
                right[word] = (r + (hit ? 1 : 0), n + 1)
            }
        }
        let byStyle = right.map { (key: $0.key, value: Double($0.value.0) / Double($0.value.1)) }.sorted { $0.key < $1.key }
        return (Double(correct) / Double(digits.count), byStyle)
    }
}

DigitCheckSet.main()
