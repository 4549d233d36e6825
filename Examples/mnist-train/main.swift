import TrainingCommand

/// `mnist-train`: the reference CNN on MNIST, augmented, for 5 epochs, unless the flags say otherwise.
enum MNISTTrain: TrainingDefaults {
    static let commandName = "mnist-train"
    static let abstract = "Train a CNN on MNIST or Fashion-MNIST and report its test accuracy."
    static let discussion = """
        The reference model is Conv2D(32, 3×3, ReLU) → MaxPool 2 → Conv2D(64, 3×3, ReLU) → MaxPool 2 → \
        Flatten → Dense(64, ReLU) → Dense(10); the wide and deep models add \
        convolutions, batch normalisation and dropout (see --model). All train with Adam on softmax cross-entropy. \
        With --augment (the default), random translations, rotations and zooms of the training images \
        come first in the model; they are identity in inference and saved with the model.
        """
    static let dataset = TrainingDataset.mnist
    static let model = TrainingArchitecture.reference
    static let epochs = 5
    static let augment = true
    static let save = "mnist-model.safetensors"
}

TrainingCommand<MNISTTrain>.main()
