import SwiftCNN
import Testing

/// Whether `actual` is within `absolute + relative·|expected|` of `expected`.
///
/// NaN is close only to NaN and an infinity only to the same infinity, so a computation that blows up
/// never passes by accident.
public func isClose(_ actual: Float, _ expected: Float, absolute: Float = 1e-5, relative: Float = 1e-4) -> Bool {
    if actual.isNaN || expected.isNaN { return actual.isNaN && expected.isNaN }
    if actual.isInfinite || expected.isInfinite { return actual == expected }
    return abs(actual - expected) <= absolute + relative * abs(expected)
}

/// Records a test issue unless `actual` is close to `expected` (see ``isClose(_:_:absolute:relative:)``).
public func expectClose(
    _ actual: Float, _ expected: Float, absolute: Float = 1e-5, relative: Float = 1e-4,
    _ comment: Comment? = nil, sourceLocation: SourceLocation = #_sourceLocation
) {
    if !isClose(actual, expected, absolute: absolute, relative: relative) {
        Issue.record("\(actual) is not within \(absolute) + \(relative)·|x| of \(expected)\(comment.map { ": \($0)" } ?? "")",
                     sourceLocation: sourceLocation)
    }
}

/// Records a test issue unless the arrays have equal lengths and every pair of elements is close; the
/// message names the first few elements that differ and the largest difference.
public func expectClose(
    _ actual: [Float], _ expected: [Float], absolute: Float = 1e-5, relative: Float = 1e-4,
    _ comment: Comment? = nil, sourceLocation: SourceLocation = #_sourceLocation
) {
    guard actual.count == expected.count else {
        Issue.record("\(actual.count) elements, expected \(expected.count)\(comment.map { ": \($0)" } ?? "")",
                     sourceLocation: sourceLocation)
        return
    }
    let mismatches = zip(actual, expected).enumerated().filter {
        !isClose($0.element.0, $0.element.1, absolute: absolute, relative: relative)
    }
    guard !mismatches.isEmpty else { return }
    let worst = zip(actual, expected).map { abs($0 - $1) }.max() ?? .nan
    let shown = mismatches.prefix(5).map { "[\($0.offset)] \($0.element.0) vs \($0.element.1)" }
    Issue.record("""
        \(mismatches.count) of \(actual.count) elements differ (largest difference \(worst)): \
        \(shown.joined(separator: ", "))\(comment.map { " — \($0)" } ?? "")
        """, sourceLocation: sourceLocation)
}

/// Records a test issue unless the tensors have the same shape and close elements.
public func expectClose(
    _ actual: Tensor, _ expected: Tensor, absolute: Float = 1e-5, relative: Float = 1e-4,
    _ comment: Comment? = nil, sourceLocation: SourceLocation = #_sourceLocation
) {
    guard actual.shape == expected.shape else {
        Issue.record("shape \(actual.shape), expected \(expected.shape)\(comment.map { ": \($0)" } ?? "")",
                     sourceLocation: sourceLocation)
        return
    }
    expectClose(actual.scalars, expected.scalars, absolute: absolute, relative: relative, comment,
                sourceLocation: sourceLocation)
}
