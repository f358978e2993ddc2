/// P input patterns of dimension N with their ±1 labels, stored row-major (pattern μ at
/// `values[μ·N ..< (μ+1)·N]`). Memory: 8·P·N bytes.
public struct PatternSet: Sendable, Equatable {
    public let count: Int
    public let dimension: Int
    public var values: [Double]
    public var labels: [Double]

    public init(count: Int, dimension: Int, values: [Double], labels: [Double]) {
        precondition(values.count == count * dimension && labels.count == count)
        self.count = count
        self.dimension = dimension
        self.values = values
        self.labels = labels
    }

    /// Pattern μ as a slice of `values`.
    @inlinable public func pattern(_ mu: Int) -> ArraySlice<Double> {
        values[mu * dimension ..< (mu + 1) * dimension]
    }
}
