import ArgumentParser
import Foundation
import SwiftCNN
import SwiftCNNDistributed
import SwiftCNNVision

/// Trains a CNN on MNIST or Fashion-MNIST and reports its test accuracy: the command behind `mnist-train` and
/// `fashion-resnet`, which differ only in their ``TrainingDefaults``.
public struct TrainingCommand<Defaults: TrainingDefaults>: ParsableCommand {
    public static var configuration: CommandConfiguration {
        CommandConfiguration(commandName: Defaults.commandName, abstract: Defaults.abstract,
                             discussion: Defaults.discussion)
    }

    enum Schedule: String, ExpressibleByArgument, CaseIterable {
        case constant, step, cosine
        case oneCycle = "one-cycle"
    }

    public init() {}

    @Option(help: "Passes over the training set.")
    var epochs = Defaults.epochs

    @Option(help: "Images per optimizer step: the global batch, however many slices and processes share it.")
    var batchSize = 64

    @Option(help: "Split each batch into this many slices trained one after another, their gradients added before the update (gradient accumulation).")
    var accumulate = 1

    @Flag(help: """
        Train as one process of an MPI job (mpirun -np N mnist-train --distributed): each batch is split \
        among the processes, which give the weights one process gives with --accumulate N, on any number \
        of threads (mpirun binds each process to one core, so each computes on one thread by default). \
        Only the first process prints and saves.
        """)
    var distributed = false

    @Option(help: "Adam's learning rate; the peak rate for the cosine and one-cycle schedules.")
    var learningRate: Float = 1e-3

    @Option(help: """
        How the learning rate changes: constant; step (halved every 2 epochs); cosine (decays to 0 by \
        the last step); one-cycle (rises from 1/25 of the rate to the rate over 30% of the steps, then \
        falls far below the start).
        """)
    var schedule: Schedule = .constant

    @Option(help: "The fraction of each label spread evenly over the classes (Keras's label_smoothing); 0 for none.")
    var labelSmoothing: Float = 0

    @Option(help: "reference (the Keras example CNN, 122k parameters), wide (three convolutions with batch normalisation and dropout, 0.3M parameters), deep (six convolutions with batch normalisation and dropout, 0.3M parameters, for the best accuracy) or resnet8 (the residual network ResNet-8, 78k parameters).")
    var model: TrainingArchitecture = Defaults.model

    @Flag(inversion: .prefixedNo, help: """
        Augment the training images (random translation, rotation and zoom, and the other ranges below): \
        models then read digits from other hands and devices far better. --no-augment trains on the images as they are.
        """)
    var augment = Defaults.augment

    @Option(help: "With --augment: the largest shift, as a fraction of the image size (Keras's RandomTranslation factor).")
    var translation: Float = 0.1

    @Option(help: "With --augment: the largest rotation, in degrees either way.")
    var rotation: Float = 10

    @Option(help: "With --augment: the largest zoom change, as a fraction (Keras's RandomZoom factor).")
    var zoom: Float = 0.1

    @Option(help: "With --augment: the largest contrast change, as a fraction (Keras's RandomContrast factor); 0 for none.")
    var contrast: Float = 0

    @Option(help: "With --augment: the scale (alpha) of the elastic distortion in pixels; 0 for none.")
    var elasticAlpha: Float = 0

    @Option(help: "With --augment: the smoothing (sigma) of the elastic distortion in pixels.")
    var elasticSigma: Float = 4

    @Option(help: "With --augment: the probability that strokes are thickened or thinned (3×3 dilation or erosion); 0 for none.")
    var strokeWidth: Float = 0

    @Option(help: "With --augment: train the last N epochs on the images as they are, so that the weights and batch normalisation's statistics end on unaltered digits.")
    var cleanEpochs = 0

    @Option(help: "Keep an exponential moving average of the weights with this momentum (Keras's ema_momentum; 0.999 spans about the last 1,000 steps) and end training on it.")
    var emaMomentum: Float?

    @Flag(help: "When training ends, estimate batch normalisation's running statistics afresh from the training images, in inference mode (PyTorch's update_bn).")
    var recalibrateStatistics = false

    @Option(help: "Seeds the initial weights and the shuffling: the same seed gives the same run.")
    var seed: UInt64 = 0

    @Option(help: "mnist (handwritten digits) or fashion (Fashion-MNIST).")
    var dataset: TrainingDataset = Defaults.dataset

    @Option(help: "The directory holding the dataset's four IDX files; by default MNIST_DIR (FASHION_MNIST_DIR), then the system and cache directories.")
    var dataDir: String?

    @Option(help: "Threads to compute on; by default all cores, at most 4 per core.")
    var threads: Int?

    @Flag(help: "Multiply in BF16 with FP32 sums in the convolutions (Backend.precision = .bfloat16), on CPUs with AVX512_BF16; elsewhere a warning and FP32.")
    var bf16 = false

    @Flag(help: "Compute the 3×3 stride-1 convolutions' forward passes, input and kernel gradients by Winograd's F(4×4, 3×3) (Conv2D.Algorithm.winograd): faster in FP32, for a rounding error about 10⁻⁵ of an output.")
    var winograd = false

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
    var save = Defaults.save

    @Flag(help: "Do not save the model.")
    var noSave = false

    @Option(help: "Continue the run saved in this file, up to --epochs epochs in all; give the other flags as before.")
    var resume: String?

    @Option(help: "After training, also write the model to this ONNX file (opset 13), which ONNX Runtime runs with the same outputs.")
    var exportOnnx: String?

    public func validate() throws {
        guard epochs > 0 else { throw ValidationError("--epochs must be positive") }
        guard batchSize > 0 else { throw ValidationError("--batch-size must be positive") }
        guard accumulate > 0 else { throw ValidationError("--accumulate must be positive") }
        guard learningRate > 0 else { throw ValidationError("--learning-rate must be positive") }
        guard (0..<1).contains(labelSmoothing) else { throw ValidationError("--label-smoothing must be in [0, 1)") }
        guard (threads ?? 1) > 0 else { throw ValidationError("--threads must be positive") }
        guard (trainLimit ?? 1) > 0 else { throw ValidationError("--train-limit must be positive") }
        guard (0..<1).contains(validationSplit) else { throw ValidationError("--validation-split must be in [0, 1)") }
        guard (0...1).contains(translation) else { throw ValidationError("--translation must be in [0, 1]") }
        guard (0...180).contains(rotation) else { throw ValidationError("--rotation must be in [0, 180] degrees") }
        guard zoom >= 0, zoom < 1 else { throw ValidationError("--zoom must be in [0, 1)") }
        guard (0...1).contains(contrast) else { throw ValidationError("--contrast must be in [0, 1]") }
        guard elasticAlpha >= 0, elasticAlpha.isFinite else { throw ValidationError("--elastic-alpha must be non-negative") }
        guard (0.1...100).contains(elasticSigma) else { throw ValidationError("--elastic-sigma must be in [0.1, 100]") }
        guard (0...1).contains(strokeWidth) else { throw ValidationError("--stroke-width must be in [0, 1]") }
        guard (0...epochs).contains(cleanEpochs) else { throw ValidationError("--clean-epochs must be in [0, --epochs]") }
        guard (0..<1).contains(emaMomentum ?? 0) else { throw ValidationError("--ema-momentum must be in [0, 1)") }
    }

    public func run() throws {
        guard distributed else { return try train(processGroup: nil) }
        let group = try MPIProcessGroup()
        do {
            try train(processGroup: group)
        } catch {
            // The other processes would wait for this one: end the job, with the reason.
            let message = "\(Defaults.commandName) (process \(group.rank) of \(group.size)): \(error)\n"
            FileHandle.standardError.write(Data(message.utf8))
            group.abort(status: 1)
        }
        group.finalize()
    }

    /// Trains, alone or as one of the processes of `group`.
    private func train(processGroup group: MPIProcessGroup?) throws {
        let primary = group?.isPrimary ?? true
        let quiet = self.quiet || !primary
        let noSave = self.noSave || !primary
        if !noSave { try checkOutputPath(save, flag: "--save") }
        if primary, let exportOnnx { try checkOutputPath(exportOnnx, flag: "--export-onnx") }
        if let threads { Backend.threadCount = Backend.cappedThreadCount(threads, warningAbout: "--threads") }
        if bf16 { Backend.precision = .bfloat16 }
        let data = try MNIST(variant: dataset == .fashion ? .fashion : .digits,
                             directory: dataDir.map { URL(fileURLWithPath: $0) })
        let training = trainLimit.map { data.train.prefix($0) } ?? data.train
        let checkpoint = try resume.map { try TrainingCheckpoint(contentsOf: URL(fileURLWithPath: $0)) }
        if let checkpoint, let resume {
            guard checkpoint.completedEpochs < epochs else {
                throw ValidationError("\(resume) has trained \(checkpoint.completedEpochs) epochs already; pass a larger --epochs")
            }
            do {
                try checkpoint.model.checkClassifier(for: training)
                try checkpoint.model.checkActivationMemory(batchSize: min(batchSize, training.count), training: true)
            } catch {
                throw Failure(description: "\(resume) cannot be resumed on \(data.variant.name): \(error)")
            }
        }
        let model = try checkpoint?.model ?? makeModel(normalization: standardize ? Normalization(adaptingTo: training.inputs) : nil)
        if !quiet {
            print(Backend.summary)
            print("\(data.variant.name): \(training.count) training images, \(data.test.count) test images")
            print(model.summary())
            if let checkpoint, let resume { print("resuming \(resume) after epoch \(checkpoint.completedEpochs)") }
            if let group {
                print("data-parallel over \(group.size) processes (MPI), \(accumulate) slice(s) of each batch per process")
            } else if accumulate > 1 {
                print("accumulating the gradients of \(accumulate) slices of each batch")
            }
        }

        let start = Date()
        let optimizer = checkpoint?.optimizer ?? makeOptimizer()
        let saver = noSave ? nil : ModelCheckpoint(url: URL(fileURLWithPath: save), optimizer: optimizer,
                                                   shuffleSeed: checkpoint?.shuffleSeed)
        // Recalibration comes first, so that the saver's last write holds the new statistics.
        var callbacks: [TrainingCallback] = recalibrateStatistics ? [RecalibrateStatistics(on: training)] : []
        if let saver { callbacks.append(saver) }
        if augment && cleanEpochs > 0 { callbacks.append(StopAugmentation(atEpoch: epochs - cleanEpochs)) }
        let history = try model.fit(training, epochs: epochs, batchSize: batchSize, optimizer: optimizer,
                                    loss: SoftmaxCrossEntropy(labelSmoothing: labelSmoothing), schedule: learningRateSchedule(), validationSplit: validationSplit,
                                    shuffleSeed: checkpoint?.shuffleSeed, initialEpoch: checkpoint?.completedEpochs ?? 0,
                                    accumulationSteps: accumulate, processGroup: group,
                                    verbosity: quiet ? .quiet : .automatic, callbacks: callbacks)
        let end = Date()
        let seconds = end.timeIntervalSince(start)
        if let error = saver?.error { throw error }

        let (loss, accuracy) = try group.map { try model.evaluate(data.test, processGroup: $0) } ?? model.evaluate(data.test)
        guard primary else { return }
        print(String(format: "test loss: %.4f", loss))
        print(String(format: "test accuracy: %.2f%%", accuracy * 100))
        print(String(format: "training time: %.1f s", seconds))
        // Races timed from process start (Benchmarks/Scripts/race-to-99.py) subtract their launch time from this.
        print(String(format: "training ended: %.3f s after the Unix epoch", end.timeIntervalSince1970))
        if let group {
            print(String(format: "in MPI collectives (waiting for the other processes included): %.2f s, %d operations",
                         group.collectiveSeconds, group.collectiveCount))
        }
        if !noSave {
            try ModelEvaluation(dataset: data.variant.name, accuracy: Double(accuracy), loss: Double(loss),
                                sampleCount: data.test.count).record(inModelFileAt: URL(fileURLWithPath: save))
            if !quiet { print("model saved to \(save)") }
        }
        if let exportOnnx {
            try model.exportONNX(to: URL(fileURLWithPath: exportOnnx))
            if !quiet { print("ONNX model written to \(exportOnnx)") }
        }

        if let plots {
            let directory = URL(fileURLWithPath: plots, isDirectory: true)
            var pictures = try Plots.writeTrainingReport(
                model: model, history: history, training: training, test: data.test,
                classNames: data.variant.classNames, to: directory)
            let augmentation = augmentationLayers()
            if !augmentation.isEmpty {
                let url = directory.appendingPathComponent("augmentation.png")
                try Plots.augmentedSamples(training, through: augmentation, to: url)
                pictures.append(url)
            }
            if !quiet { print("pictures: " + pictures.map(\.path).joined(separator: ", ")) }
        }
    }

    /// The augmentation layers the flags ask for, with seeds derived from --seed; none without --augment.
    private func augmentationLayers() -> [Layer] {
        guard augment else { return [] }
        var layers: [Layer] = []
        if strokeWidth > 0 { layers.append(RandomStrokeWidth(probability: strokeWidth, seed: seed &+ 101)) }
        if elasticAlpha > 0 { layers.append(RandomElasticDeformation(alpha: elasticAlpha, sigma: elasticSigma, seed: seed &+ 102)) }
        if rotation > 0 { layers.append(RandomRotation(factor: rotation / 360, seed: seed &+ 103)) }
        if zoom > 0 { layers.append(RandomZoom(heightFactor: zoom, seed: seed &+ 104)) }
        if translation > 0 { layers.append(RandomTranslation(heightFactor: translation, widthFactor: translation, seed: seed &+ 105)) }
        if contrast > 0 { layers.append(RandomContrast(factor: contrast, seed: seed &+ 106)) }
        return layers
    }

    /// The network --model names, after the augmentation layers and `normalization`.
    private func makeModel(normalization: Normalization?) throws -> Model {
        let front = augmentationLayers() + (normalization.map { [$0] } ?? [])
        let algorithm: Conv2D.Algorithm = winograd ? .winograd : .automatic
        switch model {
        case .reference:
            let reference = try Sequential.referenceCNN(seed: seed, algorithm: algorithm)
            return try Sequential(inputShape: reference.inputShape, seed: seed, layers: front + reference.layers)
        case .wide:
            // Twice the reference's work per image: a third convolution, batch normalisation after each
            // stage (after the first pooling, so that the leading convolution and pooling stay fused),
            // and dropout before the classifier.
            let layers = front + [
                Conv2D(filters: 32, kernelSize: 3, activation: .relu, algorithm: algorithm), MaxPool2D(poolSize: 2), BatchNormalization(),
                Conv2D(filters: 64, kernelSize: 3, activation: .relu, algorithm: algorithm), BatchNormalization(),
                Conv2D(filters: 64, kernelSize: 3, activation: .relu, algorithm: algorithm), BatchNormalization(),
                MaxPool2D(poolSize: 2), Dropout(rate: 0.25, seed: seed &+ 201), Flatten(),
                Dense(units: 256, activation: .relu), BatchNormalization(), Dropout(rate: 0.4, seed: seed &+ 202),
                Dense(units: 10),
            ]
            return try Sequential(inputShape: [28, 28, 1], seed: seed, layers: layers)
        case .deep:
            // Two stages of two 3×3 convolutions and a 5×5 stride-2 one that learns its own downsampling;
            // each convolution is followed by batch normalisation and ReLU, which inference folds into it.
            func stage(_ filters: Int) -> [Layer] {
                [Conv2D(filters: filters, kernelSize: 3, algorithm: algorithm), BatchNormalization(), ReLU(),
                 Conv2D(filters: filters, kernelSize: 3, algorithm: algorithm), BatchNormalization(), ReLU(),
                 Conv2D(filters: filters, kernelSize: 5, strides: 2, padding: .same), BatchNormalization(), ReLU()]
            }
            let layers = front + stage(32) + [Dropout(rate: 0.4, seed: seed &+ 201)] + stage(64) + [
                Dropout(rate: 0.4, seed: seed &+ 202), Flatten(),
                Dense(units: 128), BatchNormalization(), ReLU(), Dropout(rate: 0.4, seed: seed &+ 203),
                Dense(units: 10),
            ]
            return try Sequential(inputShape: [28, 28, 1], seed: seed, layers: layers)
        case .resnet8:
            return try Model.resNet8(seed: seed, preprocessing: front, algorithm: algorithm)
        }
    }

    /// Fails before training when the model could not be written where `flag` (--save, --export-onnx) says:
    /// a directory that does not exist or cannot be written, or a directory in place of the file.
    private func checkOutputPath(_ path: String, flag: String) throws {
        let url = URL(fileURLWithPath: path)
        let directory = url.deletingLastPathComponent().path
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw Failure(description: "\(flag) \(path): the directory \(directory) does not exist; create it first")
        }
        guard FileManager.default.isWritableFile(atPath: directory) else {
            throw Failure(description: "\(flag) \(path): the directory \(directory) cannot be written to")
        }
        if FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), isDirectory.boolValue {
            throw Failure(description: "\(flag) \(path) is a directory; name a file to write the model to")
        }
    }

    /// Adam, in a moving average with --ema-momentum.
    private func makeOptimizer() -> Optimizer {
        let adam = Adam(learningRate: learningRate)
        return emaMomentum.map { MovingAverage(of: adam, momentum: $0) } ?? adam
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

/// A failure that ends the command, with a message for the user.
struct Failure: Error, CustomStringConvertible {
    var description: String
}

extension TrainingArchitecture: ExpressibleByArgument {}
extension TrainingDataset: ExpressibleByArgument {}
