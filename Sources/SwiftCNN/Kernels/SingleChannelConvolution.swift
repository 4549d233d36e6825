// x: [N,H,W,1], w: [KH,KW,1,F], b: [F] → y: [N,OH,OW,F], F a multiple of 16; dy like y, dw like w.
// A convolution over one input channel (a first layer on grey images) is a product with only KH·KW
// terms per output, too thin for a matrix product to run well and not worth unrolling into im2col.
// These kernels work straight from the image: each output pixel keeps a group of 32 (or 16) filters'
// sums in SIMD registers over its window, and the kernel gradient keeps one tap's group of sums in
// registers over an image row. Groups are pairs of SIMD16 while 32 filters remain, then one SIMD16; the
// inner loops are the same generic code specialised for each, with no branch inside. (SIMD32<Float>
// would say the same, but its arithmetic compiles to per-lane code, hundreds of times slower.)

/// Whether the single-channel kernels can run a convolution with this geometry and filter count.
func singleChannelConvolutionApplies(_ g: WindowGeometry, filters: Int) -> Bool {
    g.channels == 1 && filters % 16 == 0
}

/// The sums of a group of consecutive filters, held in SIMD registers.
private protocol FilterGroup {
    /// The number of filters in the group.
    static var width: Int { get }
    init(_ pointer: UnsafePointer<Float>)
    init(broadcasting value: Float)
    func store(_ pointer: UnsafeMutablePointer<Float>)
    static var zero: Self { get }
    /// `self += value · weights`, lane by lane.
    mutating func add(_ value: Self, times weights: Self)
    /// Sets negative lanes to 0.
    mutating func clampNegativesToZero()
}

extension SIMD16: FilterGroup where Scalar == Float {
    static var width: Int { 16 }
    @inline(__always) init(_ pointer: UnsafePointer<Float>) { self = UnsafeRawPointer(pointer).loadUnaligned(as: Self.self) }
    @inline(__always) init(broadcasting value: Float) { self.init(repeating: value) }
    @inline(__always) func store(_ pointer: UnsafeMutablePointer<Float>) { UnsafeMutableRawPointer(pointer).storeBytes(of: self, as: Self.self) }
    @inline(__always) static var zero: Self { Self() }
    @inline(__always) mutating func add(_ value: Self, times weights: Self) { self += value * weights }
    @inline(__always) mutating func clampNegativesToZero() { replace(with: 0, where: self .< 0) }
}

/// 32 filters as two SIMD16 halves.
private struct FilterPair: FilterGroup {
    var low: SIMD16<Float>, high: SIMD16<Float>
    static var width: Int { 32 }
    @inline(__always) init(low: SIMD16<Float>, high: SIMD16<Float>) { self.low = low; self.high = high }
    @inline(__always) init(_ pointer: UnsafePointer<Float>) { self.init(low: SIMD16(pointer), high: SIMD16(pointer + 16)) }
    @inline(__always) init(broadcasting value: Float) { self.init(low: SIMD16(repeating: value), high: SIMD16(repeating: value)) }
    @inline(__always) func store(_ pointer: UnsafeMutablePointer<Float>) { low.store(pointer); high.store(pointer + 16) }
    @inline(__always) static var zero: Self { Self(low: SIMD16(), high: SIMD16()) }
    @inline(__always) mutating func add(_ value: Self, times weights: Self) {
        low += value.low * weights.low
        high += value.high * weights.high
    }
    @inline(__always) mutating func clampNegativesToZero() {
        low.clampNegativesToZero()
        high.clampNegativesToZero()
    }
}

/// Where one output pixel's window lies in its image, clipped to the image.
private struct Window {
    let image: UnsafePointer<Float>
    let vertical: (first: Int, lower: Int, upper: Int)
    let horizontal: (first: Int, lower: Int, upper: Int)
    let inputWidth: Int, windowWidth: Int
}

/// One pixel's sums for filters `group ..< group + V.width`: bias plus the window's taps, then ReLU
/// when that is the activation (other activations run over the finished row).
@inline(__always)
private func pixelSums<V: FilterGroup>(_: V.Type, _ window: Window, kernel w: UnsafePointer<Float>,
                                      bias: UnsafePointer<Float>?, activation: Activation, filters: Int, group: Int,
                                      into pixel: UnsafeMutablePointer<Float>) {
    var sum = bias.map { V($0 + group) } ?? V.zero
    for kh in window.vertical.lower..<window.vertical.upper {
        let source = window.image + ((window.vertical.first &+ kh) &* window.inputWidth &+ window.horizontal.first)
        let taps = w + ((kh &* window.windowWidth) &* filters &+ group)
        for kw in window.horizontal.lower..<window.horizontal.upper {
            sum.add(V(broadcasting: source[kw]), times: V(taps + kw &* filters))
        }
    }
    if activation == .relu { sum.clampNegativesToZero() }
    sum.store(pixel + group)
}

/// Adds `Σ source[i·stride] · gradients[i·filters ..< i·filters + V.width]` over `count` pixels to the
/// V.width sums at `tap`: one tap's share of the kernel gradient along an output row.
@inline(__always)
private func tapSums<V: FilterGroup>(_: V.Type, _ source: UnsafePointer<Float>, stride: Int, count: Int,
                                     gradients: UnsafePointer<Float>, filters: Int, into tap: UnsafeMutablePointer<Float>) {
    var sum = V(tap)
    var column = 0, pixel = gradients
    for _ in 0..<count {
        sum.add(V(broadcasting: source[column]), times: V(pixel))
        column &+= stride
        pixel += filters
    }
    sum.store(tap)
}

/// The forward pass over output rows `rows` (row r is sample r / OH, output row r % OH): `y = activation(
/// conv(x, w) + b)`. Pointers are the whole batch's. A nil `bias` adds nothing.
func convolveSingleChannel(
    _ x: UnsafePointer<Float>, kernel w: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
    activation: Activation, geometry g: WindowGeometry, filters: Int, outputRows rows: Range<Int>,
    into y: UnsafeMutablePointer<Float>
) {
    let imageSize = g.inputHeight &* g.inputWidth
    for row in rows {
        let n = row / g.outputHeight, oh = row % g.outputHeight
        let image = x + n &* imageSize
        let vertical = g.rowSpan(ofOutputRow: oh)
        let rowStart = y + row &* g.outputWidth &* filters
        for ow in 0..<g.outputWidth {
            let horizontal = g.columnSpan(ofOutputColumn: ow)
            let window = Window(image: image, vertical: vertical, horizontal: horizontal, inputWidth: g.inputWidth,
                                windowWidth: g.windowWidth)
            let pixel = rowStart + ow &* filters
            var group = 0
            while filters &- group >= 32 {
                pixelSums(FilterPair.self, window, kernel: w, bias: bias, activation: activation, filters: filters,
                          group: group, into: pixel)
                group &+= 32
            }
            if group < filters {
                pixelSums(SIMD16<Float>.self, window, kernel: w, bias: bias, activation: activation, filters: filters,
                          group: group, into: pixel)
            }
        }
        if activation != .relu {
            activation.apply(rowStart, count: g.outputWidth &* filters)
        }
    }
}

/// The parameter gradients over samples `samples`: `dw = Σ x-window ⊗ dz` and `db = Σ dz`, where `dz` is
/// `dy` times the activation's derivative at the output `y`. Both are overwritten. `scratch` holds one
/// output row (OW·F floats).
func singleChannelConvolutionGradients(
    _ x: UnsafePointer<Float>, outputGradient dy: UnsafePointer<Float>, output y: UnsafePointer<Float>,
    activation: Activation, geometry g: WindowGeometry, filters: Int, samples: Range<Int>,
    kernelGradient dw: UnsafeMutablePointer<Float>, biasGradient db: UnsafeMutablePointer<Float>?,
    scratch: UnsafeMutablePointer<Float>
) {
    dw.update(repeating: 0, count: g.windowHeight &* g.windowWidth &* filters)
    db?.update(repeating: 0, count: filters)
    let imageSize = g.inputHeight &* g.inputWidth
    let rowLength = g.outputWidth &* filters
    let gradient = UnsafePointer(scratch)
    for n in samples {
        let image = x + n &* imageSize
        for oh in 0..<g.outputHeight {
            let offset = (n &* g.outputHeight &+ oh) &* rowLength
            activationGradient(dy + offset, output: y + offset, activation: activation, rows: g.outputWidth,
                               width: filters, into: scratch, addingColumnSumsTo: db)
            let vertical = g.rowSpan(ofOutputRow: oh)
            for kh in vertical.lower..<vertical.upper {
                let source = image + (vertical.first &+ kh) &* g.inputWidth
                for kw in 0..<g.windowWidth {
                    // The output columns whose window puts tap kw inside the image.
                    let columns = g.outputColumns(reachingImageColumnsWithTap: kw)
                    let tap = dw + (kh &* g.windowWidth &+ kw) &* filters
                    let first = columns.lowerBound &* g.strideWidth &- g.padLeft &+ kw
                    var group = 0
                    while filters &- group >= 32 {
                        tapSums(FilterPair.self, source + first, stride: g.strideWidth, count: columns.count,
                                gradients: gradient + (columns.lowerBound &* filters &+ group), filters: filters,
                                into: tap + group)
                        group &+= 32
                    }
                    if group < filters {
                        tapSums(SIMD16<Float>.self, source + first, stride: g.strideWidth, count: columns.count,
                                gradients: gradient + (columns.lowerBound &* filters &+ group), filters: filters,
                                into: tap + group)
                    }
                }
            }
        }
    }
}
