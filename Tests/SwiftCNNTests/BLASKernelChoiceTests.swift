import Foundation
import SwiftCNN
import Testing
import TestSupport

@Suite struct BLASKernelChoiceTests {
    let avx512: CPUFeatures = [.sse3, .ssse3, .sse41, .sse42, .avx, .fma, .avx2, .avx512F, .avx512DQ, .avx512BW, .avx512VL]
    let avx2: CPUFeatures = [.sse3, .ssse3, .sse41, .sse42, .avx, .fma, .avx2]

    @Test func coreFollowsTheWidestCompleteFeatureSet() {
        #expect(BLASKernelChoice.coreType(for: avx512) == "SkylakeX")
        #expect(BLASKernelChoice.coreType(for: avx512.union(.avx512BF16)) == "SkylakeX")
        #expect(BLASKernelChoice.coreType(for: avx2) == "Haswell")
        #expect(BLASKernelChoice.coreType(for: avx512.subtracting(.avx512BW)) == "Haswell",
                "AVX-512F alone is not enough for the SkylakeX kernels")
        #expect(BLASKernelChoice.coreType(for: [.sse3, .avx]) == "Sandybridge")
        #expect(BLASKernelChoice.coreType(for: [.sse3, .ssse3]) == nil)
    }

    @Test func switchesOnlyUpward() {
        // The Xeon (family 6, model 207) that OpenBLAS 0.3.21 takes for a Prescott.
        #expect(BLASKernelChoice.shouldSwitch(from: "Prescott", features: avx512) == "SkylakeX")
        // The AVX-512 EPYC that it takes for a Haswell.
        #expect(BLASKernelChoice.shouldSwitch(from: "Haswell", features: avx512) == "SkylakeX")
        #expect(BLASKernelChoice.shouldSwitch(from: "Zen", features: avx512) == "SkylakeX")
        #expect(BLASKernelChoice.shouldSwitch(from: "Cooperlake", features: avx512) == nil)
        #expect(BLASKernelChoice.shouldSwitch(from: "Zen", features: avx2) == nil)
        #expect(BLASKernelChoice.shouldSwitch(from: "Prescott", features: avx2) == "Haswell")
        #expect(BLASKernelChoice.shouldSwitch(from: "SomeFutureCore", features: avx512) == nil,
                "a core this table doesn't know is trusted")
    }

    @Test func theProcessRunsKernelsAtLeastAsWideAsItsFeaturesAllow() {
        let choice = Backend.kernels
        #expect(!choice.coreName.isEmpty)
        if choice.reason != .environment, let wanted = BLASKernelChoice.coreType(for: choice.features),
           let wantedTier = BLASKernelChoice.tier(ofCore: wanted) {
            #expect((BLASKernelChoice.tier(ofCore: choice.coreName) ?? wantedTier) >= wantedTier,
                    "\(choice) on a CPU with \(choice.features)")
        }
    }

    /// Every read and write happens under the lock: a read outside it races with the suites running beside
    /// this one, which set their own counts.
    @Test func threadCountIsSettable() {
        withThreadCount {
            Backend.threadCount = 1
            #expect(Backend.threadCount == 1)
            Backend.threadCount = 0
            #expect(Backend.threadCount == 1, "values below 1 count as 1")
            Backend.threadCount = 1000
            #expect(Backend.threadCount == Backend.maximumThreadCount, "at most 4 per core")
            #expect(Backend.maximumThreadCount == 4 * ProcessInfo.processInfo.activeProcessorCount)
            Backend.threadCount = 3
            #expect(Backend.threadCount == 3)
        }
    }
}
