import Foundation
import SwiftCNN
import SwiftCNNVision

// A check set of digits that MNIST's writers did not make: hand-like pen strokes (skeletons with jitter)
// and typeset digits, in thin and thick pens, slanted, off-centre, on clean, noisy, textured or ruled
// paper, some photographed-looking (blur, uneven light, blocky compression noise), dark on light and
// light on dark. Everything is drawn from one seed, so the set is the same on every machine.

/// One image of the check set.
struct CheckDigit {
    var image: Image
    var label: Int
    /// How it was made, such as `hand thick slanted ruled photo`.
    var style: String
}

struct CheckSetGenerator {
    var seed: UInt64 = 2026
    var perDigit = 40

    func make() -> [CheckDigit] {
        var generator = Xoshiro256(seed: seed)
        var digits: [CheckDigit] = []
        for index in 0..<(perDigit * 10) {
            digits.append(draw(label: index % 10, using: &generator))
        }
        return digits
    }

    private func uniform(_ range: ClosedRange<Double>, _ generator: inout Xoshiro256) -> Double {
        range.lowerBound + (range.upperBound - range.lowerBound) * Double(generator.nextUnitFloat())
    }

    private func chance(_ probability: Double, _ generator: inout Xoshiro256) -> Bool {
        Double(generator.nextUnitFloat()) < probability
    }

    private func draw(label: Int, using g: inout Xoshiro256) -> CheckDigit {
        var style: [String] = []
        let side = Int(uniform(40...110, &g))
        let lightOnDark = chance(0.25, &g)
        let paperLevel = lightOnDark ? uniform(0...0.25, &g) : uniform(0.75...1, &g)
        let inkLevel = lightOnDark ? uniform(0.75...1, &g) : uniform(0...0.3, &g)
        if lightOnDark { style.append("light-on-dark") }
        let canvas = Canvas(width: side, height: side, background: Color(grey: paperLevel))
        let s = Double(side)

        if chance(0.2, &g) {
            style.append("ruled")
            let spacing = s * uniform(0.22...0.35, &g), offset = uniform(0...spacing, &g)
            let lineColor = Color(grey: paperLevel + (inkLevel - paperLevel) * uniform(0.3...0.6, &g))
            var y = offset
            while y < s {
                canvas.drawLine(from: Point(x: 0, y: y), to: Point(x: s, y: y), color: lineColor, lineWidth: max(1, s / 60))
                y += spacing
            }
        }

        let height = s * uniform(0.45...0.8, &g)
        let width = height * uniform(0.5...0.8, &g)
        let slant = uniform(-0.45...0.45, &g)
        if abs(slant) > 0.25 { style.append("slanted") }
        let centreX = s / 2 + uniform(-1...1, &g) * max(0, (s - width) / 2 - height * 0.2)
        let centreY = s / 2 + uniform(-1...1, &g) * max(0, (s - height) / 2 - 2)
        if abs(centreX - s / 2) > s * 0.12 || abs(centreY - s / 2) > s * 0.12 { style.append("off-centre") }
        let pen = height * (chance(0.5, &g) ? uniform(0.03...0.07, &g) : uniform(0.08...0.2, &g))
        style.append(pen < height * 0.075 ? "thin" : "thick")
        let ink = Color(grey: inkLevel)

        if chance(0.2, &g) {
            style.insert("typeset", at: 0)
            let size = height * 1.35
            canvas.drawText("\(label)", at: Point(x: centreX, y: centreY), size: size, color: ink,
                            alignment: .center, bold: pen > height * 0.1, angle: uniform(-0.15...0.15, &g))
        } else {
            style.insert("hand", at: 0)
            let forms = digitForms[label]
            let form = forms[Int(g.next() % UInt64(forms.count))]
            // A wobble common to the digit (the hand's own shape), and per-point jitter (its unsteadiness).
            let wobble = (0..<4).map { _ in uniform(-0.06...0.06, &g) }
            for stroke in form.strokes {
                let points = stroke.map { point -> Point in
                    let jx = point.x + uniform(-0.02...0.02, &g) + wobble[0] * sin(point.y * 3 + wobble[1] * 20)
                    let jy = point.y + uniform(-0.02...0.02, &g) + wobble[2] * sin(point.x * 3 + wobble[3] * 20)
                    let x = (jx - 0.5) * width - slant * (jy - 0.5) * height
                    return Point(x: centreX + x, y: centreY + (jy - 0.5) * height)
                }
                canvas.drawPolyline(points, color: ink, lineWidth: max(1, pen))
            }
        }

        var image = canvas.renderedImage().grayscale()
        if chance(0.15, &g) {
            style.append("specks")
            for _ in 0..<Int(uniform(3...12, &g)) {
                let x = Int(uniform(0...(s - 1), &g)), y = Int(uniform(0...(s - 1), &g))
                image.pixels[y * side + x] = Float(inkLevel)
            }
        }
        if chance(0.3, &g) {
            style.append("textured")
            let frequency = uniform(0.2...0.6, &g), phase = uniform(0...6.3, &g), depth = uniform(0.04...0.12, &g)
            for y in 0..<side {
                for x in 0..<side {
                    let grain = sin(Double(x) * frequency + phase) * sin(Double(y) * frequency * 0.7 + phase * 1.3)
                    image.pixels[y * side + x] += Float(depth * grain)
                }
            }
        }
        if chance(0.3, &g) {
            style.append("noisy")
            let sigma = Float(uniform(0.03...0.1, &g))
            for index in image.pixels.indices { image.pixels[index] += sigma * g.nextStandardNormal() }
        }
        if chance(0.35, &g) {
            style.append("photo")
            image = boxBlurred(image, radius: Int(uniform(1...(1 + s / 50), &g)))
            // Light falling off across the sheet, from one side.
            let angle = uniform(0...6.3, &g), strength = uniform(0.2...0.45, &g)
            for y in 0..<side {
                for x in 0..<side {
                    let t = (cos(angle) * Double(x) + sin(angle) * Double(y)) / s
                    image.pixels[y * side + x] *= Float(1 - strength * (0.5 + 0.5 * t))
                }
            }
            // Blocky compression noise: an offset per 8×8 block, then coarse quantisation.
            for by in stride(from: 0, to: side, by: 8) {
                for bx in stride(from: 0, to: side, by: 8) {
                    let offset = Float(uniform(-0.03...0.03, &g))
                    for y in by..<min(by + 8, side) {
                        for x in bx..<min(bx + 8, side) { image.pixels[y * side + x] += offset }
                    }
                }
            }
            image.pixels = image.pixels.map { ($0 * 24).rounded() / 24 }
        }
        image.pixels = image.pixels.map { min(max($0, 0), 1) }
        return CheckDigit(image: image, label: label, style: style.joined(separator: " "))
    }

    private func boxBlurred(_ image: Image, radius: Int) -> Image {
        var result = image
        let w = image.width, h = image.height
        for y in 0..<h {
            for x in 0..<w {
                var sum: Float = 0, count: Float = 0
                for dy in -radius...radius where y + dy >= 0 && y + dy < h {
                    for dx in -radius...radius where x + dx >= 0 && x + dx < w {
                        sum += image.pixels[(y + dy) * w + x + dx]
                        count += 1
                    }
                }
                result.pixels[y * w + x] = sum / count
            }
        }
        return result
    }
}
