import Foundation
import SwiftCNNVision

// Digits as a hand draws them: strokes through points of a unit box (x right, y down, the digit about
// 0.6 wide and 1 tall), several common forms per digit, from which the generator makes pen strokes.

/// One way of writing a digit: strokes, each a list of points in the unit box.
struct DigitForm {
    var strokes: [[Point]]
}

/// Points on an ellipse about (`cx`, `cy`) from `start` to `end` degrees (0 at 3 o'clock, 90 at 6, since
/// y points down); `end` below `start` runs the other way.
private func arc(_ cx: Double, _ cy: Double, _ rx: Double, _ ry: Double, _ start: Double, _ end: Double) -> [Point] {
    let steps = max(4, Int(abs(end - start) / 12))
    return (0...steps).map { step in
        let angle = (start + (end - start) * Double(step) / Double(steps)) * Double.pi / 180
        return Point(x: cx + rx * cos(angle), y: cy + ry * sin(angle))
    }
}

private func line(_ points: (Double, Double)...) -> [Point] {
    points.map { Point(x: $0.0, y: $0.1) }
}

/// The forms of each digit, indexed by digit.
let digitForms: [[DigitForm]] = [
    [DigitForm(strokes: [arc(0.5, 0.5, 0.3, 0.46, -90, 275)]),
     DigitForm(strokes: [arc(0.5, 0.5, 0.24, 0.46, -100, 265)])],
    [DigitForm(strokes: [line((0.5, 0.04), (0.5, 0.96))]),
     DigitForm(strokes: [line((0.3, 0.22), (0.56, 0.04), (0.56, 0.96))]),
     DigitForm(strokes: [line((0.32, 0.2), (0.55, 0.04), (0.55, 0.96)), line((0.32, 0.96), (0.78, 0.96))])],
    [DigitForm(strokes: [arc(0.5, 0.3, 0.28, 0.26, 195, 380) + line((0.2, 0.95), (0.84, 0.95))]),
     DigitForm(strokes: [arc(0.5, 0.3, 0.28, 0.26, 190, 370) + arc(0.4, 0.95, 0.25, 0.25, -60, -110)
                         + line((0.35, 0.93), (0.85, 0.97))])],
    [DigitForm(strokes: [arc(0.48, 0.28, 0.27, 0.23, 200, 450) + arc(0.48, 0.73, 0.3, 0.23, 270, 520)]),
     DigitForm(strokes: [line((0.2, 0.05), (0.78, 0.05), (0.45, 0.42)) + arc(0.48, 0.7, 0.3, 0.26, 270, 520)])],
    [DigitForm(strokes: [line((0.66, 0.96), (0.66, 0.04), (0.14, 0.66), (0.86, 0.66))]),
     DigitForm(strokes: [line((0.28, 0.04), (0.18, 0.58), (0.86, 0.58)), line((0.66, 0.28), (0.66, 0.96))])],
    [DigitForm(strokes: [line((0.78, 0.05), (0.3, 0.05), (0.25, 0.45)) + arc(0.48, 0.68, 0.3, 0.28, 225, 495)]),
     DigitForm(strokes: [line((0.28, 0.05), (0.24, 0.45)) + arc(0.48, 0.68, 0.3, 0.28, 225, 495),
                         line((0.28, 0.05), (0.8, 0.05))])],
    [DigitForm(strokes: [arc(0.72, 0.62, 0.46, 0.58, 255, 180) + arc(0.5, 0.72, 0.26, 0.23, 180, 540)]),
     DigitForm(strokes: [line((0.66, 0.04), (0.3, 0.5)) + arc(0.5, 0.72, 0.25, 0.24, 200, 560)])],
    [DigitForm(strokes: [line((0.15, 0.05), (0.85, 0.05), (0.4, 0.96))]),
     DigitForm(strokes: [line((0.15, 0.12), (0.2, 0.05), (0.85, 0.05), (0.42, 0.96)), line((0.35, 0.5), (0.78, 0.5))])],
    [DigitForm(strokes: [arc(0.5, 0.28, 0.24, 0.22, 0, 360), arc(0.5, 0.72, 0.3, 0.25, 0, 360)]),
     DigitForm(strokes: [arc(0.5, 0.28, 0.22, 0.22, 45, 315) + arc(0.5, 0.72, 0.3, 0.25, -135, 225)])],
    [DigitForm(strokes: [arc(0.5, 0.3, 0.27, 0.25, 0, 360), line((0.77, 0.3), (0.7, 0.96))]),
     DigitForm(strokes: [arc(0.5, 0.3, 0.27, 0.25, 10, 370) + arc(0.4, 0.35, 0.37, 0.6, 0, 80)])],
]
