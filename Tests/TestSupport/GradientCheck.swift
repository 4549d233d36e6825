import SwiftCNN
import Testing

/// The gradient of `function` at `point` by central differences, `(f(x+ε) − f(x−ε)) / 2ε` per element.
///
/// `function` should accumulate in `Double`, so that the difference of two nearby values keeps its digits.
public func numericalGradient(of function: (Tensor) -> Double, at point: Tensor, epsilon: Float = 1e-3) -> Tensor {
    var gradient = Tensor(shape: point.shape)
    var probe = point
    for index in 0..<point.count {
        let original = point.scalars[index]
        probe.withUnsafeMutableBufferPointer { $0[index] = original + epsilon }
        let plus = function(probe)
        probe.withUnsafeMutableBufferPointer { $0[index] = original - epsilon }
        let minus = function(probe)
        probe.withUnsafeMutableBufferPointer { $0[index] = original }
        gradient.withUnsafeMutableBufferPointer { $0[index] = Float((plus - minus) / Double(2 * epsilon)) }
    }
    return gradient
}

/// Checks a layer's backward pass against finite differences.
///
/// The scalar checked is `L = Σ output · R` for a fixed random `R`, whose gradient with respect to the
/// output is `R` itself: the layer's input gradient and every parameter gradient from `backward(R)` must
/// match the numerical derivatives of `L`. Build the layer before calling this. Inputs should keep clear
/// of kinks (ReLU at 0, ties in max pooling) by more than `epsilon`.
public func checkGradients(
    of layer: Layer, input: Tensor, epsilon: Float = 1e-3, absolute: Float = 2e-3, relative: Float = 2e-2,
    seed: UInt64 = 99, sourceLocation: SourceLocation = #_sourceLocation
) {
    var generator = Xoshiro256(seed: seed)
    let output = layer.forward(input, training: true)
    let weights = Tensor(randomUniform: output.shape, in: -1...1, using: &generator)

    func loss(_ x: Tensor) -> Double {
        let y = layer.forward(x, training: true)
        return zip(y.scalars, weights.scalars).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
    }

    _ = layer.forward(input, training: true)
    let inputGradient = layer.backward(weights)
    let parameterGradients = layer.parameters.map(\.gradient)

    expectClose(inputGradient, numericalGradient(of: loss, at: input, epsilon: epsilon),
                absolute: absolute, relative: relative, "\(layer.name): input gradient",
                sourceLocation: sourceLocation)

    for (parameter, analytic) in zip(layer.parameters, parameterGradients) {
        let original = parameter.value
        let numeric = numericalGradient(of: { value in
            parameter.value = value
            defer { parameter.value = original }
            return loss(input)
        }, at: original, epsilon: epsilon)
        expectClose(analytic, numeric, absolute: absolute, relative: relative,
                    "\(layer.name): gradient of \(parameter.name)", sourceLocation: sourceLocation)
    }
}

/// Checks a merge layer's backward pass against finite differences, as
/// ``checkGradients(of:input:epsilon:absolute:relative:seed:sourceLocation:)`` does for a layer with one
/// input: the gradient of `L = Σ output · R` with respect to each input and each parameter. Build the
/// layer before calling this.
public func checkGradients(
    of layer: MergeLayer, inputs: [Tensor], epsilon: Float = 1e-3, absolute: Float = 2e-3, relative: Float = 2e-2,
    seed: UInt64 = 99, sourceLocation: SourceLocation = #_sourceLocation
) {
    var generator = Xoshiro256(seed: seed)
    let output = layer.forward(inputs, training: true)
    let weights = Tensor(randomUniform: output.shape, in: -1...1, using: &generator)

    func loss(_ inputs: [Tensor]) -> Double {
        let y = layer.forward(inputs, training: true)
        return zip(y.scalars, weights.scalars).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
    }

    _ = layer.forward(inputs, training: true)
    var inputGradients = inputs.map { _ in Tensor(shape: [0]) }
    layer.backward(weights, needsInputGradients: inputs.map { _ in true }, into: &inputGradients)
    let parameterGradients = layer.parameters.map(\.gradient)

    for index in inputs.indices {
        let numeric = numericalGradient(of: { value in
            var probe = inputs
            probe[index] = value
            return loss(probe)
        }, at: inputs[index], epsilon: epsilon)
        expectClose(inputGradients[index], numeric, absolute: absolute, relative: relative,
                    "\(layer.name): gradient of input \(index)", sourceLocation: sourceLocation)
    }

    for (parameter, analytic) in zip(layer.parameters, parameterGradients) {
        let original = parameter.value
        let numeric = numericalGradient(of: { value in
            parameter.value = value
            defer { parameter.value = original }
            return loss(inputs)
        }, at: original, epsilon: epsilon)
        expectClose(analytic, numeric, absolute: absolute, relative: relative,
                    "\(layer.name): gradient of \(parameter.name)", sourceLocation: sourceLocation)
    }
}
