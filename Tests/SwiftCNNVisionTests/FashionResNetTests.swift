import Foundation
import SwiftCNN
import Testing
import TestSupport

/// The `fashion-resnet` executable, run as a subprocess for two short epochs on real Fashion-MNIST (which
/// `make test` installs).
@Suite struct FashionResNetTests {
    let fashionResNet = ExampleExecutable(name: "fashion-resnet")

    @Test func trainsResNet8OnFashionMNISTAndSavesAFunctionalModel() throws {
        try withTemporaryDirectory { directory in
            let file = directory.appendingPathComponent("resnet.safetensors")
            let run = try fashionResNet.run(["--epochs", "2", "--train-limit", "3000", "--batch-size", "32",
                                             "--seed", "1", "--save", file.path])
            #expect(run.status == 0, "\(run.errors)")
            #expect(run.output.contains("Fashion-MNIST: 3000 training images, 10000 test images"))
            #expect(run.output.contains("Trainable params: 77,754"))
            #expect(run.output.contains("add (Add) ← batch_normalization_2, relu"))
            // Two epochs of 94 steps: 75.4% with this seed; chance is 10%.
            let line = try #require(run.output.split(separator: "\n").first { $0.hasPrefix("test accuracy: ") })
            #expect(try #require(Double(line.dropFirst("test accuracy: ".count).dropLast())) >= 70)

            let model = try Model(contentsOf: file)
            #expect(!model.isChain)
            #expect(model.layers.first is Normalization)
            #expect(model.layers.filter { $0 is Add }.count == 3)
            #expect(model.parameterCount == 77_754)
        }
    }
}
