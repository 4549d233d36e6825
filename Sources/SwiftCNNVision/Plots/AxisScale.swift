import Foundation

/// A plot axis: a range with round ends and evenly spaced ticks at round numbers (1, 2, 2.5 or 5 times a
/// power of ten), about as many as asked for.
struct AxisScale: Equatable {
    var lower: Double
    var upper: Double
    var step: Double
    /// The tick values, from `lower` to `upper`.
    var ticks: [Double]

    /// A scale covering every value in `values`, with about `tickCount` ticks; `includingZero` extends it
    /// to zero (for losses, whose distance from zero matters).
    init(covering values: [Double], tickCount: Int = 5, includingZero: Bool = false) {
        var low = values.min() ?? 0, high = values.max() ?? 1
        if includingZero { low = min(low, 0); high = max(high, 0) }
        if high - low < 1e-9 {
            // A flat series still needs a visible range around it.
            let pad = max(abs(high) * 0.05, 0.01)
            low -= pad
            high += pad
        }
        let rough = (high - low) / Double(max(tickCount - 1, 1))
        let magnitude = pow(10, floor(log10(rough)))
        let multiplier = [1, 2, 2.5, 5, 10].first { $0 * magnitude >= rough * (1 - 1e-9) } ?? 10
        step = multiplier * magnitude
        lower = floor(low / step + 1e-9) * step
        upper = ceil(high / step - 1e-9) * step
        ticks = Self.multiples(of: step, from: lower, to: upper)
    }

    /// A scale of whole numbers from `lower` to `upper`, such as epochs, with about `tickCount` ticks; a
    /// single number gets half a unit on either side, so it sits in the middle.
    init(integersFrom lower: Int, to upper: Int, tickCount: Int = 10) {
        guard upper > lower else {
            step = 1
            self.lower = Double(lower) - 0.5
            self.upper = Double(lower) + 0.5
            ticks = [Double(lower)]
            return
        }
        let span = upper - lower
        let rough = Double(span) / Double(max(tickCount - 1, 1))
        let magnitude = pow(10, floor(log10(max(rough, 1))))
        let multiplier = [1.0, 2, 5, 10].first { $0 * magnitude >= rough } ?? 10
        step = max(1, multiplier * magnitude)
        self.lower = Double(lower)
        self.upper = Double(upper)
        // Ticks at multiples of the step (5, 10, 15 rather than 1, 6, 11), with the first value too
        // when it is not crowded by the next tick.
        let multiples = Self.multiples(of: step, from: (self.lower / step).rounded(.up) * step, to: self.upper)
        let first = multiples.first ?? self.upper
        ticks = (first - self.lower > step / 2 ? [self.lower] : []) + multiples
    }

    private static func multiples(of step: Double, from start: Double, to end: Double) -> [Double] {
        let count = Int(((end - start) / step + 1e-9).rounded(.down))
        return count < 0 ? [] : (0...count).map { start + Double($0) * step }
    }

    /// Digits after the point that tick labels need to tell the ticks apart.
    var decimals: Int {
        var decimals = 0
        while decimals < 6 {
            let scaled = step * pow(10, Double(decimals))
            if abs(scaled - scaled.rounded()) < 1e-6 { break }
            decimals += 1
        }
        return decimals
    }

    /// Where `value` falls on an axis drawn from `start` (at `lower`) to `end` (at `upper`).
    func position(of value: Double, from start: Double, to end: Double) -> Double {
        start + (value - lower) / (upper - lower) * (end - start)
    }
}
