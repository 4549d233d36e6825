import TrainingCommand

/// `fashion-resnet`: ResNet-8 on Fashion-MNIST for 10 epochs, with the flags of `mnist-train`.
enum FashionResNet: TrainingDefaults {
    static let commandName = "fashion-resnet"
    static let abstract = "Train the residual network ResNet-8 on Fashion-MNIST and report its test accuracy."
    static let discussion = """
        ResNet-8: a 3×3 convolution with 16 filters, batch normalisation and ReLU, then three basic blocks \
        of 16, 32 and 64 channels (the second and third halve the image with stride 2; their shortcut is \
        a 1×1 convolution with batch normalisation), global average pooling and Dense(10); 77,754 \
        trainable parameters, trained with Adam on softmax cross-entropy. The digit augmentations are off \
        by default (--augment turns them on); the flags are those of mnist-train.
        """
    static let dataset = TrainingDataset.fashion
    static let model = TrainingArchitecture.resnet8
    static let epochs = 10
    static let augment = false
    static let save = "fashion-resnet.safetensors"
}

TrainingCommand<FashionResNet>.main()
