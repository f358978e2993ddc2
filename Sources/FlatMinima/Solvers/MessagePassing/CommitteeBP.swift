import CKernels
import Foundation

/// Belief propagation for binary committee machines, tree or fully connected (SCIENCE.md §3; the
/// committee machine of Baldassi et al., PNAS 113, 2016, after carlobaldassi/BinaryCommitteeMachineFBP.jl).
///
/// Per pattern μ the factor graph has one perceptron node per hidden unit k, linking the unit's weights
/// to its vote v_k = sign(ξ^μ·w_k − κ√n) (ξ = σx, the label absorbed), and one output node requiring a
/// majority of votes, Σ_k v_k > 0. With the unit's cavity sums M, V as for the perceptron and
/// a(w) = (κ√n − M_{μk→i} − ξ_i w)/√V_{μk→i}:
///
/// - unit → vote: Û_k = ½ [log H(a₀) − log H(−a₀)], a₀ = (κ√n − M_{μk})/√V_{μk} (Gaussian approximation);
/// - output → vote: U_k = ½ log [P(S_{−k} ≥ 0)/P(S_{−k} ≥ 2)], S_{−k} = Σ_{j≠k} v_j with v_j of field Û_j,
///   summed exactly over the hidden signs (a convolution over the number of positive votes);
/// - unit → weight: u_{μk→i} = ½ log[W(+1)/W(−1)], W(w) = (1 − tanh U_k) + 2 tanh U_k · H(a(w)), the
///   vote's two outcomes weighted by the output's field (equal to log(e^{U} H(a) + e^{−U} H(−a)) + const).
///
/// With U → ∞ (K = 1) this is the perceptron's update. The Bethe free entropy, per weight:
///
///     Nw·φ = Σ_μ [ log P(S ≥ 1) + Σ_k ( log Z_{μk} − log 2cosh(U_k + Û_k) + log 2cosh U_k + log 2cosh Û_k ) ]
///            + Σ_weights [ (1 − P) log 2cosh h + Σ_μ log 2cosh h_{→μ} ],
///
/// with Z_{μk} = ((1 + tanh U_k)/2) H(a₀) + ((1 − tanh U_k)/2) H(−a₀) and S the full vote sum.
///
/// On ±1 inputs with AVX2 + FMA each unit's edges run in CKernels (`fm_committee_unit_sums_avx2`,
/// `fm_committee_unit_messages_avx2`: the same equations four edges per instruction in double precision,
/// equal to this file's loops to rounding; about 3× faster), or with AVX-512 eight edges per instruction
/// (`fm_committee_unit_*_avx512`; `FLATMINIMA_AVX512=0` keeps AVX2).
final class CommitteeBP: BinaryBP, @unchecked Sendable {
    let model: Model
    /// Messages of the K·n weight variables.
    let buffers: MessageBuffers
    private let xi: PatternSet.Storage
    private let damping: Double
    /// The instructions of the ±1 unit loops (`Kernels.committeeUnit…`; the Swift loops beside them).
    private let instructions: InstructionSet

    init(train: PatternSet, model: Model, generator: Generator, initialScale: Double, damping: Double, workers: Int,
         instructions: InstructionSet = .current) {
        self.model = model
        xi = train.labelsAbsorbed
        buffers = MessageBuffers(variables: model.weightCount, patterns: train.count, units: model.hidden,
                                 workers: max(1, min(workers, train.count)), initialScale: initialScale,
                                 generator: generator)
        self.damping = damping
        self.instructions = instructions
    }

    func iterate(sequential: Bool, generator: Generator) -> Double {
        switch xi {
        case let .signs(x): return x.withUnsafeBufferPointer { run($0, sequential: sequential, generator: generator) }
        case let .reals(x): return x.withUnsafeBufferPointer { run($0, sequential: sequential, generator: generator) }
        }
    }

    func freeEntropy() -> Double {
        switch xi {
        case let .signs(x): return x.withUnsafeBufferPointer { freeEntropy($0) }
        case let .reals(x): return x.withUnsafeBufferPointer { freeEntropy($0) }
        }
    }

    /// Cavity magnetisations of pattern μ's edges and each unit's sums M_k, V_k and vote field Û_k, then
    /// the output's fields U_k.
    private func unitSums<X: PatternScalar>(_ x: UnsafeBufferPointer<X>, mu: Int, h: UnsafePointer<Double>,
                                            u: UnsafePointer<Float>, scratch: MessageBuffers.Scratch) {
        let fan = model.fanIn, inputs = model.inputs, theta = model.threshold, n = buffers.variables
        for k in 0..<model.hidden {
            let offset = model.inputOffset(unit: k)
            var bigM = 0.0, bigV = 0.0
            let row = UnsafeRawPointer(x.baseAddress! + mu * inputs + offset).assumingMemoryBound(to: Int8.self)
            let base = k * fan
            // The same sums four (AVX2) or eight (AVX-512) edges per instruction (CKernels).
            if X.self == Int8.self, let sums = Kernels.committeeUnitSums(
                row, h: h + base, u: u + mu * n + base, m: scratch.m + base, v: scratch.v + base, fan: fan,
                instructions: instructions) {
                (bigM, bigV) = sums
            } else {
                for i in 0..<fan {
                    let j = k * fan + i
                    let xv = x[mu * inputs + offset + i].asDouble, hc = h[j] - Double(u[mu * n + j])
                    let e = exp(-2 * abs(hc)), r = 1 / (1 + e)
                    let mi = hc < 0 ? (e - 1) * r : (1 - e) * r
                    let vi = xv * xv * 4 * e * r * r
                    scratch.m[j] = mi
                    scratch.v[j] = vi
                    bigM += xv * mi
                    bigV += vi
                }
            }
            scratch.bigM[k] = bigM
            scratch.bigV[k] = max(bigV, 1e-12)
            let a0 = (theta - bigM) / scratch.bigV[k].squareRoot()
            scratch.up[k] = Field.clamp(Special.halfLogHRatio(a0, -a0))
        }
        CommitteeBP.outputFields(up: scratch.up, into: scratch.down, count: model.hidden, plus: scratch.plus,
                                 counts: scratch.counts)
    }

    /// U_k = ½ log[P(S_{−k} ≥ 0)/P(S_{−k} ≥ 2)] for every k, by leave-one-out convolution of the
    /// other votes' distributions (counts of positive votes).
    static func outputFields(up: UnsafePointer<Double>, into down: UnsafeMutablePointer<Double>, count k: Int,
                             plus: UnsafeMutablePointer<Double>, counts dist: UnsafeMutablePointer<Double>) {
        if k == 1 { down[0] = Field.limit; return }
        for j in 0..<k { plus[j] = 1 / (1 + exp(-2 * up[j])) }
        for skip in 0..<k {
            // dist[c] = P(c positive votes among the others).
            dist.update(repeating: 0, count: k)
            dist[0] = 1
            var used = 0
            for j in 0..<k where j != skip {
                used += 1
                for c in stride(from: used, through: 1, by: -1) {
                    dist[c] = dist[c] * (1 - plus[j]) + dist[c - 1] * plus[j]
                }
                dist[0] *= 1 - plus[j]
            }
            // S_{−k} = 2c − (K − 1): S ≥ 0 ⇔ c ≥ (K−1)/2; S ≥ 2 ⇔ c ≥ (K+1)/2.
            let half = (k - 1) / 2
            var atLeastHalf = 0.0, above = 0.0
            for c in half...(k - 1) { atLeastHalf += dist[c] }
            for c in (half + 1)..<k { above += dist[c] }
            down[skip] = Field.clamp(0.5 * log(max(atLeastHalf, 1e-300) / max(above, 1e-300)))
        }
    }

    /// log(e^{U} H(a) + e^{−U} H(−a)), stable.
    @inline(__always)
    static func voteWeight(_ bigU: Double, _ a: Double) -> Double {
        let first = bigU + Special.logHFast(a), second = -bigU + Special.logHFast(-a)
        let top = max(first, second)
        return top + log1p(exp(-abs(first - second)))
    }

    private func run<X: PatternScalar>(_ x: UnsafeBufferPointer<X>, sequential: Bool, generator: Generator) -> Double {
        let buffers = self.buffers, n = buffers.variables, p = buffers.patterns
        let fan = model.fanIn, inputs = model.inputs, theta = model.threshold
        let damping = self.damping, k = model.hidden, instructions = self.instructions
        buffers.loadFields()
        let order = sequential ? generator.permutation(p) : Array(0..<p)
        let workers = sequential ? 1 : buffers.workers
        nonisolated(unsafe) let x = x
        let model = self.model
        DispatchQueue.concurrentPerform(iterations: workers) { w in
            let scratch = buffers.scratch(w), sum = buffers.clearedSums(w)
            let u = buffers.messages, h = buffers.fields, cavity = buffers.cavity
            var change = 0.0
            for index in (w * p / workers) ..< ((w + 1) * p / workers) {
                let mu = order[index]
                self.unitSums(x, mu: mu, h: h, u: u, scratch: scratch)
                for unit in 0..<k {
                    let offset = model.inputOffset(unit: unit), bigU = scratch.down[unit]
                    let t = tanh(bigU)
                    // 1 − tanh U = 2/(1 + e^{2U}), without cancellation for large U.
                    let oneMinusT = bigU >= 0 ? 2 * exp(-2 * bigU) / (1 + exp(-2 * bigU)) : 2 / (1 + exp(2 * bigU))
                    // The same loop four (AVX2) or eight (AVX-512) edges per instruction (CKernels).
                    let row = UnsafeRawPointer(x.baseAddress! + mu * inputs + offset)
                        .assumingMemoryBound(to: Int8.self)
                    let base = unit * fan
                    if X.self == Int8.self, let unitChange = Kernels.committeeUnitMessages(
                        row, u + mu * n + base, m: scratch.m + base, v: scratch.v + base, fan: fan,
                        bigM: scratch.bigM[unit], bigV: scratch.bigV[unit], theta: theta, t: t, c: oneMinusT,
                        damping: damping, sum: sequential ? nil : sum + base, cavity: cavity + base, h: h + base,
                        instructions: instructions) {
                        change = Field.largest(change, unitChange)
                        continue
                    }
                    for i in 0..<fan {
                        let j = unit * fan + i
                        let xv = x[mu * inputs + offset + i].asDouble
                        let cavityM = scratch.bigM[unit] - xv * scratch.m[j]
                        let cavityV = max(scratch.bigV[unit] - scratch.v[j], 1e-12)
                        let s = 1 / cavityV.squareRoot(), a = theta - cavityM
                        let plus = oneMinusT + 2 * t * Special.HFast((a - xv) * s)
                        let minus = oneMinusT + 2 * t * Special.HFast((a + xv) * s)
                        let fresh = Field.clamp(0.5 * log(plus / minus))
                        let old = Double(u[mu * n + j])
                        let next = Double(Float(damping * old + (1 - damping) * fresh))
                        change = Field.largest(change, abs(next - old))
                        u[mu * n + j] = Float(next)
                        if sequential {
                            cavity[j] += next - old
                            h[j] += next - old
                        } else {
                            sum[j] += next
                        }
                    }
                }
            }
            buffers.changes[w] = change
        }
        if !sequential { buffers.gatherSums() }
        return buffers.largestChange(of: workers)
    }

    private func freeEntropy<X: PatternScalar>(_ x: UnsafeBufferPointer<X>) -> Double {
        let k = model.hidden, theta = model.threshold, n = buffers.variables, p = buffers.patterns
        let u = buffers.messages, h = buffers.fields, scratch = buffers.scratch(0)
        buffers.loadFields()
        var total = 0.0
        for j in 0..<n { total += Double(1 - p) * Special.log2cosh(h[j]) }
        for mu in 0..<p {
            unitSums(x, mu: mu, h: h, u: u, scratch: scratch)
            for j in 0..<n { total += Special.log2cosh(h[j] - Double(u[mu * n + j])) }
            // Output node: P(S ≥ 1) over all K votes.
            var dist = [Double](repeating: 0, count: k + 1)
            dist[0] = 1
            for unit in 0..<k {
                let plus = 1 / (1 + exp(-2 * scratch.up[unit]))
                for c in stride(from: unit + 1, through: 1, by: -1) {
                    dist[c] = dist[c] * (1 - plus) + dist[c - 1] * plus
                }
                dist[0] *= 1 - plus
            }
            total += log(max(dist[(k + 1) / 2 ... k].reduce(0, +), 1e-300))
            for unit in 0..<k {
                let a0 = (theta - scratch.bigM[unit]) / scratch.bigV[unit].squareRoot()
                let bigU = scratch.down[unit], up = scratch.up[unit]
                // log Z_{μk} = log(e^{U} H(a₀) + e^{−U} H(−a₀)) − log 2cosh U.
                total += CommitteeBP.voteWeight(bigU, a0) - Special.log2cosh(bigU)
                total += -Special.log2cosh(bigU + up) + Special.log2cosh(bigU) + Special.log2cosh(up)
            }
        }
        return total / Double(n)
    }
}
