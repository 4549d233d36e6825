import Foundation

extension MNIST {
    /// A dataset in MNIST's format: the same four IDX file names, 28×28 grey images, one class label each.
    ///
    /// ``digits`` (MNIST) and ``fashion`` (Fashion-MNIST) are built in. Others in the same format, such
    /// as Kuzushiji-MNIST, can be described with ``init(name:cacheName:environmentVariable:systemDirectories:mirrors:checksums:classNames:)``.
    public struct Variant: Sendable {
        /// The dataset's name, for messages.
        public var name: String
        /// The folder under the per-user cache directory (`~/.cache/swiftcnn/<cacheName>`).
        public var cacheName: String
        /// The environment variable that names a directory holding the files.
        public var environmentVariable: String
        /// Directories where a system package installs the files, used when they hold all four.
        public var systemDirectories: [URL]
        /// Base URLs to download the `.gz` files from, tried in order.
        public var mirrors: [URL]
        /// The SHA-256 of each file's uncompressed content, by uncompressed file name
        /// (`train-images-idx3-ubyte` …), checked after downloading.
        public var checksums: [String: String]
        /// The name of each class, by label.
        public var classNames: [String]

        /// A dataset in MNIST's format.
        public init(name: String, cacheName: String, environmentVariable: String, systemDirectories: [URL] = [],
                    mirrors: [URL], checksums: [String: String], classNames: [String]) {
            self.name = name
            self.cacheName = cacheName
            self.environmentVariable = environmentVariable
            self.systemDirectories = systemDirectories
            self.mirrors = mirrors
            self.checksums = checksums
            self.classNames = classNames
        }

        /// Handwritten digits 0–9 (LeCun, Cortes and Burges): 60,000 training and 10,000 test images.
        /// Found through `MNIST_DIR` or downloaded to `~/.cache/swiftcnn/mnist`.
        public static let digits = Variant(
            name: "MNIST",
            cacheName: "mnist",
            environmentVariable: "MNIST_DIR",
            mirrors: [
                URL(string: "https://ossci-datasets.s3.amazonaws.com/mnist/")!,
                URL(string: "https://storage.googleapis.com/cvdf-datasets/mnist/")!,
            ],
            checksums: [
                "train-images-idx3-ubyte": "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
                "train-labels-idx1-ubyte": "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
                "t10k-images-idx3-ubyte": "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
                "t10k-labels-idx1-ubyte": "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
            ],
            classNames: (0...9).map(String.init))

        /// Zalando's Fashion-MNIST (Xiao, Rasul and Vollgraf): ten kinds of clothing in MNIST's format.
        /// Found through `FASHION_MNIST_DIR`, Debian's `dataset-fashion-mnist` package, or downloaded to
        /// `~/.cache/swiftcnn/fashion-mnist`.
        public static let fashion = Variant(
            name: "Fashion-MNIST",
            cacheName: "fashion-mnist",
            environmentVariable: "FASHION_MNIST_DIR",
            systemDirectories: [URL(fileURLWithPath: "/usr/share/datasets/fashion-mnist")],
            mirrors: [URL(string: "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/")!],
            checksums: [
                "train-images-idx3-ubyte": "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
                "train-labels-idx1-ubyte": "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
                "t10k-images-idx3-ubyte": "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
                "t10k-labels-idx1-ubyte": "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34",
            ],
            classNames: ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                         "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"])
    }
}
