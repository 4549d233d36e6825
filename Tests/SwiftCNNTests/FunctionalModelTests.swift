import Foundation
@testable import SwiftCNN
import TestSupport
import Testing

@Suite struct FunctionalModelTests {
    /// x → Dense(4, tanh) = h; h feeds both a Dense and the Add, so its gradient is a sum of two.
    private func residualDenseModel(seed: UInt64 = 3) throws -> Model {
        let input = Input(shape: [5])
        let hidden = Dense(units: 4, activation: .tanh)(input)
        let branch = Dense(units: 4)(hidden)
        let sum = Add()([hidden, branch])
        let output = Dense(units: 3)(sum)
        return try Model(inputs: input, outputs: output, seed: seed)
    }

    @Test func aChainBuiltFunctionallyComputesWhatTheSequentialModelDoes() throws {
        let input = Input(shape: [6, 6, 1])
        var x = Conv2D(filters: 4, kernelSize: 3, activation: .relu)(input)
        x = MaxPool2D(poolSize: 2)(x)
        x = Flatten()(x)
        let functional = try Model(inputs: input, outputs: Dense(units: 3)(x), seed: 5)
        let sequential = try Sequential(inputShape: [6, 6, 1], seed: 5) {
            Conv2D(filters: 4, kernelSize: 3, activation: .relu)
            MaxPool2D(poolSize: 2)
            Flatten()
            Dense(units: 3)
        }
        #expect(functional.parameters.map(\.value) == sequential.parameters.map(\.value))
        var generator = Xoshiro256(seed: 1)
        let images = Tensor(randomUniform: [8, 6, 6, 1], in: 0...1, using: &generator)
        let labels: [Int32] = [0, 1, 2, 0, 1, 2, 0, 1]
        for _ in 0..<3 {
            let a = try functional.train(onBatch: images, labels: labels, optimizer: functionalOptimizer)
            let b = try sequential.train(onBatch: images, labels: labels, optimizer: sequentialOptimizer)
            #expect(a == b)
        }
        #expect(functional.predict(images) == sequential.predict(images))
    }

    private let functionalOptimizer = Adam(learningRate: 1e-2)
    private let sequentialOptimizer = Adam(learningRate: 1e-2)

    @Test func residualGradientsMatchFiniteDifferences() throws {
        let model = try residualDenseModel()
        var generator = Xoshiro256(seed: 11)
        let inputs = Tensor(randomUniform: [3, 5], in: -1...1, using: &generator)
        let targets = Tensor(randomUniform: [3, 3], in: -1...1, using: &generator)
        let loss = MeanSquaredError()
        let step = TrainingStep(model: model, optimizer: SGD(learningRate: 0), loss: loss)
        _ = step.computeGradients(inputs: inputs, labels: .targets(targets))
        let analytic = model.parameters.map(\.gradient)
        for (parameter, gradient) in zip(model.parameters, analytic) {
            let original = parameter.value
            let numeric = numericalGradient(of: { value in
                parameter.value = value
                defer { parameter.value = original }
                return Double(loss.value(predictions: model(inputs), labels: .targets(targets)))
            }, at: original)
            expectClose(gradient, numeric, absolute: 2e-3, relative: 2e-2, "gradient of \(parameter.name)")
        }
    }

    @Test func aTensorFeedingTwoLayersGetsTheSumOfTheirGradients() throws {
        // y = Add(h, h) = 2h with h = x · W: the gradient of W is twice that of h alone.
        let input = Input(shape: [2])
        let dense = Dense(units: 2, useBias: false)
        let h = dense(input)
        let model = try Model(inputs: input, outputs: Add()([h, h]), seed: 1)
        dense.kernel.value = Tensor(shape: [2, 2], scalars: [1, 2, 3, 4])
        let inputs = Tensor(shape: [1, 2], scalars: [1, -1])
        // h = [1·1 + (−1)·3, 1·2 + (−1)·4] = [−2, −2]; y = [−4, −4]. MSE against zeros over 2 outputs:
        // dL/dy = 2y/2 = [−4, −4]; dL/dh = 2·dL/dy = [−8, −8]; dL/dW = xᵀ · dL/dh = [[−8, −8], [8, 8]].
        let step = TrainingStep(model: model, optimizer: SGD(learningRate: 0), loss: MeanSquaredError())
        let metrics = step.computeGradients(inputs: inputs, labels: .targets(Tensor(shape: [1, 2])))
        #expect(metrics.loss == 16)
        #expect(dense.kernel.gradient.scalars == [-8, -8, 8, 8])
    }

    @Test func misusesThrowTypedErrorsNamingTheLayers() throws {
        let input = Input(shape: [4])
        let other = Input(shape: [4])
        #expect(throws: ModelError.disconnectedInput(layer: "dense")) {
            try Model(inputs: input, outputs: Dense(units: 2)(other))
        }
        let shared = Dense(units: 4)
        let twice = shared(shared(input))
        #expect(throws: ModelError.layerAppliedTwice(layer: "dense")) { try Model(inputs: input, outputs: twice) }
        #expect(throws: ModelError.unusedInput) { try Model(inputs: input, outputs: input) }
        let mismatched = Add()([Dense(units: 3)(input), Dense(units: 2)(input)])
        #expect(throws: LayerError.self) { try Model(inputs: input, outputs: mismatched) }
        #expect(throws: ModelError.wrongInputCount(layer: "add", count: 1, expected: "two or more")) {
            try Model(inputs: input, outputs: Add()([input]))
        }
    }

    @Test func layersGetKerasNamesAndTheSummaryShowsTheGraph() throws {
        let model = try residualDenseModel()
        #expect(model.layerNames == ["dense", "dense_1", "add", "dense_2"])
        #expect(model.layerInputs == [[0], [1], [1, 2], [3]])
        let summary = model.summary()
        #expect(summary.contains("Model: \"functional\""))
        #expect(summary.contains("add (Add) ← dense, dense_1"))
        // 5·4 + 4 + 4·4 + 4 + 4·3 + 3 = 59.
        #expect(summary.contains("Trainable params: 59"))
    }

    @Test func aTrainedLayerPlacedInANewModelKeepsItsWeights() throws {
        let dense = Dense(units: 3)
        _ = try Sequential(inputShape: [4], seed: 1, layers: [dense])
        dense.kernel.value = Tensor(shape: [4, 3], repeating: 0.5)
        let input = Input(shape: [4])
        _ = try Model(inputs: input, outputs: dense(input), seed: 2)
        #expect(dense.kernel.value.scalars == Array(repeating: 0.5, count: 12))
    }

    @Test func functionalModelsSaveAndLoadWithTheirGraph() throws {
        let model = try residualDenseModel()
        var generator = Xoshiro256(seed: 4)
        let inputs = Tensor(randomUniform: [4, 5], in: -1...1, using: &generator)
        try withTemporaryDirectory { directory in
            let url = directory.appendingPathComponent("residual.safetensors")
            try model.save(to: url)
            let file = try SafeTensorsFile(contentsOf: url)
            #expect(file.names.contains("dense_1.kernel"))
            let restored = try Model(contentsOf: url)
            #expect(restored.layerInputs == model.layerInputs)
            #expect(restored.layerNames == model.layerNames)
            #expect(restored(inputs) == model(inputs))
            #expect(throws: ModelFileError.self) { try Sequential(contentsOf: url) }

            let sequentialURL = directory.appendingPathComponent("reference.safetensors")
            let reference = try Sequential.referenceCNN(seed: 2)
            try reference.save(to: sequentialURL)
            let loaded = try Model(contentsOf: sequentialURL)
            #expect(loaded.isChain)
            #expect(loaded.parameters.map(\.value) == reference.parameters.map(\.value))
        }
    }

    @Test func anActivationLayerFoldsIntoTheLayerBeforeWithTheSameNumbers() throws {
        let folded = try Sequential(inputShape: [6, 6, 2], seed: 9) {
            Conv2D(filters: 3, kernelSize: 3)
            ReLU()
            Flatten()
            Dense(units: 4)
            Tanh()
            Dense(units: 2)
        }
        let fused = try Sequential(inputShape: [6, 6, 2], seed: 9) {
            Conv2D(filters: 3, kernelSize: 3, activation: .relu)
            Flatten()
            Dense(units: 4, activation: .tanh)
            Dense(units: 2)
        }
        #expect(folded.plan.layers.count == 4)
        #expect(folded.parameters.map(\.value) == fused.parameters.map(\.value))
        var generator = Xoshiro256(seed: 3)
        let images = Tensor(randomUniform: [5, 6, 6, 2], in: -1...1, using: &generator)
        let labels: [Int32] = [0, 1, 0, 1, 1]
        let first = Adam(learningRate: 1e-2), second = Adam(learningRate: 1e-2)
        for _ in 0..<3 {
            #expect(try folded.train(onBatch: images, labels: labels, optimizer: first)
                == fused.train(onBatch: images, labels: labels, optimizer: second))
        }
        #expect(folded(images) == fused(images))
    }

    @Test func theTrainingStepHookSeesTheGradientsBeforeTheUpdate() throws {
        let model = try residualDenseModel()
        let before = model.parameters.map(\.value)
        let step = TrainingStep(model: model, optimizer: SGD(learningRate: 0.1), loss: MeanSquaredError())
        step.gradientHook = { parameters in
            for parameter in parameters { parameter.gradient = Tensor(shape: parameter.value.shape) }
        }
        var generator = Xoshiro256(seed: 5)
        let inputs = Tensor(randomUniform: [2, 5], in: -1...1, using: &generator)
        let metrics = try step.run(inputs: inputs, labels: .targets(Tensor(shape: [2, 3])))
        #expect(metrics.sampleCount == 2)
        #expect(model.parameters.map(\.value) == before)
    }
}
