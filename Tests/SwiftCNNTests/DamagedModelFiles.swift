import Foundation
import SwiftCNN
import TestSupport
import Testing

// Helpers for the tests that damage model files and checkpoints on purpose.

/// The ``ModelFileError`` that `load` throws for `file` once it is written to disk as `name` (nil when
/// it throws nothing or another error), and the path it was written to.
func loadingError(of file: SafeTensorsFile, as name: String,
                  by load: (URL) throws -> Void) throws -> (error: ModelFileError?, path: String) {
    try withTemporaryDirectory { directory in
        let url = directory.appendingPathComponent(name)
        try file.write(to: url)
        do {
            try load(url)
            return (nil, url.path)
        } catch {
            return (error as? ModelFileError, url.path)
        }
    }
}

/// `file` with the JSON object in its metadata entry `key` changed by `edit`.
func editingJSON(_ key: String, of file: SafeTensorsFile,
                 _ edit: (inout [String: Any]) -> Void) throws -> SafeTensorsFile {
    let json = try #require(file.metadata[key])
    var object = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
    edit(&object)
    var edited = file
    edited.metadata[key] = String(decoding: try JSONSerialization.data(withJSONObject: object), as: UTF8.self)
    return edited
}
