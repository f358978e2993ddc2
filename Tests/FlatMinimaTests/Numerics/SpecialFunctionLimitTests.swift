import Foundation
import Testing
@_spi(Benchmarks) @testable import FlatMinima

/// `Special` far in the tails, where GSL's erfc and log erfc lose the exponent (log erfc z = −∞ from
/// z ≈ 1e52, NaN from z ≈ 1e62; the hazard NaN below x ≈ −1e100): the functions stay finite, or ±∞ where
/// the true value is beyond Double's range, and follow their asymptotic forms
///     log H(x) ≈ −x²/2 − log(x√(2π)),   atanh erf(x) ≈ (x² + log(x√π) + log 2)/2   (x → +∞),
///     H → 0 or 1,   G/H → 0 (x → −∞).
@Suite struct SpecialFunctionLimitTests {
    /// ±10^k for k = 0 … 308, and ±∞.
    static let arguments: [Double] = (0...308).flatMap { k -> [Double] in
        let x = pow(10.0, Double(k))
        return [x, -x]
    } + [.infinity, -.infinity]

    @Test func noNaNOnTheWholeLine() {
        for x in Self.arguments {
            #expect(!Special.H(x).isNaN, "H(\(x))")
            #expect(!Special.logH(x).isNaN, "log H(\(x))")
            #expect(!Special.GoverH(x).isNaN, "G/H(\(x))")
            #expect(!Special.atanhErf(x).isNaN, "atanh erf(\(x))")
        }
    }

    @Test func negativeTailIsCertain() {
        for x in [-60.0, -1e10, -1e62, -1e100, -1e300, -.infinity] {
            #expect(Special.H(x) == 1 && Special.logH(x) == 0 && Special.GoverH(x) == 0, "\(x)")
            #expect(Special.H(-x) == 0, "\(-x)")
        }
    }

    @Test func positiveTailFollowsTheAsymptote() {
        for x in [1e9, 1e30, 1e60, 1e62, 1e100, 1e150] {
            let expected = -0.5 * x * x - log(x) - 0.5 * log(2 * Double.pi)
            #expect(abs(Special.logH(x) / expected - 1) < 1e-15, "log H(\(x)) = \(Special.logH(x))")
            let atanh = 0.5 * (x * x + log(x) + 0.5 * log(Double.pi) + log(2.0))
            #expect(abs(Special.atanhErf(x) / atanh - 1) < 1e-15, "atanh erf(\(x))")
            #expect(Special.atanhErf(-x) == -Special.atanhErf(x))
        }
        // Beyond 1.9e154 the square overflows: the true values lie beyond Double's range.
        #expect(Special.logH(1e200) == -.infinity && Special.logH(.infinity) == -.infinity)
        #expect(Special.atanhErf(1e200) == .infinity && Special.atanhErf(-.infinity) == -.infinity)
        #expect(abs(Special.GoverH(1e200) / 1e200 - 1) < 1e-15)
    }

    /// The asymptotic form takes over from GSL without a step: log erfc just below and above z = 10^8
    /// agree to a few ulps relative with the neighbouring GSL values' trend.
    @Test func asymptoteJoinsGSL() {
        let z = Special.asymptoticLimit
        let below = Special.logErfc(nonNegative: z.nextDown), above = Special.logErfc(nonNegative: z.nextUp)
        GSL.initialize()
        let gsl = GSL.logErfc(z.nextUp)
        #expect(abs(above / gsl - 1) < 4 * Double.ulpOfOne, "\(above) vs GSL \(gsl)")
        #expect(below > above)
    }
}
