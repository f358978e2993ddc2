import CKernels
import Foundation
import Synchronization

/// How many cores one solver run may use for itself. `flatminima solve` and `flatminima sweep` set it to
/// cores / concurrent runs, so that runs executed side by side do not oversubscribe the machine; library
/// users get every core unless they say otherwise. Only solvers whose results do not depend on their
/// thread count consult it (rsgd's packed engine, AMP on ±1 patterns with its exact fixed-point sums);
/// BP, and AMP on real inputs, split patterns over every core, because their sums' rounding depends on
/// the split and a sweep's results must not depend on `--jobs`.
/// (`Atomic` needs the Synchronization module: Swift 6 on Linux, macOS 15 on Apple platforms.)
enum Parallelism {
    private static let perRun = Atomic<Int>(0)

    /// Cores available to one run (≥ 1).
    static var coresPerRun: Int {
        get {
            let value = perRun.load(ordering: .relaxed)
            return value > 0 ? value : max(1, ProcessInfo.processInfo.activeProcessorCount)
        }
        set { perRun.store(max(1, newValue), ordering: .relaxed) }
    }

    /// Sets `coresPerRun` for `concurrentRuns` runs executing side by side.
    static func share(among concurrentRuns: Int) {
        coresPerRun = max(1, ProcessInfo.processInfo.activeProcessorCount / max(1, concurrentRuns))
    }
}

/// Helper threads that work in lockstep with their owner, for loops whose rounds last only microseconds
/// (too short for a dispatch per round): `run(job)` calls job(1) … job(helpers) on the helper threads and
/// job(0) on the calling thread, and returns when all are done. Waits spin for a few tens of microseconds
/// (with the CPU's spin-wait hint) and then block, so idle helpers cost no CPU and an oversubscribed
/// machine still makes progress. Call `stop()` before dropping the last reference.
final class LockstepTeam: @unchecked Sendable {
    /// Threads working in a round, the caller included.
    let size: Int
    private let started = Atomic<Int>(0)
    private let finished = Atomic<Int>(0)
    private let sleepers = Atomic<Int>(0)
    private let stopping = Atomic<Bool>(false)
    private let condition = NSCondition()
    private let exited = DispatchSemaphore(value: 0)
    private var job: (@Sendable (Int) -> Void)? = nil
    /// Polls before blocking: enough to catch a round that ends within a few microseconds, few enough
    /// that a spinning helper does not take the working thread's core for long (BENCHMARKS.md).
    private static let spins = 2_000

    init(size: Int) {
        self.size = max(1, size)
        for part in 1..<self.size {
            let thread = Thread { [unowned self] in self.loop(part) }
            thread.stackSize = 1 << 20
            thread.start()
        }
    }

    /// Stops the helper threads and waits for them to exit.
    func stop() {
        stopping.store(true, ordering: .sequentiallyConsistent)
        started.add(1, ordering: .sequentiallyConsistent)
        condition.lock()
        condition.broadcast()
        condition.unlock()
        for _ in 1..<size { exited.wait() }
    }

    /// Runs job(0) here and job(1) … job(size − 1) on the helpers; returns when all have finished.
    func run(_ job: @escaping @Sendable (Int) -> Void) {
        self.job = job
        let round = started.add(1, ordering: .sequentiallyConsistent).newValue
        if sleepers.load(ordering: .sequentiallyConsistent) > 0 {
            condition.lock()
            condition.broadcast()
            condition.unlock()
        }
        job(0)
        var spin = 0
        while finished.load(ordering: .acquiring) != round * (size - 1) {
            spin += 1
            if spin > Self.spins { sched_yield() } else { fm_cpu_relax() }
        }
        self.job = nil
    }

    private func loop(_ part: Int) {
        var seen = 0
        while true {
            var spin = 0
            var current = started.load(ordering: .acquiring)
            while current == seen {
                fm_cpu_relax()
                spin += 1
                if spin > Self.spins {
                    sleepers.add(1, ordering: .sequentiallyConsistent)
                    condition.lock()
                    while started.load(ordering: .sequentiallyConsistent) == seen { condition.wait() }
                    condition.unlock()
                    sleepers.subtract(1, ordering: .sequentiallyConsistent)
                    spin = 0
                }
                current = started.load(ordering: .acquiring)
            }
            seen = current
            if stopping.load(ordering: .sequentiallyConsistent) { break }
            job?(part)
            finished.add(1, ordering: .releasing)
        }
        exited.signal()
    }
}
