import Foundation
import SwiftCNN

/// A directory of the four MNIST files, small and made up: `trainCount` training and `testCount` test
/// images of seeded noise, labels cycling through `classes`. Enough for the tools to load, build and
/// check a model without the real dataset.
func writeSyntheticMNIST(to directory: URL, trainCount: Int = 64, testCount: Int = 16, classes: Int = 10) throws {
    var generator = Xoshiro256(seed: 11)
    func images(_ count: Int) -> IDXFile {
        IDXFile(dimensions: [count, 28, 28], bytes: (0..<(count * 784)).map { _ in UInt8(truncatingIfNeeded: generator.next()) })
    }
    func labels(_ count: Int) -> IDXFile {
        IDXFile(dimensions: [count], bytes: (0..<count).map { UInt8($0 % classes) })
    }
    try images(trainCount).write(to: directory.appendingPathComponent("train-images-idx3-ubyte"))
    try labels(trainCount).write(to: directory.appendingPathComponent("train-labels-idx1-ubyte"))
    try images(testCount).write(to: directory.appendingPathComponent("t10k-images-idx3-ubyte"))
    try labels(testCount).write(to: directory.appendingPathComponent("t10k-labels-idx1-ubyte"))
}
