internal import ONNXProtobuf

/// How a sliding window of a convolution or pooling layer reads in ONNX: `kernel_shape`, `strides` and
/// explicit `pads` `[top, left, bottom, right]`. `same` padding splits an odd total with the smaller half
/// before, as TensorFlow does, which ONNX's `auto_pad` cannot say, so pads are always written out.
enum ONNXWindow {
    /// The pads of a window over an image `input` (`[H, W, …]`) placed as `padding` places it.
    static func pads(_ padding: Padding, input: [Int], window: (height: Int, width: Int),
                     strides: (height: Int, width: Int)) -> [Int]? {
        let axes = [(input[0], window.height, strides.height), (input[1], window.width, strides.width)]
        var before: [Int] = [], after: [Int] = []
        for (length, size, stride) in axes {
            guard let (outputLength, paddingBefore) = padding.placement(inputLength: length, windowLength: size, stride: stride)
            else { return nil }
            let total = Swift.max((outputLength - 1) * stride + size - length, 0)
            before.append(paddingBefore)
            after.append(total - paddingBefore)
        }
        return before + after
    }

    /// The window's attributes for a node of an exported graph.
    static func attributes(_ padding: Padding, input: [Int], window: (height: Int, width: Int),
                           strides: (height: Int, width: Int)) -> [Onnx_AttributeProto] {
        // The layer was built for this input, so its window fits.
        let pads = pads(padding, input: input, window: window, strides: strides) ?? [0, 0, 0, 0]
        return [.integers("kernel_shape", [window.height, window.width]),
                .integers("strides", [strides.height, strides.width]), .integers("pads", pads)]
    }

    /// The padding that places a window as `pads` do, or nil when neither `valid` nor `same` does.
    static func padding(pads: [Int], input: [Int], window: (height: Int, width: Int),
                        strides: (height: Int, width: Int)) -> Padding? {
        Padding.allCases.first { self.pads($0, input: input, window: window, strides: strides) == pads }
    }
}
