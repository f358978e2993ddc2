import CGSL
import Foundation
import Testing
@_spi(Benchmarks) @testable import FlatMinima

/// Reference values computed with mpmath at 40 digits:
///   H(x) = erfc(x/√2)/2, log H(x) (log1p(−H(−x)) for x < 0), G(x)/H(x),
///   atanh(erf x) = sign(x)·½[log(2 − erfc|x|) − log erfc|x|], log 2cosh x.
/// Values beyond the double range underflow to 0: G/H(−40) = 1.46e−348, log H(−40) = −3.66e−350.
let references: [(x: Double, logH: Double, gOverH: Double, atanhErf: Double, log2cosh: Double)] = [
    (-100, 0, 0, -5002.9353661516121389, 100),
    (-40, 0, 0, -802.47735191691675048, 40),
    (-8, -6.2209605742717860585e-16, 5.0522710835368954309e-15, -33.6763095756825534, 8.0000001125351683872),
    (-3, -0.0013508099647481937988, 0.0044378390421256637933, -5.706749588615779689, 3.0024756851377304495),
    (-0.5, -0.36894641528865639307, 0.50916043383703348583, -0.57702513880632199169, 0.81326168751822283405),
    (0, -0.69314718055994530942, 0.79788456080286535588, 0, 0.69314718055994530942),
    (0.5, -1.1759117615936186089, 1.1410777703680644809, 0.57702513880632199169, 0.81326168751822283405),
    (3, -6.6077262215103495433, 3.2830986549304365069, 5.706749588615779689, 3.0024756851377304495),
    (8, -35.013437159914549896, 8.1213681122361126807, 33.6763095756825534, 8.0000001125351683872),
    (40, -804.60844201375378817, 40.024968847207263723, 802.47735191691675048, 40),
    (100, -5005.5242086942050886, 100.00999800099926071, 5002.9353661516121389, 100),
]

/// |a − b| ≤ tolerance·|b|, or both within `floor` of zero.
func close(_ a: Double, _ b: Double, _ tolerance: Double, floor: Double = 1e-300) -> Bool {
    abs(a - b) <= tolerance * abs(b) + floor
}

@Suite struct SpecialFunctionsTests {
    /// Against the 40-digit references, at ±40 and ±100 among others. GSL's erfc-based kernels are
    /// accurate to a few ulps; we allow 1e−13 relative (atanh(erf) at |x| < 2 goes through atanh of a
    /// rounded erf, whose condition number 1/(1 − erf²) ≤ 1.1e2 at |x| = 0.5 costs ~2 digits).
    @Test func matchHighPrecisionReferences() {
        for r in references {
            #expect(close(Special.logH(r.x), r.logH, 1e-13), "logH(\(r.x)) = \(Special.logH(r.x))")
            #expect(close(Special.GoverH(r.x), r.gOverH, 1e-13), "G/H(\(r.x)) = \(Special.GoverH(r.x))")
            #expect(close(Special.atanhErf(r.x), r.atanhErf, 1e-13), "atanhErf(\(r.x)) = \(Special.atanhErf(r.x))")
            #expect(close(Special.log2cosh(r.x), r.log2cosh, 1e-15), "log2cosh(\(r.x)) = \(Special.log2cosh(r.x))")
        }
    }

    /// Large-x asymptotics: log H(x) = −x²/2 − log(x√(2π)) + log(1 − 1/x² + 3/x⁴ − 15/x⁶ + …) and
    /// G/H(x) = x + 1/x − 2/x³ + 10/x⁵ − …; the first omitted term bounds the error (105/x⁸ and
    /// 74/x⁷: 1.6e−11 and 4.5e−10 at x = 40, 1e−14 and 7e−13 at x = 100).
    @Test(arguments: [40.0, 100.0, 200.0])
    func matchAsymptoticSeries(x: Double) {
        let series = -x * x / 2 - log(x * Special.sqrt2pi) + log(1 - 1 / (x * x) + 3 / pow(x, 4) - 15 / pow(x, 6))
        #expect(abs(Special.logH(x) - series) <= 105 / pow(x, 8) + 1e-15 * abs(series))
        let hazard = x + 1 / x - 2 / pow(x, 3) + 10 / pow(x, 5)
        #expect(abs(Special.GoverH(x) - hazard) <= 74 / pow(x, 7) + 1e-15 * x)
    }

    /// Finite everywhere on [−200, 200] and the expected shapes: log H decreasing, H(x) + H(−x) = 1,
    /// G/H ≥ max(0, x), atanh∘erf odd and continuous across its switch at |x| = 2, log 2cosh even, ≥ |x|.
    @Test func shapesOverTheWholeLine() {
        var previous = Double.infinity
        var x = -200.0
        while x <= 200 {
            let values = [Special.logH(x), Special.GoverH(x), Special.atanhErf(x), Special.log2cosh(x), Special.H(x)]
            let finite = values.allSatisfy { $0.isFinite }
            #expect(finite, "x = \(x): \(values)")
            #expect(Special.logH(x) <= previous)
            previous = Special.logH(x)
            #expect(abs(Special.H(x) + Special.H(-x) - 1) < 1e-15)
            #expect(Special.GoverH(x) >= max(0, x) - 1e-12 * abs(x))
            #expect(Special.atanhErf(-x) == -Special.atanhErf(x))
            #expect(Special.log2cosh(-x) == Special.log2cosh(x) && Special.log2cosh(x) >= abs(x))
            x += 0.173
        }
        let below = Special.atanhErf(2.0.nextDown), above = Special.atanhErf(2.0)
        #expect(abs(above - below) < 1e-13 * above)
    }

    /// `GSL.initialize()` turns the abort-on-error handler off: a domain error comes back as a status.
    @Test func gslErrorsBecomeStatusCodes() {
        GSL.initialize()
        var result = gsl_sf_result()
        let status = gsl_sf_log_e(-1.0, &result)
        #expect(status == GSLError.domain.rawValue)
        #expect(GSLError.domain.description.contains("domain"))
        do {
            try GSL.check(status)
            Issue.record("no error thrown")
        } catch {
            #expect(error == .domain)
        }
        #expect(!GSL.version.isEmpty)
    }
}
