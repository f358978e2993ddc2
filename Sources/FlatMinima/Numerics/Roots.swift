import CGSL

/// One-dimensional root finding on GSL's Brent solver (`gsl_root_fsolver_brent`), for the saddle points
/// of the replica theory. The function may throw; its error is rethrown as `GSLError.failure`.
public enum Roots {
    /// A root of `f` in `interval`, where f changes sign, to absolute tolerance `tolerance`.
    public static func brent(in interval: ClosedRange<Double>, tolerance: Double = 1e-12,
                             _ f: (Double) throws(GSLError) -> Double) throws(GSLError) -> Double {
        GSL.initialize()
        let low = try f(interval.lowerBound), high = try f(interval.upperBound)
        if low == 0 { return interval.lowerBound }
        if high == 0 { return interval.upperBound }
        guard low.sign != high.sign, low.isFinite, high.isFinite else { throw GSLError.invalid }
        guard let solver = gsl_root_fsolver_alloc(cgsl_root_brent()) else { throw GSLError.noMemory }
        defer { gsl_root_fsolver_free(solver) }
        return try withoutActuallyEscaping(f) { (f) throws(GSLError) -> Double in
            var box = Box(f: f)
            return try withUnsafeMutablePointer(to: &box) { (pointer) throws(GSLError) -> Double in
                var function = gsl_function(function: { x, parameters in
                    let box = parameters!.assumingMemoryBound(to: Box.self)
                    do throws(GSLError) { return try box.pointee.f(x) } catch {
                        box.pointee.error = error
                        return .nan
                    }
                }, params: UnsafeMutableRawPointer(pointer))
                try GSL.check(gsl_root_fsolver_set(solver, &function, interval.lowerBound, interval.upperBound))
                for _ in 0..<200 {
                    let status = gsl_root_fsolver_iterate(solver)
                    if let error = pointer.pointee.error { throw error }
                    try GSL.check(status)
                    let a = gsl_root_fsolver_x_lower(solver), b = gsl_root_fsolver_x_upper(solver)
                    if gsl_root_test_interval(a, b, tolerance, 0) == 0 { return gsl_root_fsolver_root(solver) }
                }
                throw GSLError.maxIterations
            }
        }
    }

    private struct Box {
        let f: (Double) throws(GSLError) -> Double
        var error: GSLError? = nil
    }
}

/// Adaptive quadrature on GSL's QAGIU (semi-infinite intervals) and QAG (finite intervals, 61-point
/// Gauss–Kronrod), to relative accuracy 1e−12.
public enum Quadrature {
    /// ∫_a^∞ f(t) dt.
    public static func upperTail(from a: Double, _ f: (Double) -> Double) throws(GSLError) -> Double {
        try integrate(f) { function, workspace, result, error in
            gsl_integration_qagiu(function, a, 0, 1e-12, 1000, workspace, result, error)
        }
    }

    /// ∫_a^b f(t) dt. A roundoff warning at 1e−12 still leaves an answer accurate to ~1e−14 absolute
    /// and is not an error.
    public static func finite(from a: Double, to b: Double, _ f: (Double) -> Double) throws(GSLError) -> Double {
        try integrate(f) { function, workspace, result, error in
            let status = gsl_integration_qag(function, a, b, 1e-14, 1e-12, 1000, Int32(GSL_INTEG_GAUSS61),
                                             workspace, result, error)
            return status == GSL_EROUND ? 0 : status
        }
    }

    /// Wraps `f` as a `gsl_function` for the duration of one GSL integration call.
    private static func integrate(
        _ f: (Double) -> Double,
        _ call: (UnsafeMutablePointer<gsl_function>, UnsafeMutablePointer<gsl_integration_workspace>,
                 UnsafeMutablePointer<Double>, UnsafeMutablePointer<Double>) -> Int32
    ) throws(GSLError) -> Double {
        GSL.initialize()
        guard let workspace = gsl_integration_workspace_alloc(1000) else { throw GSLError.noMemory }
        defer { gsl_integration_workspace_free(workspace) }
        return try withoutActuallyEscaping(f) { (f) throws(GSLError) -> Double in
            var box = f
            return try withUnsafeMutablePointer(to: &box) { (pointer) throws(GSLError) -> Double in
                var function = gsl_function(function: { x, parameters in
                    parameters!.assumingMemoryBound(to: ((Double) -> Double).self).pointee(x)
                }, params: UnsafeMutableRawPointer(pointer))
                var result = 0.0, error = 0.0
                try GSL.check(call(&function, workspace, &result, &error))
                return result
            }
        }
    }
}
