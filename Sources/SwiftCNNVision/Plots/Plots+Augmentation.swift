import Foundation
import SwiftCNN

extension Plots {
    /// A grid showing what augmentation layers make of a few images: each row starts with an image of
    /// `data` as it is and continues with `variants` augmented versions of it.
    ///
    /// The layers are built for `data`'s images and run in training mode, so their generators move on:
    /// pass layers made for the picture (with the model's options), not the model's own.
    ///
    /// - Parameters:
    ///   - data: the images; the first `count` are shown.
    ///   - layers: the augmentation layers, applied in order.
    ///   - count: how many images (rows) to show, at most.
    ///   - variants: augmented versions per image.
    ///   - title: the heading above the grid.
    ///   - url: the PNG file to write.
    /// - Throws: `LayerError` when a layer cannot take `data`'s images;
    ///   ``ImageError/unwritable(file:reason:)`` when the file cannot be written.
    public static func augmentedSamples(_ data: LabeledDataset, through layers: [Layer], count: Int = 8,
                                        variants: Int = 9, title: String = "Augmented training samples",
                                        to url: URL) throws {
        let shown = min(count, data.count), columns = variants + 1
        var generator = Xoshiro256(seed: 0)
        var shape = data.sampleShape
        for layer in layers { shape = try layer.build(inputShape: shape, generator: &generator) }
        let size = data.sampleShape.reduce(1, *)
        var scalars = [Float]()
        scalars.reserveCapacity(shown * columns * size)
        data.inputs.withUnsafeBufferPointer { pixels in
            for index in 0..<shown {
                for _ in 0..<columns { scalars += pixels[(index * size)..<((index + 1) * size)] }
            }
        }
        var batch = Tensor(shape: [shown * columns] + data.sampleShape, scalars: scalars)
        let originals = LabeledDataset(inputs: batch, labels: Array(repeating: 0, count: shown * columns),
                                       classCount: data.classCount)
        for layer in layers { batch = layer.forward(batch, training: true) }
        let augmented = LabeledDataset(inputs: batch, labels: originals.labels, classCount: data.classCount)
        let tiles = (0..<(shown * columns)).map { index in
            let isOriginal = index % columns == 0
            return Tile(image: paperImage(of: isOriginal ? originals : augmented, at: index),
                        caption: isOriginal ? "original" : "", captionColor: Style.secondaryText, frame: nil)
        }
        let names = layers.map(\.name).joined(separator: " → ")
        try drawGrid(tiles, columns: columns, title: title,
                     subtitle: "each row: an image, then \(variants) draws of \(names)", to: url)
    }
}
