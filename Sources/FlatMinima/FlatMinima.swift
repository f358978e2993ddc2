import FlatMinimaBuildStamp

/// FlatMinima: the statistical physics of wide flat minima in neural networks.
///
/// Problems (storage, teacher–student, real data) for perceptrons and committee machines, solvers that
/// run on the very same instances, and records that carry both seeds, the version and the options.
/// The central paper: C. Baldassi, F. Pittorino, R. Zecchina, *Shaping the learning landscape in neural
/// networks around wide flat minima*, PNAS 117 (2020), arXiv:1905.07833.
public enum FlatMinima {
    /// The version written into every output record.
    public static let version = "0.1.0"

    /// What this binary was built from and runs with: commit, GSL version and the kernel set in use.
    public static let build = Build(commit: BuildStamp.commit, dirty: BuildStamp.dirty, gslVersion: GSL.version,
                                    kernels: InstructionSet.current.description)

    /// The provenance of a binary: the git commit it was built from (stamped at build time by the
    /// BuildStamp plugin, never read from the directory it runs in), the GSL it is linked with and the
    /// instruction set its C kernels use on this CPU (`FLATMINIMA_PORTABLE=1` lowers it to "portable").
    public struct Build: Sendable, Equatable {
        /// The full commit hash, or "unknown" for a build outside a git checkout (e.g. a source tarball).
        public let commit: String
        /// Whether Package.swift, Sources/ or Plugins/ had uncommitted changes when it was built.
        public let dirty: Bool
        /// The version of the GSL library linked at run time.
        public let gslVersion: String
        /// The kernel instruction set in use: portable, popcnt, avx2, avx2+fma, avx512bw or avx512vbmi.
        public let kernels: String

        /// The commit as records print it: the hash, with "+dirty" for a modified tree, or "unknown".
        public var commitText: String { commit == "unknown" || !dirty ? commit : commit + "+dirty" }

        /// Version, commit, GSL version and kernel set, one per line (`flatminima --version`).
        public var summary: String {
            """
            flatminima \(FlatMinima.version)
            commit \(commitText)
            gsl \(gslVersion)
            kernels \(kernels)
            """
        }
    }
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
