extension Labels {
    /// How many rows of `predictions` (scores or probabilities over the last axis) have their largest
    /// value at the labelled class — for `.targets`, at the target row's largest value.
    ///
    /// Divide by the number of rows for the accuracy. The first of tied maxima counts as the prediction,
    /// and a row holding NaN never counts as correct.
    public func correctCount(of predictions: Tensor) -> Int {
        checkCompatible(with: predictions, loss: "correctCount")
        let width = predictions.shape[predictions.rank - 1], rows = predictions.count / width
        let p = predictions.storage.pointer
        var correct = 0
        switch self {
        case let .classes(indices):
            for row in 0..<rows {
                let expected = classOffset(indices[row], classes: width)
                if indexOfMaximum(p + row &* width, count: width) == expected { correct += 1 }
            }
        case let .targets(targets):
            let t = targets.storage.pointer
            for row in 0..<rows {
                let predicted = indexOfMaximum(p + row &* width, count: width)
                if predicted >= 0, predicted == indexOfMaximum(t + row &* width, count: width) { correct += 1 }
            }
        }
        return correct
    }
}

/// The position of the first largest of `count` values, or -1 when any is NaN.
private func indexOfMaximum(_ values: UnsafePointer<Float>, count: Int) -> Int {
    var best = 0
    for index in 0..<count {
        if values[index].isNaN { return -1 }
        if values[index] > values[best] { best = index }
    }
    return best
}
