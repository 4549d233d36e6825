// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "SwiftCNN",
    products: [
        .library(name: "SwiftCNN", targets: ["SwiftCNN"]),
        .library(name: "SwiftCNNVision", targets: ["SwiftCNNVision"]),
        .library(name: "SwiftCNNDistributed", targets: ["SwiftCNNDistributed"]),
        .executable(name: "mnist-train", targets: ["mnist-train"]),
        .executable(name: "mnist-predict", targets: ["mnist-predict"]),
        .executable(name: "fashion-resnet", targets: ["fashion-resnet"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.5.0"),
    ],
    targets: [
        // MARK: - C shims and kernels

        .systemLibrary(
            name: "COpenBLAS",
            path: "Sources/COpenBLAS",
            providers: [.apt(["libopenblas-dev"])]
        ),
        .systemLibrary(
            name: "CZlib",
            path: "Sources/CZlib",
            providers: [.apt(["zlib1g-dev"])]
        ),
        .systemLibrary(
            name: "CLibPNG",
            path: "Sources/CLibPNG",
            pkgConfig: "libpng",
            providers: [.apt(["libpng-dev"]), .brew(["libpng"])]
        ),
        .systemLibrary(
            name: "CLibJPEG",
            path: "Sources/CLibJPEG",
            pkgConfig: "libjpeg",
            providers: [.apt(["libjpeg-dev"]), .brew(["jpeg-turbo"])]
        ),
        .systemLibrary(
            name: "CCairo",
            path: "Sources/CCairo",
            pkgConfig: "cairo",
            providers: [.apt(["libcairo2-dev"]), .brew(["cairo"])]
        ),
        // Open MPI, for SwiftCNNDistributed only: users of the SwiftCNN product never need it installed.
        .systemLibrary(
            name: "CMPI",
            path: "Sources/CMPI",
            pkgConfig: "ompi-c",
            providers: [.apt(["libopenmpi-dev"]), .brew(["open-mpi"])]
        ),

        .target(
            name: "CVectorKernels",
            path: "Sources/CVectorKernels"
        ),
        // libjpeg's fatal errors longjmp back into this C code, which turns them into status codes.
        .target(
            name: "CJPEGCodec",
            dependencies: ["CLibJPEG"],
            path: "Sources/CJPEGCodec"
        ),

        // MARK: - Library

        .target(
            name: "SwiftCNN",
            dependencies: ["COpenBLAS", "CZlib", "CVectorKernels"]
        ),
        .target(
            name: "SwiftCNNVision",
            dependencies: ["SwiftCNN", "CLibPNG", "CJPEGCodec", "CCairo"]
        ),
        .target(
            name: "SwiftCNNDistributed",
            dependencies: ["SwiftCNN", "CMPI"]
        ),

        // MARK: - Examples

        // mnist-train and fashion-resnet: one command with the same flags, and defaults of their own.
        .target(
            name: "TrainingCommand",
            dependencies: [
                "SwiftCNN",
                "SwiftCNNVision",
                "SwiftCNNDistributed",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Examples/TrainingCommand"
        ),
        .executableTarget(
            name: "mnist-train",
            dependencies: ["TrainingCommand"],
            path: "Examples/mnist-train"
        ),
        .executableTarget(
            name: "fashion-resnet",
            dependencies: ["TrainingCommand"],
            path: "Examples/fashion-resnet"
        ),
        .executableTarget(
            name: "mnist-predict",
            dependencies: [
                "SwiftCNN",
                "SwiftCNNVision",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Examples/mnist-predict"
        ),

        // MARK: - Tests

        // Draws the non-MNIST digit check set and measures models on it (see Tests/DigitCheckSet).
        .executableTarget(
            name: "digit-checkset",
            dependencies: [
                "SwiftCNN",
                "SwiftCNNVision",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Tests/DigitCheckSet"
        ),

        // Run under mpirun by SwiftCNNDistributedTests.
        .executableTarget(
            name: "distributed-check",
            dependencies: ["SwiftCNN", "SwiftCNNDistributed"],
            path: "Tests/DistributedCheck"
        ),

        .target(
            name: "TestSupport",
            dependencies: ["SwiftCNN"],
            path: "Tests/TestSupport"
        ),
        .testTarget(
            name: "SwiftCNNTests",
            dependencies: ["SwiftCNN", "TestSupport"],
            exclude: ["Fixtures", "References"]
        ),
        .testTarget(
            name: "SwiftCNNDistributedTests",
            dependencies: ["SwiftCNN", "TestSupport"]
        ),
        .testTarget(
            name: "SwiftCNNVisionTests",
            dependencies: ["SwiftCNNVision", "SwiftCNN", "TestSupport"],
            resources: [.copy("Fixtures")]
        ),
    ],
    swiftLanguageModes: [.v6]
)
