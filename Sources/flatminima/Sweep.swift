import ArgumentParser
import Dispatch
import FlatMinima
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// `flatminima sweep SPEC --out RESULTS.tsv`: every run of a spec (SweepSpec), on all cores, appended
/// row by row to a tidy TSV (Results) with a JSON sidecar; resumable, shardable for Slurm job arrays.
struct SweepCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sweep",
        abstract: "Run a parameter sweep from a TOML or JSON spec into a tidy TSV (one row per run).",
        discussion: """
        The spec (see sweeps/*.toml) fixes options, grid axes (lists or "a:b:step" ranges), solvers with \
        their own options, replicates (instance seeds instance_seed, instance_seed+1, ...) and measures. \
        Finished runs are appended one whole row at a time; --resume skips the runs already in --out. \
        --shard i/n runs every run whose index is i mod n (0 <= i < n); under a Slurm job array the shard \
        is (SLURM_ARRAY_TASK_ID − SLURM_ARRAY_TASK_MIN)/SLURM_ARRAY_TASK_STEP of SLURM_ARRAY_TASK_COUNT. Merge shard \
        outputs with 'flatminima merge'. Progress goes to stderr.

        Exit status: 0 when every run of the shard has a result; 3 when the sweep went through but some \
        runs failed (their rows are kept, with the error column set, and one line on stderr counts them); \
        2 for a bad option and 1 for a bad spec (one line on stderr; nothing is run or written) or another failure.

        Examples:
          flatminima sweep sweeps/demo.toml --out demo.tsv
          flatminima sweep sweeps/demo.toml --out demo.tsv --resume
          flatminima sweep sweeps/demo.toml --out demo.part2.tsv --shard 2/4
        """
    )

    /// The exit status of a sweep that went through with failed runs.
    static let failedRunsStatus: Int32 = 3

    @Argument(help: "Spec file (.toml, or .json).")
    var spec: String

    @Option(help: "Results file (TSV); its sidecar is FILE.json.")
    var out: String

    @Option(help: "Runs in parallel (default: all cores).")
    var jobs: Int?

    @Flag(help: "Continue an interrupted sweep: skip the runs already in --out.")
    var resume = false

    @Option(help: "Run only shard i of n (0 <= i < n), e.g. 2/4.")
    var shard: String?

    @Flag(help: "No progress on stderr.")
    var quiet = false

    @Flag(help: "List the runs (one line each) and exit without running them.")
    var dryRun = false

    func run() throws {
        // The options first (cheap), then the spec and every cell of it, then the files.
        let (shardIndex, shardCount) = try Self.shard(shard)
        let workers = jobs ?? ProcessInfo.processInfo.activeProcessorCount
        guard workers >= 1 else { throw FlatMinimaError.invalidOption(option: "--jobs", message: "must be >= 1 (got \(workers))") }
        if !dryRun {
            try OutputFile.check(out, option: "--out")
            try OutputFile.check(out + ".json", option: "--out", role: "the sidecar")
        }
        let sweep = try SweepSpec(path: spec)
        let plan = try SweepPlan(sweep)
        var runs = sweep.runs(shard: shardIndex, of: shardCount)
        if dryRun {
            for run in runs {
                Output.write("\(run.index)\t\(run.id)\t\(plan.command(run))\n")
            }
            return
        }

        let sidecar = out + ".json"
        var finished = 0, failedBefore = 0
        let isNew = !FileManager.default.fileExists(atPath: out)
        if !isNew {
            guard resume else {
                throw FlatMinimaError.invalidOption(option: "--out", message: "\(out) exists (use --resume to continue it, or choose another file)")
            }
            let existing = try Results.read(path: out)
            let hashes = Set(existing.rows.compactMap { existing.value($0, "sweep") })
            guard hashes.isSubset(of: [sweep.hash]) else {
                throw FlatMinimaError.invalidData(path: out, message: "holds runs of another spec (sweep \(hashes.sorted().joined(separator: ",")); this spec is \(sweep.hash)); refusing to resume into it")
            }
            let done = Set(existing.rows.compactMap { existing.value($0, "run_id") })
            runs.removeAll { done.contains($0.id) }
            finished = existing.rows.count
            failedBefore = existing.rows.filter { Results.failed($0, in: existing) }.count
        }
        var header = Results.leadingColumns + Run.commonFields
        for key in sweep.problem.map(\.key) where !header.contains(key) { header.append(key) }
        if sweep.problem.contains(where: { $0.key == "alpha" }) { header.append("alpha_actual") }
        let writer = try Results.Writer(path: out, columns: header)
        if isNew {
            do {
                try Self.writeSidecar(sidecar, sweep: sweep, shard: (shardIndex, shardCount), runs: runs.count)
            } catch {
                // Nothing has run yet: leave no results file without its sidecar.
                unlink(out)
                throw error
            }
        }
        let todo = runs
        let progress = Progress(total: todo.count, quiet: quiet)
        let next = Counter()
        let unwritten = Counter()
        let failed = Counter()
        Parallelism.share(among: min(workers, max(1, todo.count)))
        DispatchQueue.concurrentPerform(iterations: min(workers, max(1, todo.count))) { _ in
            while let i = next.take(below: todo.count) {
                let run = todo[i]
                let cells = plan.execute(run)
                if cells.contains(where: { $0.0 == "error" }) { failed.increment() }
                do {
                    try writer.append(cells)
                } catch {
                    unwritten.increment()
                    Output.error("flatminima: error: \(error)\n")
                }
                progress.finished()
            }
        }
        progress.close()
        if unwritten.value > 0 { throw FlatMinimaError.runtime("\(unwritten.value) rows could not be written to \(out)") }
        let failures = failedBefore + failed.value
        if failures > 0 {
            Output.error("flatminima: \(failures) of \(finished + todo.count) runs failed (see the error column of \(out))\n")
            throw ExitCode(Self.failedRunsStatus)
        }
    }

    /// `i/n` from the flag, or from Slurm's array variables, or 0/1.
    static func shard(_ flag: String?) throws -> (Int, Int) {
        if let flag {
            let parts = flag.split(separator: "/").map { Int($0) }
            guard parts.count == 2, let i = parts[0], let n = parts[1], n >= 1, (0..<n).contains(i) else {
                throw FlatMinimaError.invalidOption(option: "--shard", message: "must be i/n with n >= 1 and 0 <= i < n (got '\(flag)')")
            }
            return (i, n)
        }
        let environment = ProcessInfo.processInfo.environment
        guard let idText = environment["SLURM_ARRAY_TASK_ID"] else { return (0, 1) }
        func integer(_ name: String) throws -> Int {
            guard let text = environment[name], let value = Int(text) else {
                throw FlatMinimaError.invalidOption(option: name, message: "must be an integer when SLURM_ARRAY_TASK_ID is set (got '\(environment[name] ?? "")'); or give --shard i/n")
            }
            return value
        }
        guard let id = Int(idText) else {
            throw FlatMinimaError.invalidOption(option: "SLURM_ARRAY_TASK_ID", message: "must be an integer (got '\(idText)'); or give --shard i/n")
        }
        let count = try integer("SLURM_ARRAY_TASK_COUNT")
        let minimum = environment["SLURM_ARRAY_TASK_MIN"] == nil ? 0 : try integer("SLURM_ARRAY_TASK_MIN")
        // An array with a step (--array=0-15:2) numbers its tasks min, min + step, ...
        let step = environment["SLURM_ARRAY_TASK_STEP"] == nil ? 1 : try integer("SLURM_ARRAY_TASK_STEP")
        guard step >= 1 else {
            throw FlatMinimaError.invalidOption(option: "SLURM_ARRAY_TASK_STEP", message: "must be an integer >= 1 (got \(step)); or give --shard i/n")
        }
        let (offset, overflow) = id.subtractingReportingOverflow(minimum)
        guard !overflow, count >= 1, offset % step == 0, (0..<count).contains(offset / step) else {
            throw FlatMinimaError.invalidOption(option: "SLURM_ARRAY_TASK_ID", message: "\(id) (SLURM_ARRAY_TASK_MIN \(minimum), SLURM_ARRAY_TASK_STEP \(step), SLURM_ARRAY_TASK_COUNT \(count)) gives no shard (accepted: id = min + i·step with 0 <= i < count); or give --shard i/n")
        }
        return (offset / step, count)
    }

    static func writeSidecar(_ path: String, sweep: SweepSpec, shard: (Int, Int), runs: Int) throws {
        let text = (try? String(contentsOfFile: sweep.document.path, encoding: .utf8)) ?? ""
        let formatter = ISO8601DateFormatter()
        let fields: [Record.Field] = [
            ("format", .string("flatminima-sweep/1")),
            ("spec_path", .string(sweep.document.path)),
            ("sweep", .string(sweep.hash)),
            ("name", .string(sweep.name)),
            ("version", .string(FlatMinima.version)),
            ("git_commit", .string(gitCommit())),
            ("gsl_version", .string(GSL.version)),
            ("started", .string(formatter.string(from: Date()))),
            ("host", .string(ProcessInfo.processInfo.hostName)),
            ("shard", .string("\(shard.0)/\(shard.1)")),
            ("runs", .int(runs)),
            ("spec", .string(text)),
        ]
        let temporary = path + ".tmp"
        guard FileManager.default.createFile(atPath: temporary, contents: Data((Record(fields).json + "\n").utf8)),
              rename(temporary, path) == 0 else {
            throw FlatMinimaError.runtime("cannot write the sidecar \(path)")
        }
    }

    /// The commit of the checkout the executable was built in (`git rev-parse HEAD` next to it), or
    /// "unknown" for an installed binary.
    static func gitCommit() -> String {
        let executable = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["git", "-C", executable.deletingLastPathComponent().path, "rev-parse", "HEAD"]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        do { try process.run() } catch { return "unknown" }
        process.waitUntilExit()
        let text = String(data: pipe.fileHandleForReading.readDataToEndOfFile(), encoding: .utf8)?
            .trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        return process.terminationStatus == 0 && !text.isEmpty ? text : "unknown"
    }
}

/// Turns a spec's runs into problems, solvers and measures — through the same flag parsers as
/// `flatminima solve`, so a spec accepts exactly what the command line accepts — and validates every
/// distinct cell before anything runs, reporting the spec's file, line and key.
struct SweepPlan: Sendable {
    let sweep: SweepSpec

    /// solve's flag for a problem key.
    static func flag(_ key: String) -> String {
        switch key {
        case "K": return "--hidden"
        case "N": return "-N"
        default: return "--" + key.replacingOccurrences(of: "_", with: "-")
        }
    }

    /// Checks every distinct problem cell (with the first replicate's instance seed), the measures,
    /// every solver option cell and, against each problem's P, the options it bounds (`Solver.check`,
    /// e.g. an explicit `batch` at most P; a data task's file is loaded once per cell for its P).
    init(_ sweep: SweepSpec) throws {
        self.sweep = sweep
        let solverCells = try sweep.solverCells.map { cell in
            (cell: cell, solver: try solver(cell.block.name, line: cell.block.line, options: cell.options).1)
        }
        for cell in sweep.problemCells {
            let spec = try problemSpec(cell, instanceSeed: sweep.instanceSeed)
            let model = spec.model
            _ = try measures(for: model)
            for block in sweep.solvers {
                let entry: SolverEntry
                do { entry = try SolverRegistry.entry(named: block.name) } catch {
                    throw sweep.document.error(block.line, "name", error.message)
                }
                if let reason = entry.unsupported(model) {
                    throw sweep.document.error(block.line, "name", "\(block.name) \(reason) (problem: \(Self.describe(cell)))")
                }
            }
            var patterns = spec.patterns
            if spec.task != .data {
                // What Problem(spec) checks before it draws the patterns (test patterns, memory).
                do { try spec.validate() } catch { throw problemError(error, problem: cell) }
            } else {
                do {
                    patterns = try Problem(spec).train.count
                } catch {
                    let data = cell.first { $0.key == "data" }
                    throw sweep.document.error(data?.line ?? sweep.document.table("problem")?.line ?? 0, data?.key ?? "problem",
                                               "\(error.description) (problem: \(Self.describe(cell)))")
                }
            }
            for (solverCell, solver) in solverCells {
                do { try solver.check(patterns: patterns) } catch {
                    let option = solverCell.options.first { error.option == $0.key }
                    throw sweep.document.error(option?.line ?? solverCell.block.line, option?.key ?? solverCell.block.name,
                                               "\(error.message) (problem: \(Self.describe(cell)))")
                }
            }
        }
    }

    static func describe(_ assignments: [SweepSpec.Assignment]) -> String {
        assignments.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
    }

    /// The line of a problem key in the spec, for errors that name a flag.
    func problemError(_ error: Error, problem: [SweepSpec.Assignment]) -> Error {
        let message: String
        var option: String? = nil
        if let e = error as? FlatMinimaError {
            if case let .invalidOption(o, m) = e { option = o; message = m } else { message = e.description }
        } else {
            message = ProblemParser.message(for: error).split(separator: "\n").first.map(String.init) ?? "invalid value"
        }
        let assignment = problem.first { a in
            guard let option else { return message.contains(Self.flag(a.key)) }
            return option.split(separator: "/").contains { $0 == Self.flag(a.key) || $0 == "-" + Self.flag(a.key) }
        }
        let line = assignment?.line ?? sweep.document.table("problem")?.line ?? 0
        let text = option.map { "\($0): \(message)" } ?? message
        return sweep.document.error(line, assignment?.key ?? "problem", "\(text) (problem: \(Self.describe(problem)))")
    }

    func problemSpec(_ problem: [SweepSpec.Assignment], instanceSeed: Int) throws -> ProblemSpec {
        // --key=value, so that negative numbers are values, not flags (-N has no long form; it takes the
        // next argument unconditionally, a negative N included).
        let arguments = problem.flatMap { $0.key == "N" ? ["-N", $0.value] : ["\(Self.flag($0.key))=\($0.value)"] }
        do {
            let options = try ProblemParser.parse(arguments)
            return try options.problem.spec(instanceSeed: instanceSeed)
        } catch {
            throw problemError(error, problem: problem)
        }
    }

    func measures(for model: Model) throws -> [Measure] {
        let arguments = sweep.measure.map { "--" + $0.key.replacingOccurrences(of: "_", with: "-") + "=" + $0.value }
        do {
            return try MeasureParser.parse(arguments).options.measures(for: model)
        } catch {
            let message = (error as? FlatMinimaError)?.description
                ?? MeasureParser.message(for: error).split(separator: "\n").first.map(String.init) ?? "invalid value"
            let entry = sweep.measure.first { message.contains("--" + $0.key.replacingOccurrences(of: "_", with: "-")) }
            throw sweep.document.error(entry?.line ?? sweep.document.table("measure")?.line ?? 0, entry?.key ?? "measure", message)
        }
    }

    func solver(_ name: String, line: Int, options: [SweepSpec.Assignment]) throws -> (SolverEntry, any Solver, SolverParameters) {
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

    /// The equivalent `flatminima solve` command of a run.
    func command(_ run: SweepSpec.Run) -> String {
        var parts = ["flatminima solve"] + run.problem.map { "\(Self.flag($0.key)) \($0.value)" }
        parts.append("--solver \(run.solver)")
        parts += run.solverOptions.map { "-o \($0.key)=\($0.value)" }
        parts += sweep.measure.map { "--\($0.key.replacingOccurrences(of: "_", with: "-")) \($0.value)" }
        parts.append("--instance-seed \(run.instanceSeed) --seed \(run.seed)")
        return parts.joined(separator: " ")
    }

    /// Runs one run and returns its row: run_id, run, sweep, the spec's requested problem values, then
    /// the solve record (a record field that differs from the requested value of the same name, such as
    /// the realised α = P/N, is kept as NAME_actual). A run that fails keeps its row, with `error` set.
    func execute(_ run: SweepSpec.Run) -> [(String, String)] {
        var cells: [(String, String)] = [("run_id", run.id), ("run", String(run.index)), ("sweep", sweep.hash)]
        cells += run.problem.map { ($0.key, $0.value) }
        do {
            let spec = try problemSpec(run.problem, instanceSeed: run.instanceSeed)
            let problem = try Problem(spec)
            let (entry, solver, parameters) = try self.solver(run.solver, line: run.solverLine, options: run.solverOptions)
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
            cells.append(("error", "\(error)".replacingOccurrences(of: "\t", with: " ").replacingOccurrences(of: "\n", with: " ")))
        }
        return cells
    }
}

/// Checks on an output path before anything is written to it.
enum OutputFile {
    /// Refuses an empty path, a directory, and a path whose directory is missing or not writable,
    /// naming `option` (the file is `role`, e.g. "the sidecar", when it is derived from the option).
    static func check(_ path: String, option: String, role: String? = nil) throws {
        func fail(_ message: String) -> FlatMinimaError {
            .invalidOption(option: option, message: (role.map { "\($0) " } ?? "") + message)
        }
        guard !path.isEmpty else { throw fail("must be a file path (got an empty string)") }
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
            throw fail("\(path) is a directory (accepted: a file path)")
        }
        guard !path.hasSuffix("/") else { throw fail("\(path) names a directory (accepted: a file path)") }
        let directory = (path as NSString).deletingLastPathComponent
        let parent = directory.isEmpty ? "." : directory
        guard FileManager.default.fileExists(atPath: parent, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw fail("the directory \(parent) of \(path) does not exist")
        }
        guard access(parent, W_OK) == 0 else { throw fail("cannot write in the directory \(parent) of \(path)") }
        if FileManager.default.fileExists(atPath: path), access(path, W_OK) != 0 { throw fail("\(path) is not writable") }
    }
}

/// Parsers for the problem and measure flag groups on their own (the spec's keys are passed as flags).
struct ProblemParser: ParsableArguments {
    @OptionGroup var problem: ProblemOptions
}

struct MeasureParser: ParsableArguments {
    @OptionGroup var options: MeasureOptions
}

extension FlatMinimaError {
    /// The message without the option or path prefix.
    var message: String {
        switch self {
        case let .invalidOption(_, message), let .invalidData(_, message): return message
        default: return description
        }
    }

    /// The option an invalid-option error names.
    var option: String? {
        if case let .invalidOption(option, _) = self { return option }
        return nil
    }
}

/// A thread-safe counter.
final class Counter: @unchecked Sendable {
    private var count = 0
    private let lock = NSLock()
    /// The next index below `limit`, or nil when all are taken.
    func take(below limit: Int) -> Int? {
        lock.withLock {
            guard count < limit else { return nil }
            count += 1
            return count - 1
        }
    }
    func increment() { lock.withLock { count += 1 } }
    var value: Int { lock.withLock { count } }
}

/// Progress on stderr: a live bar on a terminal, one plain line every 5 s otherwise (Slurm logs).
final class Progress: @unchecked Sendable {
    let total: Int
    let quiet: Bool
    let terminal: Bool
    let start = DispatchTime.now().uptimeNanoseconds
    private var done = 0
    private var lastPrint: UInt64 = 0
    private let lock = NSLock()

    init(total: Int, quiet: Bool) {
        self.total = total
        self.quiet = quiet
        terminal = isatty(2) != 0
        if !quiet, !terminal { Output.error("sweep: \(total) runs to do\n") }
    }

    func finished() {
        lock.withLock {
            done += 1
            guard !quiet else { return }
            let now = DispatchTime.now().uptimeNanoseconds
            let interval: UInt64 = terminal ? 100_000_000 : 5_000_000_000
            if now - lastPrint >= interval || done == total {
                lastPrint = now
                Output.error(line(now: now))
            }
        }
    }

    func line(now: UInt64) -> String {
        let elapsed = Double(now - start) / 1e9
        let rate = elapsed > 0 ? Double(done) / elapsed : 0
        let eta = rate > 0 ? Double(total - done) / rate : 0
        let numbers = String(format: "%d/%d runs  %.2f runs/s  ETA %@", done, total, rate, Self.duration(eta))
        if terminal {
            let width = 30, filled = total > 0 ? width * done / total : width
            return "\r[" + String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled) + "] " + numbers + "   "
        }
        return "sweep: " + numbers + "\n"
    }

    func close() {
        if !quiet, terminal { Output.error("\n") }
    }

    static func duration(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        return s >= 3600 ? "\(s / 3600)h\(s % 3600 / 60)m" : s >= 60 ? "\(s / 60)m\(s % 60)s" : "\(s)s"
    }
}
