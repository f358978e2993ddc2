import Foundation

/// Runs one solver on one problem and builds the output record.
///
/// The record carries the instance description, both seeds, the solver's options, the version and the
/// build's commit (`Record.provenance`); the training errors are recomputed from the returned weights
/// (never taken from the solver's own bookkeeping), and the test error comes from `Problem.testError`.
public enum Run {
    /// The fields every record starts with, in this order.
    static let commonFields = [
        "model", "weights", "arch", "K", "N", "P", "alpha", "alpha_actual", "task", "inputs", "margin", "solver",
        "instance_seed", "seed", "solved", "train_errors", "train_error_rate", "test_error",
        "iterations", "converged", "seconds", "version", "commit",
    ]

    /// Solves `problem` with `solver` (built from `entry` with `parameters`) using the solver seed `seed`.
    static func execute(_ problem: Problem, entry: SolverEntry, solver: any Solver,
                               parameters: SolverParameters, seed: UInt64,
                               observer: any SolverObserver = NullObserver(),
                               measures: [Measure] = []) throws -> Record {
        try solve(problem, entry: entry, solver: solver, parameters: parameters, seed: seed,
                  observer: observer, measures: measures).record
    }

    /// `execute`, also returning the configuration found (for --save-weights).
    public static func solve(_ problem: Problem, entry: SolverEntry, solver: any Solver,
                             parameters: SolverParameters, seed: UInt64,
                             observer: any SolverObserver = NullObserver(),
                             measures: [Measure] = []) throws -> (record: Record, weights: [Double]) {
        if let reason = entry.unsupported(problem.model) {
            throw FlatMinimaError.invalidOption(option: RequestKeys.option(["solver"]),
                                                message: "\(entry.name) \(reason)")
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
        r.append("alpha", .double(spec.reportedAlpha))
        r.append("alpha_actual", .double(spec.alpha))
        r.append("task", .string(spec.task.rawValue))
        r.append("inputs", .string(spec.task == .data ? "data" : spec.inputs.rawValue))
        r.append("margin", .double(model.margin))
        r.append("solver", .string(solver))
        r.append("instance_seed", .seed(spec.instanceSeed))
        r.append("seed", .seed(seed))
        r.append("solved", .int(errors == 0 ? 1 : 0))
        r.append("train_errors", .int(errors))
        r.append("train_error_rate", .double(Double(errors) / Double(problem.train.count)))
        r.append("test_error", problem.testError(outcome.weights).map { .double($0) } ?? .null)
        r.append("iterations", .int(outcome.iterations))
        r.append("converged", .int(outcome.converged ? 1 : 0))
        r.append("seconds", .double((seconds * 1e6).rounded() / 1e6))
        r.fields += Record.provenance
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
            r.append("header", .string((spec.dataHeader ?? .auto).rawValue))
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

extension Run {
    /// One run of a batch: an instance and a built solver.
    public struct Task: Sendable {
        public let spec: ProblemSpec
        public let entry: SolverEntry
        public let solver: any Solver
        public let parameters: SolverParameters

        public init(spec: ProblemSpec, entry: SolverEntry, solver: any Solver, parameters: SolverParameters) {
            self.spec = spec
            self.entry = entry
            self.solver = solver
            self.parameters = parameters
        }
    }

    /// A finished run of a batch: its record and, when asked for, its configuration as a saved line.
    public struct Finished: Sendable {
        public let record: Record
        public let saved: String?
    }

    /// Runs `tasks` on `jobs` workers, each taking the next task, building its instance and running its
    /// solver with solver seed `seed` (and `observer(t)` for task t, when given). The results come in
    /// task order, up to and including the first failure; once a run fails no further task is started.
    public static func batch(_ tasks: [Task], seed: UInt64, jobs: Int, measures: [Measure] = [],
                             observer: (@Sendable (Int) -> any SolverObserver)? = nil,
                             saving: Bool = false) -> [Result<Finished, any Error>] {
        let results = ResultSlots(count: tasks.count)
        let workers = max(1, min(jobs, tasks.count))
        Parallelism.share(among: workers)
        DispatchQueue.concurrentPerform(iterations: workers) { _ in
            while let t = results.next() {
                let task = tasks[t]
                results.set(t, Result { () throws -> Finished in
                    let problem = try Problem(task.spec)
                    let (record, weights) = try solve(problem, entry: task.entry, solver: task.solver,
                                                      parameters: task.parameters, seed: seed,
                                                      observer: observer?(t) ?? NullObserver(), measures: measures)
                    let saved = saving ? try SavedConfiguration(problem: problem, solver: task.entry.name, seed: seed,
                                                                options: task.parameters.values,
                                                                weights: weights).line() : nil
                    return Finished(record: record, saved: saved)
                })
            }
        }
        return results.all
    }
}

/// Results of parallel runs, in run order, behind a lock; `next()` hands out task indices.
final class ResultSlots: @unchecked Sendable {
    private let lock = NSLock()
    private var slots: [Result<Run.Finished, any Error>?]
    private var cursor = 0

    init(count: Int) { slots = Array(repeating: nil, count: count) }

    /// The next task index, or nil when every task is taken (or one has failed).
    func next() -> Int? {
        lock.withLock {
            let failed = slots.contains { if case .failure = $0 { return true } else { return false } }
            guard cursor < slots.count, !failed else { return nil }
            defer { cursor += 1 }
            return cursor
        }
    }

    func set(_ index: Int, _ result: Result<Run.Finished, any Error>) { lock.withLock { slots[index] = result } }

    /// Every finished result in order, up to and including the first failure.
    var all: [Result<Run.Finished, any Error>] {
        lock.withLock {
            var out: [Result<Run.Finished, any Error>] = []
            for slot in slots {
                guard let slot else { break }
                out.append(slot)
                if case .failure = slot { break }
            }
            return out
        }
    }
}
