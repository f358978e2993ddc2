/// Perceptrons and committee machines (SCIENCE.md §1).
///
/// - Perceptron: σ(x) = sign(w·x/√N).
/// - Committee machine, K odd hidden units: τ_k = sign(w_k·x_k/√n), output sign(Σ_k τ_k).
///   *Tree*: unit k sees the inputs k·n ..< (k+1)·n with n = N/K; *fully connected*: every unit sees
///   all N inputs (n = N, K·N weights).
/// Weights are stored flat, unit k at `k·n ..< (k+1)·n`; a perceptron is the K = 1 case.
/// With margin κ a hidden unit votes for the label σ when its stability σ·λ_k exceeds κ, and a pattern
/// is satisfied when more than half of the units vote for it (for the perceptron: σλ > κ).
public struct Model: Sendable, Hashable, Codable {
    public enum Kind: String, Sendable, Hashable, Codable, CaseIterable { case perceptron, committee }
    public enum Weights: String, Sendable, Hashable, Codable, CaseIterable { case binary, spherical }
    public enum Architecture: String, Sendable, Hashable, Codable, CaseIterable { case tree, full }

    public var kind: Kind
    public var weights: Weights
    public var architecture: Architecture
    /// K, the number of hidden units (1 for the perceptron).
    public var hidden: Int
    /// N, the number of inputs.
    public var inputs: Int
    /// κ, the margin on every unit's stability.
    public var margin: Double

    public init(kind: Kind, weights: Weights, architecture: Architecture = .tree, hidden: Int = 1,
                inputs: Int, margin: Double = 0) {
        self.kind = kind
        self.weights = weights
        self.architecture = kind == .perceptron ? .tree : architecture
        self.hidden = kind == .perceptron ? 1 : hidden
        self.inputs = inputs
        self.margin = margin
    }

    /// n, the number of inputs each hidden unit sees.
    @inlinable public var fanIn: Int { architecture == .full ? inputs : inputs / hidden }
    /// The number of weights: N for a perceptron or a tree, K·N fully connected.
    @inlinable public var weightCount: Int { hidden * fanIn }
    /// Offset of unit k's receptive field in an input vector.
    @inlinable public func inputOffset(unit k: Int) -> Int { architecture == .full ? 0 : k * fanIn }
    /// The stability threshold on un-normalised pre-activations: σ·Σ_i w_ki x_i > κ√n.
    @inlinable public var threshold: Double { margin * Double(fanIn).squareRoot() }
    /// Votes a pattern needs to be satisfied: ⌊K/2⌋ + 1.
    @inlinable public var votesNeeded: Int { hidden / 2 + 1 }

    /// The largest margin κ accepted.
    public static let largestMargin = 100.0

    /// Checks the model's own consistency; throws with the option name and the accepted range.
    /// `pm1Inputs` says whether inputs are ±1, where binary weights need an odd fan-in to avoid ties.
    public func validate(pm1Inputs: Bool) throws(FlatMinimaError) {
        guard inputs > 0, inputs <= 1_000_000_000 else {
            throw .invalidOption(option: RequestKeys.option(["N"]),
                                 message: "must be an integer in [1, 10^9] (got \(inputs))")
        }
        if kind == .committee {
            guard hidden >= 1, hidden % 2 == 1, hidden <= inputs else {
                throw .invalidOption(option: RequestKeys.option(["K"]),
                                     message: "must be a positive odd integer at most N = \(inputs) (got \(hidden))")
            }
            if architecture == .tree, inputs % hidden != 0 {
                throw .invalidOption(option: RequestKeys.option(["K"]),
                                     message: "must divide N = \(inputs) for a tree committee (got \(hidden))")
            }
        }
        // A unit's stability is at most √n (binary weights, ±1 inputs) and rarely above a few units of it
        // otherwise; margins beyond 100 are unsatisfiable at any size this tool can hold.
        guard margin.isFinite, margin >= 0, margin <= Self.largestMargin else {
            throw .invalidOption(option: RequestKeys.option(["margin"]),
                                 message: "must be a number in [0, \(Int(Self.largestMargin))] (got \(margin))")
        }
        if weights == .binary, pm1Inputs, fanIn % 2 == 0 {
            let what = kind == .perceptron || architecture == .full ? "N" : "N/K"
            let reason = "(ties w·x = 0 are possible otherwise)"
            throw .invalidOption(option: RequestKeys.option(["N"]),
                                 message: "\(what) = \(fanIn) must be odd with binary weights and ±1 inputs \(reason)")
        }
    }
}

extension Model {
    /// The factor √(n/|v_k|²) that puts unit k of the flat vector `v` on the sphere |w_k|² = n of the
    /// spherical weights (0 for a zero unit). |v_k|² is summed in index order.
    @inlinable
    func sphereScale(_ v: UnsafeBufferPointer<Double>, unit k: Int) -> Double {
        let n = fanIn
        var s = 0.0
        for i in k * n ..< (k + 1) * n { s += v[i] * v[i] }
        return s > 0 ? (Double(n) / s).squareRoot() : 0
    }

    /// w ← v with every unit projected on its sphere, w_k = √n v_k/|v_k| (`sphereScale`); `w` may be `v`.
    func projectOntoSphere(_ v: [Double], into w: inout [Double]) {
        let n = fanIn
        for k in 0..<hidden {
            let scale = v.withUnsafeBufferPointer { sphereScale($0, unit: k) }
            for i in k * n ..< (k + 1) * n { w[i] = v[i] * scale }
        }
    }
}
