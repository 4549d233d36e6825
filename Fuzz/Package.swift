// swift-tools-version: 6.1
import PackageDescription

// libFuzzer harnesses, one per parser of files a user may be handed. Each target defines
// LLVMFuzzerTestOneInput; build them with the fuzzer and address sanitizers and run them as
// Fuzz/README.md describes (`make fuzz` does both).
let package = Package(
    name: "SwiftCNNFuzz",
    dependencies: [
        .package(name: "SwiftCNN", path: ".."),
    ],
    targets: [
        .target(
            name: "FuzzSupport",
            dependencies: [.product(name: "SwiftCNN", package: "SwiftCNN")]
        ),
        // safetensors container, model files and training checkpoints
        .executableTarget(
            name: "fuzz-model",
            dependencies: ["FuzzSupport", .product(name: "SwiftCNN", package: "SwiftCNN")]
        ),
        // IDX files, gzip-compressed or not
        .executableTarget(
            name: "fuzz-idx",
            dependencies: ["FuzzSupport", .product(name: "SwiftCNN", package: "SwiftCNN")]
        ),
        // PNG and PGM decoding, then the MNIST preprocessor
        .executableTarget(
            name: "fuzz-image",
            dependencies: ["FuzzSupport", .product(name: "SwiftCNNVision", package: "SwiftCNN")]
        ),
        // ONNX files, imported as models
        .executableTarget(
            name: "fuzz-onnx",
            dependencies: ["FuzzSupport", .product(name: "SwiftCNN", package: "SwiftCNN")]
        ),
        // the architecture JSON of model files
        .executableTarget(
            name: "fuzz-architecture",
            dependencies: ["FuzzSupport", .product(name: "SwiftCNN", package: "SwiftCNN")]
        ),
    ]
)
