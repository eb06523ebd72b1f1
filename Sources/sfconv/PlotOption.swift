import ArgumentParser
import Foundation
import SFConv

/// `--plot FILE.png` on commands that render IN to OUT: the before/after picture (IN's
/// spectrogram above OUT's, on the same scales), drawn from the files once OUT is written.
enum BeforeAfterPlot {
    static let help = ArgumentHelp("Also draw IN above OUT as spectrograms on the same scales, as a PNG (see 'sfconv plot').", valueName: "file.png")

    /// Before rendering: the picture can be written (a .png name, no clobbering without --force),
    /// and both files can be read again afterwards (not standard input or output).
    static func check(_ plot: String?, input: String, output: String, force: Bool) throws {
        guard let plot else { return }
        if plot == output || plot == input { throw ValidationError("--plot names the same file as IN or OUT") }
        if input == "-" || output == "-" { throw ValidationError("--plot reads IN and OUT again after the render: give files, not '-'") }
        try AudioPlot.checkDestination(plot, overwrite: force)
    }

    /// After rendering: draws IN and OUT into `plot`.
    static func write(_ plot: String?, input: String, output: String, force: Bool) throws {
        guard let plot else { return }
        try AudioPlot.write([input, output], to: plot, kind: .spectrogram, overwrite: force, diagnostics: .silent)
    }
}
