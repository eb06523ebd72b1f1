import CPNG
import Foundation

/// PNG encoding and decoding of 8-bit RGB pictures through libpng's simplified API: the only libpng caller.
public enum PNGImage {
    /// Encodes `pixels` (`width * height * 3` bytes, RGB, rows top to bottom) as a PNG file's bytes.
    public static func encode(rgb pixels: [UInt8], width: Int, height: Int) throws -> Data {
        precondition(width > 0 && height > 0 && pixels.count == width * height * 3, "pixel count does not match the size")
        var image = png_image()
        image.version = UInt32(PNG_IMAGE_VERSION)
        image.width = UInt32(width)
        image.height = UInt32(height)
        image.format = UInt32(PNG_FORMAT_RGB)
        // First call: how many bytes the file takes; second: write them.
        var size = 0
        let sized = pixels.withUnsafeBytes { png_image_write_to_memory(&image, nil, &size, 0, $0.baseAddress, 0, nil) }
        guard sized != 0, size > 0 else { throw SFConvError("libpng could not encode the picture: \(message(&image))") }
        var data = Data(count: size)
        let written = data.withUnsafeMutableBytes { memory in
            pixels.withUnsafeBytes { png_image_write_to_memory(&image, memory.baseAddress, &size, 0, $0.baseAddress, 0, nil) }
        }
        guard written != 0 else { throw SFConvError("libpng could not encode the picture: \(message(&image))") }
        return data.prefix(size)
    }

    /// Decodes a PNG file's bytes into 8-bit RGB (for tests and checks): width, height and pixels.
    public static func decode(_ data: Data) throws -> (width: Int, height: Int, rgb: [UInt8]) {
        var image = png_image()
        image.version = UInt32(PNG_IMAGE_VERSION)
        let begun = data.withUnsafeBytes { png_image_begin_read_from_memory(&image, $0.baseAddress, $0.count) }
        guard begun != 0 else { throw SFConvError("not a PNG libpng can read: \(message(&image))") }
        image.format = UInt32(PNG_FORMAT_RGB)
        let width = Int(image.width), height = Int(image.height)
        var pixels = [UInt8](repeating: 0, count: width * height * 3)
        let finished = pixels.withUnsafeMutableBytes { png_image_finish_read(&image, nil, $0.baseAddress, 0, nil) }
        guard finished != 0 else {
            png_image_free(&image)
            throw SFConvError("cannot decode the PNG: \(message(&image))")
        }
        return (width, height, pixels)
    }

    /// libpng's message for the last failure on `image`.
    private static func message(_ image: inout png_image) -> String {
        withUnsafeBytes(of: &image.message) { raw in
            let bytes = raw.prefix { $0 != 0 }
            return bytes.isEmpty ? "unknown libpng error" : String(decoding: bytes, as: UTF8.self)
        }
    }
}
