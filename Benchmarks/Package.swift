// swift-tools-version: 6.1
// SwiftCNN's benchmarks, a package of their own so that the library never depends on the
// benchmark harness. Run them from this folder: `swift package benchmark` (see README.md).
import PackageDescription

let package = Package(
    name: "SwiftCNNBenchmarks",
    dependencies: [
        .package(name: "SwiftCNN", path: ".."),
        // Only the malloc interposer (allocation counts): the default traits also pull in an ARC
        // runtime interposer that these benchmarks don't need.
        .package(url: "https://github.com/ordo-one/benchmark", exact: "1.38.1", traits: ["MallocInterposer"]),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    ],
    targets: [
        // MARK: - C reference

        .target(
            name: "CReferenceGEMM",
            path: "Sources/CReferenceGEMM",
            linkerSettings: [.linkedLibrary("openblas")]
        ),

        // Register-only loops of FMA and BF16 instructions, for instruction-peaks.
        .target(
            name: "CInstructionPeaks",
            path: "Sources/CInstructionPeaks"
        ),

        // oneDNN's convolutions timed on SwiftCNN's layouts, for onednn-comparison; needs libdnnl-dev
        // (`make bench-onednn` installs it), so only that product links it.
        .target(
            name: "COneDNN",
            path: "Sources/COneDNN",
            linkerSettings: [.linkedLibrary("dnnl"), .linkedLibrary("gomp")]
        ),

        // glibc's mallopt, for conv-efficiency.
        .systemLibrary(name: "CMalloc", path: "Sources/CMalloc"),

        // MARK: - Shared

        .target(
            name: "BenchmarkSupport",
            dependencies: [.product(name: "SwiftCNN", package: "SwiftCNN")],
            path: "Sources/BenchmarkSupport"
        ),
        .target(
            name: "SuiteSupport",
            dependencies: [
                "BenchmarkSupport",
                .product(name: "Benchmark", package: "benchmark"),
            ],
            path: "Sources/SuiteSupport"
        ),

        // MARK: - Benchmark suites (`swift package benchmark`)

        .executableTarget(
            name: "GEMM",
            dependencies: [
                "BenchmarkSupport",
                "SuiteSupport",
                "CReferenceGEMM",
                .product(name: "SwiftCNN", package: "SwiftCNN"),
                .product(name: "Benchmark", package: "benchmark"),
            ],
            path: "Benchmarks/GEMM",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        .executableTarget(
            name: "Layers",
            dependencies: [
                "BenchmarkSupport",
                "SuiteSupport",
                .product(name: "SwiftCNN", package: "SwiftCNN"),
                .product(name: "Benchmark", package: "benchmark"),
            ],
            path: "Benchmarks/Layers",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        .executableTarget(
            name: "Model",
            dependencies: [
                "BenchmarkSupport",
                "SuiteSupport",
                .product(name: "SwiftCNN", package: "SwiftCNN"),
                .product(name: "Benchmark", package: "benchmark"),
            ],
            path: "Benchmarks/Model",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),

        // MARK: - Command-line measurements

        .executableTarget(
            name: "gemm-throughput",
            dependencies: [
                "BenchmarkSupport",
                .product(name: "SwiftCNN", package: "SwiftCNN"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Sources/gemm-throughput"
        ),
        .executableTarget(
            name: "epoch-benchmark",
            dependencies: [
                "BenchmarkSupport",
                .product(name: "SwiftCNN", package: "SwiftCNN"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Sources/epoch-benchmark"
        ),
        .executableTarget(
            name: "conv-efficiency",
            dependencies: [
                "BenchmarkSupport",
                "CMalloc",
                .product(name: "SwiftCNN", package: "SwiftCNN"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Sources/conv-efficiency"
        ),
        .executableTarget(
            name: "onednn-comparison",
            dependencies: [
                "BenchmarkSupport",
                "COneDNN",
                .product(name: "SwiftCNN", package: "SwiftCNN"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Sources/onednn-comparison"
        ),
        .executableTarget(
            name: "instruction-peaks",
            dependencies: [
                "BenchmarkSupport",
                "CInstructionPeaks",
                .product(name: "SwiftCNN", package: "SwiftCNN"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Sources/instruction-peaks"
        ),
    ],
    swiftLanguageModes: [.v5]
)
