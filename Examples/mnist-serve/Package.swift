// swift-tools-version: 6.1
// mnist-serve: an HTTP server for models trained by mnist-train. A package of its own so that the
// library's users never build Hummingbird and its dependencies.
import PackageDescription

let package = Package(
    name: "mnist-serve",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "mnist-serve", targets: ["mnist-serve"]),
    ],
    dependencies: [
        .package(name: "SwiftCNN", path: "../.."),
        // No traits, for the reason the root package gives for SwiftProtobuf's; the server needs neither
        // (swift-configuration support, URL-encoded forms through full Foundation).
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1", traits: []),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.0"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    ],
    targets: [
        .target(
            name: "MNISTServer",
            dependencies: [
                .product(name: "SwiftCNN", package: "SwiftCNN"),
                .product(name: "SwiftCNNVision", package: "SwiftCNN"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            resources: [.copy("Resources/index.html")]
        ),
        .executableTarget(
            name: "mnist-serve",
            dependencies: [
                "MNISTServer",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(
            name: "MNISTServerTests",
            dependencies: [
                "MNISTServer",
                .product(name: "SwiftCNN", package: "SwiftCNN"),
                .product(name: "SwiftCNNVision", package: "SwiftCNN"),
            ]
        ),
    ],
    swiftLanguageModes: [.v5]
)
