import Foundation
import SwiftCNN
import SwiftCNNVision
import Testing
import TestSupport

/// MNIST-style normalisation of synthetic and real digits.
struct MNISTPreprocessorTests {
    let preprocessor = MNISTPreprocessor()

    @Test func centresAShiftedDigitByMassAndFitsItInTwentyPixels() throws {
        let picture = SyntheticDigit.draw(SyntheticDigit.seven, width: 240, height: 160, left: 150, top: 20,
                                          size: 70, strokeWidth: 8)
        let digit = try preprocessor.digitImage(from: picture)
        #expect(digit.width == 28 && digit.height == 28 && digit.channels == 1)
        let centre = SyntheticDigit.centreOfMass(digit)
        #expect(abs(centre.x - 14) <= 1 && abs(centre.y - 14) <= 1, "centre of mass \(centre)")
        let box = SyntheticDigit.inkBox(digit)
        #expect(max(box.width, box.height) == 20, "ink box \(box)")
        #expect(digit.pixels.max() == 1)
        #expect(digit.pixels.min() == 0)
    }

    @Test func givesTheSameDigitForDarkOnLightAndLightOnDark() throws {
        let dark = SyntheticDigit.draw(SyntheticDigit.two, width: 120, height: 120, left: 20, top: 30, size: 60,
                                       strokeWidth: 7)
        let fromDark = try preprocessor.digitImage(from: dark)
        let fromLight = try preprocessor.digitImage(from: dark.inverted())
        #expect(SyntheticDigit.meanAbsoluteDifference(fromDark, fromLight) < 0.01)
    }

    @Test func givesTheSameDigitForColourInkOnTintedPaper() throws {
        let grey = SyntheticDigit.draw(SyntheticDigit.two, width: 100, height: 140, left: 15, top: 40, size: 70,
                                       strokeWidth: 6)
        let colour = SyntheticDigit.draw(SyntheticDigit.two, width: 100, height: 140, left: 15, top: 40, size: 70,
                                         strokeWidth: 6, ink: Color(hex: 0x1A237E), paper: Color(hex: 0xFFF3C4))
        #expect(colour.channels == 3)
        let difference = SyntheticDigit.meanAbsoluteDifference(try preprocessor.digitImage(from: grey),
                                                                try preprocessor.digitImage(from: colour))
        #expect(difference < 0.02)
    }

    @Test func compositesTransparentPicturesOverWhite() throws {
        let opaque = SyntheticDigit.draw(SyntheticDigit.seven, width: 90, height: 90, left: 10, top: 10, size: 60,
                                         strokeWidth: 6)
        // The same picture as black ink whose alpha is its darkness, on a fully transparent background.
        let grey = opaque.grayscale()
        let transparent = Image(width: grey.width, height: grey.height, channels: 2,
                                pixels: grey.pixels.flatMap { [0, 1 - $0] })
        let difference = SyntheticDigit.meanAbsoluteDifference(try preprocessor.digitImage(from: opaque),
                                                               try preprocessor.digitImage(from: transparent))
        #expect(difference < 0.005)
    }

    @Test func scalesSmallDigitsUp() throws {
        let picture = SyntheticDigit.draw(SyntheticDigit.one, width: 30, height: 30, left: 3, top: 12, size: 10,
                                          strokeWidth: 2)
        let digit = try preprocessor.digitImage(from: picture)
        #expect(SyntheticDigit.inkBox(digit).height == 20)
        let centre = SyntheticDigit.centreOfMass(digit)
        #expect(abs(centre.x - 14) <= 1 && abs(centre.y - 14) <= 1, "centre of mass \(centre)")
    }

    @Test func widensThinStrokesOnLargePictures() throws {
        // A 3-pixel pen on a 600-pixel picture: scaled into 20×20 the stroke would be 0.1 pixel wide.
        let picture = SyntheticDigit.draw(SyntheticDigit.two, width: 600, height: 600, left: 100, top: 80,
                                          size: 420, strokeWidth: 3)
        let widened = try preprocessor.digitImage(from: picture)
        var plain = preprocessor
        plain.strokeWidth = nil
        let unwidened = try plain.digitImage(from: picture)

        let inkedPixels = { (image: Image) in image.pixels.filter { $0 >= 0.5 }.count }
        // MNIST digits have about 100–150 pixels of at least half ink; a 20-pixel stroke of width 2.3 ~ 100.
        #expect(inkedPixels(widened) >= 60, "\(inkedPixels(widened)) pixels of at least half ink")
        #expect(inkedPixels(unwidened) < inkedPixels(widened) / 2)
        let centre = SyntheticDigit.centreOfMass(widened)
        #expect(abs(centre.x - 14) <= 1 && abs(centre.y - 14) <= 1)
    }

    @Test func leavesStrokesAsThickAsMNISTAlone() throws {
        let picture = SyntheticDigit.draw(SyntheticDigit.seven, width: 140, height: 140, left: 20, top: 20,
                                          size: 100, strokeWidth: 14)
        var plain = preprocessor
        plain.strokeWidth = nil
        #expect(try preprocessor.digitImage(from: picture) == plain.digitImage(from: picture))
    }

    @Test func ignoresFaintNoise() throws {
        var picture = SyntheticDigit.draw(SyntheticDigit.one, width: 100, height: 100, left: 30, top: 20,
                                          size: 60, strokeWidth: 6).grayscale()
        // Faint specks far from the digit, 5 % darker than the paper.
        for (x, y) in [(2, 2), (97, 95), (5, 90)] { picture[x: x, y: y] = 0.95 }
        let digit = try preprocessor.digitImage(from: picture)
        let clean = try preprocessor.digitImage(from: SyntheticDigit.draw(
            SyntheticDigit.one, width: 100, height: 100, left: 30, top: 20, size: 60, strokeWidth: 6))
        #expect(digit == clean)
    }

    @Test func refusesBlankPictures() {
        #expect(throws: MNISTPreprocessingError.blank) {
            try preprocessor.digitImage(from: Image(width: 50, height: 40, channels: 3, repeating: 0.7))
        }
        var nearlyBlank = Image(width: 20, height: 20, channels: 1, repeating: 1)
        nearlyBlank[x: 10, y: 10] = 0.98
        #expect(throws: MNISTPreprocessingError.blank) { try preprocessor.digitImage(from: nearlyBlank) }
    }

    @Test func makesABatchOfOneChannelsLastTensor() throws {
        let picture = SyntheticDigit.draw(SyntheticDigit.seven, width: 64, height: 64, left: 8, top: 8, size: 48,
                                          strokeWidth: 5)
        let tensor = try preprocessor.tensor(from: picture)
        #expect(tensor.shape == [1, 28, 28, 1])
        #expect(try tensor.scalars == preprocessor.digitImage(from: picture).pixels)
    }

    /// A real MNIST test digit, enlarged tenfold, drawn dark on light and shifted off-centre, comes back
    /// close to the original.
    @Test(.enabled(if: ProcessInfo.processInfo.environment["MNIST_DIR"] != nil, "needs MNIST_DIR"))
    func recoversRealDigitsFromEnlargedCopies() throws {
        let images = try MNIST(downloadMissingFiles: false).test.inputs
        for index in 0..<5 {
            let original = Image(width: 28, height: 28, channels: 1,
                                 pixels: Array(images.scalars[(index * 784)..<((index + 1) * 784)]))
            var paper = Image(width: 400, height: 320, channels: 1, repeating: 1)
            let enlarged = original.resized(toWidth: 280, height: 280).inverted()
            for y in 0..<280 { for x in 0..<280 { paper[x: x + 100, y: y + 30] = enlarged[x: x, y: y] } }

            let recovered = try preprocessor.digitImage(from: paper)
            let correlation = cosineSimilarity(original.pixels, recovered.pixels)
            #expect(correlation > 0.85, "digit \(index): correlation \(correlation)")
        }
    }

    private func cosineSimilarity(_ a: [Float], _ b: [Float]) -> Float {
        let dot: Float = zip(a, b).map { $0 * $1 }.reduce(0, +)
        let normA: Float = a.map { $0 * $0 }.reduce(0, +)
        let normB: Float = b.map { $0 * $0 }.reduce(0, +)
        return dot / (normA * normB).squareRoot()
    }
}
