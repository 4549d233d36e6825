import Foundation
@testable import SwiftCNNVision
import Testing

/// The optional preprocessing steps for photographed and scanned paper, on images whose answers are known.
struct InkCleaningTests {
    /// A `width`×`height` one-channel image with `value` at the listed pixels and 0 elsewhere.
    private func image(width: Int, height: Int, inked: [(x: Int, y: Int)], value: Float = 1) -> Image {
        var result = Image(width: width, height: height, channels: 1, repeating: 0)
        for pixel in inked { result.pixels[pixel.y * width + pixel.x] = value }
        return result
    }

    @Test func deskewingStandsASlantedBarUpright() {
        // A bar leaning right by one column every two rows: x = 10 + (y − 4)/2 for y in 4…23.
        let bar = image(width: 28, height: 28, inked: (4...23).map { (x: 10 + ($0 - 4) / 2, y: $0) })
        let straight = bar.deskewed()
        var columns: [Float] = Array(repeating: 0, count: 28)
        for y in 0..<28 { for x in 0..<28 { columns[x] += straight.pixels[y * 28 + x] } }
        // Upright, the ink's columns span at most 3 (linear resampling spreads a pixel over two).
        let inked = columns.indices.filter { columns[$0] > 0.5 }
        #expect(inked.count <= 3, "columns \(inked)")
        #expect(abs(straight.pixels.reduce(0, +) - bar.pixels.reduce(0, +)) < 0.5, "ink is kept")
    }

    @Test func otsuSplitsTwoClustersBetweenThem() {
        let values = [Float](repeating: 0.1, count: 300) + [Float](repeating: 0.8, count: 100)
        // Every level from the lower cluster up to just below the upper one splits them equally well; the
        // first is taken, and values at or below the threshold are the lower class.
        let threshold = otsuThreshold(values)
        #expect(threshold >= 0.1 && threshold < 0.8)
        #expect(values.filter { $0 > threshold }.count == 100)
    }

    @Test func speckRemovalKeepsTheDigitAndDropsDust() {
        // A stroke of 3 × 16 = 48 pixels and two one-pixel specks, each under 5% of it (2.4).
        let stroke = (2...17).flatMap { y in (4...6).map { (x: $0, y: y) } }
        let picture = image(width: 20, height: 20, inked: stroke + [(x: 15, y: 3), (x: 16, y: 16)])
        let cleaned = picture.withoutSpecks(smallerThan: 0.05)
        #expect(cleaned.pixels.reduce(0, +) == 48)
        #expect(cleaned.pixels[3 * 20 + 15] == 0 && cleaned.pixels[10 * 20 + 5] == 1)
    }

    @Test func ruledLineRemovalClearsTheLineButNotTheStrokeCrossingIt() {
        let line = (0..<20).map { (x: $0, y: 10) }
        let stroke = (4...16).map { (x: 7, y: $0) }
        let cleaned = image(width: 20, height: 20, inked: line + stroke).withoutRuledLines()
        #expect(cleaned.pixels[10 * 20 + 7] == 1, "the crossing stays")
        #expect(cleaned.pixels[10 * 20 + 2] == 0 && cleaned.pixels[10 * 20 + 15] == 0, "the line goes")
        #expect(cleaned.pixels.reduce(0, +) == 13)
    }

    @Test func theBorderPlaneFollowsAGradientOfLight() {
        // Paper 0.5 + 0.3·x/63 + 0.1·y/63 with a dark stroke inside: the border gives the plane exactly.
        var picture = Image(width: 64, height: 64, channels: 1, repeating: 0)
        func paper(_ x: Int, _ y: Int) -> Float { 0.5 + 0.3 * Float(x) / 63 + 0.1 * Float(y) / 63 }
        for y in 0..<64 { for x in 0..<64 { picture.pixels[y * 64 + x] = paper(x, y) } }
        for y in 10..<54 { picture.pixels[y * 64 + 30] = 0 }
        let plane = picture.borderPlane()
        for (x, y) in [(30, 32), (0, 0), (63, 63), (5, 40)] {
            #expect(abs(plane.pixels[y * 64 + x] - paper(x, y)) < 1e-4)
        }
    }

    @Test func aPhotographedDigitUnderUnevenLightStillComesOut() throws {
        // A vertical stroke on paper darkening from 1 to 0.4, darker than the stroke's own contrast.
        var picture = Image(width: 80, height: 80, channels: 1, repeating: 0)
        for y in 0..<80 { for x in 0..<80 { picture.pixels[y * 80 + x] = 1 - 0.6 * Float(x) / 79 } }
        for y in 15..<65 { for x in 20..<26 { picture.pixels[y * 80 + x] -= 0.5 } }
        var preprocessor = MNISTPreprocessor()
        preprocessor.paperEstimate = .borderGradient
        let digit = try preprocessor.digitImage(from: picture)
        // A "1": far taller than wide once the dark right side is no longer taken for ink.
        var columns = Set<Int>(), rows = Set<Int>()
        for y in 0..<28 { for x in 0..<28 where digit.pixels[y * 28 + x] > 0.3 { columns.insert(x); rows.insert(y) } }
        #expect(rows.count >= 18 && columns.count <= 6, "rows \(rows.count), columns \(columns.count)")
    }

    @Test func anImageOfOnlyRuledLinesIsBlank() {
        var picture = Image(width: 40, height: 40, channels: 1, repeating: 1)
        for x in 0..<40 { picture.pixels[20 * 40 + x] = 0.2 }
        var preprocessor = MNISTPreprocessor()
        preprocessor.removesRuledLines = true
        #expect(throws: MNISTPreprocessingError.blank) { try preprocessor.digitImage(from: picture) }
    }
}
