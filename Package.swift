// swift-tools-version: 6.0
import Foundation
import PackageDescription

let package = Package(
    name: "sfconv",
    products: [
        .library(name: "SFConv", targets: ["SFConv"]),
        .executable(name: "sfconv", targets: ["sfconv"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/LebJe/TOMLKit", from: "0.6.0"),
    ],
    targets: [
        .systemLibrary(name: "CSndFile", pkgConfig: "sndfile", providers: [.apt(["libsndfile1-dev"])]),
        .systemLibrary(name: "CFFTW3f", pkgConfig: "fftw3f", providers: [.apt(["libfftw3-dev"])]),
        .systemLibrary(name: "CFFTW3", pkgConfig: "fftw3", providers: [.apt(["libfftw3-dev"])]),
        .systemLibrary(name: "CSoxr", pkgConfig: "soxr", providers: [.apt(["libsoxr-dev"])]),
        .systemLibrary(name: "CEBUR128", pkgConfig: "libebur128", providers: [.apt(["libebur128-dev"])]),
        .systemLibrary(name: "CPNG", pkgConfig: "libpng", providers: [.apt(["libpng-dev"])]),
        .target(
            name: "CSFConvKernels",
            cSettings: [.unsafeFlags(["-O3"])]
        ),
        .target(
            name: "SFConv",
            dependencies: ["CSndFile", "CFFTW3f", "CFFTW3", "CSoxr", "CEBUR128", "CPNG", "CSFConvKernels", .product(name: "TOMLKit", package: "TOMLKit")]
        ),
        .executableTarget(
            name: "sfconv",
            dependencies: [
                "SFConv",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .target(name: "SFConvTestSupport", dependencies: ["SFConv"], path: "Tests/SFConvTestSupport"),
        .testTarget(name: "SFConvTests", dependencies: ["SFConv", "SFConvTestSupport"], exclude: ["Fixtures"]),
        .testTarget(name: "CLITests", dependencies: ["sfconv", "SFConv", "SFConvTestSupport"]),
    ]
)

// The libFuzzer targets (fuzz/run.sh): built only when asked, with the fuzzer's sanitizers.
if ProcessInfo.processInfo.environment["SFCONV_FUZZ"] != nil {
    package.targets.append(.executableTarget(name: "SFConvFuzz", dependencies: ["SFConv"], path: "fuzz/SFConvFuzz"))
}
