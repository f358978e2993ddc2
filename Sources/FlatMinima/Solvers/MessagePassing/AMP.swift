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
///
/// The solver is this type (options, stopping rules, the record); the iteration's state and owned buffers
/// are `AMPState`, the ±1 look-up products `AMPSignProducts`, and the prior's moments and free-entropy
/// terms `AMPPrior`.
public struct AMP: Solver {
    public static let name = "amp"
    public static let summary = "approximate message passing, binary or Gaussian prior; perceptron"
    public static let parameters: [ParameterSpec] = [
        ParameterSpec("max_iters", .integer(1...100_000_000), default: "1000", help: "iterations"),
        ParameterSpec("damping", .real(0...0.999), default: "0.5", help: "d in m ← d·m_old + (1−d)·m_new, in [0, 1)"),
        ParameterSpec("tol", .real(1e-15...1), default: "1e-6",
                      help: "convergence: largest change of a mean below tol "
                          + "(±1 patterns: products to 2^-bits, ~1e-13 at 46 bits)"),
        ParameterSpec("init", .real(0...1), default: "0.001", help: "initial means uniform in ±init"),
        ParameterSpec("bits", .choice(["auto", "25", "32", "39", "46"]), default: "auto",
                      help: "±1 patterns: fixed-point bits of the products (of the largest entry); "
                          + "auto: the fewest whose resolution 2^-bits is below tol/1000 (32 at tol 1e-6)"),
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
        // Teacher–student keeps the teacher's prior (Bayes-optimal); storage and data learn on the sphere.
        let binary = problem.model.weights == .binary
        let spherical = !binary && problem.spec.task != .teacher
        let state = AMPState(problem: problem, prior: AMPPrior(binary ? .binary : spherical ? .sphere : .gaussian),
                             damping: damping, initialScale: initialScale, generator: generator)
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
            let solved = problem.model.energy(weights: state.means.map { $0 < 0 ? -1.0 : 1.0 }, on: problem.train) == 0
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
        let means = state.means
        let q = means.reduce(0) { $0 + $1 * $1 } / Double(state.n)
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
            : !(q < 1) || (spherical && (phi > 0 || 1 - q < 1 / Double(state.n)))
        let converged = reached && !collapsed
        let weights = binary ? means.map { $0 < 0 ? -1.0 : 1.0 } : means
        var extra: [Record.Field] = [
            ("free_entropy", .double(converged ? phi : .nan)),
            ("q", .double(q)),
            ("max_change", .double(change)),
        ]
        // ±1 patterns: the fixed-point bits the products used (`bits`, chosen from tol when auto).
        if let products = state.signProducts { extra.append(("product_bits", .int(products.bits))) }
        if let teacher = problem.teacher {
            let n = Double(state.n)
            extra.append(("teacher_mean_overlap", .double(zip(means, teacher).reduce(0) { $0 + $1.0 * $1.1 } / n)))
            extra.append(("bayes_error", problem.testError(means).map { .double($0) } ?? .null))
        }
        if !converged {
            let reason = !change.isFinite ? "messages became NaN"
                : collapsed && binary ? "free entropy below -log 2: no solutions (above capacity)"
                : collapsed ? "collapsed: 1 - q < 1/N or free entropy > 0 "
                    + "(no solution on the sphere, or AMP's approximation failed)"
                : "max_iters reached"
            extra.append(("reason", .string(reason)))
        }
        return SolverOutcome(weights: weights, iterations: iterations, converged: converged, extra: extra)
    }
}
