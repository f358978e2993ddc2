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
final class PerceptronBP: BinaryBP, @unchecked Sendable {
    let buffers: MessageBuffers
    /// ξ^μ_i, row-major, in the patterns' own compact type.
    private let xi: PatternSet.Storage
    private let threshold: Double
    private let damping: Double
    /// The instructions of the ±1 pattern update (`Kernels.perceptronPattern`; the Swift loop below it).
    private let instructions: InstructionSet

    init(train: PatternSet, model: Model, generator: Generator, initialScale: Double, damping: Double, workers: Int,
         instructions: InstructionSet = .current) {
        threshold = model.threshold
        xi = train.labelsAbsorbed
        buffers = MessageBuffers(variables: model.inputs, patterns: train.count, units: 1,
                                 workers: max(1, min(workers, train.count)), initialScale: initialScale,
                                 generator: generator)
        self.damping = damping
        self.instructions = instructions
    }

    /// One iteration; returns the largest change of a message.
    func iterate(sequential: Bool, generator: Generator) -> Double {
        switch xi {
        case let .signs(x):
            return x.withUnsafeBufferPointer {
                sequential ? iterateSequential($0.baseAddress!, generator: generator) : iterateParallel($0.baseAddress!)
            }
        case let .reals(x):
            return x.withUnsafeBufferPointer {
                sequential ? iterateSequential($0.baseAddress!, generator: generator) : iterateParallel($0.baseAddress!)
            }
        }
    }

    /// Updates pattern μ's messages from fields h; accumulates the new messages into `sum` (parallel)
    /// or applies the changes to h and the cavity fields at once (sequential). Returns the largest change.
    @inline(__always)
    private static func update<X: PatternScalar>(pattern mu: Int, n: Int, xi: UnsafePointer<X>,
                                                 u: UnsafeMutablePointer<Float>, h: UnsafeMutablePointer<Double>,
                                                 cavity: UnsafeMutablePointer<Double>?,
                                                 sum: UnsafeMutablePointer<Double>?, m: UnsafeMutablePointer<Double>,
                                                 v: UnsafeMutablePointer<Double>, threshold: Double, damping: Double,
                                                 instructions: InstructionSet) -> Double {
        let row = xi + mu * n, messages = u + mu * n
        if X.self == Int8.self {
            // The same update in CKernels: sums in double, four (AVX2) or eight (AVX-512) sites per
            // instruction; the message in single precision (within a few 1e−7 of this loop's).
            let signs = UnsafeRawPointer(row).assumingMemoryBound(to: Int8.self)
            if let change = Kernels.perceptronPattern(signs, messages, h: h, cavity: cavity, sum: sum, m: m, v: v,
                                                      count: n, threshold: threshold, damping: damping,
                                                      instructions: instructions) {
                return change
            }
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

    private func iterateParallel<X: PatternScalar>(_ xi: UnsafePointer<X>) -> Double {
        let buffers = self.buffers, n = buffers.variables, p = buffers.patterns, workers = buffers.workers
        let threshold = self.threshold, damping = self.damping, instructions = self.instructions
        nonisolated(unsafe) let xi = xi
        buffers.loadFields()
        DispatchQueue.concurrentPerform(iterations: workers) { w in
            let scratch = buffers.scratch(w), sum = buffers.clearedSums(w)
            var change = 0.0
            for mu in (w * p / workers) ..< ((w + 1) * p / workers) {
                change = Field.largest(change, Self.update(
                    pattern: mu, n: n, xi: xi, u: buffers.messages, h: buffers.fields, cavity: nil, sum: sum,
                    m: scratch.m, v: scratch.v, threshold: threshold, damping: damping, instructions: instructions))
            }
            buffers.changes[w] = change
        }
        buffers.gatherSums()
        return buffers.largestChange(of: workers)
    }

    private func iterateSequential<X: PatternScalar>(_ xi: UnsafePointer<X>, generator: Generator) -> Double {
        let buffers = self.buffers, scratch = buffers.scratch(0)
        var change = 0.0
        buffers.loadFields()
        for mu in generator.permutation(buffers.patterns) {
            change = Field.largest(change, Self.update(
                pattern: mu, n: buffers.variables, xi: xi, u: buffers.messages, h: buffers.fields,
                cavity: buffers.cavity, sum: nil, m: scratch.m, v: scratch.v, threshold: threshold,
                damping: damping, instructions: instructions))
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
        let h = fields, u = buffers.messages, n = buffers.variables, p = buffers.patterns
        var total = 0.0
        for i in 0..<n { total += Double(1 - p) * Special.log2cosh(h[i]) }
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
        return total / Double(n)
    }
}
