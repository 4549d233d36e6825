/// The heap buffer behind a ``Tensor``: 64-byte aligned, so rows start on a cache line and SIMD loads
/// of whole vectors never split one.
@usableFromInline
// Sendable because a tensor writes its storage only while it holds the only reference (copy-on-write),
// and the kernels that write through the pointer do so on workspaces that no other tensor shares.
final class TensorStorage: @unchecked Sendable {
    @usableFromInline let pointer: UnsafeMutablePointer<Float>
    /// Elements allocated; a tensor may use fewer, so a workspace serves smaller batches without reallocating.
    @usableFromInline let capacity: Int

    @usableFromInline
    init(capacity: Int) {
        self.capacity = capacity
        let raw = UnsafeMutableRawPointer.allocate(
            byteCount: max(1, capacity) * MemoryLayout<Float>.stride, alignment: 64)
        pointer = raw.bindMemory(to: Float.self, capacity: max(1, capacity))
    }

    deinit {
        UnsafeMutableRawPointer(pointer).deallocate()
    }

    @usableFromInline
    func copy(count: Int) -> TensorStorage {
        let copy = TensorStorage(capacity: count)
        copy.pointer.update(from: pointer, count: count)
        return copy
    }
}
