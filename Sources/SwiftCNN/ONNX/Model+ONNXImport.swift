import Foundation

extension Model {
    /// Builds the model an ONNX file describes, with its weights: a CNN exported by PyTorch's
    /// `torch.onnx.export`, by Keras 3's `export(format="onnx")` through tf2onnx, or by
    /// ``exportONNX(to:opset:)``.
    ///
    /// ```swift
    /// let model = try Model(onnx: URL(fileURLWithPath: "net.onnx"))
    /// let logits = model(images)        // images [N, H, W, C]
    /// ```
    ///
    /// The model takes images channels-last, `[N, H, W, C]`, whatever layout the graph's input has
    /// (`[N, C, H, W]` as PyTorch writes, or `[N, H, W, C]` when the graph moves the channels forward
    /// first); its outputs are the graph's (logits, for PyTorch's classifiers). Operators become layers:
    /// `Conv` a ``Conv2D`` (one group) or a ``DepthwiseConv2D`` (one group per channel), with strides, pads
    /// that place the window as `valid` or `same` padding does (a zero `Pad` before it counts), dilations 1;
    /// `Gemm` (any `transB`, `alpha` and `beta` 1) and `MatMul` by a constant a ``Dense`` (taking as its
    /// bias the `Add` of a constant `[units]` that alone reads it, as tf2onnx writes Keras's `Dense`); `MaxPool`
    /// (`ceil_mode` 0) a ``MaxPool2D``; `AveragePool` an ``AveragePool2D``; `GlobalAveragePool` and
    /// `ReduceMean` over height and width a ``GlobalAveragePooling2D``; `BatchNormalization` a
    /// ``BatchNormalization``; `Relu`, `LeakyRelu`, `Sigmoid`, `Tanh` and `Softmax` the layers of those
    /// names; `Add` an ``Add``; `Concat` along the channels a ``Concatenate``; `Flatten`, `Reshape` to
    /// `[N, F]` with a constant shape and `Squeeze` a ``Flatten`` (the first ``Dense`` after it takes
    /// PyTorch's channels-first feature order); `Transpose` of the image axes, `Reshape` of an image that
    /// moves only axes of size 1, `Identity` and `Dropout` nothing; `Shape` and the arithmetic on
    /// constants after it are computed once. Weights come from initializers and `Constant` nodes.
    ///
    /// - Parameter url: The ONNX file.
    /// - Throws: ``ONNXError/unreadableFile(file:reason:)`` for a file that is not an ONNX model;
    ///   ``ONNXError/unsupportedOperator(file:node:operator:)`` or
    ///   ``ONNXError/unsupportedAttribute(file:node:operator:attribute:reason:)`` for what SwiftCNN has no
    ///   layer for; ``ONNXError/malformedNode(file:node:operator:reason:)``,
    ///   ``ONNXError/malformedTensor(file:tensor:reason:)`` or ``ONNXError/unsupportedModel(file:reason:)``
    ///   for a graph that does not make a model.
    public convenience init(onnx url: URL) throws {
        let data: Data
        do {
            data = try FileContents.read(url, maximumSize: FileContents.maximumModelFileSize, mapped: true)
        } catch let error as FileReadError {
            throw ONNXError.unreadableFile(file: url.path, reason: error.reason)
        }
        try self.init(onnxData: data, file: url.path)
    }

    /// The model the ONNX file `data` describes; `file` names it in errors.
    convenience init(onnxData data: Data, file: String) throws {
        var importer = try ONNXImporter(data: data, file: file)
        let (input, output) = try importer.importGraph()
        do {
            try self.init(inputs: input, outputs: output)
        } catch {
            throw ONNXError.unsupportedModel(file: file, reason: "its layers do not make a model: \(error)")
        }
    }
}
