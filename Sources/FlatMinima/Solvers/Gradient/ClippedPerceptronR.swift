import CKernels
import Foundation

/// `cpr`: the clipped perceptron with stochastic reinforcement, CP+R (Baldassi, J. Stat. Phys. 136,
/// 902, 2009 — arXiv:1211.3024; it simplifies SBPI, Baldassi, Braunstein, Brunel & Zecchina, PNAS 104,
/// 11079, 2007). Binary perceptron, ±1 inputs.
///
/// Every weight has an integer hidden state h_i (odd, starting at ±1) and w_i = sign(h_i). Patterns are
/// presented one at a time in a fresh random order every epoch; with ξ = σ x and Δ = w·ξ,
///
///     if Δ ≤ θ√N:  h_i ← h_i + 2 ξ_i  for all i        (the clipped perceptron rule)
///     with probability p_s:  h_i ← h_i + 2 sign(h_i) for all i   (unsupervised, meta-plastic reinforcement)
///
/// The reinforcement never changes a sign; it deepens every hidden state, so that later errors flip
/// fewer weights — an annealing driven by the learning itself. Baldassi (2009) shows it must be applied
/// at a rate below about √(2/(πN)) (≈ 0.025 at N = 1001); the default rate scales like it, 0.001·√(1001/N)
/// (`automaticRate`). An epoch with no error leaves the weights
/// unchanged, so it certifies a solution. θ = 0 is the pure CP+R of the paper; θ > 0 also corrects
/// "barely right" patterns (the margin of SBPI's second rule). With a model margin κ the threshold is
/// max(θ, κ)·√N.
///
/// Forward passes use the bit-packed kernel (`PackedSigns`): Δ = N − 2·popcount(ξ ⊕ w).
public struct ClippedPerceptronR: Solver {
    public static let name = "cpr"
    public static let summary = "CP+R: clipped perceptron with stochastic reinforcement; binary perceptron, ±1 inputs"
    public static let parameters: [ParameterSpec] = [
        ParameterSpec("max_iters", .integer(1...100_000_000), default: "2000",
                      help: "epochs (each presents every pattern once)"),
        ParameterSpec("ps", .text("auto or a number in [0, 1]"), default: "auto",
                      help: "p_s, probability of a reinforcement after each presentation; auto: 0.001·√(1001/N) (it "
                          + "must shrink like 1/√N)"),
        ParameterSpec("theta", .real(0...100), default: "0",
                      help: "θ: a pattern is corrected when w·ξ ≤ max(θ, κ)√N (κ: the model's --margin)"),
    ]

    public let maxEpochs: Int
    /// p_s, or nil for the automatic rate.
    public let reinforcement: Double?
    public let theta: Double

    public init(_ p: SolverParameters) throws(FlatMinimaError) {
        maxEpochs = p.int("max_iters")
        let ps = p.string("ps")
        if ps == "auto" {
            reinforcement = nil
        } else if let value = Double(ps), value.isFinite, (0...1).contains(value) {
            reinforcement = value
        } else {
            throw .invalidOption(option: "ps", message: "must be auto or a number in [0, 1] (got '\(ps)')")
        }
        theta = p.double("theta")
    }

    /// The automatic reinforcement rate: 0.001 at N = 1001 (measured: 10/10 at α = 0.5 and 0.6; 0.003 and
    /// above freeze the hidden states too early), scaled like Baldassi's bound √(2/(πN)): at N = 4001 it
    /// is 0.0005, which solves α = 0.5 in 4/4 and 0.6 in 3/4 where 0.001 solves 0.5 in 1/4 (README).
    static func automaticRate(inputs n: Int) -> Double { 0.001 * (1001 / Double(n)).squareRoot() }

    public static func unsupported(_ model: Model) -> String? {
        model.kind == .perceptron && model.weights == .binary
            ? nil : "needs a binary perceptron (--model perceptron --weights binary)"
    }

    public func solve(_ problem: Problem, generator: Generator, observer: any SolverObserver) throws -> SolverOutcome {
        guard case let .signs(raw) = problem.train.labelsAbsorbed else {
            throw FlatMinimaError.invalidOption(option: "--inputs",
                                                message: "cpr needs ±1 inputs (pm1); got real-valued inputs")
        }
        let n = problem.model.inputs, count = problem.train.count
        let reinforcement = self.reinforcement ?? Self.automaticRate(inputs: n)
        let patterns = PackedSigns(raw, count: count, dimension: n)
        var hidden = (0..<n).map { _ in Int32(generator.sign()) }
        var packed = PackedSigns.Row(signs: hidden.map { $0 > 0 }, words: patterns.words)
        // Corrected when Δ ≤ threshold; Δ has the parity of N, so Δ ≤ 0 is Δ < 0 for odd N. With the model's
        // margin κ the rule corrects every pattern not satisfied at κ (threshold max(θ, κ)·√N), so that an
        // error-free epoch is a solution at the margin.
        let threshold = Int(min((max(theta, problem.model.margin) * Double(n).squareRoot()).rounded(.down), Double(n)))
        var order = Array(0..<count)
        var epochs = 0, updates = 0, reinforcements = 0, errors = count
        let solvedAtStart = (0..<count).allSatisfy { patterns.overlap($0, packed) > threshold }
        errors = solvedAtStart ? 0 : count
        raw.withUnsafeBufferPointer { xi in
            hidden.withUnsafeMutableBufferPointer { h in
                while errors > 0, epochs < maxEpochs {
                    generator.shuffle(&order)
                    errors = 0
                    for mu in order {
                        if patterns.overlap(mu, packed) <= threshold {
                            errors += 1
                            updates += 1
                            let row = xi.baseAddress! + mu * n
                            for i in 0..<n {
                                let old = h[i]
                                let new = old &+ 2 &* Int32(row[i])
                                h[i] = new
                                if (old > 0) != (new > 0) { packed.flip(i) }
                            }
                        }
                        if reinforcement > 0, generator.uniform() < reinforcement {
                            reinforcements += 1
                            for i in 0..<n { h[i] &+= h[i] > 0 ? 2 : -2 }
                        }
                    }
                    epochs += 1
                    observer.observe(SolverStep(iteration: epochs, energy: errors))
                }
            }
        }
        let weights = hidden.map { $0 > 0 ? 1.0 : -1.0 }
        let meanAbsHidden = Double(hidden.reduce(0) { $0 + abs(Int($1)) }) / Double(n)
        var extra: [Record.Field] = [("ps_used", .double(reinforcement)), ("updates", .int(updates)),
                                     ("reinforcements", .int(reinforcements)),
                                     ("mean_abs_hidden", .double(meanAbsHidden))]
        if errors > 0 { extra.append(("reason", .string("max_iters reached"))) }
        return SolverOutcome(weights: weights, iterations: epochs, converged: errors == 0, extra: extra)
    }
}

/// ±1 vectors packed 64 per word (bit set = +1, padding bits zero), for the popcount overlap
/// a·b = n − 2·popcount(a ⊕ b).
@_spi(Benchmarks) public struct PackedSigns: Sendable {
    public let count: Int
    public let dimension: Int
    public let words: Int
    private(set) var bits: [UInt64]

    /// One packed vector.
    public struct Row: Sendable {
        public var bits: [UInt64]
        public init(signs: [Bool], words: Int) {
            bits = [UInt64](repeating: 0, count: words)
            for (i, s) in signs.enumerated() where s { bits[i >> 6] |= 1 << UInt64(i & 63) }
        }
        public mutating func flip(_ i: Int) { bits[i >> 6] ^= 1 << UInt64(i & 63) }
    }

    public init(_ values: [Int8], count: Int, dimension: Int) {
        self.count = count
        self.dimension = dimension
        words = (dimension + 63) / 64
        bits = [UInt64](repeating: 0, count: count * words)
        for mu in 0..<count {
            for i in 0..<dimension where values[mu * dimension + i] > 0 {
                bits[mu * words + (i >> 6)] |= 1 << UInt64(i & 63)
            }
        }
    }

    /// Rows μ with Σ_i a^μ_i b_i ≤ threshold (with the labels absorbed: the training errors at margin
    /// threshold/√N).
    public func count(atMost threshold: Int, _ b: Row) -> Int {
        b.bits.withUnsafeBufferPointer { count(atMost: threshold, $0.baseAddress!) }
    }

    /// The same for a packed vector b given as `words` words.
    public func count(atMost threshold: Int, _ b: UnsafePointer<UInt64>) -> Int {
        var wrong = 0
        for mu in 0..<count where overlap(mu, b) <= threshold { wrong += 1 }
        return wrong
    }

    /// Σ_i a^μ_i b_i for row μ and a packed vector b.
    @inline(__always)
    func overlap(_ mu: Int, _ b: Row) -> Int {
        b.bits.withUnsafeBufferPointer { overlap(mu, $0.baseAddress!) }
    }

    /// Σ_i a^μ_i b_i for row μ and a packed vector b given as `words` words.
    @inline(__always)
    func overlap(_ mu: Int, _ b: UnsafePointer<UInt64>) -> Int {
        var differ = 0
        bits.withUnsafeBufferPointer { a in
            let base = mu * words
            differ = Kernels.xorPopcount(a.baseAddress! + base, b, words: words)
        }
        return dimension - 2 * differ
    }
}
