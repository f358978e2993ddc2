import ArgumentParser
import Foundation
import FlatMinima
#if canImport(Glibc)
import Glibc
#endif

/// `flatminima solve`: builds instances, runs solvers on them, prints one record per run.
struct Solve: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Solve problem instances with one or more solvers and print one record per run.",
        discussion: """
        Examples:
          flatminima solve --solver sa -N 501 --alpha 0.2 --format json
          flatminima solve --weights spherical --solver perceptron -N 1000 --alpha 1.5
          flatminima solve --solver sa,fbp -N 1001 --alpha 0.3 --instances 5

        Solver parameters: -o NAME=VALUE, or -o SOLVER.NAME=VALUE when several
        solvers run; 'flatminima solvers [NAME]' lists them with defaults and ranges.
        """
    )

    @OptionGroup(title: "Problem") var problem: ProblemOptions

    @Option(help: ArgumentHelp("Solvers to run, comma-separated, or 'all' (every solver that supports the problem). "
                               + "Default: sa for binary weights, perceptron for spherical."))
    var solver: String?

    @Option(name: [.customShort("o"), .customLong("option")],
            help: ArgumentHelp("Solver parameter NAME=VALUE or SOLVER.NAME=VALUE (repeatable).",
                               valueName: "name=value"))
    var options: [String] = []

    @Option(help: "Iteration limit of the solvers (sweeps, epochs, ...); each solver has its own default.")
    var maxIters: Int?

    @Option(help: "Seed of the solvers' randomness, 0 ... 2^63-1.")
    var seed: Int = 1

    @Option(help: "Number of instances: instance seeds s, s+1, ... from --instance-seed.")
    var instances: Int = 1

    @Option(help: "Output: json (one object per line) | tsv | table. Default: table on a terminal, json otherwise.")
    var format: RecordFormat?

    @Option(help: "Runs in parallel (default: all cores); records keep the order of the runs.")
    var jobs: Int?

    @OptionGroup(title: "Measures") var measureOptions: MeasureOptions

    @Option(help: ArgumentHelp("Save every configuration found, with its instance description, to this file "
                               + "(JSON Lines; read by 'flatminima measure')."))
    var saveWeights: String?

    @Option(help: "Write every solver's per-step trace (protocol steps, reinforcement, sweeps) to this TSV file.")
    var trace: String?

    func validate() throws {
        guard seed >= 0 else { throw ValidationError("--seed: must be in [0, 2^63-1] (got \(seed))") }
        guard instances >= 1, instances <= 1_000_000 else {
            throw ValidationError("--instances: must be in [1, 1000000] (got \(instances))")
        }
        if let maxIters, maxIters < 1 { throw ValidationError("--max-iters: must be >= 1 (got \(maxIters))") }
        if let jobs, jobs < 1 || jobs > 4096 { throw ValidationError("--jobs: must be in [1, 4096] (got \(jobs))") }
        guard problem.instanceSeed <= Int.max - (instances - 1) else {
            throw ValidationError("--instance-seed: must be in [0, 2^63-1 - (instances - 1)] = "
                                  + "[0, \(Int.max - (instances - 1))] with --instances \(instances) "
                                  + "(got \(problem.instanceSeed))")
        }
    }

    func run() throws {
        try OutputFiles.check([("--save-weights", saveWeights), ("--trace", trace),
                               ("--curves", measureOptions.curves)])
        let specs = try (0..<instances).map { try problem.spec(instanceSeed: problem.instanceSeed + $0) }
        let runs = try SolverSelection.resolve(solver, options: options, maxIters: maxIters, model: specs[0].model)
        let format = self.format ?? (isatty(STDOUT_FILENO) != 0 ? .table : .json)
        let tasks = specs.flatMap { spec in
            runs.map { Run.Task(spec: spec, entry: $0.entry, solver: $0.solver, parameters: $0.parameters) }
        }
        let traces = (0..<tasks.count).map { _ in TraceRecorder() }
        let measures = try measureOptions.measures(for: specs[0].model)
        let observer: (@Sendable (Int) -> any SolverObserver)? = trace == nil ? nil : { @Sendable t in traces[t] }
        let results = Run.batch(tasks, seed: UInt64(seed), jobs: jobs ?? ProcessInfo.processInfo.activeProcessorCount,
                                measures: measures, observer: observer, saving: saveWeights != nil)
        var records: [Record] = [], saved: [String] = []
        for result in results {
            let finished = try result.get()
            if format == .json { Output.write(finished.record.json + "\n") }
            records.append(finished.record)
            if let line = finished.saved { saved.append(line) }
        }
        var files: [(text: String, path: String, option: String)] = []
        if let saveWeights {
            files.append((saved.joined(separator: "\n") + "\n", saveWeights, "--save-weights"))
        }
        if let curves = measureOptions.curves { files.append((CurveTable.long(records).text, curves, "--curves")) }
        if let trace {
            let traced = traces.prefix(records.count).enumerated().map { (records[$0.offset], $0.element) }
            files.append((TraceRecorder.table(traced), trace, "--trace"))
        }
        try AtomicFile.writeAll(files)
        switch format {
        case .json: break
        case .tsv: Output.write(format.render(records))
        case .table: Output.write(SummaryTable.render(records))
        }
    }
}

/// Resolves `--solver`, `-o` and `--max-iters` into built solvers.
enum SolverSelection {
    struct Selected {
        let entry: SolverEntry
        let solver: any Solver
        let parameters: SolverParameters
    }

    static func resolve(_ list: String?, options: [String], maxIters: Int?, model: Model) throws -> [Selected] {
        var entries: [SolverEntry]
        switch list {
        case nil:
            entries = [try SolverRegistry.entry(named: model.weights == .binary ? "sa" : "perceptron")]
        case "all"?:
            entries = SolverRegistry.all.filter { $0.unsupported(model) == nil }
        case let names?:
            entries = try names.split(separator: ",").map { name throws(FlatMinimaError) in
                try SolverRegistry.entry(named: String(name))
            }
            guard !entries.isEmpty else {
                let accepted = SolverRegistry.all.map(\.name).joined(separator: ", ")
                throw FlatMinimaError.invalidOption(option: "--solver",
                                                    message: "names no solver (accepted: \(accepted), all)")
            }
        }
        for entry in entries {
            if let reason = entry.unsupported(model) {
                throw FlatMinimaError.invalidOption(option: "--solver", message: "\(entry.name) \(reason)")
            }
        }
        // name=value pairs, optionally prefixed by a solver name.
        var given: [String: [String: String]] = [:]
        for option in options {
            let parts = option.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, !parts[0].isEmpty else {
                throw FlatMinimaError.invalidOption(
                    option: "-o/--option", message: "must be NAME=VALUE or SOLVER.NAME=VALUE (got '\(option)')")
            }
            let key = parts[0].split(separator: ".", maxSplits: 1).map(String.init)
            if key.count == 2 {
                guard entries.contains(where: { $0.name == key[0] }) else {
                    throw FlatMinimaError.invalidOption(
                        option: "-o/--option",
                        message: "'\(option)' names solver \(key[0]), which is not among --solver")
                }
                given[key[0], default: [:]][key[1]] = parts[1]
            } else {
                let takers = entries.filter { e in e.parameters.contains { $0.name == key[0] } }
                guard !takers.isEmpty else {
                    let accepted = Set(entries.flatMap { $0.parameters.map(\.name) }).sorted().joined(separator: ", ")
                    let names = entries.map(\.name).joined(separator: ", ")
                    throw FlatMinimaError.invalidOption(
                        option: key[0], message: "is not a parameter of \(names) (accepted: \(accepted))")
                }
                for e in takers { given[e.name, default: [:]][key[0]] = parts[1] }
            }
        }
        return try entries.map { entry throws(FlatMinimaError) in
            var values = given[entry.name] ?? [:]
            if let maxIters {
                if let other = values["max_iters"], other != String(maxIters) {
                    throw FlatMinimaError.invalidOption(
                        option: "--max-iters",
                        message: "\(maxIters) conflicts with -o max_iters=\(other) for \(entry.name); "
                            + "give the limit once")
                }
                values["max_iters"] = String(maxIters)
            }
            let (solver, parameters) = try entry.build(values)
            return Selected(entry: entry, solver: solver, parameters: parameters)
        }
    }
}

/// The `table` format of `solve`: one record as a field/value list; several as rows of the key
/// columns followed by one summary row per (solver, N, alpha): solved count, median iterations and time.
enum SummaryTable {
    static let columns = ["solver", "instance_seed", "seed", "N", "P", "alpha", "solved", "train_errors",
                          "test_error", "iterations", "seconds"]

    static func render(_ records: [Record]) -> String {
        if records.count == 1 {
            let rows = [["field", "value"]] + records[0].fields.map { [$0.name, $0.value.short] }
            return RecordFormat.align(rows)
        }
        // The requested measures as columns: one per curve point, in order of first appearance.
        let measures = records.map(measureCells)
        var extra: [String] = []
        for cells in measures { for (name, _) in cells where !extra.contains(name) { extra.append(name) } }
        var table = [columns + extra]
        for (record, cells) in zip(records, measures) {
            let values = Dictionary(cells, uniquingKeysWith: { first, _ in first })
            table.append(columns.map { record[$0]?.short ?? "NA" } + extra.map { values[$0] ?? "NA" })
        }
        var text = RecordFormat.align(table)
        // One summary row per (solver, N, alpha) cell, in order of first appearance.
        func cell(_ r: Record) -> [String] { ["solver", "N", "alpha"].map { r[$0]?.short ?? "NA" } }
        var cells: [[String]] = []
        for r in records where !cells.contains(cell(r)) { cells.append(cell(r)) }
        var rows = [["solver", "N", "alpha", "runs", "solved", "median_iterations", "median_seconds"]]
        for c in cells {
            let mine = records.filter { cell($0) == c }
            let solved = mine.filter { $0["solved"] == .int(1) }.count
            func median(_ key: String) -> String {
                let v = mine.compactMap { Double($0[key]?.text ?? "") }.sorted()
                guard !v.isEmpty else { return "NA" }
                let m = v.count % 2 == 1 ? v[v.count / 2] : (v[v.count / 2 - 1] + v[v.count / 2]) / 2
                return Record.Value.double(m).short
            }
            rows.append(c + [String(mine.count), "\(solved)/\(mine.count)", median("iterations"), median("seconds")])
        }
        text += "\n" + RecordFormat.align(rows)
        return text
    }

    /// A record's width measures as (column, value) cells: the local energy at each perturbation
    /// (`local_energy@0.01`), the local entropy as a fraction of its ceiling at each coupling
    /// (`S/ceiling@λ=4`), the cone volume at each angle, and the Hessian's top eigenvalue and trace.
    static func measureCells(_ record: Record) -> [(String, String)] {
        func list(_ key: String) -> [Double]? {
            if case let .doubles(values)? = record[key] { return values }
            return nil
        }
        func short(_ x: Double) -> String { Record.Value.double(x).short }
        var cells: [(String, String)] = []
        if let strengths = list("local_energy_perturbation"), let energies = list("local_energy") {
            for (p, e) in zip(strengths, energies) { cells.append(("local_energy@\(short(p))", short(e))) }
        }
        if let lambdas = list("local_entropy_lambda"), let entropies = list("local_entropy_curve"),
           let ceilings = list("local_entropy_ceiling") {
            for (lambda, (s, c)) in zip(lambdas, zip(entropies, ceilings)) {
                cells.append(("S/ceiling@λ=\(short(lambda))", c > 0 ? short(s / c) : "NA"))
            }
        }
        if let angles = list("cone_angle"), let volumes = list("cone_volume") {
            for (angle, v) in zip(angles, volumes) { cells.append(("cone_volume@\(short(angle))", short(v))) }
        }
        if let top = list("hessian_top"), let first = top.first { cells.append(("hessian_top@1", short(first))) }
        if let trace = record["hessian_trace"] { cells.append(("hessian_trace", trace.short)) }
        return cells
    }
}
