import Foundation

/// Runs one solver on one problem and builds the output record.
///
/// The record carries the instance description, both seeds, the solver's options and the version; the
/// training errors are recomputed from the returned weights (never taken from the solver's own
/// bookkeeping), and the test error comes from `Problem.testError`.
public enum Run {
    /// The fields every record starts with, in this order.
    public static let commonFields = [
        "model", "weights", "arch", "K", "N", "P", "alpha", "task", "inputs", "margin", "solver",
        "instance_seed", "seed", "solved", "train_errors", "train_error_rate", "test_error",
        "iterations", "converged", "seconds", "version",
    ]

    /// Solves `problem` with `solver` (built from `entry` with `parameters`) using the solver seed `seed`.
    public static func execute(_ problem: Problem, entry: SolverEntry, solver: any Solver,
                               parameters: SolverParameters, seed: UInt64,
                               observer: any SolverObserver = NullObserver(), measures: [Measure] = []) throws -> Record {
        try solve(problem, entry: entry, solver: solver, parameters: parameters, seed: seed,
                  observer: observer, measures: measures).record
    }

    /// `execute`, also returning the configuration found (for --save-weights).
    public static func solve(_ problem: Problem, entry: SolverEntry, solver: any Solver,
                             parameters: SolverParameters, seed: UInt64,
                             observer: any SolverObserver = NullObserver(),
                             measures: [Measure] = []) throws -> (record: Record, weights: [Double]) {
        if let reason = entry.unsupported(problem.model) {
            throw FlatMinimaError.invalidOption(option: "--solver", message: "\(entry.name) \(reason)")
        }
        let generator = Generator(base: seed, stream: Seeds.SolverStream.solver.rawValue)
        let start = DispatchTime.now().uptimeNanoseconds
        var outcome = try solver.solve(problem, generator: generator, observer: observer)
        outcome = checked(outcome, model: problem.model)
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        var result = record(problem: problem, solver: entry.name, parameters: parameters, seed: seed,
                            outcome: outcome, seconds: seconds)
        if !measures.isEmpty {
            // The measures draw from their own stream, so adding one never changes the solver's run.
            let measureGenerator = Generator(base: seed, stream: Seeds.SolverStream.measure.rawValue)
            let measureStart = DispatchTime.now().uptimeNanoseconds
            for measure in measures {
                result.fields += try measure.fields(outcome.weights, problem: problem, generator: measureGenerator)
            }
            let elapsed = Double(DispatchTime.now().uptimeNanoseconds - measureStart) / 1e9
            result.append("measure_seconds", .double((elapsed * 1e6).rounded() / 1e6))
        }
        return (result, outcome.weights)
    }

    /// The outcome as the record reports it: spherical weights rescaled to |w_k|² = n per unit (the
    /// model's normalisation, which the margin test σ·w_k·x > κ√n assumes: AMP's means and the
    /// perceptron rule's weights come unnormalised), and a run that claims convergence with NaN in its
    /// weights or its fields marked as not converged, with the reason.
    static func checked(_ outcome: SolverOutcome, model: Model) -> SolverOutcome {
        var outcome = outcome
        if model.weights == .spherical {
            let n = model.fanIn
            for k in 0..<model.hidden {
                let unit = (k * n)..<((k + 1) * n)
                let norm = outcome.weights[unit].reduce(0) { $0 + $1 * $1 }
                guard norm.isFinite, norm > 0 else { continue }
                let scale = (Double(n) / norm).squareRoot()
                for i in unit { outcome.weights[i] *= scale }
            }
        }
        guard outcome.converged else { return outcome }
        var bad: [String] = []
        if outcome.weights.contains(where: { $0.isNaN }) { bad.append("weights") }
        for (name, value) in outcome.extra {
            switch value {
            case .double(let x) where x.isNaN: bad.append(name)
            case .doubles(let xs) where xs.contains(where: { $0.isNaN }): bad.append(name)
            default: break
            }
        }
        if !bad.isEmpty {
            outcome.converged = false
            outcome.extra.removeAll { $0.0 == "reason" }
            outcome.extra.append(("reason", .string("NaN in " + bad.joined(separator: ", "))))
        }
        return outcome
    }

    /// The record of a finished run.
    public static func record(problem: Problem, solver: String, parameters: SolverParameters, seed: UInt64,
                              outcome: SolverOutcome, seconds: Double) -> Record {
        let spec = problem.spec, model = spec.model
        let errors = model.energy(weights: outcome.weights, on: problem.train)
        var r = Record()
        r.append("model", .string(model.kind.rawValue))
        r.append("weights", .string(model.weights.rawValue))
        r.append("arch", .string(model.kind == .perceptron ? "none" : model.architecture.rawValue))
        r.append("K", .int(model.hidden))
        r.append("N", .int(model.inputs))
        r.append("P", .int(problem.train.count))
        r.append("alpha", .double(spec.alpha))
        r.append("task", .string(spec.task.rawValue))
        r.append("inputs", .string(spec.task == .data ? "data" : spec.inputs.rawValue))
        r.append("margin", .double(model.margin))
        r.append("solver", .string(solver))
        r.append("instance_seed", .int(Int(truncatingIfNeeded: spec.instanceSeed)))
        r.append("seed", .int(Int(truncatingIfNeeded: seed)))
        r.append("solved", .int(errors == 0 ? 1 : 0))
        r.append("train_errors", .int(errors))
        r.append("train_error_rate", .double(Double(errors) / Double(problem.train.count)))
        if let test = problem.testError(outcome.weights) { r.append("test_error", .double(test)) } else { r.append("test_error", .null) }
        r.append("iterations", .int(outcome.iterations))
        r.append("converged", .int(outcome.converged ? 1 : 0))
        r.append("seconds", .double((seconds * 1e6).rounded() / 1e6))
        r.append("version", .string(FlatMinima.version))
        if spec.task == .teacher {
            r.append("teacher", .string(spec.teacherPrior.rawValue))
            let overlap = problem.teacherOverlap(outcome.weights)
            r.append("teacher_overlap", overlap.map { .double($0) } ?? .null)
            // For Gaussian inputs a perceptron's generalization error is arccos(R)/π exactly (N → ∞).
            if spec.inputs == .gaussian, model.kind == .perceptron, let overlap {
                r.append("generalization_arccos", .double(acos(max(-1, min(1, overlap))) / Double.pi))
            }
            r.append("test_patterns", .int(spec.testPatterns))
        }
        if spec.task == .data {
            r.append("data", .string(spec.dataFile ?? ""))
            r.append("test_fraction", .double(spec.testFraction))
        }
        for (name, value) in parameters.ordered {
            if let spec = parameters.specs.first(where: { $0.name == name }), !spec.isNumeric {
                r.append("opt_" + name, .string(value))
            } else if let v = Int(value) {
                r.append("opt_" + name, .int(v))
            } else {
                r.append("opt_" + name, Double(value).map { .double($0) } ?? .string(value))
            }
        }
        r.fields += outcome.extra
        return r
    }
}
