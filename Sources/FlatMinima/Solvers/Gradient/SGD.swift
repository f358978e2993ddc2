import Foundation

/// `sgd`: mini-batch stochastic gradient descent with norm control (SCIENCE.md §2).
///
/// Per mini-batch B: h ← h + η d with d = −√n ∂L_B/∂w (`TrainingRule`: cross-entropy, hinge or least
/// action; w = sign(h) for binary weights, w = √n h/|h| or h for spherical ones). After every epoch
/// η ← η·lr_decay and β ← min(β_max, β·beta_factor): raising the cross-entropy's scale β is the same
/// as lowering the temperature or growing the weight norm, and a slow growth is what the wide-flat-minima
/// paper (Baldassi, Pittorino & Zecchina, PNAS 117, 161, 2020) finds to end in wide flat minima.
/// The run stops at the first epoch whose weights have zero training errors; otherwise it returns the
/// weights with the fewest errors it checked.
public struct SGD: Solver {
    public static let name = "sgd"
    public static let summary = "mini-batch SGD (cross-entropy with a growing β, hinge, least action); binary via latent fields"
    public static let parameters: [ParameterSpec] = TrainingOptions.specs(
        epochs: "1000", batch: "10", lr: "0.05", rule: "ce", beta: "1", betaFactor: "1.01")

    let options: TrainingOptions

    public init(_ p: SolverParameters) throws(FlatMinimaError) {
        options = TrainingOptions(p)
    }

    public static func unsupported(_ model: Model) -> String? { nil }

    public func check(patterns: Int) throws(FlatMinimaError) { try options.check(patterns: patterns, solver: Self.name) }

    public func solve(_ problem: Problem, generator: Generator, observer: any SolverObserver) throws -> SolverOutcome {
        try check(patterns: problem.train.count)
        let model = problem.model
        var network = LatentNetwork(model: model, scale: options.initScale, normalize: options.normalize, generator: generator)
        let run = EpochLoop(problem: problem, options: options, observer: observer)
        var kernel = DirectionKernel(model: model, rule: options.rule, beta: options.beta, hingeMargin: options.hingeMargin)
        var sampler = BatchSampler(count: problem.train.count, size: options.batchSize(patterns: problem.train.count), generator: generator)
        var beta = options.betaSchedule
        var rate = options.learningRate
        var direction = [Double](repeating: 0, count: model.weightCount)
        var state = run.start(network.weights)
        var onlineErrors = 0
        while state.epochs < options.maxEpochs, !state.solved {
            let (batch, epochEnded) = sampler.next()
            onlineErrors += problem.train.direction(kernel, batch: batch, weights: network.weights, into: &direction)
            network.step(direction, rate: rate, clip: options.clip)
            guard epochEnded else { continue }
            guard network.isFinite else { state.reason = "latent fields became NaN or infinite"; break }
            run.endEpoch(&state, weights: network.weights, onlineErrors: onlineErrors,
                         values: [("beta", beta.value), ("lr", rate), ("norm2", network.meanSquaredNorm)])
            onlineErrors = 0
            beta.advance()
            kernel.beta = beta.value
            rate *= options.learningRateDecay
        }
        return run.outcome(state, extra: [("final_beta", .double(kernel.beta)), ("final_lr", .double(rate)),
                                          ("final_norm2", .double(network.meanSquaredNorm))])
    }
}

/// The epoch bookkeeping shared by the gradient solvers: exact training errors at the end of an epoch
/// (skipped while the epoch's online error count shows the weights are far from a solution), the best
/// weights seen, the observer, the stopping reason.
struct EpochLoop {
    let problem: Problem
    let options: TrainingOptions
    let observer: any SolverObserver

    struct State {
        var epochs = 0
        var solved = false
        var best: (errors: Int, weights: [Double])
        var last: [Double]
        var reason: String?
    }

    func start(_ weights: [Double]) -> State {
        let errors = problem.model.energy(weights: weights, on: problem.train)
        return State(solved: errors == 0, best: (errors, weights), last: weights)
    }

    /// Whether the online count makes an exact check worthwhile: the weights moved during the epoch, so
    /// online errors only estimate the final ones; within 5 % of P (or below the best so far) we count.
    func worthChecking(_ onlineErrors: Int, best: Int) -> Bool {
        onlineErrors <= max(problem.train.count / 20, 1) || onlineErrors < best
    }

    func endEpoch(_ state: inout State, weights: [Double], onlineErrors: Int, values: [(String, Double)]) {
        state.epochs += 1
        state.last = weights
        var energy = onlineErrors
        if worthChecking(onlineErrors, best: state.best.errors) {
            energy = problem.model.energy(weights: weights, on: problem.train)
            if energy < state.best.errors { state.best = (energy, weights) }
            state.solved = energy == 0
        }
        observer.observe(SolverStep(iteration: state.epochs, energy: energy,
                                    values: [("online_errors", Double(onlineErrors))] + values))
    }

    func outcome(_ state: State, extra: [Record.Field]) -> SolverOutcome {
        var extra = extra
        if !state.solved { extra.append(("reason", .string(state.reason ?? "max_iters reached"))) }
        return options.noting(batchOf: problem, in: SolverOutcome(weights: state.solved ? state.last : state.best.weights,
                                                                  iterations: state.epochs, converged: state.solved, extra: extra))
    }
}

extension PatternSet {
    /// `DirectionKernel.direction` on this set's inputs (dispatching on the storage type).
    public func direction(_ kernel: DirectionKernel, batch: ArraySlice<Int>, weights: [Double], into d: inout [Double]) -> Int {
        batch.withContiguousStorageIfAvailable { b in
            labels.withUnsafeBufferPointer { l in
                weights.withUnsafeBufferPointer { w in
                    d.withUnsafeMutableBufferPointer { dd in
                        switch storage {
                        case let .signs(x): return x.withUnsafeBufferPointer { kernel.direction($0, labels: l, batch: b, weights: w, into: dd) }
                        case let .reals(x): return x.withUnsafeBufferPointer { kernel.direction($0, labels: l, batch: b, weights: w, into: dd) }
                        }
                    }
                }
            }
        }!
    }
}
