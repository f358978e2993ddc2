#if canImport(Glibc)
import Glibc
#endif

/// The Gaussian special functions every solver and every replica formula needs, in forms that stay
/// finite and accurate over the whole real line (SCIENCE.md §1).
///
/// With G(x) = e^{−x²/2}/√(2π) and H(x) = ∫_x^∞ G = ½ erfc(x/√2):
/// - `logH` goes through GSL's `gsl_sf_log_erfc` for x ≥ 0, which switches to the asymptotic expansion
///   of log erfc for large arguments (log H(40) = −804.61…, where H itself underflows near x ≈ 38.5),
///   and through log1p(−H(−x)) for x < 0.
/// - `GoverH` is GSL's normal hazard function `gsl_sf_hazard` = G(x)/H(x) ~ x + 1/x for large x.
/// - `atanhErf(x)` = atanh(erf x) = ½ log(erfc(−x)/erfc(x)), taken directly for |x| < 2 and through
///   log-erfc beyond, where 1 − erf(x) has lost its digits.
/// - `log2cosh(x)` = |x| + log1p(e^{−2|x|}).
/// Far in the tails the asymptotic forms take over from GSL, whose erfc and log erfc lose the exponent
/// there (log erfc z = −∞ from z ≈ 1e52, both NaN from z ≈ 1e62, the hazard NaN below x ≈ −1e100): H and
/// G/H are exactly 0 or 1 beyond |x| = `Special.tailLimit`, and log erfc z = −z² − log(z√π) beyond
/// z = `Special.asymptoticLimit`. Every function here is finite or ±∞ for every non-NaN argument,
/// ±∞ included, so a polarised state (fields of ±10^150 over √V ≈ 10^−150) gives numbers, not NaN.
/// Never compute H and then take its log. Every GSL-backed function first makes sure GSL's
/// abort-on-error handler is off (`GSL.initialize()`, a once-only check): an underflow in erfc at
/// x ≈ 40 must return 0, not abort the process.
public enum Special {
    /// √(2π).
    @usableFromInline static let sqrt2pi = 2.506_628_274_631_000_502_415_765_284_811
    /// log 2.
    @usableFromInline static let log2 = 0.693_147_180_559_945_309_417_232_121_458
    /// ½ log π.
    @usableFromInline static let halfLogPi = 0.572_364_942_924_700_087_071_713_675_677
    /// Beyond |x| = 50, H(x) = ½ erfc(x/√2) < 10^−545 has underflowed: H is 0 (x > 0) or 1 (x < 0) and
    /// G/H is 0 for x < 0, which is what GSL returns there until it turns to NaN.
    @usableFromInline static let tailLimit = 50.0
    /// From z = 10^8 on, log erfc z = −z² − log(z√π) + log(1 − 1/(2z²) + …): the dropped term is below
    /// 10^−16 absolute, on a value beyond 10^16 (it agrees with GSL to the last bit from 10^8 to 10^51).
    @usableFromInline static let asymptoticLimit = 1e8

    /// Standard normal density G(x) = e^{−x²/2}/√(2π).
    @inlinable
    static func G(_ x: Double) -> Double { exp(-0.5 * x * x) / sqrt2pi }

    /// Gaussian tail H(x) = ½ erfc(x/√2) (underflows to 0 beyond x ≈ 38.5; use `logH` there).
    @inlinable
    static func H(_ x: Double) -> Double {
        if abs(x) > tailLimit { return x > 0 ? 0 : 1 }
        GSL.initialize()
        return 0.5 * GSL.erfc(x * 0.5.squareRoot())
    }

    /// log erfc z for z ≥ 0: GSL's, or its asymptotic form beyond `asymptoticLimit` (−∞ once z² overflows,
    /// the correctly rounded value of a logarithm below −1.8·10^308).
    @inlinable
    static func logErfc(nonNegative z: Double) -> Double {
        if z > asymptoticLimit { return -z * z - log(z) - halfLogPi }
        GSL.initialize()
        return GSL.logErfc(z)
    }

    /// log H(x), finite for every finite x below 1.9·10^154 (−∞ beyond, and at +∞) and accurate to a
    /// few ulps relative: log-erfc for x ≥ 0, log1p(−H(−x)) for x < 0 (where log erfc − log 2 would
    /// cancel to an absolute error of 1e−16 on a result as small as H(−x)); 0 below −`tailLimit`.
    @inlinable
    @_spi(Benchmarks) public static func logH(_ x: Double) -> Double {
        if x >= 0 { return logErfc(nonNegative: x * 0.5.squareRoot()) - log2 }
        return log1p(-H(-x))
    }

    /// G(x)/H(x), the normal hazard function: → 0 for x → −∞ (exactly 0 below −`tailLimit`),
    /// ~ x + 1/x for x → +∞.
    @inlinable
    @_spi(Benchmarks) public static func GoverH(_ x: Double) -> Double {
        if x < -tailLimit { return 0 }
        GSL.initialize()
        return GSL.hazard(x)
    }

    /// atanh(erf(x)), odd in x, ~ sign(x)(x² + log(|x|√π) + log 2)/2 for large |x| (±∞ once x²
    /// overflows).
    @inlinable
    @_spi(Benchmarks) public static func atanhErf(_ x: Double) -> Double {
        GSL.initialize()
        // Computed at |x| and signed, so that it is exactly odd.
        let a = abs(x)
        let value = a < 2
            ? atanh(GSL.erf(a))
            // ½ [log erfc(−a) − log erfc(a)], with erfc(−a) = 2 − erfc(a).
            : 0.5 * (log2 + log1p(-0.5 * GSL.erfc(min(a, tailLimit))) - logErfc(nonNegative: a))
        return x < 0 ? -value : value
    }

    /// log(2 cosh x), finite for every finite x.
    @inlinable
    public static func log2cosh(_ x: Double) -> Double {
        let a = abs(x)
        return a + log1p(exp(-2 * a))
    }

    /// log(1 + e^x) without overflow (softplus).
    @inlinable
    static func log1pexp(_ x: Double) -> Double {
        x > 0 ? x + log1p(exp(-x)) : log1p(exp(x))
    }

    /// The logistic function 1/(1 + e^{−x}), without overflow.
    @inlinable
    static func logistic(_ x: Double) -> Double {
        if x >= 0 { return 1 / (1 + exp(-x)) }
        let e = exp(x)
        return e / (1 + e)
    }
}
