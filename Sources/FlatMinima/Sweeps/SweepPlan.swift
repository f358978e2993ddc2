import Foundation

/// Turns a spec's runs into problems, solvers and measures — through the same requests as
/// `flatminima solve` (`ProblemRequest`, `MeasureRequest`), so a spec accepts exactly what the command
/// line accepts — and validates every distinct cell before anything runs, reporting the spec's file,
/// line and key.
public struct SweepPlan: Sendable {
    public let sweep: SweepSpec
    /// The sweep's identity (`SweepSpec.identity`), the `sweep` cell of every row.
    public let identity: String
    /// The [measure] table as a request (read once; checked against each problem's model).
    let measureRequest: Result<MeasureRequest, RequestError>

    /// Checks the measures, every distinct problem cell (with the first replicate's instance seed),
    /// every solver option cell and, against each problem's P, the options it bounds (`Solver.check`,
    /// e.g. an explicit `batch` at most P; a data task's file is loaded once per cell for its P).
    public init(_ sweep: SweepSpec) throws(FlatMinimaError) {
        self.sweep = sweep
        identity = sweep.identity
        measureRequest = Result { () throws(RequestError) in
            try MeasureRequest(values: sweep.measure.map { ($0.key, $0.value) })
        }
        var solverCells: [(cell: SweepSpec.SolverCell, solver: any Solver)] = []
        for cell in sweep.solverCells {
            solverCells.append((cell, try solver(cell.block.name, line: cell.block.line, options: cell.options).1))
        }
        for cell in sweep.problemCells {
            let spec = try problemSpec(cell, instanceSeed: sweep.instanceSeed)
            _ = try measures(for: spec.model)
            for block in sweep.solvers {
                let entry: SolverEntry
                do { entry = try SolverRegistry.entry(named: block.name) } catch {
                    throw sweep.document.error(block.line, "name", error.message)
                }
                if let reason = entry.unsupported(spec.model) {
                    throw sweep.document.error(block.line, "name",
                                               "\(block.name) \(reason) (problem: \(Self.describe(cell)))")
                }
            }
            var patterns = spec.patterns
            if spec.task != .data {
                // What Problem(spec) checks before it draws the patterns (test patterns, memory).
                do { try spec.validate() } catch { throw problemError(RequestError(error), problem: cell) }
            } else {
                do {
                    patterns = try Problem(spec).train.count
                } catch {
                    let data = cell.first { $0.key == "data" }
                    throw sweep.document.error(data?.line ?? sweep.document.table("problem")?.line ?? 0,
                                               data?.key ?? "problem",
                                               "\(error.description) (problem: \(Self.describe(cell)))")
                }
            }
            for (solverCell, solver) in solverCells {
                do { try solver.check(patterns: patterns) } catch {
                    let option = solverCell.options.first { error.option == $0.key }
                    throw sweep.document.error(option?.line ?? solverCell.block.line,
                                               option?.key ?? solverCell.block.name,
                                               "\(error.message) (problem: \(Self.describe(cell)))")
                }
            }
        }
    }

    static func describe(_ assignments: [SweepSpec.Assignment]) -> String {
        assignments.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
    }

    /// A problem error at the line of the first key of the cell it names (else the [problem] table).
    func problemError(_ error: RequestError, problem: [SweepSpec.Assignment]) -> FlatMinimaError {
        let assignment = problem.first { error.keys.contains($0.key) }
        let line = assignment?.line ?? sweep.document.table("problem")?.line ?? 0
        return sweep.document.error(line, assignment?.key ?? "problem",
                                    "\(error.description) (problem: \(Self.describe(problem)))")
    }

    /// A measure error at the line of the key it names (else the [measure] table).
    static func measureError(_ error: RequestError, sweep: SweepSpec) -> FlatMinimaError {
        let entry = sweep.measure.first { error.keys.contains($0.key) }
        return sweep.document.error(entry?.line ?? sweep.document.table("measure")?.line ?? 0, entry?.key ?? "measure",
                                    error.description)
    }

    /// The problem spec of a cell, validated by its request.
    func problemSpec(_ problem: [SweepSpec.Assignment], instanceSeed: Int) throws(FlatMinimaError) -> ProblemSpec {
        do {
            return try ProblemRequest(values: problem.map { ($0.key, $0.value) }).spec(instanceSeed: instanceSeed)
        } catch {
            throw problemError(error, problem: problem)
        }
    }

    func measures(for model: Model) throws(FlatMinimaError) -> [Measure] {
        do { return try measureRequest.get().measures(for: model) } catch {
            throw Self.measureError(error, sweep: sweep)
        }
    }

    func solver(_ name: String, line: Int, options: [SweepSpec.Assignment])
    throws(FlatMinimaError) -> (SolverEntry, any Solver, SolverParameters) {
        let entry: SolverEntry
        do { entry = try SolverRegistry.entry(named: name) } catch {
            throw sweep.document.error(line, "name", error.message)
        }
        var given: [String: String] = [:]
        for option in options { given[option.key] = option.value }
        do {
            let (solver, parameters) = try entry.build(given)
            return (entry, solver, parameters)
        } catch {
            let option = options.first { error.option == $0.key }
            throw sweep.document.error(option?.line ?? line, option?.key ?? name, error.description)
        }
    }

    /// The equivalent `flatminima solve` command of a run, each value shell-quoted (`shellQuoted`) so that
    /// the line can be pasted into a POSIX shell as it is.
    public func command(_ run: SweepSpec.Run) -> String {
        let q = Self.shellQuoted
        var parts = ["flatminima solve"] + run.problem.map { "\(RequestKeys.flag($0.key)) \(q($0.value))" }
        parts.append("--solver \(q(run.solver))")
        parts += run.solverOptions.map { "-o \(q("\($0.key)=\($0.value)"))" }
        parts += sweep.measure.map { "\(RequestKeys.flag($0.key)) \(q($0.value))" }
        parts.append("--instance-seed \(run.instanceSeed) --seed \(run.seed)")
        return parts.joined(separator: " ")
    }

    /// `word` as one word of a POSIX shell command line: unchanged when it holds only characters no shell
    /// treats specially (letters, digits and `_ @ % + = : , . / -`), else in single quotes, each `'` inside
    /// written `'\''` (close the quotes, an escaped quote, reopen them). The empty word is `''`.
    public static func shellQuoted(_ word: String) -> String {
        let plain = word.unicodeScalars.allSatisfy { c in
            c.isASCII && (("a"..."z").contains(c) || ("A"..."Z").contains(c) || ("0"..."9").contains(c)
                          || "_@%+=:,./-".unicodeScalars.contains(c))
        }
        if plain, !word.isEmpty { return word }
        return "'" + word.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }

    /// The header of the results file: the leading columns, the record's common fields (`alpha` the
    /// requested load, `alpha_actual` the realised P/N among them), the spec's problem keys not among them.
    public var columns: [String] {
        var header = Results.leadingColumns + Run.commonFields
        for key in sweep.problem.map(\.key) where !header.contains(key) { header.append(key) }
        return header
    }

    /// Runs one run and returns its row: run_id, run, sweep, the spec's requested problem values, then
    /// the solve record (a record field that differs from the requested value of the same name, such as
    /// the realised α = P/N, is kept as NAME_actual). A run that fails keeps its row, with `error` set.
    func execute(_ run: SweepSpec.Run) -> [(String, String)] {
        var cells: [(String, String)] = [("run_id", run.id), ("run", String(run.index)), ("sweep", identity)]
        cells += run.problem.map { ($0.key, $0.value) }
        do {
            let spec = try problemSpec(run.problem, instanceSeed: run.instanceSeed)
            let problem = try Problem(spec)
            let (entry, solver, parameters) = try self.solver(run.solver, line: run.solverLine,
                                                              options: run.solverOptions)
            let record = try Run.execute(problem, entry: entry, solver: solver, parameters: parameters,
                                         seed: UInt64(run.seed), measures: try measures(for: spec.model))
            let requested = Dictionary(uniqueKeysWithValues: run.problem.map { ($0.key, $0.value) })
            for (name, value) in record.fields {
                if let wanted = requested[name] {
                    if Double(wanted) == Double(value.text) || wanted == value.text { continue }
                    cells.append((name + "_actual", value.text))
                } else {
                    cells.append((name, value.text))
                }
            }
        } catch {
            cells.append(("solver", run.solver))
            cells.append(("instance_seed", String(run.instanceSeed)))
            cells.append(("seed", String(run.seed)))
            let text = "\(error)".replacingOccurrences(of: "\t", with: " ").replacingOccurrences(of: "\n", with: " ")
            cells.append(("error", text))
        }
        return cells
    }
}

extension FlatMinimaError {
    /// The message without the option or path prefix.
    public var message: String {
        switch self {
        case let .invalidOption(_, message), let .invalidData(_, message): return message
        default: return description
        }
    }

    /// The option an invalid-option error names.
    public var option: String? {
        if case let .invalidOption(option, _) = self { return option }
        return nil
    }
}
