// The one file that owns the process-wide state of GNU GSL: its error handler and its version.
// Every other call into GSL goes through the CGSL shim; status codes become `GSLError`.
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
