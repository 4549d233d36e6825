import Foundation
import SwiftCNN
@testable import SwiftCNNVision
import Testing
import TestSupport

/// The plots are PNG files of the expected size, and what they show can be found in their pixels.
struct PlotsTests {
    /// Twelve 28×28 images of ink strokes, labelled 0…9, 0, 1.
    let data: LabeledDataset = {
        var scalars = [Float]()
        for index in 0..<12 {
            let picture = SyntheticDigit.draw(index % 2 == 0 ? SyntheticDigit.seven : SyntheticDigit.one,
                                              width: 28, height: 28, left: 4, top: 4, size: 20, strokeWidth: 3)
            scalars += picture.grayscale().inverted().pixels
        }
        return LabeledDataset(inputs: Tensor(shape: [12, 28, 28, 1], scalars: scalars),
                              labels: (0..<12).map { Int32($0 % 10) }, classCount: 10)
    }()

    @Test func drawsASampleGrid() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let url = directory.file("samples.png")
        try Plots.sampleGrid(data, count: 10, columns: 5, to: url)
        let image = try Image(contentsOf: url)
        // 5 columns of 84-pixel tiles (28 × 3) in 108-pixel cells, 2 rows of 114 under a 74-pixel header.
        #expect(image.width == 48 + 5 * 108 && image.height == 74 + 24 + 2 * 114)
        // The first tile shows the first image as dark ink on white, three screen pixels per image pixel.
        let tileLeft = 24 + 12, tileTop = 74
        for (x, y) in [(10, 5), (14, 14), (20, 25), (2, 2)] {
            expectClose(image[x: tileLeft + 3 * x + 1, y: tileTop + 3 * y + 1], 1 - data.inputs[0, y, x, 0],
                        absolute: 1.0 / 255)
        }
    }

    @Test func marksMistakesInRed() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        var predictions = data.labels.map(Int.init)
        predictions[3] = 8
        let all = directory.file("predictions.png"), mistakes = directory.file("mistakes.png")
        try Plots.predictionGrid(data, predictions: predictions, count: 12, columns: 6, to: all)
        try Plots.predictionGrid(data, predictions: predictions, columns: 6, selection: .mistakes, to: mistakes)

        let grid = try Image(contentsOf: all)
        #expect(grid.width == 48 + 6 * 108 && grid.height == 74 + 24 + 2 * 114)
        // The frame of tile 3 (row 0, column 3) is red; tile 2's border is grey.
        let frameLeft = 24 + 3 * 108 + 12 - 2, top = 74 + 40
        #expect(isRed(grid, x: frameLeft, y: top))
        #expect(!isRed(grid, x: frameLeft - 108, y: top))
        #expect(try Image(contentsOf: mistakes).width == 48 + 1 * 108)
    }

    @Test func drawsTheConfusionMatrix() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let url = directory.file("confusion.png")
        let labels: [Int32] = [0, 0, 0, 1, 1, 2]
        try Plots.confusionMatrix(labels: labels, predictions: [0, 0, 1, 1, 1, 2], to: url)
        let image = try Image(contentsOf: url)
        // Three classes of 54-pixel cells between a 112-pixel header and a 64-pixel footer.
        #expect(image.height == 112 + 3 * 54 + 64)
        let blue = (0..<image.width * image.height).filter { pixel in
            image.pixels[3 * pixel + 2] > image.pixels[3 * pixel] + 0.4
        }.count
        let red = (0..<image.width * image.height).filter { isRed(image, x: $0 % image.width, y: $0 / image.width) }.count
        // Three diagonal cells are blue, one off-diagonal cell (0 predicted as 1) is red.
        #expect(blue > 3 * 40 * 40 && blue < 3 * 54 * 54)
        #expect(red > 40 * 40 && red < 54 * 54)
    }

    @Test func drawsTrainingCurves() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let history = History(epochs: (0..<4).map {
            EpochRecord(epoch: $0, loss: 1 / Float($0 + 1), accuracy: 0.8 + 0.04 * Float($0), validationLoss: 0.6,
                        validationAccuracy: 0.85, learningRate: 1e-3, seconds: 1)
        })
        let url = directory.file("curves.png")
        try Plots.trainingCurves(history, to: url)
        let image = try Image(contentsOf: url)
        #expect(image.width == 1080 && image.height == 476)
        // Both series appear in both panels: count blue and orange pixels in each half of the picture.
        var blue = [0, 0], orange = [0, 0]
        for y in 0..<image.height {
            for x in 0..<image.width {
                let red = image[x: x, y: y, channel: 0], blueLevel = image[x: x, y: y, channel: 2]
                if blueLevel > 0.6 && red < 0.25 { blue[2 * x / image.width] += 1 }
                if red > 0.9 && blueLevel < 0.2 { orange[2 * x / image.width] += 1 }
            }
        }
        #expect(blue.allSatisfy { $0 > 300 } && orange.allSatisfy { $0 > 300 }, "blue \(blue), orange \(orange)")
    }

    @Test func drawsConvolutionFiltersWithTheirWeights() throws {
        let model = try Sequential(inputShape: [28, 28, 1], seed: 3) {
            Conv2D(filters: 32, kernelSize: 3)
            Flatten()
            Dense(units: 10)
        }
        let layer = try #require(model.layers.first as? Conv2D)
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let url = directory.file("filters.png")
        try Plots.filters(of: layer, to: url)
        let image = try Image(contentsOf: url)
        // 8 columns of 60-pixel tiles in 80-pixel cells; 4 rows of 90 pixels, a header and a colour bar.
        #expect(image.width == 48 + 8 * 80 && image.height == 76 + 4 * 90 + 64 + 10)

        let weights = layer.kernel.value
        let largest = weights.scalars.map(abs).max()!
        for filter in [0, 9, 31] {
            let left = 24 + (filter % 8) * 80 + 10, top = 76 + (filter / 8) * 90
            for (row, column) in [(0, 0), (1, 2), (2, 1)] {
                let expected = Plots.divergingColor(Double(weights[row, column, 0, filter] / largest))
                let x = left + column * 20 + 10, y = top + row * 20 + 10
                expectClose([image[x: x, y: y, channel: 0], image[x: x, y: y, channel: 1], image[x: x, y: y, channel: 2]],
                            [Float(expected.red), Float(expected.green), Float(expected.blue)], absolute: 1.5 / 255)
            }
        }
    }

    @Test func writesAFullTrainingReport() throws {
        let model = try Sequential(inputShape: [28, 28, 1], seed: 1) {
            Conv2D(filters: 4, kernelSize: 3)
            Flatten()
            Dense(units: 10)
        }
        let history = History(epochs: [EpochRecord(epoch: 0, loss: 2, accuracy: 0.3, learningRate: 1e-3, seconds: 1)])
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let files = try Plots.writeTrainingReport(model: model, history: history, training: data, test: data,
                                                  to: directory.url.appendingPathComponent("plots"))
        let names = files.map(\.lastPathComponent)
        #expect(Set(names).isSuperset(of: ["samples.png", "predictions.png", "confusion-matrix.png",
                                           "training-curves.png", "filters.png"]))
        for file in files { #expect(try Image(contentsOf: file).width > 100) }
    }

    private func isRed(_ image: Image, x: Int, y: Int) -> Bool {
        image[x: x, y: y, channel: 0] > 0.6 && image[x: x, y: y, channel: 1] < 0.45 && image[x: x, y: y, channel: 2] < 0.45
    }
}
