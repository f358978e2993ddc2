import Foundation

/// What a gradient solver supplies to `EpochDriver`: its step over one epoch, its end-of-epoch
/// bookkeeping and its part of the record.
protocol EpochTrainer {
    /// Whether the starting weights already solve the training set (the run then takes no epoch).
    var solvedAtStart: Bool { get }
    /// Whether the record reports the schedules of the epoch that solved (rsgd) rather than the values
    /// advanced after it (sgd, esgd).
    static var recordsSolvingSchedule: Bool { get }
    /// Trains one epoch (every pattern seen once by the walker that counts epochs) with `kernel` and the
    /// learning rate η. Returns false when a latent field became NaN or infinite.
    mutating func trainEpoch(_ kernel: DirectionKernel, rate: Double) -> Bool
    /// The step of epoch `epoch` (counted from 1) for the observer, at the schedules' values β and η,
    /// and whether the run is solved.
    mutating func endEpoch(_ epoch: Int, beta: Double, rate: Double) -> (step: SolverStep, solved: Bool)
    /// Advances the trainer's own schedules after an epoch (rsgd's γ).
    mutating func advanceSchedules()
    /// The weights to return and the solver's record fields, given the final β and η.
    func outcome(solved: Bool, beta: Double, rate: Double) -> (weights: [Double], extra: [Record.Field])
}

extension EpochTrainer {
    static var recordsSolvingSchedule: Bool { false }
    mutating func advanceSchedules() {}
}

/// The epoch loop of the gradient solvers `sgd`, `esgd` and `rsgd`, written once (SCIENCE.md §2, §4):
/// epochs until the trainer reports a solution, `max_iters` epochs, or a NaN latent field; after every
/// epoch the observer sees the trainer's step, and the schedules advance:
///
///     β ← min(β_max, β·beta_factor),   η ← η·lr_decay
///
/// (plus the trainer's own, such as rsgd's γ). The record gets the trainer's fields, the stopping
/// reason when unsolved and `batch_used` when the default batch was capped at P.
struct EpochDriver {
    let problem: Problem
    let options: TrainingOptions
    let observer: any SolverObserver

    func run<Trainer: EpochTrainer>(_ trainer: inout Trainer) -> SolverOutcome {
        // The first epoch uses the given β even above β_max (the schedule caps it from the second on).
        var kernel = DirectionKernel(model: problem.model, loss: options.loss)
        var schedule = options.betaSchedule, beta = options.beta
        var rate = options.learningRate
        var epochs = 0, solved = trainer.solvedAtStart
        var reason: String? = nil
        while epochs < options.maxEpochs, !solved {
            guard trainer.trainEpoch(kernel, rate: rate) else { reason = "latent fields became NaN or infinite"; break }
            epochs += 1
            let (step, done) = trainer.endEpoch(epochs, beta: schedule.value, rate: rate)
            observer.observe(step)
            solved = done
            if solved, Trainer.recordsSolvingSchedule { break }
            trainer.advanceSchedules()
            schedule.advance()
            beta = schedule.value
            kernel.loss = kernel.loss.with(beta: beta)
            rate *= options.learningRateDecay
        }
        var (weights, extra) = trainer.outcome(solved: solved, beta: beta, rate: rate)
        if !solved { extra.append(("reason", .string(reason ?? "max_iters reached"))) }
        return options.noting(batchOf: problem, in: SolverOutcome(weights: weights, iterations: epochs,
                                                                  converged: solved, extra: extra))
    }
}

/// The weights a single-walker solver (sgd, esgd) returns: the last ones when they solve, otherwise the
/// ones with the fewest training errors counted at the end of an epoch.
struct BestWeights {
    private(set) var best: (errors: Int, weights: [Double])
    private(set) var last: [Double]
    private(set) var solved: Bool

    init(_ weights: [Double], on problem: Problem) {
        let errors = problem.model.energy(weights: weights, on: problem.train)
        best = (errors, weights)
        last = weights
        solved = errors == 0
    }

    /// Whether the online count makes an exact check worthwhile: the weights moved during the epoch, so
    /// online errors only estimate the final ones; within 5 % of P (or below the best so far) we count.
    static func worthChecking(_ onlineErrors: Int, best: Int, patterns: Int) -> Bool {
        onlineErrors <= max(patterns / 20, 1) || onlineErrors < best
    }

    /// Takes the weights at the end of an epoch; returns their training errors (the online count when an
    /// exact count is not worthwhile).
    mutating func endEpoch(_ weights: [Double], onlineErrors: Int, on problem: Problem) -> Int {
        last = weights
        guard Self.worthChecking(onlineErrors, best: best.errors, patterns: problem.train.count) else {
            return onlineErrors
        }
        let errors = problem.model.energy(weights: weights, on: problem.train)
        if errors < best.errors { best = (errors, weights) }
        solved = errors == 0
        return errors
    }

    var returned: [Double] { solved ? last : best.weights }
}
