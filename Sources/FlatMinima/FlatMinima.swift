/// FlatMinima: the statistical physics of wide flat minima in neural networks.
///
/// Problems (storage, teacher–student, real data) for perceptrons and committee machines, solvers that
/// run on the very same instances, and records that carry both seeds, the version and the options.
/// The central paper: C. Baldassi, F. Pittorino, R. Zecchina, *Shaping the learning landscape in neural
/// networks around wide flat minima*, PNAS 117 (2020), arXiv:1905.07833.
public enum FlatMinima {
    /// The version written into every output record.
    public static let version = "0.1.0"
}

/// Errors of FlatMinima. Each carries the option (or file) it concerns and, for bad input, the accepted
/// range, in one line.
public enum FlatMinimaError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A user-supplied option is out of range: the option's name and what is accepted.
    case invalidOption(option: String, message: String)
    /// A data file is missing or malformed: the path and what is wrong (with its line when known).
    case invalidData(path: String, message: String)
    /// Anything else that fails at run time.
    case runtime(String)

    /// True for errors the user can fix by changing the command line (exit status 2).
    public var isUsageError: Bool {
        if case .invalidOption = self { return true }
        return false
    }

    public var description: String {
        switch self {
        case let .invalidOption(option, message): return "\(option): \(message)"
        case let .invalidData(path, message): return "\(path): \(message)"
        case let .runtime(message): return message
        }
    }
}
