import SwiftCNN

/// Turns an arbitrary picture of one handwritten digit into what a model trained on MNIST expects: a
/// 28×28 grey image of light ink on black, the digit fit into a 20×20 box and its centre of mass at the
/// centre, as LeCun et al. prepared MNIST.
///
/// ```swift
/// let photo = try Image(contentsOf: URL(fileURLWithPath: "photo.png"))
/// let input = try MNISTPreprocessor().tensor(from: photo)     // [1, 28, 28, 1]
/// let probabilities = model.predict(input)
/// ```
///
/// The steps: alpha is composited over white and colour reduced to luminance; the paper's brightness is
/// taken from the image border and the ink is whatever departs from it, so dark-on-light and
/// light-on-dark pictures (and grey paper) give the same result; ink fainter than ``noiseFraction`` of
/// the darkest ink is dropped; the image is cropped to the ink, strokes too thin to survive the
/// downscaling are widened (see ``strokeWidth``), and the crop is scaled to fit ``digitSide`` (area
/// averaging when shrinking, linear interpolation when growing), normalised so the darkest ink is 1, and
/// placed on the ``canvasSide`` canvas with its centre of mass on the middle pixel.
///
/// Optional steps for photographed and scanned paper: a paper gradient for uneven light
/// (``paperEstimate``), Otsu's threshold against grain and noise (``inkThreshold``), removing ruled
/// lines (``removesRuledLines``) and specks (``removesSpecks``), and deskewing (``deskews``).
public struct MNISTPreprocessor: Sendable {
    /// The side of the square output image.
    public var canvasSide = 28
    /// The side of the box the digit's longer dimension is scaled to.
    public var digitSide = 20
    /// Ink below this fraction of the strongest ink counts as paper texture or noise: it is ignored when
    /// cropping and the rest of the ink is rescaled to start from zero above it.
    public var noiseFraction: Float = 0.1
    /// The stroke width, in output pixels, that thinner strokes are widened to before downscaling
    /// (MNIST's median is about 2.3); nil keeps strokes as they are.
    public var strokeWidth: Float? = 2.3

    /// Where the paper's brightness is taken from.
    public enum PaperEstimate: Sendable, Equatable {
        /// The median of the image border: one level for the whole picture, right for scans and drawings.
        case border
        /// A plane fitted to the image border: follows light falling off across a photographed page.
        case borderGradient
    }

    /// How faint ink is told from paper grain and noise.
    public enum InkThreshold: Sendable, Equatable {
        /// Ink below ``noiseFraction`` of the strongest ink is paper.
        case fraction
        /// Otsu's threshold of the ink map (at most half the strongest ink), never below ``noiseFraction``:
        /// adapts to how noisy the paper is.
        case otsu
    }

    // The defaults of the optional steps were chosen on the digit check set (Tests/DigitCheckSet): with
    // the gradient, Otsu's threshold, line and speck removal a model reads 98.0% of it, 90.5% without.

    /// Where the paper's brightness is taken from; ``PaperEstimate/borderGradient`` by default.
    public var paperEstimate = PaperEstimate.borderGradient
    /// How faint ink is told from paper; ``InkThreshold/otsu`` by default.
    public var inkThreshold = InkThreshold.otsu
    /// Whether pieces of ink with less than 5% of the largest piece's ink (specks, dust) are removed;
    /// true by default.
    public var removesSpecks = true
    /// Whether ruled lines (rows inked across more than 60% of the picture) are removed, except where a
    /// stroke crosses them; true by default.
    public var removesRuledLines = true
    /// Whether the digit is sheared upright by its image moments at the end, as LeCun et al.'s deskewed
    /// MNIST experiments did; false by default (it changed nothing on the check set, and MNIST's own
    /// digits keep their slant).
    public var deskews = false

    /// The contrast between ink and paper, as a fraction of the full range, below which an image is blank.
    static let minimumContrast: Float = 0.05

    /// A preprocessor with MNIST's geometry: 28×28 canvas, 20×20 digit box.
    public init() {}

    /// The digit in `image` as a `canvasSide`×`canvasSide` one-channel image, ink 1 on paper 0.
    ///
    /// - Throws: ``MNISTPreprocessingError/blank`` when the image has (almost) no contrast.
    public func digitImage(from image: Image) throws -> Image {
        precondition(digitSide > 0 && digitSide <= canvasSide,
                     "digitSide \(digitSide) must be positive and fit the canvas of side \(canvasSide)")
        var ink = try inkMap(of: image.grayscale())
        var box = inkBounds(of: ink)
        var crop = ink.cropped(to: box)
        if let strokeWidth {
            let longerSide = Float(max(box.width, box.height))
            let width = crop.estimatedStrokeWidth()
            let side = Float(digitSide)
            // Widening by r adds 2r to the stroke and to the crop, which then shrinks by side / (L + 2r):
            // solving (w + 2r) · side / (L + 2r) = strokeWidth for r gives the radius.
            let radius = (strokeWidth * longerSide - side * width) / (2 * side - 2 * strokeWidth)
            if radius > 0 {
                let margin = Int(radius.rounded(.up)) + 1
                ink = ink.cropped(to: box, margin: margin).thickened(by: radius)
                box = inkBounds(of: ink)
                crop = ink.cropped(to: box)
            }
        }
        let scale = Float(digitSide) / Float(max(crop.width, crop.height))
        var digit = crop.resized(toWidth: max(1, Int((Float(crop.width) * scale).rounded())),
                                 height: max(1, Int((Float(crop.height) * scale).rounded())))
        if let peak = digit.pixels.max(), peak > 0 {
            digit.pixels = digit.pixels.map { $0 / peak }
        }
        let placed = centred(digit)
        return deskews ? placed.deskewed() : placed
    }

    /// The digit in `image` as a `[1, canvasSide, canvasSide, 1]` tensor: a batch of one channels-last
    /// image, ready for a model trained on MNIST.
    ///
    /// - Throws: ``MNISTPreprocessingError/blank`` when the image has (almost) no contrast.
    public func tensor(from image: Image) throws -> Tensor {
        Tensor(shape: [1, canvasSide, canvasSide, 1], scalars: try digitImage(from: image).pixels)
    }

    /// Ink strength per pixel in 0…1, paper 0, whichever way round the picture is.
    private func inkMap(of grey: Image) throws -> Image {
        let paper = median(of: borderValues(of: grey))
        var darker: Float = 0, lighter: Float = 0
        for value in grey.pixels {
            if value < paper { darker += paper - value } else { lighter += value - paper }
        }
        let inkIsDark = darker >= lighter
        var ink = grey
        switch paperEstimate {
        case .border:
            ink.pixels = grey.pixels.map { inkIsDark ? max(paper - $0, 0) : max($0 - paper, 0) }
        case .borderGradient:
            let local = grey.borderPlane()
            ink.pixels = zip(grey.pixels, local.pixels).map { inkIsDark ? max($1 - $0, 0) : max($0 - $1, 0) }
        }
        let strongest = ink.pixels.max() ?? 0
        guard strongest >= Self.minimumContrast else { throw MNISTPreprocessingError.blank }
        var floor = noiseFraction * strongest
        if inkThreshold == .otsu {
            floor = max(floor, min(otsuThreshold(ink.pixels.map { $0 / strongest }) * strongest, strongest / 2))
        }
        ink.pixels = ink.pixels.map { max($0 - floor, 0) / (strongest - floor) }
        if removesRuledLines { ink = ink.withoutRuledLines() }
        if removesSpecks { ink = ink.withoutSpecks(smallerThan: 0.05) }
        guard ink.pixels.contains(where: { $0 > 0 }) else { throw MNISTPreprocessingError.blank }
        return ink
    }

    private func borderValues(of image: Image) -> [Float] {
        guard image.width > 2, image.height > 2 else { return image.pixels }
        var values = [Float]()
        for x in 0..<image.width { values += [image[x: x, y: 0], image[x: x, y: image.height - 1]] }
        for y in 1..<(image.height - 1) { values += [image[x: 0, y: y], image[x: image.width - 1, y: y]] }
        return values
    }

    private func median(of values: [Float]) -> Float {
        let sorted = values.sorted()
        let middle = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
    }

    /// The smallest rectangle holding every pixel with ink; `inkMap` guarantees there is one.
    private func inkBounds(of ink: Image) -> PixelRectangle {
        var minX = ink.width, minY = ink.height, maxX = -1, maxY = -1
        for y in 0..<ink.height {
            for x in 0..<ink.width where ink.pixels[y * ink.width + x] > 0 {
                minX = min(minX, x); maxX = max(maxX, x)
                minY = min(minY, y); maxY = max(maxY, y)
            }
        }
        return PixelRectangle(x: minX, y: minY, width: maxX - minX + 1, height: maxY - minY + 1)
    }

    /// `digit` pasted onto the canvas so that its centre of mass lands on pixel (side/2, side/2), as in
    /// MNIST (whose digits' mean centre of mass is (14.0, 14.0) in pixel indices), shifted back inside
    /// when a lopsided digit would otherwise stick out.
    private func centred(_ digit: Image) -> Image {
        var mass: Float = 0, sumX: Float = 0, sumY: Float = 0
        for y in 0..<digit.height {
            for x in 0..<digit.width {
                let value = digit.pixels[y * digit.width + x]
                mass += value
                sumX += value * Float(x)
                sumY += value * Float(y)
            }
        }
        let centre = Float(canvasSide / 2)
        let left = min(max(Int((centre - sumX / mass).rounded()), 0), canvasSide - digit.width)
        let top = min(max(Int((centre - sumY / mass).rounded()), 0), canvasSide - digit.height)
        return digit.cropped(to: PixelRectangle(x: -left, y: -top, width: canvasSide, height: canvasSide))
    }
}

/// Why a picture could not be turned into an MNIST digit.
public enum MNISTPreprocessingError: Error, Equatable, CustomStringConvertible {
    /// The picture is (nearly) uniform: nothing in it differs from the paper by more than 5 % of the range.
    case blank

    public var description: String {
        switch self {
        case .blank: return "the image is blank: no ink stands out from the background"
        }
    }
}
