import Foundation

/// `bp`: plain belief propagation on the binary perceptron, run to a fixed point (SCIENCE.md §3).
///
/// Reports the Bethe free entropy at the fixed point (the entropy of solutions for storage, the
/// log-evidence for teacher–student), the mean squared magnetisation q = (1/N) Σ tanh² h_i, and the
/// configuration sign(h) (a solution only by luck: plain BP estimates marginals, it does not decimate).
/// Converged means the largest message change fell below `tol` within `max_iters` iterations, at a fixed
/// point that describes solutions: φ ≥ −log 2, or sign(h) solves the instance (on a teacher task above the
/// transition BP polarises on the teacher: q = 1, φ ≈ 0). Otherwise `reason` says why.
public struct BeliefPropagation: Solver {
    public static let name = "bp"
    public static let summary = "belief propagation to a fixed point (Bethe entropy); binary perceptron and committees"
    public static let parameters: [ParameterSpec] = MessagePassingOptions.specs(maxIters: "1000")

    public let options: MessagePassingOptions

    public init(_ p: SolverParameters) throws(FlatMinimaError) { options = try MessagePassingOptions(p) }

    public static func unsupported(_ model: Model) -> String? { MessagePassingOptions.unsupported(model) }

    public func solve(_ problem: Problem, generator: Generator, observer: any SolverObserver) throws -> SolverOutcome {
        let engine = options.engine(problem, generator: generator)
        var iterations = 0, change = Double.infinity
        while iterations < options.maxIterations {
            change = engine.iterate(sequential: options.sequential, generator: generator)
            iterations += 1
            guard change.isFinite else { break }
            observer.observe(SolverStep(iteration: iterations, energy: -1, values: [("max_change", change)]))
            if change < options.tolerance { break }
        }
        let reached = change < options.tolerance
        let h = engine.fields, weights = MessagePassingOptions.signs(h)
        let phi = reached ? engine.freeEntropy() : Double.nan
        // φ = (1/N) log #solutions ≥ 0 whenever one exists; a fixed point below −log 2 (generous slack for
        // the Bethe approximation at finite N) describes an empty set: far above capacity BP settles
        // on φ ≈ −10^78 at α = 5. Such a run has not found what it reports. A fixed point whose sign(h)
        // solves the instance is a result whatever φ: on a teacher task above the transition BP polarises
        // on the teacher (q = 1, φ ≈ 0, the log-evidence of a unique solution).
        let solves = reached && problem.model.energy(weights: weights, on: problem.train) == 0
        let empty = reached && !(phi >= -log(2.0)) && !solves
        let converged = reached && !empty
        let q = h.reduce(0) { $0 + tanh($1) * tanh($1) } / Double(h.count)
        var extra: [Record.Field] = [
            ("free_entropy", .double(phi)), ("q", .double(q)), ("max_change", .double(change)),
        ]
        if !converged {
            extra.append(("reason", .string(empty ? "free entropy below -log 2: no solutions (above capacity)"
                                                : change.isFinite ? "max_iters reached" : "messages became NaN")))
        }
        return SolverOutcome(weights: weights, iterations: iterations,
                             converged: converged, extra: extra)
    }
}

/// Options shared by the message-passing solvers: damping, tolerance, schedule, initial messages.
public struct MessagePassingOptions: Sendable {
    public let maxIterations: Int
    public let damping: Double
    public let tolerance: Double
    public let sequential: Bool
    public let initialScale: Double

    static func specs(maxIters: String, damping: String = "0.5", tol: String = "1e-5") -> [ParameterSpec] {
        [
            ParameterSpec("max_iters", .integer(1...100_000_000), default: maxIters,
                          help: "message-passing iterations"),
            ParameterSpec("damping", .real(0...0.999), default: damping,
                          help: "d in u ← d·u_old + (1−d)·u_new, in [0, 1)"),
            ParameterSpec("tol", .real(1e-15...1), default: tol, help: "convergence: largest message change below tol"),
            ParameterSpec("schedule", .choice(["parallel", "sequential"]), default: "parallel",
                          help: "parallel updates, or random-sequential over patterns"),
            ParameterSpec("init", .real(0...10), default: "0.01", help: "initial messages uniform in ±init"),
        ]
    }

    /// Options given directly (for the measures that run BP).
    public init(maxIterations: Int = 1000, damping: Double = 0.5, tolerance: Double = 1e-5,
                sequential: Bool = false, initialScale: Double = 0.01) {
        self.maxIterations = maxIterations
        self.damping = damping
        self.tolerance = tolerance
        self.sequential = sequential
        self.initialScale = initialScale
    }

    init(_ p: SolverParameters) throws(FlatMinimaError) {
        maxIterations = p.int("max_iters")
        damping = p.double("damping")
        tolerance = p.double("tol")
        sequential = p.string("schedule") == "sequential"
        initialScale = p.double("init")
    }

    static func unsupported(_ model: Model) -> String? {
        model.weights == .binary ? nil : "needs binary weights (use --weights binary)"
    }

    /// Cores used inside an iteration: all of them when the instance is large enough to pay off.
    static func workers(for problem: Problem) -> Int {
        problem.train.count * problem.model.weightCount >= 200_000 ? ProcessInfo.processInfo.activeProcessorCount : 1
    }

    /// The perceptron engine, or the committee engine for committee machines.
    func engine(_ problem: Problem, generator: Generator) -> any BinaryBP {
        if problem.model.kind == .committee {
            return CommitteeBP(train: problem.train, model: problem.model, generator: generator,
                               initialScale: initialScale, damping: damping, workers: Self.workers(for: problem))
        }
        return PerceptronBP(train: problem.train, model: problem.model, generator: generator,
                            initialScale: initialScale, damping: damping, workers: Self.workers(for: problem))
    }

    /// sign(h), with sign(0) = +1.
    static func signs(_ h: [Double]) -> [Double] { h.map { $0 < 0 ? -1 : 1 } }
}
