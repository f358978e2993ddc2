/// One-dimensional root finding on GSL's Brent solver (`gsl_root_fsolver_brent`), for the saddle points
/// of the replica theory. The function may throw; its error is rethrown as `GSLError.failure`.
enum Roots {
    /// A root of `f` in `interval`, where f changes sign, to absolute tolerance `tolerance`.
    static func brent(in interval: ClosedRange<Double>, tolerance: Double = 1e-12,
                             _ f: (Double) throws(GSLError) -> Double) throws(GSLError) -> Double {
        GSL.initialize()
        let low = try f(interval.lowerBound), high = try f(interval.upperBound)
        if low == 0 { return interval.lowerBound }
        if high == 0 { return interval.upperBound }
        guard low.sign != high.sign, low.isFinite, high.isFinite else { throw GSLError.invalid }
        return try GSL.brentRoot(interval.lowerBound, interval.upperBound, tolerance: tolerance, f)
    }
}

/// Adaptive quadrature on GSL's QAGIU (semi-infinite intervals) and QAG (finite intervals, 61-point
/// Gauss–Kronrod), to relative accuracy 1e−12.
enum Quadrature {
    /// ∫_a^∞ f(t) dt.
    static func upperTail(from a: Double, _ f: (Double) -> Double) throws(GSLError) -> Double {
        try GSL.integrateUpperTail(from: a, f)
    }

    /// ∫_a^b f(t) dt. A roundoff warning at 1e−12 still leaves an answer accurate to ~1e−14 absolute
    /// and is not an error.
    static func finite(from a: Double, to b: Double, _ f: (Double) -> Double) throws(GSLError) -> Double {
        try GSL.integrate(from: a, to: b, f)
    }
}
