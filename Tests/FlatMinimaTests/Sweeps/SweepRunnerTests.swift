import Foundation
import Testing
@_spi(Benchmarks) @testable import FlatMinima

/// A sweep run by the library alone: plan, runner, observer, shard and the shared range count.
@Suite struct SweepRunnerTests {
    final class Counting: SweepObserver, @unchecked Sendable {
        private let lock = NSLock()
        private(set) var total = -1, done = 0, isEnded = false
        func started(runs: Int) { lock.withLock { total = runs } }
        func unwritten(_ error: any Error) {}
        func finished() { lock.withLock { done += 1 } }
        func ended() { lock.withLock { isEnded = true } }
    }

    @Test func aSweepRunsWithoutTheCommandLine() throws {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("flatminima-run-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let spec = directory.appendingPathComponent("spec.toml").path
        try "replicates = 2\n[problem]\nN = 21\nalpha = [0.2, 0.4]\n[[solver]]\nname = \"sa\"\nmax_iters = 20\n"
            .write(toFile: spec, atomically: true, encoding: .utf8)
        let out = directory.appendingPathComponent("r.tsv").path
        let plan = try SweepPlan(SweepSpec(path: spec))
        let observer = Counting()
        let outcome = try SweepRunner(plan: plan, out: out, jobs: 2).run(observer: observer)
        #expect(outcome == SweepRunner.Outcome(failures: 0, runs: 4))
        #expect(observer.total == 4 && observer.done == 4 && observer.isEnded)
        let table = try Results.read(path: out)
        #expect(table.rows.count == 4 && Array(table.columns.prefix(plan.columns.count)) == plan.columns)
        #expect(Set(table.rows.compactMap { table.value($0, "run_id") }) == Set(plan.sweep.runs().map(\.id)))
        #expect(FileManager.default.fileExists(atPath: SweepRunner.sidecar(of: out)))
        // A second run of the same file: refused without resume, nothing left to do with it.
        #expect(throws: FlatMinimaError.self) { try SweepRunner(plan: plan, out: out).run() }
        let resumed = try SweepRunner(plan: plan, out: out, resume: true).run()
        #expect(resumed == SweepRunner.Outcome(failures: 0, runs: 4))
    }

    @Test func shardsComeFromTheFlagOrSlurm() throws {
        #expect(try SweepShard.resolve("2/4", environment: [:]) == SweepShard(index: 2, count: 4))
        #expect(try SweepShard.resolve(nil, environment: [:]) == .whole)
        let array = ["SLURM_ARRAY_TASK_ID": "5", "SLURM_ARRAY_TASK_COUNT": "4", "SLURM_ARRAY_TASK_MIN": "1",
                     "SLURM_ARRAY_TASK_STEP": "2"]
        #expect(try SweepShard.resolve(nil, environment: array) == SweepShard(index: 2, count: 4))
        #expect(throws: FlatMinimaError.self) { try SweepShard.resolve("4/4", environment: [:]) }
        #expect(throws: FlatMinimaError.self) { try SweepShard.resolve(nil, environment: ["SLURM_ARRAY_TASK_ID": "1"]) }
    }

    @Test func rangesShareOneCount() throws {
        #expect(try Grid.extent(start: 0, stop: 1, step: 0.1) == 11)
        #expect(try Grid.extent(start: 1, stop: 0, step: -0.25) == 5)
        #expect(throws: Grid.RangeError.empty) { try Grid.extent(start: 1, stop: 0, step: 0.1) }
        #expect(throws: Grid.RangeError.zeroStep) { try Grid.extent(start: 0, stop: 1, step: 0) }
        #expect(throws: Grid.RangeError.tooMany(100_001)) { try Grid.extent(start: 0, stop: 1e5, step: 1) }
        #expect(try Grid(parsing: "0.8:0.2:-0.3").values == [0.8, 0.5, 0.2])
    }
}
