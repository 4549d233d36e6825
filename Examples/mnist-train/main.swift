import ArgumentParser
import Foundation
import SwiftCNN
import SwiftCNNVision

/// Trains the reference CNN on MNIST or Fashion-MNIST and reports its test accuracy.
struct MNISTTrain: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mnist-train",
        abstract: "Train the reference CNN on MNIST or Fashion-MNIST and report its test accuracy.",
        discussion: """
            The model is Conv2D(32, 3×3, ReLU) → MaxPool 2 → Conv2D(64, 3×3, ReLU) → MaxPool 2 → Flatten → \
            Dense(64, ReLU) → Dense(10), trained with Adam on softmax cross-entropy.
            """)

    enum Dataset: String, ExpressibleByArgument, CaseIterable {
        case mnist, fashion
    }

    enum Schedule: String, ExpressibleByArgument, CaseIterable {
        case constant, step, cosine
        case oneCycle = "one-cycle"
    }

    @Option(help: "Passes over the training set.")
    var epochs = 5

    @Option(help: "Images per optimizer step.")
    var batchSize = 64

    @Option(help: "Adam's learning rate; the peak rate for the cosine and one-cycle schedules.")
    var learningRate: Float = 1e-3

    @Option(help: """
        How the learning rate changes: constant; step (halved every 2 epochs); cosine (decays to 0 by \
        the last step); one-cycle (rises from 1/25 of the rate to the rate over 30% of the steps, then \
        falls far below the start).
        """)
    var schedule: Schedule = .constant

    @Option(help: "Seeds the initial weights and the shuffling: the same seed gives the same run.")
    var seed: UInt64 = 0

    @Option(help: "mnist (handwritten digits) or fashion (Fashion-MNIST).")
    var dataset: Dataset = .mnist

    @Option(help: "The directory holding the dataset's four IDX files; by default MNIST_DIR (FASHION_MNIST_DIR), then the system and cache directories.")
    var dataDir: String?

    @Option(help: "Threads to compute on; by default all cores.")
    var threads: Int?

    @Option(help: "Train on only the first N training images, for quick runs.")
    var trainLimit: Int?

    @Option(help: "The fraction of the training images held out to validate on after each epoch.")
    var validationSplit = 0.0

    @Flag(inversion: .prefixedNo, help: """
        Standardise the images with the training set's mean and variance (a Normalization layer before the \
        CNN, saved with it); --no-standardize feeds the CNN the [0, 1] pixels, as Keras's example does.
        """)
    var standardize = true

    @Flag(help: "Print only the final test results.")
    var quiet = false

    @Option(help: "Write pictures of the run into this directory: samples, test predictions and mistakes, confusion matrix, training curves, first-layer filters (PNG).")
    var plots: String?

    @Option(help: "Where to save the model, with the optimizer state for --resume; rewritten after every epoch.")
    var save = "mnist-model.safetensors"

    @Flag(help: "Do not save the model.")
    var noSave = false

    @Option(help: "Continue the run saved in this file, up to --epochs epochs in all; give the other flags as before.")
    var resume: String?

    func validate() throws {
        guard epochs > 0 else { throw ValidationError("--epochs must be positive") }
        guard batchSize > 0 else { throw ValidationError("--batch-size must be positive") }
        guard learningRate > 0 else { throw ValidationError("--learning-rate must be positive") }
        guard (threads ?? 1) > 0 else { throw ValidationError("--threads must be positive") }
        guard (trainLimit ?? 1) > 0 else { throw ValidationError("--train-limit must be positive") }
        guard (0..<1).contains(validationSplit) else { throw ValidationError("--validation-split must be in [0, 1)") }
    }

    func run() throws {
        if let threads { Backend.threadCount = threads }
        let data = try MNIST(variant: dataset == .fashion ? .fashion : .digits,
                             directory: dataDir.map { URL(fileURLWithPath: $0) })
        let training = trainLimit.map { data.train.prefix($0) } ?? data.train
        let checkpoint = try resume.map { try TrainingCheckpoint(contentsOf: URL(fileURLWithPath: $0)) }
        if let checkpoint, checkpoint.completedEpochs >= epochs {
            throw ValidationError("\(resume ?? "") has trained \(checkpoint.completedEpochs) epochs already; pass a larger --epochs")
        }
        let model = try checkpoint?.model ?? Sequential.referenceCNN(
            seed: seed, inputNormalization: standardize ? Normalization(adaptingTo: training.inputs) : nil)
        if !quiet {
            print(Backend.summary)
            print("\(data.variant.name): \(training.count) training images, \(data.test.count) test images")
            print(model.summary())
            if let checkpoint, let resume { print("resuming \(resume) after epoch \(checkpoint.completedEpochs)") }
        }

        let start = Date()
        let optimizer = checkpoint?.optimizer ?? Adam(learningRate: learningRate)
        let saver = noSave ? nil : ModelCheckpoint(url: URL(fileURLWithPath: save), optimizer: optimizer,
                                                   shuffleSeed: checkpoint?.shuffleSeed)
        let history = try model.fit(training, epochs: epochs, batchSize: batchSize, optimizer: optimizer,
                                    schedule: learningRateSchedule(), validationSplit: validationSplit,
                                    shuffleSeed: checkpoint?.shuffleSeed, initialEpoch: checkpoint?.completedEpochs ?? 0,
                                    verbosity: quiet ? .quiet : .automatic, callbacks: saver.map { [$0] } ?? [])
        let seconds = Date().timeIntervalSince(start)
        if let error = saver?.error { throw error }

        let (loss, accuracy) = model.evaluate(data.test)
        print(String(format: "test loss: %.4f", loss))
        print(String(format: "test accuracy: %.2f%%", accuracy * 100))
        print(String(format: "training time: %.1f s", seconds))
        if !noSave {
            try ModelEvaluation(dataset: data.variant.name, accuracy: Double(accuracy), loss: Double(loss),
                                sampleCount: data.test.count).record(inModelFileAt: URL(fileURLWithPath: save))
            if !quiet { print("model saved to \(save)") }
        }

        if let plots {
            let pictures = try Plots.writeTrainingReport(
                model: model, history: history, training: training, test: data.test,
                classNames: data.variant.classNames,
                to: URL(fileURLWithPath: plots, isDirectory: true))
            if !quiet { print("pictures: " + pictures.map(\.path).joined(separator: ", ")) }
        }
    }

    private func learningRateSchedule() -> LearningRateSchedule {
        switch schedule {
        case .constant: return ConstantLearningRate(learningRate)
        case .step: return StepDecay(initialLearningRate: learningRate, decayFactor: 0.5, epochsPerDecay: 2)
        case .cosine: return CosineDecay(peakLearningRate: learningRate)
        case .oneCycle: return OneCycle(maximumLearningRate: learningRate)
        }
    }
}

MNISTTrain.main()
