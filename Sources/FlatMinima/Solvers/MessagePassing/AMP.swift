import Foundation

/// `amp`: approximate message passing for the perceptron with a binary or Gaussian prior (SCIENCE.md §3;
/// Kabashima, J. Phys. Conf. Ser. 95, 2008; Rangan, ISIT 2011; Barbier et al., PNAS 116, 2019).
///
/// With F = x/√N, labels y, prior means m_i and variances v_i, one iteration is
///
///     V_μ = Σ_i F²_{μi} v_i,   ω_μ = Σ_i F_{μi} m_i − V_μ g_μ(previous),
///     u_μ = (κ − y_μ ω_μ)/√V_μ,  g_μ = y_μ (G/H)(u_μ)/√V_μ,  ∂g_μ = −(G/H)(u_μ)[(G/H)(u_μ) − u_μ]/V_μ,
///     A_i = −Σ_μ F²_{μi} ∂g_μ,   B_i = Σ_μ F_{μi} g_μ + A_i m_i,
///     binary prior: m_i = tanh B_i, v_i = 1 − m_i²;  Gaussian prior: m_i = B_i/(1 + A_i), v_i = 1/(1 + A_i),
///
/// O(N·P) arithmetic and O(N + P) special functions; m and v are damped. For teacher–student it is
/// the Bayes-optimal estimator (its overlap follows the Bayes-optimal replica curve, §7). The Bethe
/// free entropy at the fixed point (the TAP free entropy; Krzakala et al., J. Stat. Mech. 2014),
///
///     Nφ = Σ_μ [ log H(u_μ) + V_μ g²_μ/2 ] + Σ_i [ log Z_0(A_i, B_i) − B_i m_i + A_i (m²_i + v_i)/2 ],
///
/// with Z_0 = 2cosh(B) e^{−A/2} (binary) or e^{B²/(2(1+A))}/√(1 + A) (Gaussian), estimates the entropy
/// of solutions of a storage problem (for Gaussian weights, the Gardner volume).
///
/// With ±1 patterns the two matrix products Σ_i x_μi m_i and Σ_μ x_μi g_μ run in fixed point: m is rounded
/// to 47 bits of its largest entry (`FixedPointVector`, error ≤ 7e−15 of the largest entry), g/√N to 45–46
/// bits of its largest (see `iterateSigns`), and the products are exact integer sums. Records therefore do not depend on the CPU's
/// instruction set or on the number of threads, and changes of m below ~1e−13 are at the resolution of
/// the products (so `tol` well below that ends at `max_iters`).
public struct AMP: Solver {
    public static let name = "amp"
    public static let summary = "approximate message passing, binary or Gaussian prior; perceptron"
    public static let parameters: [ParameterSpec] = [
        ParameterSpec("max_iters", .integer(1...100_000_000), default: "1000", help: "iterations"),
        ParameterSpec("damping", .real(0...0.999), default: "0.5", help: "d in m ← d·m_old + (1−d)·m_new, in [0, 1)"),
        ParameterSpec("tol", .real(1e-15...1), default: "1e-6", help: "convergence: largest change of a mean below tol (±1 patterns: resolution ~1e-13)"),
        ParameterSpec("init", .real(0...1), default: "0.001", help: "initial means uniform in ±init"),
    ]

    public let maxIterations: Int
    public let damping: Double
    public let tolerance: Double
    public let initialScale: Double

    public init(_ p: SolverParameters) throws(FlatMinimaError) {
        maxIterations = p.int("max_iters")
        damping = p.double("damping")
        tolerance = p.double("tol")
        initialScale = p.double("init")
    }

    public static func unsupported(_ model: Model) -> String? {
        model.kind == .perceptron ? nil : "is implemented for the perceptron only so far"
    }

    public func solve(_ problem: Problem, generator: Generator, observer: any SolverObserver) throws -> SolverOutcome {
        var state = AMPState(problem: problem, binary: problem.model.weights == .binary, damping: damping,
                             initialScale: initialScale, generator: generator)
        if state.workers > 1, case .signs = problem.train.storage { state.team = LockstepTeam(size: state.workers) }
        defer { state.team?.stop() }
        var iterations = 0, change = Double.infinity
        while iterations < maxIterations {
            change = state.iterate()
            iterations += 1
            guard change.isFinite else { break }
            observer.observe(SolverStep(iteration: iterations, energy: -1, values: [("max_change", change)]))
            if change < tolerance || state.isPolarized(tolerance) { break }
        }
        let converged = change < tolerance || state.isPolarized(tolerance)
        let binary = problem.model.weights == .binary
        let weights = binary ? state.m.map { $0 < 0 ? -1.0 : 1.0 } : state.m
        var extra: [Record.Field] = [
            ("free_entropy", .double(converged ? state.freeEntropy() : .nan)),
            ("q", .double(state.m.reduce(0) { $0 + $1 * $1 } / Double(state.n))),
            ("max_change", .double(change)),
        ]
        if let teacher = problem.teacher {
            let n = Double(state.n)
            extra.append(("teacher_mean_overlap", .double(zip(state.m, teacher).reduce(0) { $0 + $1.0 * $1.1 } / n)))
            extra.append(("bayes_error", problem.testError(state.m).map { .double($0) } ?? .null))
        }
        if !converged {
            extra.append(("reason", .string(change.isFinite ? "max_iters reached" : "messages became NaN")))
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
    /// The Gaussian prior's precision ρ and tilt λ (1 and 0 without a cone).
    var rho = 1.0
    var tilt = 0.0
    /// Helper threads for the ±1 path's two passes per iteration (a dispatch per pass costs tens of
    /// microseconds on this project's virtual machine; the team's threads spin between passes). Set by
    /// `AMP.solve`, which stops it; without one the passes use `DispatchQueue.concurrentPerform`.
    var team: LockstepTeam? = nil
    /// ±1 inputs: m and the output coefficients in fixed point (kept to reuse their storage).
    var fixedM: FixedPointVector? = nil
    var fixedC: FixedPointVector? = nil
    /// ±1 inputs: the unit of the coefficients' fixed point fixed from the previous iteration (nil at the
    /// first iteration or when the coefficients vanished).
    var coefficientUnit: Double? = nil

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
    /// matrix products run in fixed point (`FixedPointVector`): m is rounded to 47 bits of its largest
    /// entry, the coefficients C_μ = g_μ/√N to 46 bits of twice the previous iteration's largest one, and
    /// the products are exact integer sums of 16-bit multiply-adds — 16 entries per AVX2 instruction, the
    /// same integers on every CPU and for any number of threads.
    ///
    /// One pass over the matrix (rows split across cores, four rows per step): the four dot products, the
    /// output channel (ω, g, ∂g) and, while the rows are in L1, Σ_μ x_μi C_μ into each core's own
    /// accumulators. A second, column-parallel round adds the cores' accumulators and finishes A_i, B_i
    /// and the binary prior's update of m_i, v_i. When a coefficient outgrows the scale fixed from the
    /// previous iteration (and at the first iteration) the products Σ_μ x_μi C_μ are redone in a column
    /// pass with the scale of this iteration's coefficients.
    private mutating func iterateSigns(_ x: UnsafeBufferPointer<Int8>) -> Double {
        let n = self.n, p = self.p, scale = 1 / Double(n).squareRoot(), invN = 1 / Double(n)
        let variance = max(v.reduce(0, +) * invN, 1e-300), s = variance.squareRoot()
        let margin = self.margin, labels = self.labels, workers = self.workers, team = self.team
        // (Taken out of the state while in use, so that their storage stays uniquely referenced.)
        var mFixed = fixedM.take() ?? FixedPointVector(count: n)
        defer { fixedM = mFixed }
        guard m.withUnsafeBufferPointer({ mFixed.quantize($0) }) else { return .nan }
        let mUnit = mFixed.unit
        nonisolated(unsafe) let xBase = x.baseAddress!
        var newG = [Double](repeating: 0, count: p), newDG = newG, newOmega = newG, coefficients = newG
        // The coefficients' scale for the fused products (nil: no fused products this iteration).
        let fusedScale = coefficientUnit.map { 1 / $0 }
        let fusedTotals = fusedScale == nil ? nil : UnsafeMutablePointer<Int64>.allocate(capacity: workers * 3 * n)
        fusedTotals?.initialize(repeating: 0, count: workers * 3 * n)
        defer { fusedTotals?.deallocate() }
        var overflow = [Bool](repeating: false, count: workers)
        // The pass: ω_μ = Σ_i x_μi m_i/√N − V g_μ(previous), the output channel, and the fused products.
        mFixed.limbs.withUnsafeBufferPointer { limbBuffer in
            g.withUnsafeBufferPointer { oldG in
                newG.withUnsafeMutableBufferPointer { gB in
                    newDG.withUnsafeMutableBufferPointer { dgB in
                        newOmega.withUnsafeMutableBufferPointer { oB in
                            coefficients.withUnsafeMutableBufferPointer { cB in
                                overflow.withUnsafeMutableBufferPointer { ovB in
                                    nonisolated(unsafe) let limbs = limbBuffer.baseAddress!, og = oldG
                                    nonisolated(unsafe) let gOut = gB, dgOut = dgB, oOut = oB, cOut = cB, overflowOut = ovB
                                    nonisolated(unsafe) let fusedTotals = fusedTotals
                                    AMPState.parallel(team, workers) { w in
                                        let rows = (w * p / workers) ..< ((w + 1) * p / workers)
                                        let sums = UnsafeMutablePointer<Int64>.allocate(capacity: 12)
                                        defer { sums.deallocate() }
                                        // The output channel of row μ from its dot product Σ_i x_μi m_i.
                                        func channel(_ mu: Int, _ dot: Double) {
                                            let omega = dot * scale - variance * og[mu]
                                            let u = (margin - labels[mu] * omega) / s
                                            let ratio = Special.GoverHFast(u)
                                            gOut[mu] = labels[mu] * ratio / s
                                            dgOut[mu] = -ratio * (ratio - u) / variance
                                            oOut[mu] = omega
                                            cOut[mu] = gOut[mu] * scale
                                        }
                                        // Fused products into this core's totals, every column.
                                        var fused: (scale: Double, sums: LimbAccumulator)? = nil
                                        if let fusedScale, let fusedTotals {
                                            fused = (fusedScale, LimbAccumulator(columns: 0..<n, stride: n, totals: fusedTotals + w * 3 * n))
                                        }
                                        // The limbs of `count` rows' coefficients from μ; false on overflow.
                                        var block = (SIMD8<Int16>(), SIMD4<Int16>())
                                        func coefficientLimbs(_ mu: Int, _ count: Int, _ out: UnsafeMutablePointer<Int16>, _ f: Double) -> Bool {
                                            for r in 0..<count {
                                                let y = cOut[mu + r] * f
                                                guard abs(y) <= 0x1p46 else { return false }
                                                (out[r], out[4 + r], out[8 + r]) = FixedPointVector.limbs(y)
                                            }
                                            return true
                                        }
                                        var mu = rows.lowerBound
                                        withUnsafeMutableBytes(of: &block) { raw in
                                            let blockLimbs = raw.baseAddress!.assumingMemoryBound(to: Int16.self)
                                            while mu + 4 <= rows.upperBound {
                                                let row = xBase + mu * n
                                                Kernels.dot4Fixed(row, stride: n, limbs, limbStride: n, count: n, into: sums)
                                                for r in 0..<4 { channel(mu + r, FixedPointVector.value(sums[3 * r], sums[3 * r + 1], sums[3 * r + 2], unit: mUnit)) }
                                                if let scale = fused?.scale {
                                                    if coefficientLimbs(mu, 4, blockLimbs, scale) {
                                                        fused!.sums.add4(row, blockLimbs)
                                                    } else {
                                                        overflowOut[w] = true
                                                        fused?.sums.deallocate()
                                                        fused = nil
                                                    }
                                                }
                                                mu += 4
                                            }
                                            for mu in mu ..< rows.upperBound {
                                                let row = xBase + mu * n
                                                Kernels.dot1Fixed(row, limbs, limbStride: n, count: n, into: sums)
                                                channel(mu, FixedPointVector.value(sums[0], sums[1], sums[2], unit: mUnit))
                                                if let scale = fused?.scale {
                                                    if coefficientLimbs(mu, 1, blockLimbs, scale) {
                                                        fused!.sums.add1(row, blockLimbs[0], blockLimbs[4], blockLimbs[8])
                                                    } else {
                                                        overflowOut[w] = true
                                                        fused?.sums.deallocate()
                                                        fused = nil
                                                    }
                                                }
                                            }
                                        }
                                        fused?.sums.fold()
                                        fused?.sums.deallocate()
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        g = newG
        dg = newDG
        omega = newOmega
        for mu in 0..<p { bigV[mu] = variance }
        // The coefficients' scale for the next iteration: 2^E ≥ twice this iteration's largest |C_μ|.
        var largestC = 0.0
        for c in coefficients { largestC = max(largestC, abs(c)) }
        let nextUnit = largestC.isFinite && largestC >= 0x1p-900
            ? Double(sign: .plus, exponent: Int(largestC.exponent) + 2 - 46, significand: 1) : nil
        defer { coefficientUnit = nextUnit }
        let fusedDone = fusedTotals != nil && !overflow.contains(true)
        var cFixed = fixedC.take() ?? FixedPointVector(count: p)
        defer { fixedC = cFixed }
        if !fusedDone {
            guard coefficients.withUnsafeBufferPointer({ cFixed.quantize($0) }) else { return .nan }
        }
        let cUnit = fusedDone ? coefficientUnit! : cFixed.unit
        // Column round: T_i = Σ_μ x_μi C_μ — the sum of the cores' fused totals, or (without them) Int32
        // limb accumulators over every row, folded into Int64 every 2^12 calls — then A_i, B_i and, for
        // the binary prior without a cone, the prior's update of m_i and v_i.
        let aAll = max(-dg.reduce(0, +) * invN, 0)
        let localPrior = binary && cone == nil, damping = self.damping
        var changes = [Double](repeating: 0, count: workers)
        cFixed.limbs.withUnsafeBufferPointer { cLimbs in
            a.withUnsafeMutableBufferPointer { aB in
                b.withUnsafeMutableBufferPointer { bB in
                    m.withUnsafeMutableBufferPointer { mB in
                        v.withUnsafeMutableBufferPointer { vB in
                            changes.withUnsafeMutableBufferPointer { chB in
                                nonisolated(unsafe) let c = cLimbs.baseAddress!
                                nonisolated(unsafe) let aOut = aB, bOut = bB, mIO = mB, vIO = vB, changeOut = chB
                                nonisolated(unsafe) let fusedTotals = fusedTotals
                                AMPState.parallel(team, workers) { w in
                                    // Column ranges on multiples of 16 (whole vectors for the kernel); each
                                    // core has its own accumulators (shared ones would bounce cache lines).
                                    let lo = w == 0 ? 0 : min(n, (w * n / workers) & ~15)
                                    let hi = w == workers - 1 ? n : min(n, ((w + 1) * n / workers) & ~15)
                                    let width = hi - lo
                                    guard width > 0 else { return }
                                    let totals = UnsafeMutablePointer<Int64>.allocate(capacity: 3 * width)
                                    totals.initialize(repeating: 0, count: 3 * width)
                                    defer { totals.deallocate() }
                                    if fusedDone, let fusedTotals {
                                        for part in 0..<workers {
                                            let source = fusedTotals + part * 3 * n
                                            for k in 0..<3 {
                                                for j in 0..<width { totals[k * width + j] += source[k * n + lo + j] }
                                            }
                                        }
                                    } else {
                                        var sums = LimbAccumulator(columns: lo..<hi, stride: n, totals: totals)
                                        var block = (SIMD8<Int16>(), SIMD4<Int16>())
                                        withUnsafeMutableBytes(of: &block) { raw in
                                            let coefficients = raw.baseAddress!.assumingMemoryBound(to: Int16.self)
                                            var mu = 0
                                            while mu + 4 <= p {
                                                for k in 0..<3 { for r in 0..<4 { coefficients[4 * k + r] = c[k * p + mu + r] } }
                                                sums.add4(xBase + mu * n, coefficients)
                                                mu += 4
                                            }
                                            for mu in mu..<p { sums.add1(xBase + mu * n, c[mu], c[p + mu], c[2 * p + mu]) }
                                        }
                                        sums.fold()
                                        sums.deallocate()
                                    }
                                    var change = 0.0
                                    for j in 0..<width {
                                        let i = lo + j
                                        aOut[i] = aAll
                                        bOut[i] = aAll * mIO[i] + FixedPointVector.value(totals[j], totals[width + j],
                                                                                        totals[2 * width + j], unit: cUnit)
                                        if localPrior {
                                            let delta = AMPState.binaryPrior(bOut[i], &mIO[i], &vIO[i], damping: damping)
                                            change = delta.isNaN || change.isNaN ? .nan : max(change, delta)
                                        }
                                    }
                                    changeOut[w] = change
                                }
                            }
                        }
                    }
                }
            }
        }
        guard localPrior else { return applyPrior() }
        return changes.contains(where: \.isNaN) ? .nan : changes.max()!
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
        }
        var change = 0.0
        for i in 0..<n {
            let ai = a[i], bi = b[i]
            let newM: Double, newV: Double
            if binary {
                change = max(change, AMPState.binaryPrior(bi, &m[i], &v[i], damping: damping))
                continue
            } else {
                let field = bi + tilt * (cone?.reference[i] ?? 0)
                newM = field / (rho + ai)
                newV = 1 / (rho + ai)
            }
            let dampedM = damping * m[i] + (1 - damping) * newM
            change = max(change, abs(dampedM - m[i]))
            m[i] = dampedM
            v[i] = damping * v[i] + (1 - damping) * newV
        }
        return change.isNaN ? .nan : change
    }

    /// The binary prior's damped update of one site from its field B: m ← d·m + (1−d)·tanh B,
    /// v ← d·v + (1−d)(1 − tanh² B); returns |Δm|.
    @inline(__always)
    static func binaryPrior(_ field: Double, _ m: inout Double, _ v: inout Double, damping: Double) -> Double {
        let newM = tanh(field), newV = 1 - newM * newM
        let dampedM = damping * m + (1 - damping) * newM
        let change = abs(dampedM - m)
        m = dampedM
        v = damping * v + (1 - damping) * newV
        return change
    }

    /// Whether a binary-prior state sits at the fully polarised fixed point m = ±1 (v = 0), up to
    /// mean(1 − m²) < `tolerance`: there V → 0 and the iteration only stirs rounding noise.
    func isPolarized(_ tolerance: Double) -> Bool {
        binary && m.reduce(0) { $0 + (1 - $1 * $1) } / Double(n) < tolerance
    }

    /// The Bethe (TAP) free entropy per variable at the current fixed point (see `AMP`).
    func freeEntropy() -> Double {
        var total = 0.0
        for mu in 0..<p {
            let s = bigV[mu].squareRoot()
            total += Special.logH((margin - labels[mu] * omega[mu]) / s) + 0.5 * bigV[mu] * g[mu] * g[mu]
        }
        for i in 0..<n {
            let logZ0: Double
            if binary {
                logZ0 = Special.log2cosh(b[i]) - 0.5 * a[i]
            } else if let cone {
                // Unnormalised Gaussian of precision ρ tilted by λ w̃_i: ∫dw e^{−(ρ+A)w²/2 + (B+λw̃)w}.
                let field = b[i] + tilt * cone.reference[i]
                logZ0 = 0.5 * log(2 * Double.pi / (rho + a[i])) + field * field / (2 * (rho + a[i]))
            } else {
                logZ0 = b[i] * b[i] / (2 * (1 + a[i])) - 0.5 * log1p(a[i])
            }
            total += logZ0 - b[i] * m[i] + 0.5 * a[i] * (m[i] * m[i] + v[i])
        }
        return total / Double(n)
    }
}

/// Σ_μ x_μi C_μ over the columns `columns` of ±1 rows (row stride `stride`) for fixed-point coefficients
/// given as three Int16 limbs: Int32 accumulators per limb and column, folded into the Int64 `totals`
/// (totals[k·width + j] for column columns.lowerBound + j) every 2^12 four-row blocks — each block adds
/// at most 2^17 in magnitude, so the Int32 lanes never overflow — and by `fold()` at the end. Exact.
struct LimbAccumulator {
    let columns: Range<Int>
    let stride: Int
    let totals: UnsafeMutablePointer<Int64>
    private let acc: UnsafeMutablePointer<Int32>
    private var blocks = 0

    init(columns: Range<Int>, stride: Int, totals: UnsafeMutablePointer<Int64>) {
        self.columns = columns
        self.stride = stride
        self.totals = totals
        acc = UnsafeMutablePointer<Int32>.allocate(capacity: 3 * columns.count)
        acc.initialize(repeating: 0, count: 3 * columns.count)
    }

    /// Adds the four rows starting at `rows` (row r at rows + r·stride) with coefficient limbs
    /// coefficients[4k + r].
    mutating func add4(_ rows: UnsafePointer<Int8>, _ coefficients: UnsafePointer<Int16>) {
        Kernels.axpy4Fixed(acc, accStride: columns.count, rows + columns.lowerBound, stride: stride, coefficients,
                           count: columns.count)
        blocks += 1
        if blocks == 1 << 12 { fold() }
    }

    /// Adds one row with coefficient limbs (c0, c1, c2) (at most 2^15 per limb: a quarter of a block).
    mutating func add1(_ row: UnsafePointer<Int8>, _ c0: Int16, _ c1: Int16, _ c2: Int16) {
        let width = columns.count, x = row + columns.lowerBound
        for (k, ck) in [Int32(c0), Int32(c1), Int32(c2)].enumerated() {
            for j in 0..<width { acc[k * width + j] &+= Int32(x[j]) &* ck }
        }
        blocks += 1
        if blocks == 1 << 12 { fold() }
    }

    /// Moves the Int32 accumulators into `totals`.
    mutating func fold() {
        for j in 0 ..< 3 * columns.count {
            totals[j] += Int64(acc[j])
            acc[j] = 0
        }
        blocks = 0
    }

    func deallocate() { acc.deallocate() }
}
