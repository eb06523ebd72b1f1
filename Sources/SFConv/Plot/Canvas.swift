import Foundation

/// An 8-bit RGB colour.
struct RGB: Sendable, Equatable {
    var red: UInt8, green: UInt8, blue: UInt8
    init(_ red: UInt8, _ green: UInt8, _ blue: UInt8) {
        self.red = red
        self.green = green
        self.blue = blue
    }

    static let white = RGB(255, 255, 255)
    static let black = RGB(0, 0, 0)
    static let ink = RGB(32, 32, 36)
    static let grid = RGB(150, 150, 160)
    static let panel = RGB(236, 236, 240)
}

/// A small raster picture: an RGB buffer with rectangles, lines and bitmap text, encoded as PNG.
/// Coordinates are pixels from the top-left corner; drawing outside the picture is clipped.
struct Canvas {
    let width: Int
    let height: Int
    /// `width * height * 3` bytes, rows top to bottom.
    private(set) var pixels: [UInt8]

    init(width: Int, height: Int, background: RGB = .white) {
        precondition(width > 0 && height > 0)
        self.width = width
        self.height = height
        pixels = [UInt8](repeating: 0, count: width * height * 3)
        fill(x: 0, y: 0, width: width, height: height, background)
    }

    func pixel(x: Int, y: Int) -> RGB {
        let i = (y * width + x) * 3
        return RGB(pixels[i], pixels[i + 1], pixels[i + 2])
    }

    @inline(__always)
    mutating func set(_ x: Int, _ y: Int, _ color: RGB) {
        guard x >= 0, y >= 0, x < width, y < height else { return }
        let i = (y * width + x) * 3
        pixels[i] = color.red
        pixels[i + 1] = color.green
        pixels[i + 2] = color.blue
    }

    mutating func fill(x: Int, y: Int, width w: Int, height h: Int, _ color: RGB) {
        let x0 = max(0, x), y0 = max(0, y), x1 = min(width, x + w), y1 = min(height, y + h)
        guard x0 < x1, y0 < y1 else { return }
        for row in y0..<y1 {
            for column in x0..<x1 { set(column, row, color) }
        }
    }

    /// A line from (x0, y0) to (x1, y1), both ends included (Bresenham).
    mutating func line(_ x0: Int, _ y0: Int, _ x1: Int, _ y1: Int, _ color: RGB) {
        var x = x0, y = y0
        let dx = abs(x1 - x0), dy = -abs(y1 - y0)
        let sx = x0 < x1 ? 1 : -1, sy = y0 < y1 ? 1 : -1
        var error = dx + dy
        while true {
            set(x, y, color)
            if x == x1 && y == y1 { break }
            let doubled = 2 * error
            if doubled >= dy { error += dy; x += sx }
            if doubled <= dx { error += dx; y += sy }
        }
    }

    /// A one-pixel outline just inside the rectangle.
    mutating func frame(x: Int, y: Int, width w: Int, height h: Int, _ color: RGB) {
        line(x, y, x + w - 1, y, color)
        line(x, y + h - 1, x + w - 1, y + h - 1, color)
        line(x, y, x, y + h - 1, color)
        line(x + w - 1, y, x + w - 1, y + h - 1, color)
    }

    /// How text is placed against its anchor point.
    enum Alignment { case left, center, right }

    /// Width in pixels of `text` at `scale`.
    static func textWidth(_ text: String, scale: Int = 2) -> Int { BitmapFont.width(text) * scale }

    /// Text whose capitals span `y ..< y + 7·scale`; `x` is its left edge, centre or right edge.
    mutating func text(_ text: String, x: Int, y: Int, scale: Int = 2, align: Alignment = .left, _ color: RGB = .ink) {
        let width = Self.textWidth(text, scale: scale)
        var left = switch align {
        case .left: x
        case .center: x - width / 2
        case .right: x - width
        }
        for character in text {
            for (row, bits) in BitmapFont.rows(character).enumerated() where bits != 0 {
                for column in 0..<BitmapFont.glyphWidth where bits & (1 << (BitmapFont.glyphWidth - 1 - column)) != 0 {
                    fill(x: left + column * scale, y: y + row * scale, width: scale, height: scale, color)
                }
            }
            left += BitmapFont.advance * scale
        }
    }

    /// Text turned a quarter to the left (read bottom to top), centred on `centerY`, capitals'
    /// tops at column `x`.
    mutating func verticalText(_ text: String, x: Int, centerY: Int, scale: Int = 2, _ color: RGB = .ink) {
        var bottom = centerY + Self.textWidth(text, scale: scale) / 2
        for character in text {
            for (row, bits) in BitmapFont.rows(character).enumerated() where bits != 0 {
                for column in 0..<BitmapFont.glyphWidth where bits & (1 << (BitmapFont.glyphWidth - 1 - column)) != 0 {
                    fill(x: x + row * scale, y: bottom - (column + 1) * scale, width: scale, height: scale, color)
                }
            }
            bottom -= BitmapFont.advance * scale
        }
    }

    /// The picture as a PNG file's bytes.
    func png() throws -> Data { try PNGImage.encode(rgb: pixels, width: width, height: height) }
}

/// sfconv's colour scale for levels: from near-black through blue, magenta, red and orange to
/// pale yellow, with lightness rising steadily so that order reads without the colours (and in grey).
enum ColorScale {
    /// (position, red, green, blue), chosen by hand for a steady rise in lightness.
    private static let stops: [(Double, Double, Double, Double)] = [
        (0.00, 8, 6, 20),
        (0.18, 36, 20, 100),
        (0.36, 110, 30, 130),
        (0.54, 190, 50, 100),
        (0.70, 235, 100, 50),
        (0.85, 250, 175, 40),
        (1.00, 252, 250, 190),
    ]

    /// The colour at `position` in 0...1 (clamped; NaN gives the lowest colour).
    static func color(_ position: Double) -> RGB {
        let t = position.isNaN ? 0 : min(1, max(0, position))
        var index = 1
        while index < stops.count - 1 && stops[index].0 < t { index += 1 }
        let (p0, r0, g0, b0) = stops[index - 1], (p1, r1, g1, b1) = stops[index]
        let f = (t - p0) / (p1 - p0)
        func mix(_ a: Double, _ b: Double) -> UInt8 { UInt8((a + (b - a) * f).rounded()) }
        return RGB(mix(r0, r1), mix(g0, g1), mix(b0, b1))
    }
}
