/// The interface every solver implements, after STYLE.md: a solver is a value holding its options plus
/// one method that runs it on a problem with a generator and an observer. Adding a solver touches one
/// new file and one line of `SolverRegistry.all`.
public protocol Solver: Sendable {
    /// The name used on the command line and in records (`sa`, `bp`, ...).
    static var name: String { get }
    /// One line for `--help` and the `solvers` listing.
    static var summary: String { get }
    /// The hyper-parameters it accepts, with defaults and ranges.
    static var parameters: [ParameterSpec] { get }
    /// Why the solver cannot run on this model (wrong weight kind, ...), or nil when it can.
    static func unsupported(_ model: Model) -> String?

    /// Builds the solver from validated parameters.
    init(_ parameters: SolverParameters) throws(FlatMinimaError)

    /// Checks the options whose range depends on the number of training patterns P (a mini-batch at most
    /// P), so that a sweep can refuse them before any run; `solve` checks the same. The default accepts all.
    func check(patterns: Int) throws(FlatMinimaError)

    /// Runs on `problem`, drawing all its randomness from `generator`, reporting progress to `observer`.
    func solve(_ problem: Problem, generator: Generator, observer: any SolverObserver) throws -> SolverOutcome
}

/// What a solver returns: its configuration and what it wants reported beyond the common fields.
public struct SolverOutcome: Sendable {
    /// The configuration found, in the model's flat layout (±1 for binary weights).
    public var weights: [Double]
    /// Iterations (sweeps, epochs, message-passing iterations) performed.
    public var iterations: Int
    /// Whether the algorithm converged by its own criterion (for a search, found E = 0).
    public var converged: Bool
    /// Solver-specific record fields.
    public var extra: [Record.Field]

    public init(weights: [Double], iterations: Int, converged: Bool, extra: [Record.Field] = []) {
        self.weights = weights
        self.iterations = iterations
        self.converged = converged
        self.extra = extra
    }
}

/// One progress report from inside a solver.
public struct SolverStep: Sendable {
    public var iteration: Int
    public var energy: Int
    public var values: [(String, Double)]
    public init(iteration: Int, energy: Int, values: [(String, Double)] = []) {
        self.iteration = iteration
        self.energy = energy
        self.values = values
    }
}

/// Receives solver progress (a trace writer, a progress bar, a test's recorder).
public protocol SolverObserver: AnyObject {
    func observe(_ step: SolverStep)
}

/// An observer that ignores everything.
public final class NullObserver: SolverObserver {
    public init() {}
    public func observe(_ step: SolverStep) {}
}

/// A registered solver: its declarations and a factory.
public struct SolverEntry: Sendable {
    public let name: String
    public let summary: String
    public let parameters: [ParameterSpec]
    public let unsupported: @Sendable (Model) -> String?
    public let make: @Sendable (SolverParameters) throws(FlatMinimaError) -> any Solver

    /// Validates `given` against the parameters and builds the solver.
    public func build(_ given: [String: String]) throws(FlatMinimaError) -> (any Solver, SolverParameters) {
        let parameters = try SolverParameters(given, specs: self.parameters, solver: name)
        return (try make(parameters), parameters)
    }
}

extension Solver {
    public func check(patterns: Int) throws(FlatMinimaError) {}

    /// The registry entry of this solver type.
    public static var entry: SolverEntry {
        SolverEntry(name: name, summary: summary, parameters: parameters,
                    unsupported: { unsupported($0) },
                    make: { (p: SolverParameters) throws(FlatMinimaError) -> any Solver in try Self(p) })
    }
}

/// Every solver, by name.
public enum SolverRegistry {
    public static let all: [SolverEntry] = [
        SimulatedAnnealing.entry,
        PerceptronRule.entry,
        BeliefPropagation.entry,
        ReinforcedBP.entry,
        FocusingBP.entry,
        AMP.entry,
        SGD.entry,
        EntropySGD.entry,
        ReplicatedSGD.entry,
        ClippedPerceptronR.entry,
    ]

    /// The entry named `name`; throws naming `--solver` and the accepted names.
    public static func entry(named name: String) throws(FlatMinimaError) -> SolverEntry {
        guard let entry = all.first(where: { $0.name == name }) else {
            let accepted = all.map(\.name).joined(separator: ", ")
            throw .invalidOption(option: RequestKeys.option(["solver"]),
                                 message: "unknown solver '\(name)' (accepted: \(accepted))")
        }
        return entry
    }
}
