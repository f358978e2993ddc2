import Foundation

/// Gaussian averages ∫Dz f(z), Dz = e^{−z²/2}/√(2π) dz, by Gauss–Hermite quadrature (GSL's
/// `gsl_integration_fixed_hermite`). With 200 nodes it is exact for polynomials of degree < 400 and
/// accurate to ~1e−12 for the smooth integrands of the replica-symmetric saddle points below.
public struct GaussianMeasure: Sendable {
    public let nodes: [Double]
    public let weights: [Double]

    /// A rule with `count` nodes.
    public init(count: Int = 200) {
        guard let rule = GSL.hermiteRule(count: count) else { fatalError("GSL cannot allocate a Hermite rule") }
        nodes = rule.nodes
        weights = rule.weights.map { $0 / Special.sqrt2pi }
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

/// Replica-symmetric theory of the perceptron (SCIENCE.md §7): saddle points by root finding.
///
/// Every saddle point is found as an overlap q ∈ (0, 1) carried together with its complement x = 1 − q,
/// so that neither end of the interval loses digits: a root at q ≪ 1 (tiny α) is refined in log q, one at
/// q → 1 (near a capacity, or a Gaussian teacher at large α) in log x, both to a relative 10⁻¹².
public enum ReplicaSymmetric {
    /// ∫Dz f(z) over the perceptron's channel variable u = (κ − √q z)/√x, x = 1 − q: Gauss–Hermite
    /// while x ≥ 0.1, where the integrand is smooth on the scale of the nodes (error < 10⁻¹¹); below,
    /// where it turns from ~u² (or −u²/2) to ~0 within √x of z = κ/√q, adaptive quadrature on
    /// [−40, κ/√q] and [κ/√q, 40] (outside ±40 the Gaussian weight underflows to 0).
    static func channelAverage(q: Double, x: Double, margin: Double, measure: GaussianMeasure,
                               _ f: (Double) -> Double) -> Double {
        let rq = q.squareRoot(), r1 = x.squareRoot()
        if x >= 0.1 { return measure.average { z in f((margin - rq * z) / r1) } }
        let g: (Double) -> Double = { z in Special.G(z) * f((margin - rq * z) / r1) }
        let kink = min(max(margin / rq, -40), 40)
        do {
            return try Quadrature.finite(from: -40, to: kink, g) + Quadrature.finite(from: kink, to: 40, g)
        } catch {
            return .nan
        }
    }

    /// The binary prior's averages over z at field √q̂ = s: ∫Dz tanh²(s z) and ∫Dz log 2cosh(s z).
    /// Gauss–Hermite for s ≤ 1 (error < 10⁻¹⁴); beyond, where the integrands dip or kink within 1/s of
    /// z = 0 (200 nodes err by 10⁻⁸ at s = 2, 10⁻⁵ at s = 3), in t = s z by adaptive quadrature:
    ///
    ///     ∫Dz tanh²(s z) = 1 − (2/s) ∫_0^40 dt G(t/s) sech²(t),
    ///     ∫Dz log 2cosh(s z) = s √(2/π) + (2/s) ∫_0^40 dt G(t/s) log(1 + e^{−2t}).
    static func binaryPriorAverages(_ s: Double, measure: GaussianMeasure) -> (tanh2: Double, log2cosh: Double) {
        if s <= 1 {
            return (measure.average { z in let t = tanh(s * z); return t * t },
                    measure.average { Special.log2cosh(s * $0) })
        }
        do {
            let sech2 = try Quadrature.finite(from: 0, to: 40) { t in
                let c = 1 / cosh(t)
                return Special.G(t / s) * c * c
            }
            let tail = try Quadrature.finite(from: 0, to: 40) { t in Special.G(t / s) * log1p(exp(-2 * t)) }
            return (1 - 2 / s * sech2, s * (2 / Double.pi).squareRoot() + 2 / s * tail)
        } catch {
            return (.nan, .nan)
        }
    }

    /// The RS saddle point of the binary perceptron's storage problem with margin κ (Gardner & Derrida
    /// 1988; Krauth & Mézard 1989): with u = (κ − √q z)/√(1 − q),
    ///
    ///     s = −q̂(1 − q)/2 + ∫Dz log 2cosh(√q̂ z) + α ∫Dz log H(u),
    ///     q = ∫Dz tanh²(√q̂ z),   q̂ = α/(1 − q) ∫Dz (G(u)/H(u))².
    ///
    /// s is the entropy of solutions per weight; it vanishes at the capacity α ≈ 0.833 (κ = 0).
    /// The saddle point is the smallest root of q(q̂(q)) − q on (0, 1 − 1e−7] (`smallestRoot`; the residual
    /// is positive at q → 0, where q ≈ q₀ = α (G(κ)/H(κ))²: the search starts at min(10⁻¹³, q₀/4)). Where
    /// no root with q < 1 exists — at κ > 0 the q < 1 solution disappears some way above the capacity
    /// (e.g. near α ≈ 0.55 at κ = 0.5) — every field is NaN: iterating there runs to q → 1, where the
    /// equations no longer describe solutions.
    ///
    /// As α → 0 (q₀ below 10⁻²⁹⁰, where the root is no longer representable to full precision) the limit
    /// is returned: q = q̂ = q₀, s = log 2 + α log H(κ) (exact to O(α²)).
    public static func binaryStorage(alpha: Double, margin: Double = 0,
                                     measure: GaussianMeasure = .standard)
        -> (q: Double, qHat: Double, entropy: Double) {
        let ratio = Special.GoverH(margin), q0 = alpha * ratio * ratio
        if q0 / 4 < 1e-290 { return (q0, q0, Special.log2 + alpha * Special.logH(margin)) }
        func conjugate(_ q: Double, _ x: Double) -> Double {
            alpha / x * channelAverage(q: q, x: x, margin: margin, measure: measure) { u in
                let g = Special.GoverH(u)
                return g * g
            }
        }
        func residual(_ q: Double, _ x: Double) -> Double {
            binaryPriorAverages(conjugate(q, x).squareRoot(), measure: measure).tanh2 - q
        }
        guard let (q, x) = (try? smallestRoot(from: min(1e-13, q0 / 4), residual)) ?? nil else {
            return (.nan, .nan, .nan)
        }
        let qHat = conjugate(q, x)
        let s = -qHat * x / 2 + binaryPriorAverages(qHat.squareRoot(), measure: measure).log2cosh
            + alpha * channelAverage(q: q, x: x, margin: margin, measure: measure) { Special.logH($0) }
        return (q, qHat, s)
    }

    /// (G(u)/H(u))² + 2 log H(u), the combination in which the spherical entropy at its saddle point has
    /// no 1/(1 − q) divergence: for large u, G/H = u + d with d = 1/u − 2/u³ + 10/u⁵ − 74/u⁷ + 706/u⁹
    /// and log H = −u²/2 − log(u√(2π)) + log(1 − 1/u² + 3/u⁴ − 15/u⁶ + 105/u⁸), so the u² cancel
    /// analytically: 2ud + d² − log(2π u²) + 2 log(…) (used beyond u = 100, truncation < 10⁻¹⁵; below,
    /// directly, where the cancellation costs ε u² < 10⁻¹¹).
    static func sphericalCombination(_ u: Double) -> Double {
        guard u > 100 else { let g = Special.GoverH(u); return g * g + 2 * Special.logH(u) }
        let s = 1 / (u * u)
        let d = (1 + s * (-2 + s * (10 + s * (-74 + s * 706)))) / u
        return 2 * u * d + d * d - log(2 * Double.pi / s) + 2 * log1p(s * (-1 + s * (3 + s * (-15 + s * 105))))
    }

    /// The RS saddle point of the spherical perceptron's storage problem with margin κ (Gardner 1988):
    ///
    ///     s = extr_q [ ½ log(1 − q) + q/(2(1 − q)) + α ∫Dz log H(u) ],   u = (κ − √q z)/√(1 − q),
    ///
    /// stationary where q/(1 − q) = α ∫Dz (G(u)/H(u))². s is the log of the fraction of the sphere that
    /// solves the problem; q → 1 at α_c(κ) (`sphericalCapacity`), where s → −∞.
    ///
    /// The stationarity condition is solved as F = q − α x ∫Dz (G/H)² = 0, x = 1 − q, which stays finite
    /// as x → 0 (F → 1 − α/α_c): by Brent's method in log q when the root lies below q = ½, in log x above.
    /// At the saddle point q/(2x) = (α/2) ∫Dz (G/H)², so the entropy is evaluated as
    ///
    ///     s = ½ log x + (α/2) ∫Dz [(G(u)/H(u))² + 2 log H(u)],
    ///
    /// free of the two cancelling 1/x terms (`sphericalCombination`; ½ log x as ½ log1p(−q) for q ≤ ½).
    /// Throws `GSLError.invalid` at or above capacity (α ≥ α_c (1 − 10⁻⁹): there q is 1 to within the
    /// accuracy of the integrals and s = −∞), and any error of the root finder.
    public static func sphericalStorage(alpha: Double, margin: Double = 0, measure: GaussianMeasure = .standard)
        throws(GSLError) -> (q: Double, oneMinusQ: Double, entropy: Double) {
        guard alpha < sphericalCapacity(margin: margin) * (1 - 1e-9) else { throw GSLError.invalid }
        func stationarity(_ q: Double, _ x: Double) -> Double {
            q - alpha * x * channelAverage(q: q, x: x, margin: margin, measure: measure) { u in
                let g = Special.GoverH(u)
                return g * g
            }
        }
        let q: Double, x: Double
        if stationarity(0.5, 0.5) >= 0 {
            // Root in (0, ½]: F(q) ≈ q − α (G(κ)/H(κ))² at small q.
            let ratio = Special.GoverH(margin)
            var low = min(0.25, alpha * ratio * ratio / 4)
            while stationarity(low, 1 - low) >= 0 && low > 1e-300 { low /= 100 }
            let y = try Roots.brent(in: log(low) ... log(0.5), tolerance: 1e-12) { y in
                stationarity(exp(y), -expm1(y))
            }
            (q, x) = (exp(y), -expm1(y))
        } else {
            // Root in (½, 1): F(x → 0) = 1 − α/α_c > 0.
            var low = min(0.25, (1 - alpha / sphericalCapacity(margin: margin)) / 1e3)
            while stationarity(1 - low, low) <= 0 && low > 1e-300 { low /= 100 }
            let y = try Roots.brent(in: log(low) ... log(0.5), tolerance: 1e-12) { y in
                stationarity(-expm1(y), exp(y))
            }
            (q, x) = (-expm1(y), exp(y))
        }
        let s = 0.5 * (q <= 0.5 ? log1p(-q) : log(x)) + alpha / 2 * channelAverage(q: q, x: x, margin: margin,
                measure: measure, sphericalCombination)
        guard s.isFinite else { throw GSLError.failure }
        return (q, x, s)
    }

    /// Gardner's capacity of the spherical perceptron, α_c(κ) = 1/∫_{−κ}^∞ Dt (t + κ)², with the
    /// integral in closed form: (1 + κ²) H(−κ) + κ G(κ). α_c(0) = 2.
    public static func sphericalCapacity(margin: Double) -> Double {
        1 / ((1 + margin * margin) * Special.H(-margin) + margin * Special.G(margin))
    }

    /// The annealed bound on the binary capacity, log 2 / (−log H(κ)): above it the expected number of
    /// binary vectors that store P = αN patterns with margin κ, 2^N H(κ)^P, vanishes. (1 at κ = 0.)
    public static func annealedBinaryCapacity(margin: Double) -> Double {
        Special.log2 / -Special.logH(margin)
    }

    /// The binary perceptron's RS capacity: the α where the storage entropy vanishes (Krauth–Mézard,
    /// α_c(0) ≈ 0.833). s(α) is followed upward in steps of α_a/100, where α_a = min(1, log 2/(−log H(κ)))
    /// is the annealed bound (`annealedBinaryCapacity`, above α_c; the step is 0.01 for κ ≤ 0 and shrinks
    /// with the capacity at large κ, e.g. α_a ≈ 0.046 at κ = 5), from α = 10⁻⁴ α_a, to its first
    /// non-positive value and the zero refined by Brent's method in that step. A bracket over the whole
    /// range is not safe: at κ > 0 the q < 1 saddle point stops existing some way above the capacity.
    /// Throws `GSLError.invalid` if s has no zero below 2 α_a with q < 1 (if the saddle point ended before
    /// the entropy reached zero; with the adaptive quadrature of `channelAverage` and
    /// `binaryPriorAverages` it does not, up to κ = 10 at least, though at large κ the zero lies close
    /// below the end of the branch).
    public static func binaryCapacity(margin: Double = 0,
                                      measure: GaussianMeasure = .standard) throws(GSLError) -> Double {
        func entropy(_ alpha: Double) -> Double {
            binaryStorage(alpha: alpha, margin: margin, measure: measure).entropy
        }
        let unit = min(1, annealedBinaryCapacity(margin: margin)) / 100
        guard unit.isFinite, unit > 0 else { throw GSLError.invalid }
        var previous = 1e-2 * unit
        guard entropy(previous) > 0 else { throw GSLError.invalid }
        for step in 1...200 {
            let alpha = unit * Double(step)
            let s = entropy(alpha)
            if !s.isFinite {
                // The saddle point ends (a spinodal) inside this step: bisect towards it, in case s
                // reaches zero just before it.
                var high = alpha
                for _ in 0..<40 {
                    let mid = (previous + high) / 2, sm = entropy(mid)
                    if !sm.isFinite { high = mid; continue }
                    if sm <= 0 {
                        return try Roots.brent(in: previous ... mid, tolerance: 1e-9 * unit * 100) { entropy($0) }
                    }
                    previous = mid
                }
                throw GSLError.invalid
            }
            if s <= 0 { return try Roots.brent(in: previous ... alpha, tolerance: 1e-9 * unit * 100) { entropy($0) } }
            previous = alpha
        }
        throw GSLError.invalid
    }

    /// Prior of a teacher's (and a Bayes-optimal student's) weights.
    public enum Prior: String, Sendable, CaseIterable { case binary, gaussian }

    /// Ψ(q) = 2 ∫Dv H(−c v) log H(−c v), c = √(q/(1 − q)) = √(q/x): the channel term of the perceptron.
    /// For c ≤ 2 by Gauss–Hermite in v; beyond, where the integrand's step at v = 0 sharpens, in
    /// t = c v by adaptive quadrature over [−14, 14] (outside, |H(−t) log H(−t)| < 1e−44).
    static func channel(_ q: Double, _ x: Double, measure: GaussianMeasure) -> Double {
        let c = (q / x).squareRoot()
        if c <= 2 { return 2 * measure.average { v in Special.H(-c * v) * Special.logH(-c * v) } }
        let value = try? Quadrature.finite(from: -14, to: 14) { t in
            Special.G(t / c) / c * Special.H(-t) * Special.logH(-t)
        }
        return 2 * (value ?? .nan)
    }

    /// Ψ′(q) in closed form. With A(t) = atanh(erf(t/√2)) = ½ log(H(−t)/H(t)) (odd), differentiating
    /// under the integral (the v G(cv) term averages to 0 by symmetry) gives
    ///
    ///     Ψ′(q) = ∫Dv v G(c v) A(c v) / (c x²),   x = 1 − q,
    ///
    /// by Gauss–Hermite for c ≤ 2 (Ψ′(0) = 1/π), and, in t = c v for c > 2,
    ///
    ///     Ψ′(q) = K(c) / (q^{3/2} √x),   K(c) = 2 ∫_0^20 dt G(t/c) t G(t) A(t),
    ///
    /// which stays exact as x → 0, where Ψ′ ~ K(∞)/√x diverges (a central difference at fixed step does
    /// not resolve it once x is below the step). A is taken from `atanhErf`, accurate for small arguments,
    /// where the difference log H(−cv) − log H(cv) would cancel.
    static func channelDerivative(_ q: Double, _ x: Double, measure: GaussianMeasure) -> Double {
        if q == 0 { return 1 / Double.pi }
        let c = (q / x).squareRoot(), root2 = 2.0.squareRoot()
        if c <= 2 {
            return measure.average { v in v * Special.G(c * v) * Special.atanhErf(c * v / root2) } / (c * x * x)
        }
        let k = try? Quadrature.finite(from: 0, to: 20) { t in
            Special.G(t / c) * t * Special.G(t) * Special.atanhErf(t / root2)
        }
        return 2 * (k ?? .nan) / (q * q.squareRoot() * x.squareRoot())
    }

    /// q̂ = 2α Ψ′(q).
    static func conjugate(_ q: Double, _ x: Double, alpha: Double, measure: GaussianMeasure) -> Double {
        2 * alpha * channelDerivative(q, x, measure: measure)
    }

    /// The prior's update minus the overlap, q(q̂) − q, at (q, x = 1 − q): ∫Dz tanh(q̂ + √q̂ z) − q
    /// (binary); q̂/(1 + q̂) − q (Gaussian), taken as x − 1/(1 + q̂) for q > ½ so that it keeps its digits
    /// as x → 0.
    static func overlapResidual(_ qHat: Double, q: Double, x: Double, prior: Prior,
                                measure: GaussianMeasure) -> Double {
        switch prior {
        case .binary:
            let s = qHat.squareRoot()
            return measure.average { tanh(qHat + s * $0) } - q
        case .gaussian:
            return q <= 0.5 ? qHat / (1 + qHat) - q : x - 1 / (1 + qHat)
        }
    }

    /// The deepest 1 − q the teacher's fixed point is searched to: 10⁻⁷ for a binary teacher (its q < 1
    /// branch ends at the spinodal well before), 10⁻³⁰⁰ for a Gaussian one, whose 1 − q
    /// falls without bound as α grows (≈ 1/(2α K(∞))², `channelDerivative`).
    static func overlapFloor(_ prior: Prior) -> Double { prior == .binary ? 1e-7 : 1e-300 }

    /// The q < 1 branch of the Bayes-optimal teacher–student fixed point, as (q, 1 − q): the smallest
    /// root of q(q̂(q)) − q on (start, 1 − floor], start = min(10⁻⁶, q₀/4) below the small-α root
    /// q ≈ q₀ = 2α/π (q̂ = 2α Ψ′(0) = 2α/π and q(q̂) ≈ q̂ for either prior); nil where the branch does not
    /// exist (beyond the spinodal of a binary teacher, or, for a Gaussian one, 1 − q below 10⁻³⁰⁰).
    static func lowerBranch(alpha: Double, prior: Prior,
                            measure: GaussianMeasure) throws(GSLError) -> (q: Double, x: Double)? {
        func residual(_ q: Double, _ x: Double) -> Double {
            overlapResidual(conjugate(q, x, alpha: alpha, measure: measure), q: q, x: x, prior: prior, measure: measure)
        }
        return try smallestRoot(from: min(1e-6, 2 * alpha / Double.pi / 4), floor: overlapFloor(prior), residual)
    }

    /// The smallest root on (start, 1 − floor] of a residual r(q, x = 1 − q) that is positive at `start`
    /// (an RS fixed point q(q̂(q)) − q), as (q, x): the first sign change on a grid — 200 points evenly on
    /// (0, 0.9], then x log-spaced from 0.1 down to `floor` (200 points for the default 10⁻⁷, 10 a decade
    /// for a deeper floor) — refined by Brent's method in log q if the bracket lies below q = ½, in
    /// log x above, to 10⁻¹² in either (a relative tolerance, so that a root at q ~ 10⁻³⁰⁰ or at
    /// x ~ 10⁻³⁰⁰ keeps its digits); nil if the residual stays positive.
    static func smallestRoot(from start: Double, floor: Double = 1e-7,
                             _ residual: (Double, Double) -> Double) throws(GSLError) -> (q: Double, x: Double)? {
        let decades = log10(0.1 / floor), deep = max(200, Int((10 * decades).rounded(.up)))
        var previous = (q: start, x: 1 - start), value = residual(start, 1 - start)
        for step in 1...(200 + deep) {
            let point: (q: Double, x: Double)
            if step <= 200 {
                let q = 0.9 * Double(step) / 200
                point = (q, 1 - q)
            } else {
                let x = 0.1 * pow(floor / 0.1, Double(step - 200) / Double(deep))
                point = (1 - x, x)
            }
            let next = residual(point.q, point.x)
            if value > 0 && next <= 0 {
                if point.q <= 0.5 {
                    let y = try Roots.brent(in: log(previous.q) ... log(point.q)) { y in residual(exp(y), -expm1(y)) }
                    return (exp(y), -expm1(y))
                }
                let y = try Roots.brent(in: log(point.x) ... log(previous.x)) { y in residual(-expm1(y), exp(y)) }
                return (-expm1(y), exp(y))
            }
            previous = point
            value = next
        }
        return nil
    }

    /// The Bayes-optimal RS solution of the teacher–student perceptron (Györgyi 1990; Barbier et al.,
    /// PNAS 116, 2019): f = extr [ψ(q̂) + α Ψ(q) − q q̂/2] with q̂ = 2α Ψ′(q) and
    /// binary prior: q = ∫Dz tanh(q̂ + √q̂ z), ψ = ∫Dz log cosh(q̂ + √q̂ z) − q̂/2;
    /// Gaussian prior: q = q̂/(1 + q̂), ψ = (q̂ − log(1 + q̂))/2, so ψ − q q̂/2 = ((1 − q) q̂ − log(1 + q̂))/2.
    /// Returns the q < 1 branch (nil q where it does not exist) and the equilibrium overlap with its
    /// complement 1 − q: for a binary teacher the perfect-learning solution q = 1, of free entropy −log 2,
    /// wins where the branch's f is lower (above the first-order transition α ≈ 1.245). Errors:
    ///
    ///     Bayes ε = arccos(√q)/π = arcsin(√(1 − q))/π,   Gibbs ε = arccos(q)/π = 2 arcsin(√((1 − q)/2))/π,
    ///
    /// each taken in the form that keeps its digits (the arcsin forms for q > ½, so that a Gaussian teacher
    /// at large α, where 1 − q ≈ 10⁻¹² and q rounds to 1, gets ε ≈ √(1 − q)/π, not 0). As α → 0 the
    /// overlap q ≈ 2α/π → 0 and both errors → ½; below α ≈ 10⁻²⁹⁰ that limit is returned
    /// (q = 2α/π, f = −α log 2).
    /// Throws `GSLError.underflow` for a Gaussian teacher whose 1 − q is below 10⁻³⁰⁰ (α ≳ 10¹⁵⁰).
    public static func bayesOptimalTeacher(alpha: Double, prior: Prior,
                                           measure: GaussianMeasure = .standard) throws(GSLError)
        -> (branchQ: Double?, branchFreeEntropy: Double?, q: Double, oneMinusQ: Double, bayesError: Double,
            gibbsError: Double) {
        func errors(_ q: Double, _ x: Double) -> (bayes: Double, gibbs: Double) {
            q <= 0.5 ? (acos(q.squareRoot()) / Double.pi, acos(q) / Double.pi)
                     : (asin(x.squareRoot()) / Double.pi, 2 * asin((x / 2).squareRoot()) / Double.pi)
        }
        let q0 = 2 * alpha / Double.pi
        if q0 / 4 < 1e-290 {
            let e = errors(q0, 1 - q0)
            return (q0, -alpha * Special.log2, q0, 1 - q0, e.bayes, e.gibbs)
        }
        var branchF: Double? = nil
        let branch = try lowerBranch(alpha: alpha, prior: prior, measure: measure)
        if let (q, x) = branch {
            let qHat = conjugate(q, x, alpha: alpha, measure: measure)
            let psiMinusCoupling: Double
            switch prior {
            case .binary:
                let s = qHat.squareRoot()
                psiMinusCoupling = measure.average { z in Special.log2cosh(qHat + s * z) - Special.log2 }
                    - qHat / 2 - q * qHat / 2
            case .gaussian:
                psiMinusCoupling = (x * qHat - log1p(qHat)) / 2
            }
            branchF = psiMinusCoupling + alpha * channel(q, x, measure: measure)
        } else if prior == .gaussian {
            throw GSLError.underflow
        }
        var (q, x) = branch ?? (1, 0)
        if prior == .binary, let f = branchF, f < -Special.log2 { (q, x) = (1, 0) }
        let e = errors(q, x)
        return (branch?.q, branchF, q, x, e.bayes, e.gibbs)
    }

    /// The binary teacher's first-order transition (where the q < 1 branch's free entropy reaches
    /// −log 2, that of perfect learning; ≈ 1.245) and its spinodal (where the branch disappears, the
    /// threshold of AMP; ≈ 1.493), by Brent's method and by bisection to 1e−4.
    public static func binaryTeacherTransitions(measure: GaussianMeasure = .standard) throws(GSLError)
        -> (transition: Double, spinodal: Double) {
        let transition = try Roots.brent(in: 1.0 ... 1.4, tolerance: 1e-6) { alpha throws(GSLError) -> Double in
            let entropy = try bayesOptimalTeacher(alpha: alpha, prior: .binary, measure: measure).branchFreeEntropy
            return (entropy ?? -10) + Special.log2
        }
        var low = 1.3, high = 1.7
        while high - low > 1e-4 {
            let mid = (low + high) / 2
            if try lowerBranch(alpha: mid, prior: .binary, measure: measure) != nil { low = mid } else { high = mid }
        }
        return (transition, (low + high) / 2)
    }
}
