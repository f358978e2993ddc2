import Foundation

/// `sgd`: mini-batch stochastic gradient descent with norm control (SCIENCE.md §2).
///
/// Per mini-batch B: h ← h + η d with d = −√n ∂L_B/∂w (`Loss`: cross-entropy, hinge or least
/// action; w = sign(h) for binary weights, w = √n h/|h| or h for spherical ones). After every epoch
/// η ← η·lr_decay and β ← min(β_max, β·beta_factor): raising the cross-entropy's scale β is the same
/// as lowering the temperature or growing the weight norm, and a slow growth is what the wide-flat-minima
/// paper (Baldassi, Pittorino & Zecchina, PNAS 117, 161, 2020) finds to end in wide flat minima.
/// The run stops at the first epoch whose weights have zero training errors; otherwise it returns the
/// weights with the fewest errors it checked.
public struct SGD: Solver {
    public static let name = "sgd"
    public static let summary =
        "mini-batch SGD (cross-entropy with a growing β, hinge, least action); binary via latent fields"
    public static let parameters: [ParameterSpec] = TrainingOptions.specs(
        epochs: "1000", batch: "10", lr: "0.05", loss: "ce", beta: "1", betaFactor: "1.01")

    let options: TrainingOptions

    public init(_ p: SolverParameters) throws(FlatMinimaError) {
        options = TrainingOptions(p)
    }

    public static func unsupported(_ model: Model) -> String? { nil }

    public func check(patterns: Int) throws(FlatMinimaError) {
        try options.check(patterns: patterns, solver: Self.name)
    }

    public func solve(_ problem: Problem, generator: Generator, observer: any SolverObserver) throws -> SolverOutcome {
        try check(patterns: problem.train.count)
        var trainer = Trainer(problem: problem, options: options, generator: generator)
        return EpochDriver(problem: problem, options: options, observer: observer).run(&trainer)
    }

    /// One network stepping down the mini-batch direction.
    struct Trainer: EpochTrainer {
        let problem: Problem
        let clip: Double
        var network: LatentNetwork
        var sampler: BatchSampler
        var direction: [Double]
        var record: BestWeights

        init(problem: Problem, options: TrainingOptions, generator: Generator) {
            let model = problem.model, p = problem.train.count
            self.problem = problem
            clip = options.clip
            network = LatentNetwork(model: model, scale: options.initScale, normalize: options.normalize,
                                    generator: generator)
            sampler = BatchSampler(count: p, size: options.batchSize(patterns: p), generator: generator)
            direction = [Double](repeating: 0, count: model.weightCount)
            record = BestWeights(network.weights, on: problem)
        }

        var solvedAtStart: Bool { record.solved }
        private var onlineErrors = 0

        mutating func trainEpoch(_ kernel: DirectionKernel, rate: Double) -> Bool {
            onlineErrors = 0
            var epochEnded = false
            while !epochEnded {
                let (batch, ended) = sampler.next()
                epochEnded = ended
                onlineErrors += problem.train.direction(kernel, batch: batch, weights: network.weights,
                                                        into: &direction)
                network.step(direction, rate: rate, clip: clip)
            }
            return network.isFinite
        }

        mutating func endEpoch(_ epoch: Int, beta: Double, rate: Double) -> (step: SolverStep, solved: Bool) {
            let errors = record.endEpoch(network.weights, onlineErrors: onlineErrors, on: problem)
            let values = [("online_errors", Double(onlineErrors)), ("beta", beta), ("lr", rate),
                          ("norm2", network.meanSquaredNorm)]
            return (SolverStep(iteration: epoch, energy: errors, values: values), record.solved)
        }

        func outcome(solved: Bool, beta: Double, rate: Double) -> (weights: [Double], extra: [Record.Field]) {
            (record.returned, [("final_beta", .double(beta)), ("final_lr", .double(rate)),
                               ("final_norm2", .double(network.meanSquaredNorm))])
        }
    }
}

extension PatternSet {
    /// `DirectionKernel.direction` on this set's inputs (dispatching on the storage type).
    @_spi(Benchmarks) public func direction(_ kernel: DirectionKernel, batch: ArraySlice<Int>, weights: [Double],
                          into d: inout [Double]) -> Int {
        batch.withContiguousStorageIfAvailable { b in
            labels.withUnsafeBufferPointer { l in
                weights.withUnsafeBufferPointer { w in
                    d.withUnsafeMutableBufferPointer { dd in
                        switch storage {
                        case let .signs(x):
                            return x.withUnsafeBufferPointer {
                                kernel.direction($0, labels: l, batch: b, weights: w, into: dd)
                            }
                        case let .reals(x):
                            return x.withUnsafeBufferPointer {
                                kernel.direction($0, labels: l, batch: b, weights: w, into: dd)
                            }
                        }
                    }
                }
            }
        }!
    }
}
