/// A raster image with 1 to 4 interleaved channels of `Float` samples in 0…1.
///
/// The channel count says what the samples mean: 1 is grey, 2 grey and alpha, 3 RGB, 4 RGBA. Pixels are
/// stored row by row from the top, the channels of one pixel side by side, so the sample of channel `c`
/// at column `x`, row `y` is `pixels[(y * width + x) * channels + c]`. Alpha is straight (not
/// premultiplied).
///
/// ```swift
/// let photo = try Image(contentsOf: URL(fileURLWithPath: "digit.png"))
/// let grey = photo.grayscale()          // alpha composited over white, then luminance
/// try grey.write(to: URL(fileURLWithPath: "digit.pgm"))
/// ```
public struct Image: Equatable, Sendable {
    /// The number of columns.
    public let width: Int
    /// The number of rows.
    public let height: Int
    /// Samples per pixel: 1 grey, 2 grey and alpha, 3 RGB, 4 RGBA.
    public let channels: Int
    /// `width * height * channels` samples in 0…1, row-major with interleaved channels.
    public var pixels: [Float]

    /// An image of the given size holding `pixels` (row-major, channels interleaved).
    public init(width: Int, height: Int, channels: Int, pixels: [Float]) {
        precondition(width >= 0 && height >= 0, "Image size \(width)×\(height) is negative")
        precondition((1...4).contains(channels), "Image channel count must be 1 to 4, got \(channels)")
        precondition(pixels.count == width * height * channels,
                     "A \(width)×\(height) image with \(channels) channels needs \(width * height * channels) samples, got \(pixels.count)")
        self.width = width
        self.height = height
        self.channels = channels
        self.pixels = pixels
    }

    /// An image of the given size with every sample equal to `value`.
    public init(width: Int, height: Int, channels: Int = 1, repeating value: Float) {
        self.init(width: width, height: height, channels: channels,
                  pixels: [Float](repeating: value, count: width * height * channels))
    }

    /// Whether the last channel is alpha.
    public var hasAlpha: Bool { channels == 2 || channels == 4 }

    /// Whether the image has red, green and blue channels.
    public var isColor: Bool { channels >= 3 }

    /// The sample of `channel` at column `x`, row `y`.
    public subscript(x x: Int, y y: Int, channel channel: Int = 0) -> Float {
        get { pixels[index(x: x, y: y, channel: channel)] }
        set { pixels[index(x: x, y: y, channel: channel)] = newValue }
    }

    private func index(x: Int, y: Int, channel: Int) -> Int {
        precondition(x >= 0 && x < width && y >= 0 && y < height && channel >= 0 && channel < channels,
                     "Pixel (\(x), \(y)) channel \(channel) is outside a \(width)×\(height) image with \(channels) channels")
        return (y * width + x) * channels + channel
    }
}

// MARK: - Colour conversions

extension Image {
    /// The image without its alpha channel, each pixel blended over a uniform `background` grey level
    /// (white by default) as if the image were printed on paper. Images without alpha are returned unchanged.
    public func compositedOver(background: Float = 1) -> Image {
        guard hasAlpha else { return self }
        let colourChannels = channels - 1
        var result = [Float]()
        result.reserveCapacity(width * height * colourChannels)
        var offset = 0
        for _ in 0..<(width * height) {
            let alpha = pixels[offset + colourChannels]
            for channel in 0..<colourChannels {
                result.append(pixels[offset + channel] * alpha + background * (1 - alpha))
            }
            offset += channels
        }
        return Image(width: width, height: height, channels: colourChannels, pixels: result)
    }

    /// A one-channel image of the luminance, after compositing any alpha over white.
    ///
    /// Colour uses the ITU-R BT.601 weights (0.299 R + 0.587 G + 0.114 B), as most image tools do when
    /// they turn a picture grey.
    public func grayscale() -> Image {
        let opaque = compositedOver(background: 1)
        guard opaque.channels == 3 else { return opaque }
        var grey = [Float](repeating: 0, count: width * height)
        for pixel in 0..<grey.count {
            let red = opaque.pixels[3 * pixel], green = opaque.pixels[3 * pixel + 1], blue = opaque.pixels[3 * pixel + 2]
            grey[pixel] = 0.299 * red + 0.587 * green + 0.114 * blue
        }
        return Image(width: width, height: height, channels: 1, pixels: grey)
    }

    /// The image with every sample `s` replaced by `1 - s`, alpha left alone.
    public func inverted() -> Image {
        var result = self
        let colourChannels = hasAlpha ? channels - 1 : channels
        for pixel in 0..<(width * height) {
            for channel in 0..<colourChannels {
                result.pixels[pixel * channels + channel] = 1 - pixels[pixel * channels + channel]
            }
        }
        return result
    }
}
