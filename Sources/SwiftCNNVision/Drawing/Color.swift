/// An sRGB colour with straight alpha, components in 0…1.
public struct Color: Equatable, Sendable {
    /// The red component, 0…1.
    public var red: Double
    /// The green component, 0…1.
    public var green: Double
    /// The blue component, 0…1.
    public var blue: Double
    /// The opacity, 0 (transparent) … 1 (opaque).
    public var alpha: Double

    /// A colour from its components, each in 0…1.
    public init(red: Double, green: Double, blue: Double, alpha: Double = 1) {
        self.red = red
        self.green = green
        self.blue = blue
        self.alpha = alpha
    }

    /// A grey of `level` (0 black, 1 white).
    public init(grey level: Double, alpha: Double = 1) {
        self.init(red: level, green: level, blue: level, alpha: alpha)
    }

    /// A colour from a `0xRRGGBB` literal, as design palettes write them.
    public init(hex: UInt32, alpha: Double = 1) {
        self.init(red: Double(hex >> 16 & 0xFF) / 255, green: Double(hex >> 8 & 0xFF) / 255,
                  blue: Double(hex & 0xFF) / 255, alpha: alpha)
    }

    /// Opaque black.
    public static let black = Color(grey: 0)
    /// Opaque white.
    public static let white = Color(grey: 1)
    /// A strong red for marking mistakes.
    public static let red = Color(hex: 0xD62728)
    /// A calm green for marking successes.
    public static let green = Color(hex: 0x2CA02C)
    /// The blue of the first data series.
    public static let blue = Color(hex: 0x1F77B4)
    /// The orange of the second data series.
    public static let orange = Color(hex: 0xFF7F0E)

    /// The same colour with another alpha.
    public func withAlpha(_ alpha: Double) -> Color {
        Color(red: red, green: green, blue: blue, alpha: alpha)
    }

    /// The colour `fraction` of the way from `self` to `other`.
    public func mixed(with other: Color, by fraction: Double) -> Color {
        let t = min(max(fraction, 0), 1)
        return Color(red: red + (other.red - red) * t, green: green + (other.green - green) * t,
                     blue: blue + (other.blue - blue) * t, alpha: alpha + (other.alpha - alpha) * t)
    }
}
