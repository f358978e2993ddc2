// The one file that calls GNU GSL (after swift-system, whose one file per C library owns every call into
// it): the process-wide error handler and version, and thin Swift wrappers for the special functions,
// the MT19937 generator, Brent's root finder, adaptive and Gauss–Hermite quadrature and the symmetric
// eigensolver that the rest of the library uses. Status codes become `GSLError`.
import CGSL

/// A GSL status code as a Swift error (`GSL_EDOM`, `GSL_EMAXITER`, ...), after swift-system's `Errno`.
public struct GSLError: Error, RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: Int32
    public init(rawValue: Int32) { self.rawValue = rawValue }

    /// Input domain error, e.g. sqrt(-1).
    public static let domain = GSLError(rawValue: Int32(GSL_EDOM))
    /// Output range error, e.g. exp(1e100).
    public static let range = GSLError(rawValue: Int32(GSL_ERANGE))
    /// Invalid argument supplied by the caller.
    public static let invalid = GSLError(rawValue: Int32(GSL_EINVAL))
    /// Generic failure.
    public static let failure = GSLError(rawValue: Int32(GSL_FAILURE))
    /// Exceeded the maximum number of iterations.
    public static let maxIterations = GSLError(rawValue: Int32(GSL_EMAXITER))
    /// Cannot reach the requested tolerance.
    public static let tolerance = GSLError(rawValue: Int32(GSL_ETOL))
    /// Underflow.
    public static let underflow = GSLError(rawValue: Int32(GSL_EUNDRFLW))
    /// Malloc failed.
    public static let noMemory = GSLError(rawValue: Int32(GSL_ENOMEM))

    public var description: String {
        "GSL error \(rawValue): " + String(cString: gsl_strerror(rawValue))
    }
}

/// Process-wide GSL set-up.
public enum GSL {
    /// Switches GSL's default abort-on-error handler off. Called before every GSL call the library makes
    /// (generators, special functions, quadrature, root finding, eigensolvers) and by the command-line
    /// tool at start-up; idempotent and thread-safe (a lazily initialised global).
    public static func initialize() { _ = handlerOff }

    private static let handlerOff: Bool = {
        gsl_set_error_handler_off()
        return true
    }()

    /// GSL's version string, e.g. "2.7.1".
    public static var version: String { String(cString: cgsl_version()) }

    /// Throws the `GSLError` for a non-zero GSL status code.
    @inlinable
    public static func check(_ status: Int32) throws(GSLError) {
        if status != 0 { throw GSLError(rawValue: status) }
    }
}

// ---- Special functions (SpecialFunctions.swift) ------------------------------------------------------

extension GSL {
    /// erf x (`gsl_sf_erf`).
    @inlinable static func erf(_ x: Double) -> Double { gsl_sf_erf(x) }
    /// erfc x (`gsl_sf_erfc`).
    @inlinable static func erfc(_ x: Double) -> Double { gsl_sf_erfc(x) }
    /// log erfc x (`gsl_sf_log_erfc`), accurate where erfc underflows.
    @inlinable static func logErfc(_ x: Double) -> Double { gsl_sf_log_erfc(x) }
    /// The normal hazard function G(x)/H(x) (`gsl_sf_hazard`).
    @inlinable static func hazard(_ x: Double) -> Double { gsl_sf_hazard(x) }
}

// ---- The MT19937 generator (Generator.swift) ----------------------------------------------------------

extension GSL {
    /// A GSL generator: owned by one `Generator`, which frees it.
    @usableFromInline typealias RandomState = UnsafeMutablePointer<gsl_rng>

    /// A new MT19937 generator (nil when out of memory).
    static func allocateMT19937() -> RandomState? { gsl_rng_alloc(cgsl_rng_type_mt19937()) }
    static func free(_ state: RandomState) { gsl_rng_free(state) }
    /// The generator's state: its bytes (`gsl_rng_state`) and their count (`gsl_rng_size`).
    static func stateBytes(_ state: RandomState) -> UnsafeMutableRawBufferPointer? {
        guard let bytes = gsl_rng_state(state) else { return nil }
        return UnsafeMutableRawBufferPointer(start: bytes, count: gsl_rng_size(state))
    }
    /// Seeds the generator GSL's way (`gsl_rng_set`: 32 bits of the seed for MT19937).
    static func seed(_ state: RandomState, _ seed: UInt) { gsl_rng_set(state, seed) }

    /// Uniform on [0, 1).
    @inlinable static func uniform(_ state: RandomState) -> Double { gsl_rng_uniform(state) }
    /// Uniform on (0, 1).
    @inlinable static func uniformPositive(_ state: RandomState) -> Double { gsl_rng_uniform_pos(state) }
    /// A standard normal deviate by the ziggurat method.
    @inlinable static func gaussian(_ state: RandomState) -> Double { gsl_ran_gaussian_ziggurat(state, 1.0) }
    /// The generator's next raw output (32 bits for MT19937).
    @inlinable static func next(_ state: RandomState) -> UInt { gsl_rng_get(state) }
    /// Uniform integer in 0..<n.
    @inlinable static func uniformInteger(_ state: RandomState, below n: UInt) -> UInt { gsl_rng_uniform_int(state, n) }
}

// ---- Root finding and quadrature (Roots.swift) --------------------------------------------------------

extension GSL {
    /// A root of `f` in [a, b], where f(a) and f(b) have opposite signs, by Brent's method
    /// (`gsl_root_fsolver_brent`), to absolute tolerance `tolerance` in at most 200 iterations. An error
    /// thrown by `f` stops the search and is rethrown.
    static func brentRoot(_ a: Double, _ b: Double, tolerance: Double,
                          _ f: (Double) throws(GSLError) -> Double) throws(GSLError) -> Double {
        initialize()
        guard let solver = gsl_root_fsolver_alloc(cgsl_root_brent()) else { throw GSLError.noMemory }
        defer { gsl_root_fsolver_free(solver) }
        return try withoutActuallyEscaping(f) { (f) throws(GSLError) -> Double in
            var box = RootBox(f: f)
            return try withUnsafeMutablePointer(to: &box) { (pointer) throws(GSLError) -> Double in
                var function = gsl_function(function: { x, parameters in
                    let box = parameters!.assumingMemoryBound(to: RootBox.self)
                    do throws(GSLError) { return try box.pointee.f(x) } catch {
                        box.pointee.error = error
                        return .nan
                    }
                }, params: UnsafeMutableRawPointer(pointer))
                try check(gsl_root_fsolver_set(solver, &function, a, b))
                for _ in 0..<200 {
                    let status = gsl_root_fsolver_iterate(solver)
                    if let error = pointer.pointee.error { throw error }
                    try check(status)
                    let low = gsl_root_fsolver_x_lower(solver), high = gsl_root_fsolver_x_upper(solver)
                    if gsl_root_test_interval(low, high, tolerance, 0) == 0 { return gsl_root_fsolver_root(solver) }
                }
                throw GSLError.maxIterations
            }
        }
    }

    private struct RootBox {
        let f: (Double) throws(GSLError) -> Double
        var error: GSLError? = nil
    }

    /// ∫_a^∞ f(t) dt by QAGIU to relative accuracy 1e−12.
    static func integrateUpperTail(from a: Double, _ f: (Double) -> Double) throws(GSLError) -> Double {
        try integrate(f) { function, workspace, result, error in
            gsl_integration_qagiu(function, a, 0, 1e-12, 1000, workspace, result, error)
        }
    }

    /// ∫_a^b f(t) dt by QAG (61-point Gauss–Kronrod) to relative accuracy 1e−12 (absolute 1e−14); a
    /// roundoff warning (`GSL_EROUND`) still leaves an answer accurate to ~1e−14 absolute and is not an error.
    static func integrate(from a: Double, to b: Double, _ f: (Double) -> Double) throws(GSLError) -> Double {
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
        initialize()
        guard let workspace = gsl_integration_workspace_alloc(1000) else { throw GSLError.noMemory }
        defer { gsl_integration_workspace_free(workspace) }
        return try withoutActuallyEscaping(f) { (f) throws(GSLError) -> Double in
            var box = f
            return try withUnsafeMutablePointer(to: &box) { (pointer) throws(GSLError) -> Double in
                var function = gsl_function(function: { x, parameters in
                    parameters!.assumingMemoryBound(to: ((Double) -> Double).self).pointee(x)
                }, params: UnsafeMutableRawPointer(pointer))
                var result = 0.0, error = 0.0
                try check(call(&function, workspace, &result, &error))
                return result
            }
        }
    }

    /// The nodes and weights of the `count`-point Gauss–Hermite rule for the weight e^{−x²/2}
    /// (`gsl_integration_fixed_hermite` with a = 0, b = ½), or nil when GSL cannot allocate it.
    static func hermiteRule(count: Int) -> (nodes: [Double], weights: [Double])? {
        initialize()
        guard let workspace = gsl_integration_fixed_alloc(cgsl_integration_fixed_hermite(), count, 0, 0.5, 0, 0) else {
            return nil
        }
        defer { gsl_integration_fixed_free(workspace) }
        guard let x = gsl_integration_fixed_nodes(workspace), let w = gsl_integration_fixed_weights(workspace) else {
            return nil
        }
        return ((0..<count).map { x[$0] }, (0..<count).map { w[$0] })
    }
}

// ---- Linear algebra (Hessian.swift) -----------------------------------------------------------------------

extension GSL {
    /// Eigenvalues (descending) of a dense symmetric m × m matrix, row-major (`gsl_eigen_symm`).
    static func symmetricEigenvalues(_ matrix: [Double], size m: Int) throws(GSLError) -> [Double] {
        initialize()
        guard let a = gsl_matrix_alloc(m, m), let values = gsl_vector_alloc(m),
              let workspace = gsl_eigen_symm_alloc(m) else {
            throw GSLError.noMemory
        }
        defer { gsl_matrix_free(a); gsl_vector_free(values); gsl_eigen_symm_free(workspace) }
        for i in 0..<m { for j in 0..<m { gsl_matrix_set(a, i, j, matrix[i * m + j]) } }
        try check(gsl_eigen_symm(a, values, workspace))
        return (0..<m).map { gsl_vector_get(values, $0) }.sorted(by: >)
    }
}
