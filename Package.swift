// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "SwiftCNN",
    products: [
        .library(name: "SwiftCNN", targets: ["SwiftCNN"]),
        .executable(name: "mnist-train", targets: ["mnist-train"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.5.0"),
    ],
    targets: [
        // MARK: - C shims

        .systemLibrary(
            name: "COpenBLAS",
            path: "Sources/COpenBLAS",
            providers: [.apt(["libopenblas-dev"])]
        ),

        // MARK: - Library

        .target(
            name: "SwiftCNN",
            dependencies: ["COpenBLAS"]
        ),

        // MARK: - Examples

        .executableTarget(
            name: "mnist-train",
            dependencies: [
                "SwiftCNN",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Examples/mnist-train"
        ),

        // MARK: - Tests

        .target(
            name: "TestSupport",
            dependencies: ["SwiftCNN"],
            path: "Tests/TestSupport"
        ),
        .testTarget(
            name: "SwiftCNNTests",
            dependencies: ["SwiftCNN", "TestSupport"]
        ),
    ],
    swiftLanguageModes: [.v5]
)
