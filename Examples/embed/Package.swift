// swift-tools-version: 6.0
// An app that embeds sfconv as a library: build and run with
//   swift run --package-path Examples/embed
import PackageDescription

let package = Package(
    name: "embed",
    dependencies: [
        // Named, so the dependency resolves whatever the checkout folder is called.
        .package(name: "sfconv", path: "../.."),
    ],
    targets: [
        .executableTarget(
            name: "embed",
            dependencies: [.product(name: "SFConv", package: "sfconv")]
        ),
    ]
)
