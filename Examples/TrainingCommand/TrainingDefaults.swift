/// What a training executable is called, says and trains when a flag is not given.
///
/// `mnist-train` and `fashion-resnet` are one command (``TrainingCommand``) with the same flags; each
/// executable is a set of defaults, so that its `--help` shows its own.
public protocol TrainingDefaults {
    static var commandName: String { get }
    static var abstract: String { get }
    static var discussion: String { get }
    static var dataset: TrainingDataset { get }
    static var model: TrainingArchitecture { get }
    static var epochs: Int { get }
    static var augment: Bool { get }
    static var save: String { get }
}

/// The networks `--model` names.
public enum TrainingArchitecture: String, CaseIterable, Sendable {
    /// The Keras example CNN (122k parameters).
    case reference
    /// Three convolutions with batch normalisation and dropout (0.3M parameters).
    case wide
    /// Six convolutions with batch normalisation, strided 5×5 convolutions in place of pooling, and
    /// dropout (0.3M parameters), for the best accuracy.
    case deep
    /// The residual network of `Model.resNet8` (78k parameters).
    case resnet8
}

/// The datasets `--dataset` names.
public enum TrainingDataset: String, CaseIterable, Sendable {
    case mnist, fashion
}
