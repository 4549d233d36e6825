// x: [N,H,W,C] → y: [N,C] and back, written straight from the definitions, one element at a time.
// Slow on purpose: tests check the kernels in GlobalAveragePooling.swift against these.

/// Global average pooling by definition: `y[n, c]` is the mean of `x[n, h, w, c]` over all `h`, `w`.
func globalAveragePoolReference(_ x: Tensor) -> Tensor {
    let (batch, height, width, channels) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
    var y = Tensor(shape: [batch, channels])
    for n in 0..<batch {
        for c in 0..<channels {
            var sum = 0.0
            for h in 0..<height {
                for w in 0..<width { sum += Double(x[n, h, w, c]) }
            }
            y[n, c] = Float(sum / Double(height * width))
        }
    }
    return y
}

/// The global-average-pooling gradient by definition: each `dy[n, c]` shared equally by the H·W cells
/// of channel `c` of sample `n` (`inputShape` is `[N, H, W, C]`).
func globalAveragePoolBackwardReference(_ outputGradient: Tensor, inputShape: [Int]) -> Tensor {
    let (batch, height, width, channels) = (inputShape[0], inputShape[1], inputShape[2], inputShape[3])
    var inputGradient = Tensor(shape: inputShape)
    for n in 0..<batch {
        for h in 0..<height {
            for w in 0..<width {
                for c in 0..<channels { inputGradient[n, h, w, c] = outputGradient[n, c] / Float(height * width) }
            }
        }
    }
    return inputGradient
}
