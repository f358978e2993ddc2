import CKernels
import Foundation

/// Belief propagation for the binary perceptron in the Gaussian cavity approximation (SCIENCE.md §3;
/// Braunstein & Zecchina, PRL 96, 2006; Baldassi et al., PNAS 113, 2016).
///
/// With ξ^μ = σ^μ x^μ, factor→variable fields u_{μ→i}, pattern fields c_i = Σ_μ u_{μ→i} and an
/// external field e_i (reinforcement, focusing, or λ w̃_i for the local entropy), the total field is
/// h_i = c_i + e_i and
///
///     m_{i→μ} = tanh(h_i − u_{μ→i}),   M_μ = Σ_j ξ^μ_j m_{j→μ},   V_μ = Σ_j (ξ^μ_j)² (1 − m²_{j→μ}),
///     u_{μ→i} = ½ [ log H((κ√N − M_{μ→i} − ξ^μ_i)/√V_{μ→i}) − log H((κ√N − M_{μ→i} + ξ^μ_i)/√V_{μ→i}) ],
///
/// with the cavity sums M_{μ→i} = M_μ − ξ^μ_i m_{i→μ}, V_{μ→i} = V_μ − (ξ^μ_i)²(1 − m²_{i→μ}). Messages
/// are stored as Float fields (4 bytes per edge), patterns in their compact type. An iteration updates
/// every message in parallel from the previous fields (patterns split across cores) or, in the
/// random-sequential schedule, one pattern at a time with the fields refreshed after each.
///
/// The Bethe free entropy per variable at a fixed point, external fields absorbed into the variables:
///
///     φ = (1/N) [ Σ_μ log H((κ√N − M_μ)/√V_μ) + Σ_i ( (1 − P) log 2cosh h_i + Σ_μ log 2cosh h_{i→μ} ) ],
///
/// which on a storage instance estimates the entropy of solutions s(α) (§7) when e = 0, and
/// φ(λ) = (1/N) log Σ_{E=0} e^{λ Σ_i w_i w̃_i} with e_i = λ w̃_i.
final class PerceptronBP: BinaryBP {
    let n: Int
    let p: Int
    /// ξ^μ_i, row-major, in the patterns' own compact type.
    private let xi: PatternSet.Storage
    private let threshold: Double
    /// u_{μ→i}, row-major like ξ.
    private var u: [Float]
    private(set) var cavity: [Double]
    var external: [Double]
    var damping: Double
    private let workers: Int

    init(train: PatternSet, model: Model, generator: Generator, initialScale: Double, damping: Double, workers: Int) {
        n = model.inputs
        p = train.count
        threshold = model.threshold
        xi = train.labelsAbsorbed
        u = MessageStore.random(count: n * p, scale: initialScale, generator: generator)
        cavity = MessageStore.columnSums(u, columns: n)
        external = [Double](repeating: 0, count: n)
        self.damping = damping
        self.workers = max(1, min(workers, p))
    }

    var bytes: Int { xi.bytes + 4 * u.count + 16 * n }

    /// One iteration; returns the largest change of a message.
    func iterate(sequential: Bool, generator: Generator) -> Double {
        switch xi {
        case let .signs(x):
            return x.withUnsafeBufferPointer { sequential ? iterateSequential($0, generator: generator) : iterateParallel($0) }
        case let .reals(x):
            return x.withUnsafeBufferPointer { sequential ? iterateSequential($0, generator: generator) : iterateParallel($0) }
        }
    }

    /// Updates pattern μ's messages from fields h; accumulates the new messages into `sum` (parallel)
    /// or applies the changes to h and the cavity fields at once (sequential). Returns the largest change.
    @inline(__always)
    private static func update<X: PatternScalar>(pattern mu: Int, n: Int, xi: UnsafePointer<X>, u: UnsafeMutablePointer<Float>,
                               h: UnsafeMutablePointer<Double>, cavity: UnsafeMutablePointer<Double>?,
                               sum: UnsafeMutablePointer<Double>?, m: UnsafeMutablePointer<Double>,
                               v: UnsafeMutablePointer<Double>, threshold: Double, damping: Double) -> Double {
        let row = xi + mu * n, messages = u + mu * n
        if X.self == Int8.self, Kernels.avx512bp {
            // The same with AVX-512: eight doubles, sixteen floats per instruction (the same accuracy).
            return fm_bp_pattern_f32_avx512(UnsafeRawPointer(row).assumingMemoryBound(to: Int8.self), messages, h, cavity, sum,
                                            m, v, n, threshold, damping, Special.erfcxTableSingle)
        }
        if X.self == Int8.self, Kernels.avx2fma {
            // The same update in AVX2 (CKernels): sums in double, four sites per instruction; the message
            // in single precision, eight per instruction (within a few 1e−7 of this loop's).
            return fm_bp_pattern_f32_avx2(UnsafeRawPointer(row).assumingMemoryBound(to: Int8.self), messages, h, cavity, sum,
                                          m, v, n, threshold, damping, Special.erfcxTableSingle)
        }
        var bigM = 0.0, bigV = 0.0
        for i in 0..<n {
            let x = row[i].asDouble, hc = h[i] - Double(messages[i])
            // tanh and 1 − tanh² from one exponential: e = e^{−2|h|}, m = ±(1 − e)/(1 + e).
            let e = exp(-2 * abs(hc)), r = 1 / (1 + e)
            let mi = hc < 0 ? (e - 1) * r : (1 - e) * r
            let vi = x * x * 4 * e * r * r
            m[i] = mi
            v[i] = vi
            bigM += x * mi
            bigV += vi
        }
        var change = 0.0
        for i in 0..<n {
            let x = row[i].asDouble
            let cavityM = bigM - x * m[i]
            let cavityV = max(bigV - v[i], 1e-12)
            let s = 1 / cavityV.squareRoot(), a = threshold - cavityM
            let fresh = Field.clamp(Special.halfLogHRatio((a - x) * s, (a + x) * s))
            let old = Double(messages[i])
            let next = Double(Float(damping * old + (1 - damping) * fresh))
            change = Field.largest(change, abs(next - old))
            messages[i] = Float(next)
            if let sum {
                sum[i] += next
            } else if let cavity {
                cavity[i] += next - old
                h[i] += next - old
            }
        }
        return change
    }

    private func iterateParallel<X: PatternScalar>(_ xiBuffer: UnsafeBufferPointer<X>) -> Double {
        let n = self.n, p = self.p, threshold = self.threshold, damping = self.damping, workers = self.workers
        var h = fields
        var sums = [[Double]](repeating: [Double](repeating: 0, count: n), count: workers)
        var changes = [Double](repeating: 0, count: workers)
        do {
            u.withUnsafeMutableBufferPointer { uBuffer in
                h.withUnsafeMutableBufferPointer { hBuffer in
                    sums.withUnsafeMutableBufferPointer { sumsBuffer in
                        changes.withUnsafeMutableBufferPointer { changesBuffer in
                            nonisolated(unsafe) let xiBase = xiBuffer.baseAddress!, uBase = uBuffer.baseAddress!
                            nonisolated(unsafe) let hBase = hBuffer.baseAddress!
                            nonisolated(unsafe) let sumsBase = sumsBuffer, changesBase = changesBuffer
                            DispatchQueue.concurrentPerform(iterations: workers) { w in
                                let m = UnsafeMutablePointer<Double>.allocate(capacity: n)
                                let v = UnsafeMutablePointer<Double>.allocate(capacity: n)
                                defer { m.deallocate(); v.deallocate() }
                                var change = 0.0
                                sumsBase[w].withUnsafeMutableBufferPointer { sum in
                                    for mu in (w * p / workers) ..< ((w + 1) * p / workers) {
                                        change = Field.largest(change, Self.update(
                                            pattern: mu, n: n, xi: xiBase, u: uBase, h: hBase, cavity: nil,
                                            sum: sum.baseAddress!, m: m, v: v, threshold: threshold, damping: damping))
                                    }
                                }
                                changesBase[w] = change
                            }
                        }
                    }
                }
            }
        }
        for i in 0..<n { cavity[i] = sums.reduce(0) { $0 + $1[i] } }
        return changes.reduce(0, Field.largest)
    }

    private func iterateSequential<X: PatternScalar>(_ xiBuffer: UnsafeBufferPointer<X>, generator: Generator) -> Double {
        var h = fields
        var change = 0.0
        let order = generator.permutation(p)
        let m = UnsafeMutablePointer<Double>.allocate(capacity: n), v = UnsafeMutablePointer<Double>.allocate(capacity: n)
        defer { m.deallocate(); v.deallocate() }
        do {
            u.withUnsafeMutableBufferPointer { uBuffer in
                h.withUnsafeMutableBufferPointer { hBuffer in
                    cavity.withUnsafeMutableBufferPointer { cBuffer in
                        for mu in order {
                            change = Field.largest(change, Self.update(
                                pattern: mu, n: n, xi: xiBuffer.baseAddress!, u: uBuffer.baseAddress!,
                                h: hBuffer.baseAddress!, cavity: cBuffer.baseAddress!, sum: nil, m: m, v: v,
                                threshold: threshold, damping: damping))
                        }
                    }
                }
            }
        }
        return change
    }

    /// The Bethe free entropy per variable at the current messages (see the type's documentation).
    func freeEntropy() -> Double {
        switch xi {
        case let .signs(x): return x.withUnsafeBufferPointer { freeEntropy($0) }
        case let .reals(x): return x.withUnsafeBufferPointer { freeEntropy($0) }
        }
    }

    private func freeEntropy<X: PatternScalar>(_ xi: UnsafeBufferPointer<X>) -> Double {
        let h = fields
        var total = 0.0
        for i in 0..<n { total += Double(1 - p) * Special.log2cosh(h[i]) }
        do {
            u.withUnsafeBufferPointer { u in
                for mu in 0..<p {
                    var bigM = 0.0, bigV = 0.0, edges = 0.0
                    for i in 0..<n {
                        let x = xi[mu * n + i].asDouble, hc = h[i] - Double(u[mu * n + i])
                        bigM += x * tanh(hc)
                        bigV += x * x * Field.oneMinusM2(hc)
                        edges += Special.log2cosh(hc)
                    }
                    total += Special.logH((threshold - bigM) / max(bigV, 1e-300).squareRoot()) + edges
                }
            }
        }
        return total / Double(n)
    }
}

/// What the binary-weight message-passing solvers need of a BP engine, whatever its pattern type.
protocol BinaryBP: AnyObject {
    /// Number of variables.
    var n: Int { get }
    /// Pattern fields c_i (without the external field).
    var cavity: [Double] { get }
    /// External fields e_i.
    var external: [Double] { get set }
    var damping: Double { get set }
    /// Total fields h_i = c_i + e_i (given by the extension below).
    var fields: [Double] { get }
    /// Bytes of messages and patterns held.
    var bytes: Int { get }
    func iterate(sequential: Bool, generator: Generator) -> Double
    func freeEntropy() -> Double
}

extension BinaryBP {
    /// h_i = c_i + e_i.
    var fields: [Double] { (0..<n).map { cavity[$0] + external[$0] } }
}

/// Set-up shared by the BP engines' message arrays (row-major P × variables, Float fields).
enum MessageStore {
    /// Messages uniform in ±scale.
    static func random(count: Int, scale: Double, generator: Generator) -> [Float] {
        (0..<count).map { _ in Float(scale * (2 * generator.uniform() - 1)) }
    }

    /// Σ_μ u_{μ→j} for every variable j: the pattern fields.
    static func columnSums(_ u: [Float], columns n: Int) -> [Double] {
        var sums = [Double](repeating: 0, count: n)
        for row in 0..<(n > 0 ? u.count / n : 0) { for j in 0..<n { sums[j] += Double(u[row * n + j]) } }
        return sums
    }
}
