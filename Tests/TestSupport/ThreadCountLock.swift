import Foundation
import SwiftCNN

/// Serialises the tests that change ``Backend/threadCount`` with those whose bits depend on it staying put.
///
/// The count is process-wide and the test runner runs suites in parallel, so a test that set it to 1 while
/// another compared a prediction against one made a moment before made that comparison fail, under load,
/// for no fault of the code tested.
private let threadCountLock = NSLock()

/// Runs `body` holding the thread count: at `count`, or where it is when `count` is nil; the previous count
/// is restored afterwards.
public func withThreadCount<R>(_ count: Int? = nil, _ body: () throws -> R) rethrows -> R {
    threadCountLock.lock()
    defer { threadCountLock.unlock() }
    let previous = Backend.threadCount
    defer { Backend.threadCount = previous }
    if let count { Backend.threadCount = count }
    return try body()
}
