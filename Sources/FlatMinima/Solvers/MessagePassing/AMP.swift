import Foundation

/// `amp`: approximate message passing for the perceptron with a binary or Gaussian prior (SCIENCE.md §3;
/// Kabashima, J. Phys. Conf. Ser. 95, 2008; Rangan, ISIT 2011; Barbier et al., PNAS 116, 2019).
///
/// With F = x/√N, labels y, prior means m_i and variances v_i, one iteration is
///
///     V_μ = Σ_i F²_{μi} v_i,   ω_μ = Σ_i F_{μi} m_i − V_μ g_μ(previous),
///     u_μ = (κ − y_μ ω_μ)/√V_μ,  g_μ = y_μ (G/H)(u_μ)/√V_μ,  ∂g_μ = −(G/H)(u_μ)[(G/H)(u_μ) − u_μ]/V_μ,
///     A_i = −Σ_μ F²_{μi} ∂g_μ,   B_i = Σ_μ F_{μi} g_μ + A_i m_i,
///     binary prior: m_i = tanh B_i, v_i = 1 − m_i²;  Gaussian prior: m_i = B_i/(1 + A_i), v_i = 1/(1 + A_i);
///     the sphere |w|² = N (spherical weights, storage and data): m_i = B_i/(ρ + A_i), v_i = 1/(ρ + A_i)
///     with ρ such that (1/N) Σ_i (m_i² + v_i) = 1,
///
/// O(N·P) arithmetic and O(N + P) special functions; m and v are damped. For teacher–student it is
/// the Bayes-optimal estimator (its overlap follows the Bayes-optimal replica curve, §7). The Bethe
/// free entropy at the fixed point (the TAP free entropy; Krzakala et al., J. Stat. Mech. 2014),
///
///     Nφ = Σ_μ [ log H(u_μ) + V_μ g²_μ/2 ] + Σ_i [ log Z_0(A_i, B_i) − B_i m_i + A_i (m²_i + v_i)/2 ],
///
/// with Z_0 = 2cosh(B) e^{−A/2} (binary), e^{B²/(2(1+A))}/√(1 + A) (Gaussian) or, on the sphere,
/// e^{B²/(2(ρ+A)) + (ρ−1)/2}/√(ρ + A), estimates the entropy of solutions of a storage problem (for
/// spherical weights the Gardner volume: the log of the fraction of the sphere, checked against the RS
/// curve at κ = 0 and κ = 1). Real weights whose fixed point collapses (1 − q < 1/N or φ > 0 on the
/// sphere, q ≥ 1 under a Gaussian prior: above capacity) are reported as not converged, with the reason.
///
/// With ±1 patterns the two matrix products Σ_i x_μi m_i and Σ_μ x_μi g_μ are exact integer sums by
/// table look-up (`SignLookupMatrix`, `SignLookupTables`): m and g/√N are rounded to b bits of their
/// largest entry — b = 32 at the default tol = 1e−6, 46 from tol = 1e−9 down (`bits`, `AMP.planeCount`) —
/// and the channel, the prior and every sum run in a fixed order on vectors of four (CKernels
/// `fm_amp_rows`, `fm_amp_columns`). Records therefore do not depend on the CPU's instruction set or on the
/// number of threads; changes of m below ~1e−13 (46 bits) or ~1e−9 (32 bits) are at the resolution of the
/// products.
public struct AMP: Solver {
    public static let name = "amp"
    public static let summary = "approximate message passing, binary or Gaussian prior; perceptron"
    public static let parameters: [ParameterSpec] = [
        ParameterSpec("max_iters", .integer(1...100_000_000), default: "1000", help: "iterations"),
        ParameterSpec("damping", .real(0...0.999), default: "0.5", help: "d in m ← d·m_old + (1−d)·m_new, in [0, 1)"),
        ParameterSpec("tol", .real(1e-15...1), default: "1e-6", help: "convergence: largest change of a mean below tol (±1 patterns: products to 2^-bits, ~1e-13 at 46 bits)"),
        ParameterSpec("init", .real(0...1), default: "0.001", help: "initial means uniform in ±init"),
        ParameterSpec("bits", .choice(["auto", "25", "32", "39", "46"]), default: "auto",
                      help: "±1 patterns: fixed-point bits of the products (of the largest entry); auto: the fewest whose resolution 2^-bits is below tol/1000 (32 at tol 1e-6)"),
    ]

    public let maxIterations: Int
    public let damping: Double
    public let tolerance: Double
    public let initialScale: Double
    /// ±1 patterns: the 7-bit planes of the look-up tables (4…7: 25, 32, 39 or 46 bits).
    public let planeCount: Int

    public init(_ p: SolverParameters) throws(FlatMinimaError) {
        maxIterations = p.int("max_iters")
        damping = p.double("damping")
        tolerance = p.double("tol")
        initialScale = p.double("init")
        if let bits = Int(p.string("bits")) {
            planeCount = (bits + 3) / 7
        } else {
            planeCount = AMP.planeCount(tolerance: tolerance)
        }
    }

    /// The fewest 7-bit planes (4…7) whose resolution 2^−b, b = 7·planes − 3, is at most tol/1000: the
    /// rounding of the ±1 products then moves the means by far less than the tolerance. 32 bits at the
    /// default tol = 1e−6, 46 bits from tol = 1e−9 down.
    static func planeCount(tolerance: Double) -> Int {
        for planes in 4...6 where Double(sign: .plus, exponent: -(7 * planes - 3), significand: 1) <= tolerance / 1000 {
            return planes
        }
        return 7
    }

    public static func unsupported(_ model: Model) -> String? {
        model.kind == .perceptron ? nil : "is implemented for the perceptron only so far"
    }

    public func solve(_ problem: Problem, generator: Generator, observer: any SolverObserver) throws -> SolverOutcome {
        var state = AMPState(problem: problem, binary: problem.model.weights == .binary, damping: damping,
                             initialScale: initialScale, generator: generator)
        // Teacher–student keeps the teacher's prior (Bayes-optimal); storage and data learn on the sphere.
        state.spherical = problem.model.weights == .spherical && problem.spec.task != .teacher
        state.planeCount = planeCount
        if state.workers > 1, case .signs = problem.train.storage { state.team = LockstepTeam(size: state.workers) }
        defer { state.team?.stop() }
        var iterations = 0, change = Double.infinity
        // With ±1 patterns the polarised fixed point also counts as reached once mean(1 − m²) < 1/N if the
        // signs of m satisfy every training pattern (`isPolarized`).
        let signPatterns: Bool
        if case .signs = problem.train.storage { signPatterns = true } else { signPatterns = false }
        // (An O(N·P) check: after a failed one the next waits twice as long, so that a polarised state that
        // is not a solution — far above capacity — costs O(log max_iters) checks.)
        var nextCheck = 0, wait = 1
        let solves: () -> Bool = {
            guard iterations >= nextCheck else { return false }
            let solved = problem.model.energy(weights: state.m.map { $0 < 0 ? -1.0 : 1.0 }, on: problem.train) == 0
            if !solved { nextCheck = iterations + wait; wait *= 2 }
            return solved
        }
        var polarized = false
        while iterations < maxIterations {
            change = state.iterate()
            iterations += 1
            guard change.isFinite else { break }
            observer.observe(SolverStep(iteration: iterations, energy: -1, values: [("max_change", change)]))
            polarized = state.isPolarized(tolerance, discrete: signPatterns, solves: solves)
            if change < tolerance || polarized { break }
        }
        let binary = problem.model.weights == .binary
        let q = state.m.reduce(0) { $0 + $1 * $1 } / Double(state.n)
        let reached = change.isFinite && (change < tolerance || polarized)
        let phi = reached ? state.freeEntropy() : .nan
        // Real weights: the posterior mean's q = |m|²/N < 1 (q + mean v = 1 on the sphere; ≈ 1 under the
        // teacher's Gaussian prior). On the sphere the free entropy is the log of a fraction of its area, ≤ 0.
        // Above capacity the fixed point collapses: q → 1 on the sphere (solutions closer than
        // 2N(1 − q) < 2 in squared distance, i.e. 1 − q < 1/N, are one point), where AMP's φ may also
        // come out positive; q ≫ 1 under a Gaussian prior. No solution, whatever the iteration did.
        // Binary weights: φ = (1/N) log #solutions ≥ 0 when one exists (counting measure); below −log 2 the
        // fixed point describes an empty set (α = 2: φ ≈ −4.6e14).
        let collapsed = binary ? phi < -log(2.0)
            : !(q < 1) || (state.spherical && (phi > 0 || 1 - q < 1 / Double(state.n)))
        let converged = reached && !collapsed
        let weights = binary ? state.m.map { $0 < 0 ? -1.0 : 1.0 } : state.m
        var extra: [Record.Field] = [
            ("free_entropy", .double(converged ? phi : .nan)),
            ("q", .double(q)),
            ("max_change", .double(change)),
        ]
        // ±1 patterns: the fixed-point bits the products used (`bits`, chosen from tol when auto).
        if let tables = state.lookups?.m { extra.append(("product_bits", .int(tables.bits))) }
        if let teacher = problem.teacher {
            let n = Double(state.n)
            extra.append(("teacher_mean_overlap", .double(zip(state.m, teacher).reduce(0) { $0 + $1.0 * $1.1 } / n)))
            extra.append(("bayes_error", problem.testError(state.m).map { .double($0) } ?? .null))
        }
        if !converged {
            let reason = !change.isFinite ? "messages became NaN"
                : collapsed && binary ? "free entropy below -log 2: no solutions (above capacity)"
                : collapsed ? "collapsed: 1 - q < 1/N or free entropy > 0 (no solution on the sphere, or AMP's approximation failed)"
                : "max_iters reached"
            extra.append(("reason", .string(reason)))
        }
        return SolverOutcome(weights: weights, iterations: iterations, converged: converged, extra: extra)
    }
}

/// The state of AMP on one perceptron instance.
struct AMPState {
    let n: Int
    let p: Int
    let binary: Bool
    let margin: Double
    let damping: Double
    let inputs: PatternSet.Storage
    let labels: [Double]
    var m: [Double]
    var v: [Double]
    var g: [Double]
    var dg: [Double]
    var omega: [Double]
    var bigV: [Double]
    var a: [Double]
    var b: [Double]
    let workers: Int
    /// A cone constraint around a reference (spherical weights): |w|² = N and w·w̃ = N·overlap.
    var cone: (reference: [Double], overlap: Double)? = nil
    /// The Gaussian prior's precision ρ and tilt λ (1 and 0 without a cone or a sphere).
    var rho = 1.0
    var tilt = 0.0
    /// Real weights on the sphere |w|² = N (storage and data tasks, where AMP computes the Gardner volume):
    /// the precision ρ is then the Lagrange multiplier that keeps mean(m² + v) = 1 at every step. With a
    /// margin κ > 0 the plain Gaussian prior (ρ = 1) is not equivalent: the constraints favour large |w|,
    /// and the posterior leaves the sphere (q > 1 at α = 0.4, κ = 1, where the sphere gives q = 0.81).
    var spherical = false
    /// Helper threads for the ±1 path's two passes per iteration (a dispatch per pass costs tens of
    /// microseconds on this project's virtual machine; the team's threads spin between passes). Set by
    /// `AMP.solve`, which stops it; without one the passes use `DispatchQueue.concurrentPerform`.
    var team: LockstepTeam? = nil
    /// ±1 inputs: the sign indices of the patterns (rows μ) and of their transpose (rows i) and the
    /// fixed-point tables of m and of the coefficients C_μ = g_μ/√N (`SignLookupMatrix`), made at the
    /// first iteration.
    var lookups: (rows: SignLookupMatrix, columns: SignLookupMatrix, m: SignLookupTables, c: SignLookupTables)? = nil
    /// ±1 inputs: 7-bit planes of the tables (`AMP.planeCount`; 7, the most precise, unless set).
    var planeCount = 7
    /// ±1 inputs: V_μ, the same for every μ (`bigV` is not filled then), and the previous iteration's
    /// arrays of g, ∂g, ω and C, reused.
    var uniformVariance: Double? = nil
    var spare: [Double]? = nil
    var spareDG: [Double]? = nil
    var spareOmega: [Double]? = nil
    var spareCoefficients: [Double]? = nil
    /// ±1 inputs, binary prior: Σ v, max|m| and Σ (1 − m²) of the current state, left by the column round.
    var inputSummary: (vSum: Double, mLargest: Double, polarization: Double, finite: Bool)? = nil

    init(problem: Problem, binary: Bool, damping: Double, initialScale: Double, generator: Generator) {
        n = problem.model.inputs
        p = problem.train.count
        self.binary = binary
        margin = problem.model.margin
        self.damping = damping
        inputs = problem.train.storage
        labels = problem.train.labels
        m = (0..<n).map { _ in initialScale * (2 * generator.uniform() - 1) }
        v = m.map { binary ? 1 - $0 * $0 : 1 }
        g = [Double](repeating: 0, count: p)
        dg = [Double](repeating: 0, count: p)
        omega = [Double](repeating: 0, count: p)
        bigV = [Double](repeating: 1, count: p)
        a = [Double](repeating: 0, count: n)
        b = [Double](repeating: 0, count: n)
        // Real inputs: every core, because the rounding of the per-core sums depends on the split (and a
        // sweep's results must not depend on --jobs). ±1 inputs: the fixed-point sums are exact, so the
        // run takes only its share of the cores.
        let cores: Int
        if case .signs = problem.train.storage { cores = Parallelism.coresPerRun } else {
            cores = ProcessInfo.processInfo.activeProcessorCount
        }
        workers = p * n >= 200_000 ? max(1, cores) : 1
    }

    /// Runs job(0) … job(workers − 1) in parallel: on `team` when there is one.
    static func parallel(_ team: LockstepTeam?, _ workers: Int, _ job: @escaping @Sendable (Int) -> Void) {
        if let team { team.run(job) } else { DispatchQueue.concurrentPerform(iterations: workers, execute: job) }
    }

    /// One iteration; returns the largest change of a mean.
    mutating func iterate() -> Double {
        switch inputs {
        case let .signs(x): return x.withUnsafeBufferPointer { iterateSigns($0) }
        case let .reals(x): return x.withUnsafeBufferPointer { iterate($0) }
        }
    }

    /// ±1 inputs: F²_{μi} = 1/N, so V_μ = mean(v) for every μ and A_i = −Σ_μ ∂g_μ/N for every i. The two
    /// matrix products Σ_i x_μi m_i and Σ_μ x_μi C_μ (C_μ = g_μ/√N) are exact integer sums by table look-up
    /// (`SignLookupMatrix`): m and C are rounded to `planeCount`·7 − 3 bits of their largest entry
    /// (`SignLookupTables`), and the sums are the same on every CPU and for any number of threads. Per
    /// iteration, on the team: the tables of m (groups split over the cores); the rows (the dot products and
    /// the output channel ω, g, ∂g, with Σ ∂g and max|C| per block of 16 patterns); the tables of C; the
    /// columns (Σ_μ x_μi C_μ, A_i, B_i and, for the binary prior, the update of m_i and v_i, with Σ v,
    /// Σ (1 − m²) and max|m| per block of 16 inputs, which the next iteration and `isPolarized` use).
    /// Every sum is taken per block and then over the blocks in order, so no rounding depends on the split.
    private mutating func iterateSigns(_ x: UnsafeBufferPointer<Int8>) -> Double {
        let n = self.n, p = self.p, scale = 1 / Double(n).squareRoot(), invN = 1 / Double(n)
        let rows = SignLookupMatrix.blockRows
        if lookups == nil {
            lookups = (SignLookupMatrix(x.baseAddress!, rows: p, columns: n, rowStride: n, columnStride: 1, workers: workers),
                       SignLookupMatrix(x.baseAddress!, rows: n, columns: p, rowStride: 1, columnStride: n, workers: workers),
                       SignLookupTables(columns: n, planeCount: planeCount), SignLookupTables(columns: p, planeCount: planeCount))
        }
        let lookups = self.lookups!
        // Σ v and max|m| from the previous column round (or computed here the same way), in blocks of 16
        // so that the rounding does not depend on the number of cores.
        let summary = inputSummary ?? AMPState.summarize(m, v)
        inputSummary = nil
        guard summary.finite else { return .nan }
        let variance = max(summary.vSum * invN, 1e-300), s = variance.squareRoot()
        let inverseS = 1 / s, inverseVariance = 1 / variance
        let margin = self.margin, labels = self.labels, workers = self.workers, team = self.team
        lookups.m.prepare(largest: summary.mLargest)
        AMPState.buildTables(lookups.m, m, team, workers)
        let mUnit = lookups.m.unit
        let rowBlocks = lookups.rows.blocks
        // (The previous iteration's arrays are reused: every entry is overwritten.)
        var newG = spare.take() ?? [Double](repeating: 0, count: p)
        var coefficients = spareCoefficients.take() ?? [Double](repeating: 0, count: p)
        defer { spareCoefficients = coefficients }
        var newDG = spareDG.take() ?? [Double](repeating: 0, count: p)
        var newOmega = spareOmega.take() ?? [Double](repeating: 0, count: p)
        // Per block of 16 patterns: Σ ∂g and max|C| (NaN when an entry is not finite).
        var dgSums = [Double](repeating: 0, count: rowBlocks), cLargest = dgSums
        // Rows: ω_μ = Σ_i x_μi m_i/√N − V g_μ(previous) and the output channel, blocks of 16 patterns.
        g.withUnsafeBufferPointer { oldG in
            newG.withUnsafeMutableBufferPointer { gB in
                newDG.withUnsafeMutableBufferPointer { dgB in
                    newOmega.withUnsafeMutableBufferPointer { oB in
                        coefficients.withUnsafeMutableBufferPointer { cB in
                            dgSums.withUnsafeMutableBufferPointer { dsB in
                                cLargest.withUnsafeMutableBufferPointer { clB in
                                    nonisolated(unsafe) let og = oldG, gOut = gB, dgOut = dgB, oOut = oB, cOut = cB
                                    nonisolated(unsafe) let dgSumOut = dsB, cLargestOut = clB
                                    // The channel's constants (`fm_amp_rows`).
                                    let constants = [mUnit, scale, variance, margin, inverseS, inverseVariance]
                                    AMPState.parallel(team, workers) { w in
                                        lookups.rows.shareProducts(lookups.m, worker: w, of: workers) { dots, part, mu in
                                            // The channel, 16 patterns per block (CKernels, vectorised).
                                            let count = min(p, part.upperBound * rows) - mu
                                            labels.withUnsafeBufferPointer { y in
                                                constants.withUnsafeBufferPointer { k in
                                                    Kernels.ampRows(dots, og.baseAddress! + mu, y.baseAddress! + mu, count: count,
                                                                    k.baseAddress!, omega: oOut.baseAddress! + mu, g: gOut.baseAddress! + mu,
                                                                    dg: dgOut.baseAddress! + mu, c: cOut.baseAddress! + mu,
                                                                    dgSums: dgSumOut.baseAddress! + part.lowerBound,
                                                                    cLargest: cLargestOut.baseAddress! + part.lowerBound)
                                                }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        spare = g
        spareDG = dg
        spareOmega = omega
        g = newG
        dg = newDG
        omega = newOmega
        uniformVariance = variance
        let largestC = cLargest.reduce(0) { $0.isNaN || $1.isNaN ? .nan : max($0, $1) }
        guard largestC.isFinite else { return .nan }
        lookups.c.prepare(largest: largestC)
        AMPState.buildTables(lookups.c, coefficients, team, workers)
        let cUnit = lookups.c.unit
        // Columns: T_i = Σ_μ x_μi C_μ, then A_i, B_i and, for the binary prior without a cone, the prior's
        // update of m_i and v_i (with the next iteration's Σ v and max|m|), blocks of 16 inputs.
        let aAll = max(-dgSums.reduce(0, +) * invN, 0)
        let localPrior = binary && cone == nil, damping = self.damping
        let columnBlocks = lookups.columns.blocks
        var changes = [Double](repeating: 0, count: workers)
        var vSums = [Double](repeating: 0, count: columnBlocks), mLargest = vSums, polarizations = vSums
        a.withUnsafeMutableBufferPointer { aB in
            b.withUnsafeMutableBufferPointer { bB in
                m.withUnsafeMutableBufferPointer { mB in
                    v.withUnsafeMutableBufferPointer { vB in
                        changes.withUnsafeMutableBufferPointer { chB in
                            vSums.withUnsafeMutableBufferPointer { vsB in
                                mLargest.withUnsafeMutableBufferPointer { mlB in
                                  polarizations.withUnsafeMutableBufferPointer { plB in
                                    nonisolated(unsafe) let aOut = aB, bOut = bB, mIO = mB, vIO = vB, changeOut = chB
                                    nonisolated(unsafe) let vSumOut = vsB, mLargestOut = mlB, polarizationOut = plB
                                    // The prior's constants (`fm_amp_columns`).
                                    let constants = [aAll, cUnit, damping]
                                    AMPState.parallel(team, workers) { w in
                                        lookups.columns.shareProducts(lookups.c, worker: w, of: workers) { totals, part, i0 in
                                            let count = min(n, part.upperBound * rows) - i0
                                            guard localPrior else {
                                                for i in i0 ..< i0 + count {
                                                    aOut[i] = aAll
                                                    bOut[i] = aAll * mIO[i] + Double(totals[i - i0]) * cUnit
                                                }
                                                return
                                            }
                                            // B, tanh B and the damped update, 16 inputs per block (CKernels, vectorised).
                                            let results = UnsafeMutablePointer<Double>.allocate(capacity: 4 * part.count)
                                            defer { results.deallocate() }
                                            constants.withUnsafeBufferPointer { k in
                                                Kernels.ampColumns(totals, count: count, k.baseAddress!, a: aOut.baseAddress! + i0,
                                                                   b: bOut.baseAddress! + i0, m: mIO.baseAddress! + i0,
                                                                   v: vIO.baseAddress! + i0, results: results)
                                            }
                                            var change = 0.0
                                            for (j, block) in part.enumerated() {
                                                let out = results + 4 * j
                                                change = out[0].isNaN || change.isNaN ? .nan : max(change, out[0])
                                                vSumOut[block] = out[1]
                                                polarizationOut[block] = out[2]
                                                mLargestOut[block] = out[3]
                                            }
                                            changeOut[w] = change
                                        }
                                    }
                                  }
                                }
                            }
                        }
                    }
                }
            }
        }
        guard localPrior else { return applyPrior() }
        let largestM = mLargest.reduce(0) { $0.isNaN || $1.isNaN ? .nan : max($0, $1) }
        inputSummary = (vSums.reduce(0, +), largestM, polarizations.reduce(0, +),
                        largestM.isFinite && !vSums.contains(where: { !$0.isFinite }))
        return changes.contains(where: \.isNaN) ? .nan : changes.max()!
    }

    /// Σ v, Σ (1 − m²) and max|m| as the column round leaves them (`fm_amp_columns`): per block of 16
    /// entries in four lanes (entry i in lane i mod 4, in order), the lanes added in order, then the blocks
    /// in order — so the first iteration rounds like the others. `finite` is false when an entry of m or v
    /// is not finite.
    static func summarize(_ m: [Double], _ v: [Double]) -> (vSum: Double, mLargest: Double, polarization: Double, finite: Bool) {
        var total = 0.0, largest = 0.0, polarization = 0.0, finite = true
        var start = 0
        while start < v.count {
            var sum = SIMD4<Double>(), blockPolarization = SIMD4<Double>()
            for i in start ..< min(v.count, start + SignLookupMatrix.blockRows) {
                sum[(i - start) & 3] += v[i]
                blockPolarization[(i - start) & 3] += 1 - m[i] * m[i]
                largest = max(largest, abs(m[i]))
                finite = finite && m[i].isFinite && v[i].isFinite
            }
            total += ((sum[0] + sum[1]) + sum[2]) + sum[3]
            polarization += ((blockPolarization[0] + blockPolarization[1]) + blockPolarization[2]) + blockPolarization[3]
            start += SignLookupMatrix.blockRows
        }
        return (total, largest, polarization, finite)
    }

    /// Builds `tables` from `values` (after `prepare`), the groups split over the workers.
    private static func buildTables(_ tables: SignLookupTables, _ values: [Double], _ team: LockstepTeam?, _ workers: Int) {
        values.withUnsafeBufferPointer { buffer in
            nonisolated(unsafe) let buffer = buffer
            let groups = 4 * tables.words
            if workers == 1 { tables.build(buffer, groups: 0..<groups); return }
            AMPState.parallel(team, workers) { w in
                tables.build(buffer, groups: (w * groups / workers) ..< ((w + 1) * groups / workers))
            }
        }
    }

    private mutating func iterate<X: PatternScalar>(_ x: UnsafeBufferPointer<X>) -> Double {
        let n = self.n, p = self.p, scale = 1 / Double(n).squareRoot(), invN = 1 / Double(n)
        // Output side: ω, V, g, ∂g, one pass over the patterns (rows split across cores).
        let oldG = g
        let mm = m, vv = v
        var newG = [Double](repeating: 0, count: p), newDG = [Double](repeating: 0, count: p)
        var newOmega = [Double](repeating: 0, count: p), newV = [Double](repeating: 0, count: p)
        let margin = self.margin, labels = self.labels, workers = self.workers
        nonisolated(unsafe) let x = x
        newG.withUnsafeMutableBufferPointer { gB in
            newDG.withUnsafeMutableBufferPointer { dgB in
                newOmega.withUnsafeMutableBufferPointer { oB in
                    newV.withUnsafeMutableBufferPointer { vB in
                        nonisolated(unsafe) let gOut = gB, dgOut = dgB, oOut = oB, vOut = vB
                        DispatchQueue.concurrentPerform(iterations: workers) { w in
                            for mu in (w * p / workers) ..< ((w + 1) * p / workers) {
                                let row = mu * n
                                var dot = 0.0, variance = 0.0
                                for i in 0..<n {
                                    let xi = x[row + i].asDouble
                                    dot += xi * mm[i]
                                    variance += xi * xi * vv[i]
                                }
                                let bigV = max(variance * invN, 1e-300)
                                let omega = dot * scale - bigV * oldG[mu]
                                let s = bigV.squareRoot()
                                let u = (margin - labels[mu] * omega) / s
                                let r = Special.GoverHFast(u)
                                gOut[mu] = labels[mu] * r / s
                                dgOut[mu] = -r * (r - u) / bigV
                                oOut[mu] = omega
                                vOut[mu] = bigV
                            }
                        }
                    }
                }
            }
        }
        g = newG
        dg = newDG
        omega = newOmega
        bigV = newV
        uniformVariance = nil
        // Input side: A, B, one pass over the transposed products (each core accumulates its rows).
        var partialA = [[Double]](repeating: [Double](repeating: 0, count: n), count: workers)
        var partialB = partialA
        let gg = g, dgg = dg
        partialA.withUnsafeMutableBufferPointer { aB in
            partialB.withUnsafeMutableBufferPointer { bB in
                nonisolated(unsafe) let aOut = aB, bOut = bB
                DispatchQueue.concurrentPerform(iterations: workers) { w in
                    aOut[w].withUnsafeMutableBufferPointer { aw in
                        bOut[w].withUnsafeMutableBufferPointer { bw in
                            for mu in (w * p / workers) ..< ((w + 1) * p / workers) {
                                let row = mu * n, gm = gg[mu] * scale, dgm = -dgg[mu] * invN
                                for i in 0..<n {
                                    let xi = x[row + i].asDouble
                                    bw[i] += xi * gm
                                    aw[i] += xi * xi * dgm
                                }
                            }
                        }
                    }
                }
            }
        }
        for i in 0..<n {
            var ai = 0.0, bi = 0.0
            for w in 0..<workers { ai += partialA[w][i]; bi += partialB[w][i] }
            ai = max(ai, 0)
            a[i] = ai
            b[i] = bi + ai * m[i]
        }
        return applyPrior()
    }

    /// The prior's update of the means and variances from A and B, damped; returns the largest change.
    /// A cone constraint first solves for the precision ρ and the tilt λ (see `ConeVolume`).
    private mutating func applyPrior() -> Double {
        if let cone {
            // With Ā the mean of A and c = ρ + Ā: λ = q c − b̄ and (1 − q²) c² − c − (‖B‖² − b̄²) = 0,
            // b̄ = B·w̃/N, ‖B‖² = B·B/N (|w̃|² = N).
            let invN = 1 / Double(n), q = cone.overlap
            let meanA = a.reduce(0, +) * invN
            let bRef = zip(b, cone.reference).reduce(0) { $0 + $1.0 * $1.1 } * invN
            let bSquare = b.reduce(0) { $0 + $1 * $1 } * invN
            let spread = max(0, bSquare - bRef * bRef), oneMinus = 1 - q * q
            let c = (1 + (1 + 4 * oneMinus * spread).squareRoot()) / (2 * oneMinus)
            rho = c - meanA
            tilt = q * c - bRef
        } else if spherical {
            rho = AMPState.sphericalPrecision(a: a, b: b)
        }
        var change = 0.0
        for i in 0..<n {
            let ai = a[i], bi = b[i]
            let newM: Double, newV: Double
            if binary {
                change = Field.largest(change, AMPState.binaryPrior(bi, &m[i], &v[i], damping: damping))
                continue
            } else {
                let field = bi + tilt * (cone?.reference[i] ?? 0)
                newM = field / (rho + ai)
                newV = 1 / (rho + ai)
            }
            let dampedM = damping * m[i] + (1 - damping) * newM
            change = Field.largest(change, abs(dampedM - m[i]))
            m[i] = dampedM
            v[i] = damping * v[i] + (1 - damping) * newV
        }
        return change
    }

    /// The precision ρ of the spherical prior: the root of f(ρ) = (1/N) Σ_i [B_i²/(ρ + A_i)² + 1/(ρ + A_i)] − 1
    /// on ρ > −min A (f decreases from +∞ to −1 there), so that the means and variances m = B/(ρ + A),
    /// v = 1/(ρ + A) keep mean(m² + v) = 1. Newton's method from the left of the root (f convex: the
    /// iterates increase monotonically to it), started at the root for uniform A (c² − c − ‖B‖² = 0,
    /// c = ρ + Ā; 1 past the pole if that is not past it), moved halfway to the pole while right of the root.
    static func sphericalPrecision(a: [Double], b: [Double]) -> Double {
        let n = Double(a.count)
        let pole = -(a.min() ?? 0)
        func f(_ rho: Double) -> (value: Double, slope: Double) {
            var value = 0.0, slope = 0.0
            for i in a.indices {
                let r = 1 / (rho + a[i]), b2 = b[i] * b[i]
                value += b2 * r * r + r
                slope -= 2 * b2 * r * r * r + r * r
            }
            return (value / n - 1, slope / n)
        }
        let meanA = a.reduce(0, +) / n, bSquare = b.reduce(0) { $0 + $1 * $1 } / n
        var rho = (1 + (1 + 4 * bSquare).squareRoot()) / 2 - meanA
        guard rho.isFinite, pole.isFinite else { return .nan }
        if !(rho > pole) { rho = pole + 1 }
        var step = 0
        while f(rho).value < 0, step < 200 { rho = pole + (rho - pole) / 2; step += 1 }
        for _ in 0..<100 {
            let (value, slope) = f(rho)
            guard value.isFinite, slope.isFinite, slope < 0 else { break }
            let next = rho - value / slope
            guard next.isFinite else { break }
            if next - rho <= 1e-15 * max(1, abs(rho)) { rho = max(rho, next); break }
            rho = next
        }
        return rho
    }

    /// The binary prior's damped update of one site from its field B: m ← d·m + (1−d)·tanh B,
    /// v ← d·v + (1−d)(1 − tanh² B); returns |Δm|.
    @inline(__always)
    static func binaryPrior(_ field: Double, _ m: inout Double, _ v: inout Double, damping: Double) -> Double {
        binaryPrior(mean: tanh(field), &m, &v, damping: damping)
    }

    /// `binaryPrior` given tanh B.
    @inline(__always)
    static func binaryPrior(mean newM: Double, _ m: inout Double, _ v: inout Double, damping: Double) -> Double {
        let newV = 1 - newM * newM
        let dampedM = damping * m + (1 - damping) * newM
        let change = abs(dampedM - m)
        m = dampedM
        v = damping * v + (1 - damping) * newV
        return change
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
        guard binary else { return false }
        let spread = (inputSummary ?? AMPState.summarize(m, v)).polarization / Double(n)
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
            let logZ0: Double
            if binary {
                logZ0 = Special.log2cosh(b[i]) - 0.5 * a[i]
            } else if let cone {
                // Unnormalised Gaussian of precision ρ tilted by λ w̃_i: ∫dw e^{−(ρ+A)w²/2 + (B+λw̃)w}.
                let field = b[i] + tilt * cone.reference[i]
                logZ0 = 0.5 * log(2 * Double.pi / (rho + a[i])) + field * field / (2 * (rho + a[i]))
            } else if spherical {
                // The sphere: extr_ρ [ρ/2 + (1/N) Σ_i (B_i²/(2(ρ + A_i)) − ½ log(ρ + A_i))] − ½ (0 at A = B = 0).
                logZ0 = b[i] * b[i] / (2 * (rho + a[i])) - 0.5 * log(rho + a[i]) + 0.5 * (rho - 1)
            } else {
                logZ0 = b[i] * b[i] / (2 * (1 + a[i])) - 0.5 * log1p(a[i])
            }
            total += logZ0 - b[i] * m[i] + 0.5 * a[i] * (m[i] * m[i] + v[i])
        }
        return total / Double(n)
    }
}
