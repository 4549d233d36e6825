import CCairo
import Foundation

/// A point on a ``Canvas``, in pixels from the top-left corner.
public struct Point: Equatable, Sendable {
    /// Pixels to the right of the left edge.
    public var x: Double
    /// Pixels below the top edge.
    public var y: Double

    /// The point `x` pixels right of and `y` pixels below the top-left corner.
    public init(x: Double, y: Double) {
        self.x = x
        self.y = y
    }
}

/// A raster drawing surface backed by Cairo: anti-aliased rectangles, lines, circles, text and images,
/// saved as PNG.
///
/// ```swift
/// let canvas = Canvas(width: 200, height: 100)
/// canvas.drawLine(from: Point(x: 10, y: 90), to: Point(x: 190, y: 10), color: .blue, lineWidth: 2)
/// canvas.drawText("loss", at: Point(x: 100, y: 20), size: 14, alignment: .center)
/// try canvas.write(to: URL(fileURLWithPath: "line.png"))
/// ```
///
/// Coordinates are in pixels from the top-left corner; a 1-pixel line sits crisply on the pixel grid
/// when its coordinates end in .5.
public final class Canvas {
    /// Where ``drawText(_:at:size:color:alignment:bold:angle:)`` puts the anchor point along the text.
    public enum TextAlignment: Sendable {
        /// The text starts at the anchor.
        case left
        /// The text is centred on the anchor.
        case center
        /// The text ends at the anchor.
        case right
    }

    /// The width in pixels.
    public let width: Int
    /// The height in pixels.
    public let height: Int
    private let surface: OpaquePointer
    private let context: OpaquePointer

    /// A canvas filled with `background`.
    public init(width: Int, height: Int, background: Color = .white) {
        precondition(width > 0 && height > 0 && width <= Image.maximumSide && height <= Image.maximumSide,
                     "A canvas must be 1 to \(Image.maximumSide) pixels on each side, not \(width)×\(height)")
        self.width = width
        self.height = height
        surface = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, Int32(width), Int32(height))
        context = cairo_create(surface)
        fillRectangle(x: 0, y: 0, width: Double(width), height: Double(height), color: background)
    }

    deinit {
        cairo_destroy(context)
        cairo_surface_destroy(surface)
    }

    // MARK: - Shapes

    /// Fills a rectangle given by its top-left corner and size.
    public func fillRectangle(x: Double, y: Double, width: Double, height: Double, color: Color) {
        setColor(color)
        cairo_rectangle(context, x, y, width, height)
        cairo_fill(context)
    }

    /// Outlines a rectangle; the line is centred on the rectangle's edge.
    public func strokeRectangle(x: Double, y: Double, width: Double, height: Double, color: Color,
                                lineWidth: Double = 1) {
        setColor(color)
        cairo_set_line_width(context, lineWidth)
        cairo_rectangle(context, x, y, width, height)
        cairo_stroke(context)
    }

    /// Draws a straight line, solid or dashed (`dashes` alternates on and off lengths in pixels).
    public func drawLine(from start: Point, to end: Point, color: Color, lineWidth: Double = 1,
                         dashes: [Double] = []) {
        drawPolyline([start, end], color: color, lineWidth: lineWidth, dashes: dashes)
    }

    /// Draws connected line segments through `points`, with round joins and caps.
    public func drawPolyline(_ points: [Point], color: Color, lineWidth: Double = 1, dashes: [Double] = []) {
        guard let first = points.first else { return }
        setColor(color)
        cairo_set_line_width(context, lineWidth)
        cairo_set_line_join(context, CAIRO_LINE_JOIN_ROUND)
        cairo_set_line_cap(context, CAIRO_LINE_CAP_ROUND)
        cairo_set_dash(context, dashes, Int32(dashes.count), 0)
        cairo_move_to(context, first.x, first.y)
        for point in points.dropFirst() { cairo_line_to(context, point.x, point.y) }
        cairo_stroke(context)
        cairo_set_dash(context, nil, 0, 0)
    }

    /// Fills a disc.
    public func fillCircle(center: Point, radius: Double, color: Color) {
        setColor(color)
        cairo_new_sub_path(context)
        cairo_arc(context, center.x, center.y, radius, 0, 2 * Double.pi)
        cairo_fill(context)
    }

    // MARK: - Text

    /// Draws one line of text in a sans-serif face. `point` is the anchor: its x is the left end, middle
    /// or right end of the text according to `alignment`, its y the vertical middle of the capitals.
    /// `angle` rotates the text about the anchor, in radians clockwise (-π/2 reads bottom to top).
    public func drawText(_ text: String, at point: Point, size: Double, color: Color = .black,
                         alignment: TextAlignment = .left, bold: Bool = false, angle: Double = 0) {
        setFont(size: size, bold: bold)
        let advance = textExtents(text).x_advance
        let capitalHeight = -textExtents("H").y_bearing
        let shift: Double
        switch alignment {
        case .left: shift = 0
        case .center: shift = -advance / 2
        case .right: shift = -advance
        }
        cairo_save(context)
        setColor(color)
        cairo_translate(context, point.x, point.y)
        cairo_rotate(context, angle)
        cairo_move_to(context, shift, capitalHeight / 2)
        cairo_show_text(context, text)
        cairo_restore(context)
    }

    /// How far `text` advances horizontally at `size`.
    public func textWidth(_ text: String, size: Double, bold: Bool = false) -> Double {
        setFont(size: size, bold: bold)
        return textExtents(text).x_advance
    }

    // MARK: - Images

    /// Draws `image` scaled into the rectangle; without `smoothing` each source pixel becomes a sharp
    /// block, which suits small images such as 28×28 digits and 3×3 filters.
    public func drawImage(_ image: Image, x: Double, y: Double, width: Double, height: Double,
                          smoothing: Bool = false) {
        guard image.width > 0, image.height > 0 else { return }
        let source = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, Int32(image.width), Int32(image.height))
        defer { cairo_surface_destroy(source) }
        cairo_surface_flush(source)
        let stride = Int(cairo_image_surface_get_stride(source))
        if let data = cairo_image_surface_get_data(source) {
            for row in 0..<image.height {
                let line = UnsafeMutableRawPointer(data + row * stride).assumingMemoryBound(to: UInt32.self)
                for column in 0..<image.width {
                    let (red, green, blue, alpha) = Self.rgba(of: image, pixel: row * image.width + column)
                    line[column] = Self.premultipliedARGB(red, green, blue, alpha)
                }
            }
        }
        cairo_surface_mark_dirty(source)

        cairo_save(context)
        cairo_rectangle(context, x, y, width, height)
        cairo_clip(context)
        cairo_translate(context, x, y)
        cairo_scale(context, width / Double(image.width), height / Double(image.height))
        cairo_set_source_surface(context, source, 0, 0)
        cairo_pattern_set_filter(cairo_get_source(context), smoothing ? CAIRO_FILTER_GOOD : CAIRO_FILTER_NEAREST)
        cairo_paint(context)
        cairo_restore(context)
    }

    // MARK: - Output

    /// What has been drawn so far, as an RGB image (RGBA when some pixel is not fully opaque).
    public func renderedImage() -> Image {
        cairo_surface_flush(surface)
        guard let data = cairo_image_surface_get_data(surface) else {
            return Image(width: width, height: height, channels: 3, repeating: 0)
        }
        let stride = Int(cairo_image_surface_get_stride(surface))
        func row(_ index: Int) -> UnsafePointer<UInt32> {
            UnsafeRawPointer(data + index * stride).assumingMemoryBound(to: UInt32.self)
        }
        let isOpaque = (0..<height).allSatisfy { y in (0..<width).allSatisfy { row(y)[$0] >> 24 == 0xFF } }
        let channels = isOpaque ? 3 : 4
        var pixels = [Float](repeating: 0, count: width * height * channels)
        for y in 0..<height {
            let line = row(y)
            for x in 0..<width {
                let pixel = line[x]
                let alpha = pixel >> 24
                let offset = (y * width + x) * channels
                // Cairo stores premultiplied colour; PNG wants it straight. Whole 8-bit levels keep
                // the image exactly as it will be after a round trip through a PNG file.
                func straight(_ premultiplied: UInt32) -> Float {
                    alpha == 0 ? 0 : Float(min(255, (premultiplied * 255 + alpha / 2) / alpha)) / 255
                }
                pixels[offset] = straight(pixel >> 16 & 0xFF)
                pixels[offset + 1] = straight(pixel >> 8 & 0xFF)
                pixels[offset + 2] = straight(pixel & 0xFF)
                if !isOpaque { pixels[offset + 3] = Float(alpha) / 255 }
            }
        }
        return Image(width: width, height: height, channels: channels, pixels: pixels)
    }

    /// Saves what has been drawn as a PNG file, atomically (see ``Image/write(to:)``).
    public func write(to url: URL) throws {
        try renderedImage().write(to: url)
    }

    // MARK: - Cairo state

    private func setColor(_ color: Color) {
        cairo_set_source_rgba(context, color.red, color.green, color.blue, color.alpha)
    }

    private func setFont(size: Double, bold: Bool) {
        cairo_select_font_face(context, "sans-serif", CAIRO_FONT_SLANT_NORMAL,
                               bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL)
        cairo_set_font_size(context, size)
    }

    private func textExtents(_ text: String) -> cairo_text_extents_t {
        var extents = cairo_text_extents_t()
        cairo_text_extents(context, text, &extents)
        return extents
    }

    /// Pixel `index` of `image` as straight RGBA, whatever its channel count.
    private static func rgba(of image: Image, pixel index: Int) -> (Float, Float, Float, Float) {
        let offset = index * image.channels
        let samples = image.pixels
        switch image.channels {
        case 1: return (samples[offset], samples[offset], samples[offset], 1)
        case 2: return (samples[offset], samples[offset], samples[offset], samples[offset + 1])
        case 3: return (samples[offset], samples[offset + 1], samples[offset + 2], 1)
        default: return (samples[offset], samples[offset + 1], samples[offset + 2], samples[offset + 3])
        }
    }

    private static func premultipliedARGB(_ red: Float, _ green: Float, _ blue: Float, _ alpha: Float) -> UInt32 {
        func byte(_ value: Float) -> UInt32 { UInt32((min(max(value, 0), 1) * 255).rounded()) }
        let a = min(max(alpha, 0), 1)
        return byte(a) << 24 | byte(red * a) << 16 | byte(green * a) << 8 | byte(blue * a)
    }
}
