import SwiftCNN

/// One step of `Sequential.fit`'s loop — forward in training mode, loss and its gradient, backward,
/// optimizer update — on a batch the caller supplies, so the step can be timed and its allocations
/// counted apart from shuffling and batching. Built from public API only, in the order `fit` uses.
public final class TrainingStep {
    public let model: Sequential
    public let optimizer: Optimizer
    public let loss: Loss
    private var lossGradient = Tensor(shape: [0])

    public init(model: Sequential, optimizer: Optimizer, loss: Loss = SoftmaxCrossEntropy()) {
        self.model = model
        self.optimizer = optimizer
        self.loss = loss
    }

    /// Trains on one batch and returns its loss.
    @discardableResult
    public func callAsFunction(inputs: Tensor, labels: [Int32]) -> Float {
        let value = forwardWithLoss(inputs, labels: labels)
        var gradient = lossGradient
        let layers = model.layers
        for index in layers.indices.reversed() {
            guard let inputGradient = layers[index].backward(gradient, needsInputGradient: index > 0) else { break }
            gradient = inputGradient
        }
        optimizer.update(model.parameters)
        return value
    }

    // A function of its own so that the activations it holds are released before the backward pass,
    // which lets every layer reuse its workspaces.
    private func forwardWithLoss(_ inputs: Tensor, labels: [Int32]) -> Float {
        var activations = inputs
        for layer in model.layers {
            activations = layer.forward(activations, training: true)
        }
        return loss.valueAndGradient(predictions: activations, labels: .classes(labels), into: &lossGradient)
    }
}
