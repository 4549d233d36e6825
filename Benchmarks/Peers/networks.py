"""The networks the peer benchmarks train, each built the same way in Keras and in PyTorch.

Keras models take channels-last images (N, 28, 28, 1) and end in a softmax; PyTorch models take
channels-first images (N, 1, 28, 28) and return logits (the softmax is in the loss), except the
reference network, which takes channels-last images and flattens in H, W, C order as Keras does,
so that its weights convert one to one between the two (see peers.py's weight files).

The same network has the same trainable parameter count in both frameworks (checked when built).
Each framework keeps its own defaults where the networks don't say otherwise: initialisation
(Glorot-uniform in Keras, PyTorch's Kaiming-uniform in PyTorch, except for the reference network,
which uses Keras' initialisation in both) and batch normalisation's momentum and epsilon (Keras
0.99 and 1e-3, PyTorch 0.1 and 1e-5).
"""

from collections import OrderedDict

# Network name -> (default dataset, trainable parameters).
NETWORKS = {
    "reference": ("mnist", 121_930),
    "pytorch-examples": ("mnist", 1_199_882),
    "batchnorm": ("fashion", 431_146),
    "resnet8": ("fashion", 77_754),
}


def keras_same_padding(size, kernel, stride):
    """(before, after) padding of Keras/TensorFlow 'same' along one axis: the output has
    ceil(size / stride) positions, and any odd total padding goes after (bottom, right)."""
    out = -(-size // stride)
    total = max((out - 1) * stride + kernel - size, 0)
    return total // 2, total - total // 2


# ---------------------------------------------------------------------------- Keras

def keras_model(name, keras, batchnorm_epsilon=None):
    """The named network as a Keras model; `batchnorm_epsilon` replaces Keras' 1e-3."""
    layers = keras.layers
    bn_options = {} if batchnorm_epsilon is None else {"epsilon": batchnorm_epsilon}
    if name == "reference":
        body = [
            layers.Conv2D(32, 3, activation="relu", name="conv1"),
            layers.MaxPooling2D(2),
            layers.Conv2D(64, 3, activation="relu", name="conv2"),
            layers.MaxPooling2D(2),
            layers.Flatten(),
            layers.Dense(64, activation="relu", name="dense1"),
            layers.Dense(10, activation="softmax", name="dense2"),
        ]
    elif name == "pytorch-examples":
        body = [
            layers.Conv2D(32, 3, activation="relu"),
            layers.Conv2D(64, 3, activation="relu"),
            layers.MaxPooling2D(2),
            layers.Dropout(0.25),
            layers.Flatten(),
            layers.Dense(128, activation="relu"),
            layers.Dropout(0.5),
            layers.Dense(10, activation="softmax"),
        ]
    elif name == "batchnorm":
        def conv_bn_relu(filters):
            return [layers.Conv2D(filters, 3, padding="same"),
                    layers.BatchNormalization(**bn_options), layers.ReLU()]
        body = [
            *conv_bn_relu(32), *conv_bn_relu(32),
            layers.MaxPooling2D(2),
            layers.Dropout(0.25),
            *conv_bn_relu(64),
            layers.MaxPooling2D(2),
            layers.Flatten(),
            layers.Dense(128, activation="relu"),
            layers.Dropout(0.5),
            layers.Dense(10, activation="softmax"),
        ]
    elif name == "resnet8":
        return keras_resnet8(keras, bn_options)
    else:
        raise ValueError(f"unknown network {name!r}")
    return keras.Sequential([keras.Input((28, 28, 1)), *body])


def keras_resnet8(keras, bn_options):
    """Stem, three one-block stages (16, 32, 64 channels; the last two start with stride 2),
    global average pooling, Dense 10. 'same' padding; convolutions before a batch
    normalisation have no bias. Layers are named after the PyTorch modules with "_" for "."
    (stage2.shortcut.conv -> stage2_shortcut_conv), so weights can be matched by name."""
    layers = keras.layers

    def conv_bn(x, filters, kernel, stride, conv, bn):
        x = layers.Conv2D(filters, kernel, strides=stride, padding="same", use_bias=False,
                          name=conv)(x)
        return layers.BatchNormalization(**bn_options, name=bn)(x)

    def block(x, filters, stride, name):
        y = layers.ReLU()(conv_bn(x, filters, 3, stride, f"{name}_conv1", f"{name}_bn1"))
        y = conv_bn(y, filters, 3, 1, f"{name}_conv2", f"{name}_bn2")
        shortcut = (x if stride == 1 and x.shape[-1] == filters else
                    conv_bn(x, filters, 1, stride, f"{name}_shortcut_conv", f"{name}_shortcut_bn"))
        return layers.ReLU()(layers.Add()([y, shortcut]))

    inputs = keras.Input((28, 28, 1))
    x = layers.ReLU()(conv_bn(inputs, 16, 3, 1, "stem_conv", "stem_bn"))
    for stage, (filters, stride) in enumerate(((16, 1), (32, 2), (64, 2)), start=1):
        x = block(x, filters, stride, f"stage{stage}")
    x = layers.GlobalAveragePooling2D()(x)
    outputs = layers.Dense(10, activation="softmax", name="fc")(x)
    return keras.Model(inputs, outputs, name="resnet8")


def keras_trainable_parameters(model):
    return sum(int(w.numpy().size) for w in model.trainable_weights)


# ---------------------------------------------------------------------------- PyTorch

def torch_model(name, torch):
    """The named network as a PyTorch module (logits out). `takes_channels_last` says which
    layout it expects."""
    nn = torch.nn
    F = nn.functional
    if name == "reference":
        model = torch_reference(torch)
        # Keras' initialisation (Glorot-uniform kernels, zero biases), not PyTorch's default.
        for module in model.modules():
            if isinstance(module, (nn.Conv2d, nn.Linear)):
                nn.init.xavier_uniform_(module.weight)
                nn.init.zeros_(module.bias)
        return model
    if name == "pytorch-examples":
        model = nn.Sequential(
            nn.Conv2d(1, 32, 3), nn.ReLU(),
            nn.Conv2d(32, 64, 3), nn.ReLU(),
            nn.MaxPool2d(2), nn.Dropout(0.25), nn.Flatten(),
            nn.Linear(12 * 12 * 64, 128), nn.ReLU(), nn.Dropout(0.5),
            nn.Linear(128, 10))
    elif name == "batchnorm":
        def conv_bn_relu(channels_in, channels_out):
            return [nn.Conv2d(channels_in, channels_out, 3, padding=1),
                    nn.BatchNorm2d(channels_out), nn.ReLU()]
        model = nn.Sequential(
            *conv_bn_relu(1, 32), *conv_bn_relu(32, 32),
            nn.MaxPool2d(2), nn.Dropout(0.25),
            *conv_bn_relu(32, 64),
            nn.MaxPool2d(2), nn.Flatten(),
            nn.Linear(7 * 7 * 64, 128), nn.ReLU(), nn.Dropout(0.5),
            nn.Linear(128, 10))
    elif name == "resnet8":
        model = torch_resnet8(torch)
    else:
        raise ValueError(f"unknown network {name!r}")
    model.takes_channels_last = False
    return model


def torch_reference(torch):
    nn = torch.nn

    class Reference(nn.Module):
        """Takes channels-last input and flattens in H, W, C order, as Keras does."""
        takes_channels_last = True

        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv2d(1, 32, 3)
            self.conv2 = nn.Conv2d(32, 64, 3)
            self.dense1 = nn.Linear(5 * 5 * 64, 64)
            self.dense2 = nn.Linear(64, 10)

        def forward(self, x):
            x = x.permute(0, 3, 1, 2)
            x = nn.functional.max_pool2d(torch.relu(self.conv1(x)), 2)
            x = nn.functional.max_pool2d(torch.relu(self.conv2(x)), 2)
            x = torch.relu(self.dense1(x.permute(0, 2, 3, 1).flatten(1)))
            return self.dense2(x)

    return Reference()


def torch_resnet8(torch):
    """ResNet-8 padded exactly as Keras' 'same' pads, so that its weights give Keras' (and
    SwiftCNN's) outputs.

    Stride-1 3x3 convolutions pad one pixel on every side, which is what 'same' does too. The
    stride-2 3x3 convolutions differ: on 28x28 input 'same' pads 0 above and left, 1 below and
    right (total (14 - 1) * 2 + 3 - 28 = 1, the odd pixel after), and likewise 14 -> 7. PyTorch's
    padding=1 also gives 14x14, but pads 1 on both sides, so every window sits one pixel up and
    left of Keras' and the trained weights would compute something else in SwiftCNN. These
    convolutions therefore pad with F.pad (amounts from keras_same_padding) and padding=0. The
    1x1 stride-2 shortcuts need no padding in either framework.

    Submodules are registered in SwiftCNN's layer order (stem conv, stem bn; per block conv1,
    bn1, conv2, bn2, then the shortcut's conv and bn; fc), which `module_order` relies on.
    """
    nn = torch.nn
    F = nn.functional

    def conv_bn(channels_in, channels_out, kernel, stride, padding):
        return nn.Sequential(OrderedDict(
            conv=nn.Conv2d(channels_in, channels_out, kernel, stride, padding, bias=False),
            bn=nn.BatchNorm2d(channels_out)))

    class Block(nn.Module):
        def __init__(self, channels_in, channels_out, stride):
            super().__init__()
            self.stride = stride
            self.conv1 = nn.Conv2d(channels_in, channels_out, 3, stride,
                                   padding=1 if stride == 1 else 0, bias=False)
            self.bn1 = nn.BatchNorm2d(channels_out)
            self.conv2 = nn.Conv2d(channels_out, channels_out, 3, 1, padding=1, bias=False)
            self.bn2 = nn.BatchNorm2d(channels_out)
            self.shortcut = (nn.Identity() if stride == 1 and channels_in == channels_out
                             else conv_bn(channels_in, channels_out, 1, stride, 0))

        def forward(self, x):
            y = x
            if self.stride != 1:
                top, bottom = keras_same_padding(x.shape[2], 3, self.stride)
                left, right = keras_same_padding(x.shape[3], 3, self.stride)
                y = F.pad(x, (left, right, top, bottom))
            y = torch.relu(self.bn1(self.conv1(y)))
            y = self.bn2(self.conv2(y))
            return torch.relu(y + self.shortcut(x))

    class ResNet8(nn.Module):
        def __init__(self):
            super().__init__()
            self.stem = conv_bn(1, 16, 3, 1, 1)
            self.stage1 = Block(16, 16, 1)
            self.stage2 = Block(16, 32, 2)
            self.stage3 = Block(32, 64, 2)
            self.fc = nn.Linear(64, 10)

        def forward(self, x):
            x = torch.relu(self.stem(x))
            x = self.stage3(self.stage2(self.stage1(x)))
            return self.fc(x.mean((2, 3)))

    return ResNet8()


def module_order(model, torch):
    """Names of the modules with weights, in registration order (for the ResNet-8: SwiftCNN's
    layer order)."""
    nn = torch.nn
    kinds = (nn.Conv2d, nn.Linear, nn.BatchNorm2d)
    return [name for name, module in model.named_modules() if isinstance(module, kinds)]


def torch_trainable_parameters(model):
    return sum(p.numel() for p in model.parameters() if p.requires_grad)
