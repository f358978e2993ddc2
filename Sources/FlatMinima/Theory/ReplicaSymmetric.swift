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
    public static func binaryStorage(alpha: Double, margin: Double = 0,
                                     measure: GaussianMeasure = .standard) -> (q: Double, qHat: Double, entropy: Double) {
        var q = 0.5, qHat = 1.0
        for _ in 0..<200_000 {
            let rq = q.squareRoot(), r1 = (1 - q).squareRoot()
            qHat = alpha / (1 - q) * measure.average { z in
                let g = Special.GoverH((margin - rq * z) / r1)
                return g * g
            }
            let sq = qHat.squareRoot()
            let next = measure.average { z in let t = tanh(sq * z); return t * t }
            let damped = 0.5 * q + 0.5 * next
            if abs(damped - q) < 1e-14 { q = damped; break }
            q = min(damped, 1 - 1e-12)
        }
        let rq = q.squareRoot(), r1 = (1 - q).squareRoot(), sq = qHat.squareRoot()
        let s = -qHat * (1 - q) / 2 + measure.average { Special.log2cosh(sq * $0) }
            + alpha * measure.average { Special.logH((margin - rq * $0) / r1) }
        return (q, qHat, s)
    }

    /// Prior of a teacher's (and a Bayes-optimal student's) weights.
    public enum Prior: String, Sendable, CaseIterable { case binary, gaussian }

    /// Ψ(q) = 2 ∫Dv H(−c v) log H(−c v), c = √(q/(1 − q)): the channel term of the perceptron.
    static func channel(_ q: Double, measure: GaussianMeasure) -> Double {
        let c = (q / (1 - q)).squareRoot()
        return 2 * measure.average { v in Special.H(-c * v) * Special.logH(-c * v) }
    }

    /// The Bayes-optimal RS saddle point of the teacher–student perceptron (Györgyi 1990; Barbier et
    /// al. 2019): f = extr [ψ(q̂) + α Ψ(q) − q q̂/2] with q̂ = 2α Ψ′(q) and q = ∂ψ/∂q̂·2, i.e.
    /// binary prior: q = ∫Dz tanh(q̂ + √q̂ z), ψ = ∫Dz log cosh(q̂ + √q̂ z) − q̂/2;
    /// Gaussian prior: q = q̂/(1 + q̂), ψ = (q̂ − log(1 + q̂))/2.
    /// Starting from `start` selects the branch (small q: the q < 1 branch; near 1: the q = 1 one).
    /// Generalization errors: Bayes arccos(√q)/π, Gibbs arccos(q)/π.
    public static func bayesOptimalTeacher(alpha: Double, prior: Prior, start: Double = 0.1,
                                           measure: GaussianMeasure = .standard) -> (q: Double, qHat: Double, freeEntropy: Double) {
        var q = start, qHat = 0.0
        let h = 1e-6
        for _ in 0..<100_000 {
            let qq = min(max(q, h), 1 - 2 * h)
            qHat = 2 * alpha * (channel(qq + h, measure: measure) - channel(qq - h, measure: measure)) / (2 * h)
            let next: Double
            switch prior {
            case .binary:
                let s = qHat.squareRoot()
                next = measure.average { tanh(qHat + s * $0) }
            case .gaussian:
                next = qHat / (1 + qHat)
            }
            let damped = min(0.5 * q + 0.5 * next, 1 - 2 * h)
            if abs(damped - q) < 1e-13 { q = damped; break }
            q = damped
        }
        let psi: Double
        switch prior {
        case .binary:
            let s = qHat.squareRoot()
            psi = measure.average { z in Special.log2cosh(qHat + s * z) - Special.log2 } - qHat / 2
        case .gaussian:
            psi = (qHat - log1p(qHat)) / 2
        }
        return (q, qHat, psi + alpha * channel(q, measure: measure) - q * qHat / 2)
    }
}
