/// A layer that augments training data (``Layer/isAugmentation``): the random augmentation layers and
/// fused runs of them.
protocol AugmentationLayer: Layer {}

extension AugmentationLayer {
    public var isAugmentation: Bool { true }
}

/// A random augmentation layer: its own generator and an ``AugmentationWorkspace``, and everything else
/// in common — no parameters, the generator saved in checkpoints as `draws`, building the workspace, and
/// no input gradient. Each layer says only how it draws and transforms a batch.
protocol RandomAugmentationLayer: AugmentationLayer {
    /// The generator the layer draws from; it moves on with every training-mode forward call.
    var generator: Xoshiro256 { get set }
    /// The layer's batch workspace.
    var workspace: AugmentationWorkspace { get }
}

extension RandomAugmentationLayer {
    public var parameters: [Parameter] { [] }

    /// ``generator`` as `draws`.
    public var generators: [String: Xoshiro256] {
        get { ["draws": generator] }
        set { if let draws = newValue["draws"] { generator = draws } }
    }

    public func withEachGenerator(_ body: (inout Xoshiro256) -> Void) {
        body(&generator)
    }

    public func build(inputShape: [Int], generator: inout Xoshiro256) throws -> [Int] {
        try workspace.build(inputShape: inputShape, layer: name)
    }

    /// Returns nil: the layer comes before every layer with parameters, so no gradient is asked of it.
    public func backward(_ outputGradient: Tensor, needsInputGradient: Bool) -> Tensor? {
        guard !needsInputGradient else { augmentationHasNoInputGradient(name) }
        return nil
    }
}
