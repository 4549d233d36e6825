/// A rectangle of whole pixels: the column and row of its top-left pixel and its size.
struct PixelRectangle: Equatable {
    var x: Int
    var y: Int
    var width: Int
    var height: Int
}

extension Image {
    /// The pixels inside `rectangle` grown by `margin` on every side; parts outside the image are 0.
    func cropped(to rectangle: PixelRectangle, margin: Int = 0) -> Image {
        let left = rectangle.x - margin, top = rectangle.y - margin
        let newWidth = rectangle.width + 2 * margin, newHeight = rectangle.height + 2 * margin
        var result = Image(width: newWidth, height: newHeight, channels: channels, repeating: 0)
        let firstColumn = max(0, -left), endColumn = min(newWidth, width - left)
        guard firstColumn < endColumn else { return result }
        let columns = firstColumn..<endColumn
        for row in max(0, -top)..<max(max(0, -top), min(newHeight, height - top)) {
            let source = ((top + row) * width + left + columns.lowerBound) * channels
            let target = (row * newWidth + columns.lowerBound) * channels
            let count = columns.count * channels
            result.pixels.replaceSubrange(target..<(target + count), with: pixels[source..<(source + count)])
        }
        return result
    }
}
