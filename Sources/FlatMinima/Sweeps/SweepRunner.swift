import Dispatch
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Told how a sweep goes (the command line draws a progress bar on stderr). Called from the workers:
/// `finished` may come from several threads at once.
public protocol SweepObserver: Sendable {
    /// Before the first run: the number of runs to do.
    func started(runs: Int)
    /// A run's row could not be written (the sweep goes on; it fails at the end).
    func unwritten(_ error: any Error)
    /// After each run's row is written (or failed to be).
    func finished()
    /// After the last run.
    func ended()
}

/// An observer that ignores everything.
public struct SilentSweep: SweepObserver {
    public init() {}
    public func started(runs: Int) {}
    public func unwritten(_ error: any Error) {}
    public func finished() {}
    public func ended() {}
}

/// Which runs of a sweep this process does: every run whose index is `index` mod `count`.
public struct SweepShard: Sendable, Equatable {
    public let index: Int
    public let count: Int

    public static let whole = SweepShard(index: 0, count: 1)

    public init(index: Int, count: Int) {
        self.index = index
        self.count = count
    }

    /// `i/n` from `flag` (e.g. --shard), else from Slurm's array variables in `environment`, else 0/1.
    /// Under a Slurm job array the shard is (SLURM_ARRAY_TASK_ID − SLURM_ARRAY_TASK_MIN) /
    /// SLURM_ARRAY_TASK_STEP of SLURM_ARRAY_TASK_COUNT.
    public static func resolve(_ flag: String?, option: String = "--shard",
                               environment: [String: String] = ProcessInfo.processInfo.environment)
    throws(FlatMinimaError) -> SweepShard {
        if let flag {
            let parts = flag.split(separator: "/").map { Int($0) }
            guard parts.count == 2, let i = parts[0], let n = parts[1], n >= 1, (0..<n).contains(i) else {
                throw .invalidOption(option: option, message: "must be i/n with n >= 1 and 0 <= i < n (got '\(flag)')")
            }
            return SweepShard(index: i, count: n)
        }
        guard let idText = environment["SLURM_ARRAY_TASK_ID"] else { return .whole }
        let orFlag = "; or give \(option) i/n"
        func integer(_ name: String) throws(FlatMinimaError) -> Int {
            guard let text = environment[name], let value = Int(text) else {
                throw .invalidOption(option: name, message: "must be an integer when SLURM_ARRAY_TASK_ID is set "
                                     + "(got '\(environment[name] ?? "")')" + orFlag)
            }
            return value
        }
        guard let id = Int(idText) else {
            throw .invalidOption(option: "SLURM_ARRAY_TASK_ID",
                                 message: "must be an integer (got '\(idText)')" + orFlag)
        }
        let count = try integer("SLURM_ARRAY_TASK_COUNT")
        let minimum = environment["SLURM_ARRAY_TASK_MIN"] == nil ? 0 : try integer("SLURM_ARRAY_TASK_MIN")
        // An array with a step (--array=0-15:2) numbers its tasks min, min + step, ...
        let step = environment["SLURM_ARRAY_TASK_STEP"] == nil ? 1 : try integer("SLURM_ARRAY_TASK_STEP")
        guard step >= 1 else {
            throw .invalidOption(option: "SLURM_ARRAY_TASK_STEP",
                                 message: "must be an integer >= 1 (got \(step))" + orFlag)
        }
        let (offset, overflow) = id.subtractingReportingOverflow(minimum)
        guard !overflow, count >= 1, offset % step == 0, (0..<count).contains(offset / step) else {
            throw .invalidOption(option: "SLURM_ARRAY_TASK_ID",
                                 message: "\(id) (SLURM_ARRAY_TASK_MIN \(minimum), SLURM_ARRAY_TASK_STEP \(step), "
                                 + "SLURM_ARRAY_TASK_COUNT \(count)) gives no shard (accepted: id = min + i·step "
                                 + "with 0 <= i < count)" + orFlag)
        }
        return SweepShard(index: offset / step, count: count)
    }
}

/// Runs a sweep's plan into a results file: every run of a shard, on `jobs` workers, each finished run
/// appended as one whole row (`Results.Writer`), with a JSON sidecar describing the sweep. A file that
/// exists is continued when `resume` is set (the runs already in it are skipped), refused otherwise.
public struct SweepRunner: Sendable {
    /// How a sweep went: the runs of the file that failed (earlier ones included) and all its runs.
    public struct Outcome: Sendable, Equatable {
        public let failures: Int
        public let runs: Int
    }

    public let plan: SweepPlan
    public let out: String
    public let shard: SweepShard
    public let jobs: Int
    public let resume: Bool

    /// The sidecar of results file `out`.
    public static func sidecar(of out: String) -> String { out + ".json" }

    public init(plan: SweepPlan, out: String, shard: SweepShard = .whole,
                jobs: Int = ProcessInfo.processInfo.activeProcessorCount, resume: Bool = false) {
        self.plan = plan
        self.out = out
        self.shard = shard
        self.jobs = jobs
        self.resume = resume
    }

    /// Runs every run of the shard not yet in `out`; the observer sees each finished run.
    public func run(observer: any SweepObserver = SilentSweep()) throws -> Outcome {
        let sweep = plan.sweep
        var runs = sweep.runs(shard: shard.index, of: shard.count)
        var finished = 0, failedBefore = 0
        let isNew = !FileManager.default.fileExists(atPath: out)
        if !isNew {
            guard resume else {
                throw FlatMinimaError.invalidOption(
                    option: "--out", message: "\(out) exists (use --resume to continue it, or choose another file)")
            }
            let existing = try Results.read(path: out)
            let hashes = Set(existing.rows.compactMap { existing.value($0, "sweep") })
            guard hashes.isSubset(of: [sweep.hash]) else {
                throw FlatMinimaError.invalidData(
                    path: out, message: "holds runs of another spec (sweep \(hashes.sorted().joined(separator: ","))"
                    + "; this spec is \(sweep.hash)); refusing to resume into it")
            }
            let done = Set(existing.rows.compactMap { existing.value($0, "run_id") })
            runs.removeAll { done.contains($0.id) }
            finished = existing.rows.count
            failedBefore = existing.rows.filter { Results.failed($0, in: existing) }.count
        }
        let writer = try Results.Writer(path: out, columns: plan.columns)
        if isNew {
            do {
                try Self.writeSidecar(Self.sidecar(of: out), sweep: sweep, shard: shard, runs: runs.count)
            } catch {
                // Nothing has run yet: leave no results file without its sidecar.
                unlink(out)
                throw error
            }
        }
        let todo = runs
        observer.started(runs: todo.count)
        let next = Counter(), unwritten = Counter(), failed = Counter()
        let workers = min(jobs, max(1, todo.count))
        Parallelism.share(among: workers)
        DispatchQueue.concurrentPerform(iterations: workers) { _ in
            while let i = next.take(below: todo.count) {
                let cells = plan.execute(todo[i])
                if cells.contains(where: { $0.0 == "error" }) { failed.increment() }
                do {
                    try writer.append(cells)
                } catch {
                    unwritten.increment()
                    observer.unwritten(error)
                }
                observer.finished()
            }
        }
        observer.ended()
        if unwritten.value > 0 {
            throw FlatMinimaError.runtime("\(unwritten.value) rows could not be written to \(out)")
        }
        return Outcome(failures: failedBefore + failed.value, runs: finished + todo.count)
    }

    /// Writes the sidecar (atomically): format, spec path and hash, name, version, git commit, GSL version,
    /// start time, host, shard, number of runs and the spec's text.
    static func writeSidecar(_ path: String, sweep: SweepSpec, shard: SweepShard, runs: Int) throws(FlatMinimaError) {
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
            ("shard", .string("\(shard.index)/\(shard.count)")),
            ("runs", .int(runs)),
            ("spec", .string(text)),
        ]
        let temporary = path + ".tmp"
        guard FileManager.default.createFile(atPath: temporary, contents: Data((Record(fields).json + "\n").utf8)),
              rename(temporary, path) == 0 else {
            throw .runtime("cannot write the sidecar \(path)")
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
