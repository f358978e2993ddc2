import Foundation

/// `rbp`: reinforced belief propagation (Braunstein & Zecchina, PRL 96, 2006; SCIENCE.md §3).
///
/// Every iteration adds to each variable a fraction r_t of its own previous total field,
///
///     h_i ← Σ_μ u_{μ→i} + r_t h_i(previous),
///
/// with r_t growing to 1: geometrically, 1 − r_{t+1} = (1 − r_t)(1 − Δr), or linearly,
/// r_{t+1} = min(1, r_t + Δr). The growing self-field progressively polarises the marginals, turning BP
/// into a solver; the run stops as soon as sign(h) has zero training errors.
public struct ReinforcedBP: Solver {
    public static let name = "rbp"
    public static let summary = "reinforced BP (r_t → 1), stops at zero training errors; binary weights"
    public static let parameters: [ParameterSpec] = MessagePassingOptions.specs(maxIters: "2000") + [
        ParameterSpec("r_start", .real(0...1), default: "0", help: "initial reinforcement r₀"),
        ParameterSpec("r_step", .real(1e-9...1), default: "0.01", help: "Δr of the reinforcement schedule"),
        ParameterSpec("r_schedule", .choice(["geometric", "linear"]), default: "geometric",
                      help: "1−r ← (1−r)(1−Δr), or r ← r + Δr"),
    ]

    public let options: MessagePassingOptions
    public let start: Double
    public let step: Double
    public let geometric: Bool

    public init(_ p: SolverParameters) throws(FlatMinimaError) {
        options = try MessagePassingOptions(p)
        start = p.double("r_start")
        step = p.double("r_step")
        geometric = p.string("r_schedule") == "geometric"
    }

    public static func unsupported(_ model: Model) -> String? { MessagePassingOptions.unsupported(model) }

    public func solve(_ problem: Problem, generator: Generator, observer: any SolverObserver) throws -> SolverOutcome {
        let engine = options.engine(problem, generator: generator)
        let model = problem.model
        var r = start, iterations = 0, change = 0.0
        var weights = MessagePassingOptions.signs(engine.fields)
        var errors = model.energy(weights: weights, on: problem.train)
        var best = (errors, weights)
        while iterations < options.maxIterations, errors > 0 {
            let previous = engine.fields
            engine.external = previous.map { Field.clamp(r * $0) }
            change = engine.iterate(sequential: options.sequential, generator: generator)
            iterations += 1
            guard change.isFinite else { break }
            weights = MessagePassingOptions.signs(engine.fields)
            errors = model.energy(weights: weights, on: problem.train)
            if errors < best.0 { best = (errors, weights) }
            observer.observe(SolverStep(iteration: iterations, energy: errors,
                                        values: [("r", r), ("max_change", change)]))
            r = geometric ? 1 - (1 - r) * (1 - step) : min(1, r + step)
        }
        var extra: [Record.Field] = [("final_r", .double(r)), ("max_change", .double(change))]
        if errors > 0 {
            extra.append(("reason", .string(change.isFinite ? "max_iters reached" : "messages became NaN")))
        }
        return SolverOutcome(weights: errors == 0 ? weights : best.1, iterations: iterations,
                             converged: errors == 0, extra: extra)
    }
}
