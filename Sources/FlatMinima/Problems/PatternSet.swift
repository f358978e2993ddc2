/// An element type of stored patterns: ±1 inputs as `Int8` (1 byte), real inputs as `Double`.
public protocol PatternScalar: Sendable, Equatable {
    /// The value as a Double.
    var asDouble: Double { get }
    /// Converts a drawn input (exactly ±1 for `Int8`).
    init(input: Double)
}

extension Int8: PatternScalar {
    @inlinable public var asDouble: Double { Double(self) }
    @inlinable public init(input: Double) { self = input > 0 ? 1 : -1 }
}

extension Double: PatternScalar {
    @inlinable public var asDouble: Double { self }
    @inlinable public init(input: Double) { self = input }
}

/// P input patterns of dimension N with their ±1 labels, stored row-major (pattern μ at
/// `μ·N ..< (μ+1)·N`). ±1 inputs are kept as `Int8` (P·N bytes), real inputs as `Double` (8·P·N bytes),
/// so that memory stays proportional to the problem and compact where it can be.
public struct PatternSet: Sendable, Equatable {
    public enum Storage: Sendable, Equatable {
        case signs([Int8])
        case reals([Double])
    }

    public let count: Int
    public let dimension: Int
    public let storage: Storage
    public let labels: [Double]

    public init(count: Int, dimension: Int, storage: Storage, labels: [Double]) {
        switch storage {
        case let .signs(x): precondition(x.count == count * dimension)
        case let .reals(x): precondition(x.count == count * dimension)
        }
        precondition(labels.count == count)
        self.count = count
        self.dimension = dimension
        self.storage = storage
        self.labels = labels
    }

    /// Real-valued patterns.
    public init(count: Int, dimension: Int, values: [Double], labels: [Double]) {
        self.init(count: count, dimension: dimension, storage: .reals(values), labels: labels)
    }

    /// Bytes taken by the inputs.
    var bytes: Int { storage.bytes }

    /// Input i of pattern μ.
    public func value(_ mu: Int, _ i: Int) -> Double {
        switch storage {
        case let .signs(x): return Double(x[mu * dimension + i])
        case let .reals(x): return x[mu * dimension + i]
        }
    }

    /// Pattern μ as Doubles (a copy; kernels use `visit`).
    public func pattern(_ mu: Int) -> [Double] { (0..<dimension).map { value(mu, $0) } }

    /// Runs `visitor` on the stored inputs with their concrete element type, so that kernels are
    /// compiled (and specialised) once per storage type.
    func visit<V: PatternVisitor>(_ visitor: V) -> V.Result {
        switch storage {
        case let .signs(x): return x.withUnsafeBufferPointer { visitor.visit($0, labels: labels) }
        case let .reals(x): return x.withUnsafeBufferPointer { visitor.visit($0, labels: labels) }
        }
    }
}

/// A computation over a pattern set's inputs, generic over their element type.
protocol PatternVisitor {
    associatedtype Result
    func visit<X: PatternScalar>(_ inputs: UnsafeBufferPointer<X>, labels: [Double]) -> Result
}

extension PatternSet {
    /// A 64-bit FNV-1a fingerprint of the inputs and labels: saved configurations carry it, so that
    /// regenerating their instance can be checked bit for bit.
    var fingerprint: UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        func mix(_ byte: UInt8) { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
        func mix64(_ value: UInt64) {
            for shift in stride(from: 0, to: 64, by: 8) { mix(UInt8(truncatingIfNeeded: value >> UInt64(shift))) }
        }
        mix64(UInt64(count))
        mix64(UInt64(dimension))
        switch storage {
        case let .signs(x): for v in x { mix(UInt8(bitPattern: v)) }
        case let .reals(x): for v in x { mix64(v.bitPattern) }
        }
        for label in labels { mix64(label.bitPattern) }
        return hash
    }
}

extension PatternSet {
    /// The inputs with the labels absorbed, ξ^μ = σ^μ x^μ, in the same compact storage (BP's patterns).
    var labelsAbsorbed: Storage {
        func absorb<X: PatternScalar>(_ x: [X]) -> [X] {
            (0..<x.count).map { X(input: labels[$0 / dimension] * x[$0].asDouble) }
        }
        switch storage {
        case let .signs(x): return .signs(absorb(x))
        case let .reals(x): return .reals(absorb(x))
        }
    }
}

extension PatternSet.Storage {
    /// Bytes taken by the inputs.
    var bytes: Int {
        switch self {
        case let .signs(x): return x.count
        case let .reals(x): return 8 * x.count
        }
    }
}
