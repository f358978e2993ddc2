import Foundation

/// Messages of binary variables kept as fields, h = atanh(m), combined in log space; the one small
/// representation that every message-passing solver uses (after the `Mag64` type of
/// carlobaldassi/BinaryCommitteeMachineFBP.jl).
///
/// Fields add when independent evidence combines (a product of likelihoods); they are clamped to
/// ±`limit` so that tanh never rounds to exactly ±1 where a division by 1 − m² follows, and so that
/// Float storage of messages cannot overflow.
public enum Field {
    /// |h| ≤ 30: tanh(30) = 1 − 1.8e−26, indistinguishable from 1 in Double but keeps 1 − m² > 0 via
    /// `oneMinusM2`.
    public static let limit = 30.0

    /// The larger of two message changes, NaN if either is (Swift's `max(x, y)` returns x when y is NaN,
    /// which would let NaN messages pass for converged ones).
    @inlinable public static func largest(_ a: Double, _ b: Double) -> Double {
        a.isNaN || b.isNaN ? .nan : max(a, b)
    }

    @inlinable static func clamp(_ h: Double) -> Double {
        h.isNaN ? h : min(limit, max(-limit, h))
    }

    /// 1 − tanh²(h) = 1/cosh²(h), without cancellation for large |h|.
    @inlinable static func oneMinusM2(_ h: Double) -> Double {
        let e = exp(-2 * abs(h))
        return 4 * e / ((1 + e) * (1 + e))
    }

    /// atanh(tanh a · tanh b) = ½[log 2cosh(a + b) − log 2cosh(a − b)], stable for large |a|, |b|;
    /// an infinite `a` (tanh a = ±1) gives ±b.
    @inlinable static func product(_ a: Double, _ b: Double) -> Double {
        if a.isInfinite { return a > 0 ? b : -b }
        if b.isInfinite { return b > 0 ? a : -a }
        return 0.5 * (Special.log2cosh(a + b) - Special.log2cosh(a - b))
    }

    /// The focusing field a variable receives from the traced-out reference of y replicas coupled with
    /// strength γ, given its field c without that term (SCIENCE.md §3; Baldassi et al., PNAS 113, 2016):
    /// u⋆ = atanh(tanh γ · tanh((y − 1) · atanh(tanh γ · tanh c))).
    @inlinable public static func focusing(cavity c: Double, gamma: Double, y: Double) -> Double {
        product(gamma, (y - 1) * product(gamma, c))
    }
}
