import SwiftCNN

/// Uses a model that loaded: the activation check, then — when the model is small enough to run in
/// a fraction of a millisecond — a forward pass on one sample of zeros, whose outputs must have the
/// model's output shape.
public func exercise(_ model: Model) {
    guard (try? model.checkActivationMemory(batchSize: 1, limit: 1 << 20)) != nil else { return }
    let activations = model.activationBytesPerSample / MemoryLayout<Float>.stride
    guard model.parameterCount <= 50_000_000 / max(1, activations) else { return }
    let outputs = model(Tensor(shape: [1] + model.inputShape))
    precondition(outputs.shape == [1] + model.outputShape,
                 "a model with output shape \(model.outputShape) gave outputs of shape \(outputs.shape)")
}
