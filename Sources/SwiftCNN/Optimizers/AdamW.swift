/// Adam with decoupled weight decay (Loshchilov and Hutter, 2019): ``Adam`` whose default weight decay is
/// Keras's `AdamW` default, 0.004 (PyTorch's `AdamW` defaults to 0.01).
///
/// Each step shrinks every parameter by `learningRate · weightDecay` of itself before the Adam update,
/// independently of the gradient, unlike an L2 penalty, which Adam's scaling would weaken for parameters
/// with large gradients.
public final class AdamW: Adam {
    /// An AdamW optimizer; the parameters are as for ``Adam``.
    public override init(learningRate: Float = 1e-3, beta1: Float = 0.9, beta2: Float = 0.999,
                         epsilon: Float = 1e-7, weightDecay: Float = 0.004) {
        super.init(learningRate: learningRate, beta1: beta1, beta2: beta2, epsilon: epsilon, weightDecay: weightDecay)
    }
}
