/// Collects the layers listed in a ``Sequential`` model's trailing closure, in order.
///
/// Besides plain layer expressions, the closure may use `if`, `if`–`else`, `for` loops and arrays of
/// layers:
///
/// ```swift
/// let model = try Sequential(inputShape: [28, 28, 1]) {
///     for filters in [32, 64] {
///         Conv2D(filters: filters, kernelSize: 3, activation: .relu)
///         MaxPool2D(poolSize: 2)
///     }
///     Flatten()
///     if useDropout { Dropout(rate: 0.5, seed: 1) }
///     Dense(units: 10)
/// }
/// ```
@resultBuilder
public enum LayerBuilder {
    public static func buildExpression(_ layer: Layer) -> [Layer] { [layer] }

    public static func buildExpression(_ layers: [Layer]) -> [Layer] { layers }

    public static func buildBlock(_ components: [Layer]...) -> [Layer] { components.flatMap { $0 } }

    public static func buildOptional(_ component: [Layer]?) -> [Layer] { component ?? [] }

    public static func buildEither(first component: [Layer]) -> [Layer] { component }

    public static func buildEither(second component: [Layer]) -> [Layer] { component }

    public static func buildArray(_ components: [[Layer]]) -> [Layer] { components.flatMap { $0 } }
}
