/// How a model runs its layers, compiled once when the model is built.
///
/// Each step runs one layer (or a fused pair, see ``FusionRule``) on the values it takes — `0` is the
/// model's input, `k + 1` the output of node `k` — in topological order. The plan knows:
/// - which values need a gradient: those computed, directly or not, by a layer with parameters; a step
///   whose inputs need none is asked for no input gradient, and a step whose output needs none is skipped
///   by the backward pass;
/// - when each value is last read, so that the plan lets go of it there and the layer that made it can
///   reuse its workspace for the next batch: a warmed-up pass allocates nothing;
/// - where a value feeds several layers, whose gradients it sums, in reverse step order, into a
///   workspace of its own.
///
/// A plan belongs to one model and runs one pass at a time.
final class ExecutionPlan {
    /// One layer of the pass and the values it reads and writes.
    struct Step {
        var layer: Layer
        /// The same layer when it merges several inputs.
        var merge: MergeLayer?
        var inputs: [Int]
        var output: Int
        /// Per input, whether the step computes its gradient.
        var needsInputGradients: [Bool]
        /// Whether the backward pass runs this step: its output needs a gradient.
        var runsBackward: Bool
    }

    private(set) var steps: [Step]
    /// Whether training-mode passes run the augmentation layers (``Layer/isAugmentation``) in training
    /// mode; when false they run as in inference, passing images through unchanged.
    var augments = true
    /// The value the model outputs.
    let outputValue: Int
    /// The shape of each value, for one sample.
    let valueShapes: [[Int]]
    /// For each value, the last step that reads it.
    private var lastReader: [Int]

    // Per-pass state, kept between passes so that its arrays are not allocated again.
    private var values: [Tensor]
    private var gradients: [Tensor]
    private var hasGradient: [Bool]
    private var gradientSums: [Tensor]
    /// Per step, the inputs handed to a merge layer and the gradients it hands back.
    private var arguments: [[Tensor]]
    private var argumentGradients: [[Tensor]]
    private let empty = Tensor(shape: [0])

    /// The plan for `nodes` (in topological order) whose outputs have `outputShapes`, fused by `rules`.
    init(nodes: [ModelGraph.Node], inputShape: [Int], outputShapes: [[Int]], rules: [FusionRule] = standardFusionRules) {
        let valueCount = nodes.count + 1
        var needsGradient = [Bool](repeating: false, count: valueCount)
        var steps: [Step] = []
        for (index, node) in nodes.enumerated() {
            let inputsNeed = node.inputs.map { needsGradient[$0] }
            let output = index + 1
            needsGradient[output] = !node.layer.parameters.isEmpty || inputsNeed.contains(true)
            steps.append(Step(layer: node.layer, merge: node.layer as? MergeLayer, inputs: node.inputs, output: output,
                              needsInputGradients: inputsNeed, runsBackward: needsGradient[output]))
        }
        valueShapes = [inputShape] + outputShapes
        outputValue = nodes.count
        self.steps = ExecutionPlan.fused(steps, valueShapes: valueShapes, rules: rules)

        var lastReader = [Int](repeating: -1, count: valueCount)
        for (index, step) in self.steps.enumerated() {
            for input in step.inputs { lastReader[input] = index }
        }
        lastReader[outputValue] = self.steps.count
        self.lastReader = lastReader
        let empty = Tensor(shape: [0])
        values = Array(repeating: empty, count: valueCount)
        gradients = values
        gradientSums = values
        hasGradient = Array(repeating: false, count: valueCount)
        arguments = self.steps.map { Array(repeating: empty, count: $0.merge == nil ? 0 : $0.inputs.count) }
        argumentGradients = arguments
    }

    /// `steps` with each pair that a rule fuses replaced by the fused layer: a single-input step and the
    /// only step that reads its output, which takes nothing else.
    private static func fused(_ steps: [Step], valueShapes: [[Int]], rules: [FusionRule]) -> [Step] {
        var steps = steps
        var index = 0
        while index < steps.count {
            let producer = steps[index]
            let readers = steps.indices.filter { steps[$0].inputs.contains(producer.output) }
            if producer.merge == nil, readers.count == 1, let reader = readers.first,
               steps[reader].merge == nil, steps[reader].inputs == [producer.output],
               let fused = rules.lazy.compactMap({
                   $0.fuse(producer.layer, then: steps[reader].layer, inputShape: valueShapes[producer.inputs[0]],
                           needsInputGradient: producer.needsInputGradients[0])
               }).first {
                steps[index].layer = fused
                steps[index].output = steps[reader].output
                steps[index].runsBackward = steps[reader].runsBackward
                steps.remove(at: reader)
                continue
            }
            index += 1
        }
        return steps
    }

    /// The layers as the passes run them, fused pairs as one.
    var layers: [Layer] { steps.map(\.layer) }

    /// The model's output for `input`, every step run in turn.
    func forward(_ input: Tensor, training: Bool) -> Tensor {
        values[0] = input
        for index in steps.indices {
            let step = steps[index]
            let output: Tensor
            if let merge = step.merge {
                for (position, value) in step.inputs.enumerated() { arguments[index][position] = values[value] }
                output = merge.forward(arguments[index], training: training)
                for position in step.inputs.indices { arguments[index][position] = empty }
            } else {
                output = step.layer.forward(values[step.inputs[0]],
                                            training: training && (augments || !step.layer.isAugmentation))
            }
            for value in step.inputs where lastReader[value] == index { values[value] = empty }
            values[step.output] = output
        }
        let result = values[outputValue]
        values[outputValue] = empty
        return result
    }

    /// The backward pass from `outputGradient`, the gradient of the loss with respect to the output of the
    /// last training-mode ``forward(_:training:)``: afterwards every parameter holds its gradient.
    func backward(_ outputGradient: Tensor) {
        for value in hasGradient.indices { hasGradient[value] = false }
        gradients[outputValue] = outputGradient
        hasGradient[outputValue] = true
        for index in steps.indices.reversed() {
            let step = steps[index]
            guard step.runsBackward, hasGradient[step.output] else { continue }
            let gradient = gradients[step.output]
            gradients[step.output] = empty
            hasGradient[step.output] = false
            if let merge = step.merge {
                merge.backward(gradient, needsInputGradients: step.needsInputGradients, into: &argumentGradients[index])
                for (position, value) in step.inputs.enumerated() where step.needsInputGradients[position] {
                    receive(argumentGradients[index][position], for: value)
                    argumentGradients[index][position] = empty
                }
            } else if let inputGradient = step.layer.backward(gradient, needsInputGradient: step.needsInputGradients[0]),
                      step.needsInputGradients[0] {
                receive(inputGradient, for: step.inputs[0])
            }
        }
    }

    /// Records `gradient` for `value`, summing it with the gradients already received from other readers.
    private func receive(_ gradient: Tensor, for value: Int) {
        guard hasGradient[value] else {
            gradients[value] = gradient
            hasGradient[value] = true
            return
        }
        precondition(gradient.shape == gradients[value].shape,
                     "Gradients of shapes \(gradient.shape) and \(gradients[value].shape) reached the same tensor")
        if gradients[value].storage !== gradientSums[value].storage {
            let first = gradients[value]
            gradients[value] = empty
            gradientSums[value].prepare(shape: first.shape)
            addElements(first.storage.pointer, gradient.storage.pointer, elements: 0..<first.count,
                        into: gradientSums[value].storage.pointer)
            gradients[value] = gradientSums[value]
        } else {
            let sum = gradientSums[value].storage.pointer
            addElements(sum, gradient.storage.pointer, elements: 0..<gradient.count, into: sum)
        }
    }
}
