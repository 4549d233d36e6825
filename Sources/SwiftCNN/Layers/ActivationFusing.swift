/// A layer that can apply an activation to its own output.
protocol ActivationFusing: Layer {
    /// A new layer computing `activation(self(x))` with this layer's parameters, or nil when this layer
    /// already applies an activation.
    func fusing(_ activation: Activation) -> Layer?
}
