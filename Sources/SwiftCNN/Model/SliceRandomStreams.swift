/// The random streams of a training step whose global batch is split into slices, which one process
/// trains one after another (gradient accumulation) or several processes train side by side.
///
/// Slice `k` of a step draws from the step's starting states jumped `k` times (``Xoshiro256/jump()``),
/// and after the step every generator stands at its starting state jumped once per slice. So what a
/// slice draws depends only on the starting states and its index, never on which process runs it or on
/// what the slices before it drew: that is what lets two processes give the numbers of one. The
/// generators stay layer state as before, so checkpoints save and resume them unchanged.
final class SliceRandomStreams {
    /// The layers that have generators, in model order.
    private let layers: [Layer]
    /// Every generator's state at the start of the step, in the order of ``layers`` and
    /// ``Layer/withEachGenerator(_:)``.
    private var starts: [Xoshiro256] = []

    init(model: Model) {
        layers = model.layers.filter { !$0.generators.isEmpty }
    }

    /// Records the generators' states at the start of a step.
    func beginStep() {
        starts.removeAll(keepingCapacity: true)
        for layer in layers {
            layer.withEachGenerator { starts.append($0) }
        }
    }

    /// Sets every generator to the stream of slice `slice`.
    func select(slice: Int) {
        setGenerators(jumps: slice)
    }

    /// Moves every generator past the streams of a step of `sliceCount` slices.
    func endStep(sliceCount: Int) {
        setGenerators(jumps: sliceCount)
    }

    private func setGenerators(jumps: Int) {
        var index = 0
        for layer in layers {
            layer.withEachGenerator { generator in
                generator = starts[index]
                for _ in 0..<jumps { generator.jump() }
                index += 1
            }
        }
    }
}
