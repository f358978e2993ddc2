import Foundation

/// The state of AMP (`AMP`) on one perceptron instance, owned buffers allocated once: the prior's means
/// m_i and variances v_i, the channel's ω_μ, g_μ, ∂g_μ and V_μ, the fields A_i and B_i, and the
/// scratch of the real-input rounds. With ±1 patterns the two matrix products run on `AMPSignProducts`
/// (made at the first iteration); with real patterns on the dense rounds below. The prior (`AMPPrior`)
/// turns A and B into the next means and variances.
final class AMPState: @unchecked Sendable {
    let n: Int
    let p: Int
    let margin: Double
    let damping: Double
    let inputs: PatternSet.Storage
    /// The prior; a cone's reference and overlap may change between runs of iterations (continuation).
    var prior: AMPPrior
    let workers: Int
    /// Helper threads for the ±1 path's two passes per iteration (a dispatch per pass would cost more than
    /// a short pass; the team's threads spin between passes). Set by `AMP.solve`,
    /// which stops it; without one the passes use `DispatchQueue.concurrentPerform`.
    var team: LockstepTeam? = nil
    /// ±1 inputs: 7-bit planes of the tables (`AMP.planeCount`; 7, the most precise, unless set).
    var planeCount = 7
    /// ±1 inputs: the look-up products and their block sums, made at the first iteration.
    private(set) var signProducts: AMPSignProducts? = nil

    /// y_μ.
    let labels: UnsafeMutablePointer<Double>
    /// m_i, v_i, A_i, B_i.
    let m: UnsafeMutablePointer<Double>
    let v: UnsafeMutablePointer<Double>
    let a: UnsafeMutablePointer<Double>
    let b: UnsafeMutablePointer<Double>
    /// g_μ of this iteration and the buffer the next one writes (the rows read the previous g).
    private(set) var g: UnsafeMutablePointer<Double>
    private(set) var nextG: UnsafeMutablePointer<Double>
    let dg: UnsafeMutablePointer<Double>
    let omega: UnsafeMutablePointer<Double>
    /// V_μ (real inputs; with ±1 inputs V is the same for every μ: `uniformVariance`).
    let bigV: UnsafeMutablePointer<Double>
    /// Real inputs: per worker, its patterns' contributions to A and B (workers × N).
    private let partialA: UnsafeMutablePointer<Double>
    private let partialB: UnsafeMutablePointer<Double>
    /// ±1 inputs: V_μ, the same for every μ (`bigV` is not filled then).
    var uniformVariance: Double? = nil
    /// ±1 inputs, binary prior: Σ v, max|m| and Σ (1 − m²) of the current state, left by the column round.
    var inputSummary: AMPSignProducts.Summary? = nil

    init(problem: Problem, prior: AMPPrior, damping: Double, initialScale: Double, generator: Generator) {
        n = problem.model.inputs
        p = problem.train.count
        self.prior = prior
        margin = problem.model.margin
        self.damping = damping
        inputs = problem.train.storage
        labels = .allocate(capacity: p)
        for mu in 0..<p { labels[mu] = problem.train.labels[mu] }
        m = .allocate(capacity: n)
        v = .allocate(capacity: n)
        let binary = prior.isBinary
        for i in 0..<n { m[i] = initialScale * (2 * generator.uniform() - 1) }
        for i in 0..<n { v[i] = binary ? 1 - m[i] * m[i] : 1 }
        a = .allocate(count: n, filledWith: 0)
        b = .allocate(count: n, filledWith: 0)
        g = .allocate(count: p, filledWith: 0)
        nextG = .allocate(count: p, filledWith: 0)
        dg = .allocate(count: p, filledWith: 0)
        omega = .allocate(count: p, filledWith: 0)
        bigV = .allocate(count: p, filledWith: 1)
        // Real inputs: every core, because the rounding of the per-core sums depends on the split (and a
        // sweep's results must not depend on --jobs). ±1 inputs: the fixed-point sums are exact, so the
        // run takes only its share of the cores.
        let cores: Int, real: Int
        if case .signs = problem.train.storage { cores = Parallelism.coresPerRun } else {
            cores = ProcessInfo.processInfo.activeProcessorCount
        }
        workers = p * n >= 200_000 ? max(1, cores) : 1
        if case .reals = problem.train.storage { real = workers * n } else { real = 0 }
        partialA = .allocate(capacity: real)
        partialB = .allocate(capacity: real)
    }

    deinit {
        for buffer in [labels, m, v, a, b, g, nextG, dg, omega, bigV, partialA, partialB] { buffer.deallocate() }
    }

    /// The means m_i.
    var means: [Double] { Array(UnsafeBufferPointer(start: m, count: n)) }

    /// Runs job(0) … job(workers − 1) in parallel: on `team` when there is one.
    static func parallel(_ team: LockstepTeam?, _ workers: Int, _ job: @escaping @Sendable (Int) -> Void) {
        if let team { team.run(job) } else { DispatchQueue.concurrentPerform(iterations: workers, execute: job) }
    }

    /// One iteration; returns the largest change of a mean.
    func iterate() -> Double {
        switch inputs {
        case let .signs(x):
            return x.withUnsafeBufferPointer { x in
                if signProducts == nil {
                    signProducts = AMPSignProducts(x.baseAddress!, patterns: p, inputs: n, planeCount: planeCount,
                                                   workers: workers)
                }
                return signProducts!.iterate(self)
            }
        case let .reals(x): return x.withUnsafeBufferPointer { iterate($0.baseAddress!) }
        }
    }

    /// Swaps g with the buffer the rounds just wrote.
    func acceptNextG() { swap(&g, &nextG) }

    /// Real inputs: the output side (ω, V, g, ∂g; one pass over the patterns, rows split across cores),
    /// then the input side (A, B; each core accumulates its rows), then the prior.
    private func iterate<X: PatternScalar>(_ x: UnsafePointer<X>) -> Double {
        let n = self.n, p = self.p, scale = 1 / Double(n).squareRoot(), invN = 1 / Double(n)
        let margin = self.margin, workers = self.workers
        nonisolated(unsafe) let x = x
        DispatchQueue.concurrentPerform(iterations: workers) { w in
            let m = self.m, v = self.v, oldG = self.g, y = self.labels
            for mu in (w * p / workers) ..< ((w + 1) * p / workers) {
                let row = mu * n
                var dot = 0.0, variance = 0.0
                for i in 0..<n {
                    let xi = x[row + i].asDouble
                    dot += xi * m[i]
                    variance += xi * xi * v[i]
                }
                let bigV = max(variance * invN, 1e-300)
                let omega = dot * scale - bigV * oldG[mu]
                let s = bigV.squareRoot()
                let u = (margin - y[mu] * omega) / s
                let r = Special.GoverHFast(u)
                self.nextG[mu] = y[mu] * r / s
                self.dg[mu] = -r * (r - u) / bigV
                self.omega[mu] = omega
                self.bigV[mu] = bigV
            }
        }
        acceptNextG()
        uniformVariance = nil
        partialA.update(repeating: 0, count: workers * n)
        partialB.update(repeating: 0, count: workers * n)
        DispatchQueue.concurrentPerform(iterations: workers) { w in
            let aw = self.partialA + w * n, bw = self.partialB + w * n, g = self.g, dg = self.dg
            for mu in (w * p / workers) ..< ((w + 1) * p / workers) {
                let row = mu * n, gm = g[mu] * scale, dgm = -dg[mu] * invN
                for i in 0..<n {
                    let xi = x[row + i].asDouble
                    bw[i] += xi * gm
                    aw[i] += xi * xi * dgm
                }
            }
        }
        for i in 0..<n {
            var ai = 0.0, bi = 0.0
            for w in 0..<workers { ai += partialA[w * n + i]; bi += partialB[w * n + i] }
            ai = max(ai, 0)
            a[i] = ai
            b[i] = bi + ai * m[i]
        }
        return applyPrior()
    }

    /// The prior's update of the means and variances from A and B, damped; returns the largest change.
    func applyPrior() -> Double {
        prior.fit(a: UnsafeBufferPointer(start: a, count: n), b: UnsafeBufferPointer(start: b, count: n))
        return prior.update(a: a, b: b, m: m, v: v, count: n, damping: damping)
    }

    /// Whether a binary-prior state sits at the fully polarised fixed point m = ±1 (v = 0): up to
    /// mean(1 − m²) < `tolerance`, where V → 0 and the iteration only stirs rounding noise; or, with
    /// `discrete` (±1) patterns, up to mean(1 − m²) < 1/N when the signs of m satisfy every training
    /// pattern (`solves`, asked only then). With ±1 patterns the stabilities of a polarised solution are
    /// multiples of 1/√N, none in (0, 1/√N): once the channel's width √V falls well below that, no pattern
    /// is near its boundary, A = −Σ_μ ∂g_μ/N vanishes like e^{−1/(2NV)}, and the next iterations undo the
    /// polarisation (on a teacher at α = 1.6 the means then circle the teacher for ever, and a run
    /// stopped at max_iters reported whatever phase it was in). mean(1 − m²) tracks V there (v = 1 − m²
    /// at a fixed point), so 1/N stops the iteration where √V is still about 1/√N.
    func isPolarized(_ tolerance: Double, discrete: Bool = false, solves: () -> Bool = { false }) -> Bool {
        guard prior.isBinary else { return false }
        let summary = inputSummary ?? AMPSignProducts.summarize(m, v, count: n)
        let spread = summary.polarization / Double(n)
        if spread < tolerance { return true }
        return discrete && spread < 1 / Double(n) && solves()
    }

    /// The Bethe (TAP) free entropy per variable at the current fixed point (see `AMP`).
    func freeEntropy() -> Double {
        var total = 0.0
        for mu in 0..<p {
            let variance = uniformVariance ?? bigV[mu], s = variance.squareRoot()
            total += Special.logH((margin - labels[mu] * omega[mu]) / s) + 0.5 * variance * g[mu] * g[mu]
        }
        for i in 0..<n {
            let logZ0 = prior.logNormalizer(a: a[i], b: b[i], site: i)
            total += logZ0 - b[i] * m[i] + 0.5 * a[i] * (m[i] * m[i] + v[i])
        }
        return total / Double(n)
    }
}
