import Foundation
import SFConv

// libFuzzer entry points for sfconv's parsers and reader. One binary; the target is chosen by
// SFCONV_FUZZ_TARGET (toml, chain, points, audio). Every error the library throws is an expected
// answer; a crash, trap, hang or leak is a finding. Built and run by fuzz/run.sh.

private let target = ProcessInfo.processInfo.environment["SFCONV_FUZZ_TARGET"] ?? "toml"
private let scratch = "/dev/shm/sfconv-fuzz-\(getpid())"
private let files = ChainFiles(folders: [], memoryBudget: 256 << 20)

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = Data(bytes: data, count: size)
    switch target {
    case "toml": fuzzPreset(String(decoding: bytes, as: UTF8.self))
    case "chain": fuzzChain(String(decoding: bytes, as: UTF8.self))
    case "points": fuzzPoints(String(decoding: bytes, as: UTF8.self))
    case "audio": fuzzAudio(bytes)
    default: fatalError("unknown SFCONV_FUZZ_TARGET \(target)")
    }
    return 0
}

/// Preset text → a validated chain, bound to a mono 48 kHz input.
private func fuzzPreset(_ text: String) {
    guard let chain = try? PresetLoader.parse(text, path: "fuzz.toml") else { return }
    bind(chain)
}

/// An inline `--chain` → a validated chain, bound to a mono 48 kHz input.
private func fuzzChain(_ text: String) {
    guard let chain = try? InlineChain.parse(text, searchFolders: []) else { return }
    bind(chain)
}

/// EQ points → an eq design at 48 kHz.
private func fuzzPoints(_ text: String) {
    let location = ChainLocation(origin: .inlineChain, keyPath: "fuzz")
    let values = ["points": PlacedValue(.text(text), at: location), "taps": PlacedValue(.integer(255), at: location)]
    guard let entry = try? ChainEntry.parse(type: "eq", values: values, at: location) else { return }
    _ = try? (entry.spec as? FilterEffect)?.design(rate: 48000)
}

/// Bytes → the reader (as a file) → a short chain → a WAV file.
private func fuzzAudio(_ bytes: Data) {
    let input = scratch + "-in", output = scratch + "-out.wav"
    guard FileManager.default.createFile(atPath: input, contents: bytes) else { return }
    defer {
        unlink(input)
        unlink(output)
    }
    guard let chain = try? InlineChain.parse("gain:db=-1,lowpass:cutoff=1000:taps=31,pad:after=10f", searchFolders: []) else { return }
    var request = RenderRequest(inputPath: input, outputPath: output, chain: chain)
    request.output = OutputOptions(overwrite: true)
    request.memoryBudget = 256 << 20
    _ = try? request.run(diagnostics: .silent)
}

private func bind(_ chain: EffectChain) {
    // Effects that read files find none here: their errors are answers too.
    var context = BindContext(channelCount: 1, sampleRate: 48000, inputPath: "fuzz", files: files)
    context.memoryBudget = 256 << 20
    context.inputFrameCount = 4800
    guard let bound = try? chain.bind(context) else { return }
    let processor = bound.makeProcessor()
    var block = [Sample](repeating: 0, count: 64 * processor.inputChannelCount)
    block[0] = 1
    try? block.withUnsafeMutableBufferPointer { buffer in
        try processor.process(buffer.baseAddress!, count: 64) { _, _ in }
        try processor.finish { _, _ in }
    }
}
