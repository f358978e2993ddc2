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
        One sweep at a time writes a results file: it holds the file's lock (flock), and a second sweep on \
        the same --out is refused at once. The sidecar FILE.json (written before the header) names the spec; \
        --resume refuses a file of another spec, rebuilds a missing sidecar, and accepts a spec that extends \
        the file's (more values on an axis, more replicates): the finished runs are kept, the new ones run. \
        A failed write (a full disk) cuts the file back to its last whole row and stops the sweep. \
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
        let shard = try SweepShard.resolve(self.shard)
        let workers = jobs ?? ProcessInfo.processInfo.activeProcessorCount
        guard workers >= 1 else {
            throw FlatMinimaError.invalidOption(option: "--jobs", message: "must be >= 1 (got \(workers))")
        }
        if !dryRun {
            try OutputFile.check(out, option: "--out")
            try OutputFile.check(SweepRunner.sidecar(of: out), option: "--out", role: "the sidecar")
        }
        let plan = try SweepPlan(try SweepSpec(path: spec))
        if dryRun {
            for run in plan.sweep.runs(shard: shard.index, of: shard.count) {
                Output.write("\(run.index)\t\(run.id)\t\(plan.command(run))\n")
            }
            return
        }
        let runner = SweepRunner(plan: plan, out: out, shard: shard, jobs: workers, resume: resume)
        let outcome = try runner.run(observer: Progress(quiet: quiet))
        if outcome.failures > 0 {
            Output.error("flatminima: \(outcome.failures) of \(outcome.runs) runs failed "
                         + "(see the error column of \(out))\n")
            throw ExitCode(Self.failedRunsStatus)
        }
    }
}

/// Progress on stderr: a live bar on a terminal, one plain line every 5 s otherwise (Slurm logs).
final class Progress: SweepObserver, @unchecked Sendable {
    let quiet: Bool
    let terminal: Bool
    private var total = 0
    private var start: UInt64 = 0
    private var done = 0
    private var lastPrint: UInt64 = 0
    private let lock = NSLock()

    init(quiet: Bool) {
        self.quiet = quiet
        terminal = isatty(2) != 0
    }

    func started(runs: Int) {
        lock.withLock {
            total = runs
            start = DispatchTime.now().uptimeNanoseconds
        }
        if !quiet, !terminal { Output.error("sweep: \(runs) runs to do\n") }
    }

    func unwritten(_ error: any Error) {
        // The sweep stops and throws this error at its end: say now that it has stopped.
        if !quiet { Output.error((terminal ? "\n" : "") + "sweep: a row could not be written; no run is started "
                                 + "after it\n") }
    }

    func note(_ message: String) { Output.error("sweep: \(message)\n") }

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
            let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
            return "\r[" + bar + "] " + numbers + "   "
        }
        return "sweep: " + numbers + "\n"
    }

    func ended() {
        if !quiet, terminal { Output.error("\n") }
    }

    static func duration(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        return s >= 3600 ? "\(s / 3600)h\(s % 3600 / 60)m" : s >= 60 ? "\(s / 60)m\(s % 60)s" : "\(s)s"
    }
}
