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
    /// Something the user should know about the results file (duplicates found, a sidecar rebuilt).
    func note(_ message: String)
    /// A run's row could not be written (the sweep stops starting runs; it fails at the end).
    func unwritten(_ error: any Error)
    /// After each run's row is written (or failed to be).
    func finished()
    /// After the last run.
    func ended()
}

extension SweepObserver {
    public func note(_ message: String) {}
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
/// appended as one whole row (`Results.Writer`, which holds the file's lock: a second sweep on the same
/// file is refused at once), with a JSON sidecar (`Sidecar`) written before the header. A file that exists
/// is continued when `resume` is set, refused otherwise. On --resume the file's sidecar is checked against
/// the spec (`Sidecar.check`): a missing one is rebuilt, one of a spec this spec extends (more values on an
/// axis, more replicates, more solver blocks) is updated and the new runs are added, any other is refused.
/// A failed write (a full disk) stops the sweep: no run is started after it.
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
    /// The call that writes the results file's bytes (`write(2)`; tests inject failures).
    public let write: Results.Writer.WriteCall

    /// The sidecar of results file `out`: FILE.json next to the file a symlink at `out` points to.
    public static func sidecar(of out: String) -> String { Results.resolved(out) + ".json" }

    public init(plan: SweepPlan, out: String, shard: SweepShard = .whole,
                jobs: Int = ProcessInfo.processInfo.activeProcessorCount, resume: Bool = false,
                write: @escaping Results.Writer.WriteCall = Results.Writer.systemWrite) {
        self.plan = plan
        self.out = out
        self.shard = shard
        self.jobs = jobs
        self.resume = resume
        self.write = write
    }

    /// Runs every run of the shard not yet in `out`; the observer sees each finished run.
    public func run(observer: any SweepObserver = SilentSweep()) throws -> Outcome {
        let sweep = plan.sweep
        let identity = sweep.identity
        let sidecarPath = Self.sidecar(of: out)
        var runs = sweep.runs(shard: shard.index, of: shard.count)
        let shardRuns = runs.count
        var finished = 0, failedBefore = 0
        let existed = FileManager.default.fileExists(atPath: out)
        let refusal = FlatMinimaError.invalidOption(
            option: "--out", message: "\(out) exists (use --resume to continue it, or choose another file)")
        if existed, !resume { throw refusal }
        // The lock first: from here on no other sweep writes this file or its sidecar.
        let writer = try Results.Writer(path: out, columns: [], write: write)
        if writer.isEmpty {
            // A new file (or one left empty by a crash before its header): the sidecar, then the header.
            do {
                try Sidecar(spec: sweep, shard: "\(shard.index)/\(shard.count)", runs: shardRuns)
                    .write(to: sidecarPath)
                try writer.start(columns: plan.columns)
            } catch {
                // Nothing has run yet: leave no results file of ours that has no header.
                if !existed { unlink(out) }
                throw error
            }
        } else {
            guard resume else { throw refusal }
            let existing = try writer.table()
            let sidecar = try Sidecar.read(path: sidecarPath)
            let specRuns = sweep.runIDs
            let match = try Sidecar.check(existing, path: out, sidecar: sidecar, against: sweep, specRuns: specRuns)
            let (unique, duplicates) = try Results.merge([(out, existing)], sweep: identity)
            if duplicates > 0 {
                observer.note("\(out) holds \(duplicates) duplicate rows (a run_id twice, same results); "
                              + "each run counts once")
            }
            if match != .same {
                let previous = (sidecar.map { [$0.sweep] + $0.previous } ?? [])
                    + existing.rows.compactMap { existing.value($0, "sweep") }
                try Sidecar(spec: sweep, shard: "\(shard.index)/\(shard.count)", runs: shardRuns,
                            previous: Array(Set(previous)).sorted()).write(to: sidecarPath)
                observer.note(match == .rebuilt ? "wrote the missing sidecar \(sidecarPath)"
                              : "\(out): the spec extends the sweep of its sidecar; finished runs are kept")
            }
            if existing.rows.contains(where: { existing.value($0, "sweep") != identity }) {
                var table = existing
                let column = table.column("sweep")!
                table.rows = table.rows.map { var row = $0; row[column] = identity; return row }
                try writer.rewrite(table)
            }
            let done = Set(unique.rows.compactMap { unique.value($0, "run_id") })
            runs.removeAll { done.contains($0.id) }
            finished = unique.rows.count
            failedBefore = unique.rows.filter { Results.failed($0, in: unique) }.count
        }
        let todo = runs
        observer.started(runs: todo.count)
        let next = Counter(), failed = Counter(), written = Counter()
        let firstError = FirstError()
        let workers = min(jobs, max(1, todo.count))
        Parallelism.share(among: workers)
        DispatchQueue.concurrentPerform(iterations: workers) { _ in
            while let i = next.take(below: todo.count) {
                let cells = plan.execute(todo[i])
                do {
                    try writer.append(cells)
                    written.increment()
                    if cells.contains(where: { $0.0 == "error" }) { failed.increment() }
                } catch {
                    // The file takes no more rows (a full disk): start no other run.
                    next.stop()
                    if firstError.set(error) { observer.unwritten(error) }
                }
                observer.finished()
            }
        }
        observer.ended()
        if let error = firstError.value {
            throw FlatMinimaError.runtime("\(error.message) [\(written.value) of \(todo.count) runs written]")
        }
        return Outcome(failures: failedBefore + failed.value, runs: finished + todo.count)
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
    /// Makes `take` return nil from now on.
    func stop() { lock.withLock { count = Int.max } }
    var value: Int { lock.withLock { count } }
}

/// The first error of several threads.
final class FirstError: @unchecked Sendable {
    private var error: FlatMinimaError?
    private let lock = NSLock()
    /// Keeps `error` when it is the first; returns whether it was.
    func set(_ error: any Error) -> Bool {
        lock.withLock {
            guard self.error == nil else { return false }
            self.error = error as? FlatMinimaError ?? .runtime("\(error)")
            return true
        }
    }
    var value: FlatMinimaError? { lock.withLock { error } }
}
