import Foundation
import Testing
@_spi(Benchmarks) @testable import FlatMinima

/// The fast log H against GSL's log-erfc (`Special.logH`), its slow twin.
@Suite struct FastGaussianTests {
    /// Relative agreement over [−60, 60]: the series is accurate to ~3e−18 in P, so what remains is
    /// rounding: a few ulps from log and log1p (2e−14 relative), plus, for x < 0, exp's amplification
    /// of the roundings in its argument l − x²/2 (in x·x, the halving and the subtraction), at most
    /// about 2ε·x² (4.4e−16·x² allowed);
    /// 1e−280 absolute where log H(x) = −H(−x) nears the subnormal range.
    @Test func logHFastMatchesGSL() {
        var x = -60.0
        while x <= 60 {
            let fast = Special.logHFast(x), reference = Special.logH(x)
            #expect(abs(fast - reference) <= (2e-14 + 4.4e-16 * x * x) * abs(reference) + 1e-280,
                    "x = \(x): \(fast) vs \(reference)")
            x += 0.0137
        }
        for x in [-1e3, -100.0, -40.0, 0.0, 40.0, 100.0, 1e3, 1e6] {
            let fast = Special.logHFast(x), reference = Special.logH(x)
            #expect(abs(fast - reference) <= (2e-14 + 4.4e-16 * x * x) * abs(reference) + 1e-280,
                    "x = \(x): \(fast) vs \(reference)")
        }
    }

    /// The fast hazard G/H (AMP's channel): against the 40-digit references of SpecialFunctionsTests to
    /// 1e−15 relative (x ≥ 0) or, for x < 0, plus exp's amplification of the rounding of x²/2 (≤ 2ε·x²);
    /// and against GSL's `gsl_sf_hazard` over [−40, 40] to 2e−13 — GSL's own error: 1.4e−14 relative to
    /// mpmath at x = 8.83 and 1.2e−13 at x = 24.18, where the fast version's is 1e−16 (two extra
    /// 40-digit references below).
    @Test func hazardFastMatchesReferences() {
        let extra: [(x: Double, gOverH: Double)] = [(8.826800000000157, 8.9373539679890923339),
                                                    (24.184500000000206, 24.225708601437239092)]
        for r in references.map({ (x: $0.x, gOverH: $0.gOverH) }) + extra {
            let fast = Special.GoverHFast(r.x)
            #expect(abs(fast - r.gOverH) <= (1e-15 + (r.x < 0 ? 4.4e-16 * r.x * r.x : 0)) * r.gOverH + 1e-300,
                    "x = \(r.x): \(fast) vs \(r.gOverH)")
        }
        var x = -40.0
        while x <= 40 {
            let fast = Special.GoverHFast(x), reference = Special.GoverH(x)
            #expect(abs(fast - reference) <= (2e-13 + (x < 0 ? 4.4e-16 * x * x : 0)) * abs(reference) + 1e-300,
                    "x = \(x): \(fast) vs \(reference)")
            x += 0.0137
        }
        for x in [-1e3, 1e3, 1e8] {
            let fast = Special.GoverHFast(x), reference = Special.GoverH(x)
            #expect(abs(fast - reference) <= 2e-13 * abs(reference) + 1e-300, "x = \(x): \(fast) vs \(reference)")
        }
        #expect(Special.GoverHFast(.infinity) == .infinity && Special.GoverHFast(-.infinity) == 0)
        #expect(Special.GoverHFast(.nan).isNaN)
    }

    /// The BP message ½[log H(a) − log H(b)] over the arguments BP produces: a = (θ − M ∓ ξ)/√V with
    /// |ξ|/√V from 1e−3 (N ~ 10⁶, unpolarised) to 10 (nearly frozen cavities) and centres up to ±40.
    /// Absolute error 1e−13 on messages that are clamped at ±30 and used in sums of O(P) terms.
    @Test func messageMatchesGSL() {
        for centre in stride(from: -40.0, through: 40.0, by: 0.37) {
            for half in [1e-3, 0.01, 0.03, 0.1, 0.5, 1, 3, 10] {
                let a = centre - half, b = centre + half
                let fast = Special.halfLogHRatio(a, b)
                let reference = 0.5 * (Special.logH(a) - Special.logH(b))
                #expect(abs(fast - reference) <= 1e-13 * max(1, abs(reference)),
                        "a = \(a), b = \(b): \(fast) vs \(reference)")
            }
        }
    }
}
