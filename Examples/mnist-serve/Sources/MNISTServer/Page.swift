import Foundation

/// The drawing page, kept as a resource so it can be edited as HTML.
enum Page {
    static let html: Data = {
        guard let url = Bundle.module.url(forResource: "index", withExtension: "html"),
              let data = try? Data(contentsOf: url) else {
            preconditionFailure("mnist-serve's page (index.html) is missing from its resource bundle")
        }
        return data
    }()
}
