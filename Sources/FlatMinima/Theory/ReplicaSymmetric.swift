import CGSL
import Foundation

/// Gaussian averages ∫Dz f(z), Dz = e^{−z²/2}/√(2π) dz, by Gauss–Hermite quadrature (GSL's
/// `gsl_integration_fixed_hermite`). With 200 nodes it is exact for polynomials of degree < 400 and
/// accurate to ~1e−12 for the smooth integrands of the replica-symmetric saddle points below.
public struct GaussianMeasure: Sendable {
    public let nodes: [Double]
    public let weights: [Double]

    /// A rule with `count` nodes.
    public init(count: Int = 200) {
        GSL.initialize()
        guard let workspace = gsl_integration_fixed_alloc(cgsl_integration_fixed_hermite(), count, 0, 0.5, 0, 0) else {
            fatalError("gsl_integration_fixed_alloc failed")
        }
        defer { gsl_integration_fixed_free(workspace) }
        let x = gsl_integration_fixed_nodes(workspace)!, w = gsl_integration_fixed_weights(workspace)!
        nodes = (0..<count).map { x[$0] }
        weights = (0..<count).map { w[$0] / Special.sqrt2pi }
    }

    /// ∫Dz f(z).
    @inlinable
    public func average(_ f: (Double) -> Double) -> Double {
        var total = 0.0
        for k in 0..<nodes.count where weights[k] > 0 { total += weights[k] * f(nodes[k]) }
        return total
    }

    /// The shared default rule.
    public static let standard = GaussianMeasure()
}

/// Replica-symmetric theory of the perceptron (SCIENCE.md §7): saddle points by damped iteration.
public enum ReplicaSymmetric {
    /// The RS saddle point of the binary perceptron's storage problem with margin κ (Gardner & Derrida
    /// 1988; Krauth & Mézard 1989): with u = (κ − √q z)/√(1 − q),
    ///
    ///     s = −q̂(1 − q)/2 + ∫Dz log 2cosh(√q̂ z) + α ∫Dz log H(u),
    ///     q = ∫Dz tanh²(√q̂ z),   q̂ = α/(1 − q) ∫Dz (G(u)/H(u))².
    ///
    /// s is the entropy of solutions per weight; it vanishes at the capacity α ≈ 0.833 (κ = 0).
    /// The saddle point is the smallest root of q(q̂(q)) − q on (0, 1 − 1e−7] (`smallestRoot`; the residual
    /// is positive at q → 0). Where no root with q < 1 exists — at
    /// κ > 0 the q < 1 solution disappears some way above the capacity (e.g. near α ≈ 0.55 at κ = 0.5) —
    /// every field is NaN: iterating there runs to q → 1, where the quadrature no longer resolves the
    /// integrand and returns meaningless entropies.
    public static func binaryStorage(alpha: Double, margin: Double = 0,
                                     measure: GaussianMeasure = .standard) -> (q: Double, qHat: Double, entropy: Double) {
        func conjugate(_ q: Double) -> Double {
            let rq = q.squareRoot(), r1 = (1 - q).squareRoot()
            return alpha / (1 - q) * measure.average { z in
                let g = Special.GoverH((margin - rq * z) / r1)
                return g * g
            }
        }
        func residual(_ q: Double) -> Double {
            let sq = conjugate(q).squareRoot()
            return measure.average { z in let t = tanh(sq * z); return t * t } - q
        }
        guard let q = (try? smallestRoot(from: 1e-13, residual)) ?? nil else { return (.nan, .nan, .nan) }
        let qHat = conjugate(q)
        let rq = q.squareRoot(), r1 = (1 - q).squareRoot(), sq = qHat.squareRoot()
        let s = -qHat * (1 - q) / 2 + measure.average { Special.log2cosh(sq * $0) }
            + alpha * measure.average { Special.logH((margin - rq * $0) / r1) }
        return (q, qHat, s)
    }

    /// The RS saddle point of the spherical perceptron's storage problem with margin κ (Gardner 1988):
    ///
    ///     s = extr_q [ ½ log(1 − q) + q/(2(1 − q)) + α ∫Dz log H(u) ],   u = (κ − √q z)/√(1 − q),
    ///
    /// stationary where q/(1 − q) = α ∫Dz (G(u)/H(u))² (found by Brent's method on q ∈ (0, 1)).
    /// s is the log of the fraction of the sphere that solves the problem; q → 1 at α_c(κ).
    public static func sphericalStorage(alpha: Double, margin: Double = 0,
                                        measure: GaussianMeasure = .standard) throws(GSLError) -> (q: Double, entropy: Double) {
        func stationarity(_ q: Double) -> Double {
            let rq = q.squareRoot(), r1 = (1 - q).squareRoot()
            return q / (1 - q) - alpha * measure.average { z in
                let g = Special.GoverH((margin - rq * z) / r1)
                return g * g
            }
        }
        let q = try Roots.brent(in: 1e-12 ... 1 - 1e-9, stationarity)
        let rq = q.squareRoot(), r1 = (1 - q).squareRoot()
        let s = 0.5 * log1p(-q) + q / (2 * (1 - q)) + alpha * measure.average { Special.logH((margin - rq * $0) / r1) }
        return (q, s)
    }

    /// Gardner's capacity of the spherical perceptron, α_c(κ) = 1/∫_{−κ}^∞ Dt (t + κ)², with the
    /// integral in closed form: (1 + κ²) H(−κ) + κ G(κ). α_c(0) = 2.
    public static func sphericalCapacity(margin: Double) -> Double {
        1 / ((1 + margin * margin) * Special.H(-margin) + margin * Special.G(margin))
    }

    /// The binary perceptron's RS capacity: the α where the storage entropy vanishes (Krauth–Mézard,
    /// α_c(0) ≈ 0.833). s(α) is followed upward from α = 10⁻⁴, then 0.01 in steps of 0.01, to its first
    /// non-positive value and the zero refined by Brent's method in that step. A bracket over the whole
    /// range is not safe: at κ > 0 the q < 1 saddle point stops existing some way above the capacity.
    /// Throws `GSLError.invalid` if s has no zero below α = 2 with q < 1 (if the saddle point ended before
    /// the entropy reached zero; at κ ≤ 2 it does not, though at κ ≳ 1.6 the zero lies close below it).
    public static func binaryCapacity(margin: Double = 0, measure: GaussianMeasure = .standard) throws(GSLError) -> Double {
        func entropy(_ alpha: Double) -> Double { binaryStorage(alpha: alpha, margin: margin, measure: measure).entropy }
        var previous = 1e-4
        guard entropy(previous) > 0 else { throw GSLError.invalid }
        for step in 1...200 {
            let alpha = 0.01 * Double(step)
            let s = entropy(alpha)
            if !s.isFinite {
                // The saddle point ends (a spinodal) inside this step: bisect towards it, in case s
                // reaches zero just before it.
                var high = alpha
                for _ in 0..<40 {
                    let mid = (previous + high) / 2, sm = entropy(mid)
                    if !sm.isFinite { high = mid; continue }
                    if sm <= 0 { return try Roots.brent(in: previous ... mid, tolerance: 1e-9) { entropy($0) } }
                    previous = mid
                }
                throw GSLError.invalid
            }
            if s <= 0 { return try Roots.brent(in: previous ... alpha, tolerance: 1e-9) { entropy($0) } }
            previous = alpha
        }
        throw GSLError.invalid
    }

    /// Prior of a teacher's (and a Bayes-optimal student's) weights.
    public enum Prior: String, Sendable, CaseIterable { case binary, gaussian }

    /// Ψ(q) = 2 ∫Dv H(−c v) log H(−c v), c = √(q/(1 − q)): the channel term of the perceptron.
    /// For c ≤ 2 by Gauss–Hermite in v; beyond, where the integrand's step at v = 0 sharpens, in
    /// t = c v by adaptive quadrature over [−14, 14] (outside, |H(−t) log H(−t)| < 1e−44).
    static func channel(_ q: Double, measure: GaussianMeasure) -> Double {
        let c = (q / (1 - q)).squareRoot()
        if c <= 2 { return 2 * measure.average { v in Special.H(-c * v) * Special.logH(-c * v) } }
        let value = try? Quadrature.finite(from: -14, to: 14) { t in Special.G(t / c) / c * Special.H(-t) * Special.logH(-t) }
        return 2 * (value ?? .nan)
    }

    /// q̂ = 2α Ψ′(q) (central difference, step 1e−6: error ~1e−10).
    static func conjugate(_ q: Double, alpha: Double, measure: GaussianMeasure) -> Double {
        let h = 1e-6, qq = min(max(q, 2 * h), 1 - 2 * h)
        return 2 * alpha * (channel(qq + h, measure: measure) - channel(qq - h, measure: measure)) / (2 * h)
    }

    /// The prior's update q(q̂): ∫Dz tanh(q̂ + √q̂ z) (binary) or q̂/(1 + q̂) (Gaussian).
    static func overlap(_ qHat: Double, prior: Prior, measure: GaussianMeasure) -> Double {
        switch prior {
        case .binary:
            let s = qHat.squareRoot()
            return measure.average { tanh(qHat + s * $0) }
        case .gaussian:
            return qHat / (1 + qHat)
        }
    }

    /// The q < 1 branch of the Bayes-optimal teacher–student fixed point: the smallest root of
    /// q(q̂(q)) − q on (0, 1 − 1e−7], bracketed on a grid and refined by Brent's method; nil where the
    /// branch does not exist (beyond the spinodal of a binary teacher).
    static func lowerBranch(alpha: Double, prior: Prior, measure: GaussianMeasure) throws(GSLError) -> Double? {
        func residual(_ q: Double) -> Double {
            overlap(conjugate(q, alpha: alpha, measure: measure), prior: prior, measure: measure) - q
        }
        return try smallestRoot(from: 1e-6, residual)
    }

    /// The smallest root on (start, 1 − 1e−7] of a residual that is positive at `start` (an RS fixed
    /// point q(q̂(q)) − q): the first sign change on a grid — 200 points evenly on (0, 0.9], then 200 with
    /// 1 − q log-spaced from 0.1 down to 1e−7 — refined by Brent's method; nil if the residual stays positive.
    static func smallestRoot(from start: Double, _ residual: (Double) -> Double) throws(GSLError) -> Double? {
        var previous = start, value = residual(previous)
        for step in 1...400 {
            let q = step <= 200 ? 0.9 * Double(step) / 200 : 1 - 0.1 * pow(1e-6, Double(step - 200) / 200)
            let next = residual(q)
            if value > 0 && next <= 0 { return try Roots.brent(in: previous ... q) { residual($0) } }
            previous = q
            value = next
        }
        return nil
    }

    /// The Bayes-optimal RS solution of the teacher–student perceptron (Györgyi 1990; Barbier et al.,
    /// PNAS 116, 2019): f = extr [ψ(q̂) + α Ψ(q) − q q̂/2] with q̂ = 2α Ψ′(q) and
    /// binary prior: q = ∫Dz tanh(q̂ + √q̂ z), ψ = ∫Dz log cosh(q̂ + √q̂ z) − q̂/2;
    /// Gaussian prior: q = q̂/(1 + q̂), ψ = (q̂ − log(1 + q̂))/2.
    /// Returns the q < 1 branch (nil q where it does not exist) and the equilibrium overlap: for a binary
    /// teacher the perfect-learning solution q = 1, of free entropy −log 2, wins where the branch's f is
    /// lower (above the first-order transition α ≈ 1.245). Errors: Bayes arccos(√q)/π, Gibbs arccos(q)/π.
    public static func bayesOptimalTeacher(alpha: Double, prior: Prior,
                                           measure: GaussianMeasure = .standard) throws(GSLError)
        -> (branchQ: Double?, branchFreeEntropy: Double?, q: Double, bayesError: Double, gibbsError: Double) {
        var branchF: Double? = nil
        let branch = try lowerBranch(alpha: alpha, prior: prior, measure: measure)
        if let q = branch {
            let qHat = conjugate(q, alpha: alpha, measure: measure)
            let psi: Double
            switch prior {
            case .binary:
                let s = qHat.squareRoot()
                psi = measure.average { z in Special.log2cosh(qHat + s * z) - Special.log2 } - qHat / 2
            case .gaussian:
                psi = (qHat - log1p(qHat)) / 2
            }
            branchF = psi + alpha * channel(q, measure: measure) - q * qHat / 2
        }
        var q = branch ?? 1
        if prior == .binary, let f = branchF, f < -Special.log2 { q = 1 }
        return (branch, branchF, q, acos(q.squareRoot()) / Double.pi, acos(q) / Double.pi)
    }

    /// The binary teacher's first-order transition (where the q < 1 branch's free entropy reaches
    /// −log 2, that of perfect learning; ≈ 1.245) and its spinodal (where the branch disappears, the
    /// threshold of AMP; ≈ 1.493), by Brent's method and by bisection to 1e−4.
    public static func binaryTeacherTransitions(measure: GaussianMeasure = .standard) throws(GSLError)
        -> (transition: Double, spinodal: Double) {
        let transition = try Roots.brent(in: 1.0 ... 1.4, tolerance: 1e-6) { alpha throws(GSLError) -> Double in
            (try bayesOptimalTeacher(alpha: alpha, prior: .binary, measure: measure).branchFreeEntropy ?? -10) + Special.log2
        }
        var low = 1.3, high = 1.7
        while high - low > 1e-4 {
            let mid = (low + high) / 2
            if try lowerBranch(alpha: mid, prior: .binary, measure: measure) != nil { low = mid } else { high = mid }
        }
        return (transition, (low + high) / 2)
    }
}
