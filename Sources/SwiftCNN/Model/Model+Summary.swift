extension Model {
    /// A table of the layers, their output shapes and parameter counts, with the totals, laid out like
    /// Keras's `model.summary()`:
    ///
    /// ```
    /// Model: "sequential"
    /// _____________________________________________________________
    ///  Layer (type)                 Output Shape           Param #
    /// =============================================================
    ///  conv2d (Conv2D)              (None, 26, 26, 32)         320
    ///  ...
    /// =============================================================
    /// Total params: 121,930 (476.29 KB)
    /// Trainable params: 121,930 (476.29 KB)
    /// Non-trainable params: 0 (0.00 B)
    /// _____________________________________________________________
    /// ```
    ///
    /// Layers are named as Keras names them: the kind, then `_1`, `_2`… for repeats. A functional model's
    /// summary starts with its input and gives after each layer (`←`) the layers it takes. Non-trainable
    /// parameters are the layers' ``Layer/buffers``, such as BatchNormalization's running statistics.
    public func summary() -> String {
        func shapeText(_ shape: [Int]) -> String { "(" + (["None"] + shape.map(String.init)).joined(separator: ", ") + ")" }
        var rows: [(name: String, shape: String, parameters: Int)] = layers.indices.map { index in
            var name = "\(layerNames[index]) (\(type(of: layers[index])))"
            if !isSequential {
                name += " ← " + layerInputs[index].map { $0 == 0 ? "input_layer" : layerNames[$0 - 1] }.joined(separator: ", ")
            }
            return (name, shapeText(layerOutputShapes[index]), layers[index].parameterCount)
        }
        if !isSequential { rows.insert(("input_layer (InputLayer)", shapeText(inputShape), 0), at: 0) }
        let trainable = parameterCount
        let nonTrainable = layers.reduce(0) { $0 + $1.bufferCount }

        let header = (name: "Layer (type)", shape: "Output Shape", parameters: "Param #")
        let nameWidth = max(header.name.count, rows.map(\.name.count).max() ?? 0) + 3
        let shapeWidth = max(header.shape.count, rows.map(\.shape.count).max() ?? 0) + 3
        let countWidth = max(header.parameters.count, rows.map { grouped($0.parameters).count }.max() ?? 0)
        let width = 1 + nameWidth + shapeWidth + countWidth
        func line(_ name: String, _ shape: String, _ count: String) -> String {
            " " + padded(name, to: nameWidth) + padded(shape, to: shapeWidth)
                + String(repeating: " ", count: countWidth - count.count) + count
        }

        var lines = ["Model: \"\(type(of: self).kindName)\"", String(repeating: "_", count: width),
                     line(header.name, header.shape, header.parameters), String(repeating: "=", count: width)]
        lines += rows.map { line($0.name, $0.shape, grouped($0.parameters)) }
        lines += [
            String(repeating: "=", count: width),
            "Total params: \(grouped(trainable + nonTrainable)) (\(byteSize(trainable + nonTrainable)))",
            "Trainable params: \(grouped(trainable)) (\(byteSize(trainable)))",
            "Non-trainable params: \(grouped(nonTrainable)) (\(byteSize(nonTrainable)))",
            String(repeating: "_", count: width),
        ]
        return lines.joined(separator: "\n")
    }
}

private func padded(_ text: String, to width: Int) -> String {
    text + String(repeating: " ", count: max(0, width - text.count))
}

/// `121930` → `121,930`.
private func grouped(_ value: Int) -> String {
    let digits = Array(String(value))
    var text = ""
    for (index, digit) in digits.enumerated() {
        if index > 0, (digits.count - index) % 3 == 0 { text.append(",") }
        text.append(digit)
    }
    return text
}

/// The size of `count` Float32 scalars in Keras's units: B, KB, MB, GB of 1024.
private func byteSize(_ count: Int) -> String {
    var size = Double(count * MemoryLayout<Float>.size)
    var unit = 0
    let units = ["B", "KB", "MB", "GB"]
    while size >= 1024, unit < units.count - 1 {
        size /= 1024
        unit += 1
    }
    let hundredths = Int((size * 100).rounded())
    let fraction = hundredths % 100
    return "\(hundredths / 100).\(fraction < 10 ? "0" : "")\(fraction) \(units[unit])"
}
