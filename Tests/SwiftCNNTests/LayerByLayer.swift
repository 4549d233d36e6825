@testable import SwiftCNN
import Testing
import TestSupport

/// Expects `model`'s training step, fused layers and all, to give the loss and parameter gradients that
/// `twin` (a model built the same way, with the same seed) gives when its layers run one by one: forward
/// in training mode, softmax cross-entropy, then backward down to the first layer with parameters.
func expectStepMatchesLayerByLayer(_ model: Sequential, twin: Sequential, inputs: Tensor, labels: [Int32],
                                   sourceLocation: SourceLocation = #_sourceLocation) {
    let measured = TrainingStep(model: model, optimizer: SGD(learningRate: 0))
        .computeGradients(inputs: inputs, labels: .classes(labels))

    var activations = inputs
    for layer in twin.layers { activations = layer.forward(activations, training: true) }
    var gradient = Tensor(shape: [0])
    let loss = SoftmaxCrossEntropy().valueAndGradient(predictions: activations, labels: .classes(labels),
                                                      into: &gradient)
    let firstTrained = twin.layers.firstIndex { !$0.parameters.isEmpty } ?? twin.layers.count
    for (index, layer) in twin.layers.enumerated().reversed() {
        guard let next = layer.backward(gradient, needsInputGradient: index > firstTrained) else { break }
        gradient = next
    }
    expectClose(measured.loss, loss, absolute: 1e-6, relative: 1e-5, sourceLocation: sourceLocation)
    for (mine, theirs) in zip(model.parameters, twin.parameters) {
        expectClose(mine.gradient, theirs.gradient, absolute: 1e-5, relative: 1e-4, sourceLocation: sourceLocation)
    }
}
