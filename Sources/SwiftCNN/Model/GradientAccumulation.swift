/// The gradients of the slices of one global batch, added in slice order into one contiguous buffer of
/// every parameter's gradient, one after another in ``Model/parameters`` order.
///
/// Each slice's gradient is that of its share of the global batch's mean loss (its loss sum over the
/// global batch's sample count), so the sum of the slices is the global batch's gradient. One buffer,
/// allocated once, is also what a ``ProcessGroup`` sums across processes in one operation.
final class GradientAccumulation {
    private let parameters: [Parameter]
    /// The sum of the slices added so far.
    let sums: UnsafeMutableBufferPointer<Float>

    init(parameters: [Parameter]) {
        self.parameters = parameters
        sums = .allocate(capacity: parameters.reduce(0) { $0 + $1.value.count })
    }

    deinit {
        sums.deallocate()
    }

    /// Starts a global batch: the sums become zero.
    func reset() {
        sums.update(repeating: 0)
    }

    /// Adds the gradients the last backward pass left in the parameters.
    func addGradients() {
        var offset = 0
        for parameter in parameters {
            let gradient = parameter.gradient.storage.pointer
            let count = parameter.gradient.count
            let sum = sums.baseAddress! + offset
            for index in 0..<count {
                sum[index] += gradient[index]
            }
            offset += count
        }
    }

    /// Sets every parameter's gradient to its sum, for the optimizer.
    func writeGradients() {
        var offset = 0
        for parameter in parameters {
            let count = parameter.gradient.count
            parameter.gradient.storage.pointer.update(from: sums.baseAddress! + offset, count: count)
            offset += count
        }
    }
}
