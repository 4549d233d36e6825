/// Elements that a layer keeps from one batch to the next for its kernels' intermediate results (im2col
/// blocks, per-thread partial gradients, argmax records), 64-byte aligned so that every block can start
/// on a cache line.
///
/// It only grows, so a warmed-up step reuses it without allocating.
final class ScratchBuffer<Element> {
    /// The buffer as the last ``reserve(_:)`` left it.
    private(set) var pointer: UnsafeMutablePointer<Element>
    private var capacity: Int

    init() {
        capacity = 16
        pointer = Self.allocate(capacity)
    }

    deinit {
        UnsafeMutableRawPointer(pointer).deallocate()
    }

    /// A buffer of at least `count` elements, whose contents are unspecified when it had to grow.
    func reserve(_ count: Int) -> UnsafeMutablePointer<Element> {
        if count > capacity {
            UnsafeMutableRawPointer(pointer).deallocate()
            capacity = count
            pointer = Self.allocate(count)
        }
        return pointer
    }

    private static func allocate(_ count: Int) -> UnsafeMutablePointer<Element> {
        UnsafeMutableRawPointer.allocate(byteCount: count * MemoryLayout<Element>.stride, alignment: 64)
            .bindMemory(to: Element.self, capacity: count)
    }
}

/// `count` floats rounded up to whole cache lines, for laying out several blocks in one buffer.
func cacheLineAligned(floats count: Int) -> Int {
    (count + 15) & ~15
}
