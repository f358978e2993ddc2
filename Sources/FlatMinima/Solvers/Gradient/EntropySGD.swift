import Foundation

/// `esgd`: Entropy-SGD (Chaudhari, Choromanska, Soatto, LeCun et al., ICLR 2017; SCIENCE.md §4).
///
/// The outer parameters h descend the local free energy −log ∫ dh′ e^{−L(h′) − (γ/2)|h − h′|²}; its
/// gradient γ(h − ⟨h′⟩) is estimated by L inner Langevin steps that start from h′ = μ = h:
///
///     h′ ← h′ + η′ [d_B(w(h′)) + γ (h − h′)] + √η′ ε z,     μ ← 0.75 μ + 0.25 h′,
///
/// with d_B = −√n ∂L_B/∂w on a fresh mini-batch per inner step (`Loss`), z ~ N(0, 1). The outer
/// step follows μ − h with momentum: v ← m v + (μ − h), h ← h + η v. Scoping: γ_t = γ₀(1 + γ₁)^t after
/// every outer step t, capped at γ_max. Binary weights use latent fields (w = sign(h)) in both loops.
/// β, η′ and the stopping rule follow `sgd`; an epoch is P patterns seen by the inner walker, and the
/// weights checked and returned are the outer ones, w(h).
public struct EntropySGD: Solver {
    public static let name = "esgd"
    public static let summary = "Entropy-SGD: inner Langevin walker coupled with scoped γ to the weights"
    public static let parameters: [ParameterSpec] = TrainingOptions.specs(
        epochs: "1000", batch: "10", lr: "0.05", loss: "ce", beta: "1", betaFactor: "1.02") + [
        ParameterSpec("inner_steps", .integer(1...100_000), default: "5", help: "L, Langevin steps per outer step"),
        ParameterSpec("outer_lr", .real(1e-9...1e3), default: "1", help: "η of the outer step h ← h + η v"),
        ParameterSpec("momentum", .real(0...0.999), default: "0", help: "m in v ← m v + (μ − h)"),
        ParameterSpec("noise", .real(0...1e3), default: "0.001", help: "ε, Langevin noise scale"),
        ParameterSpec("gamma", .real(0...1e6), default: "0.03", help: "γ₀, coupling of the walker to the weights"),
        ParameterSpec("gamma_growth", .real(0...10), default: "0.001",
                      help: "γ₁ in γ_t = γ₀(1 + γ₁)^t (per outer step; ≥ 0)"),
        ParameterSpec("gamma_max", .real(0...1e12), default: "1e6", help: "cap on γ"),
    ]

    let options: TrainingOptions
    let innerSteps: Int
    let outerRate: Double
    let momentum: Double
    let noise: Double
    let gamma: Double
    let gammaGrowth: Double
    let gammaMax: Double

    public init(_ p: SolverParameters) throws(FlatMinimaError) {
        options = TrainingOptions(p)
        innerSteps = p.int("inner_steps")
        outerRate = p.double("outer_lr")
        momentum = p.double("momentum")
        noise = p.double("noise")
        gamma = p.double("gamma")
        gammaGrowth = p.double("gamma_growth")
        gammaMax = p.double("gamma_max")
    }

    public static func unsupported(_ model: Model) -> String? { nil }

    public func check(patterns: Int) throws(FlatMinimaError) {
        try options.check(patterns: patterns, solver: Self.name)
    }

    public func solve(_ problem: Problem, generator: Generator, observer: any SolverObserver) throws -> SolverOutcome {
        try check(patterns: problem.train.count)
        var trainer = Trainer(self, problem: problem, generator: generator)
        return EpochDriver(problem: problem, options: options, observer: observer).run(&trainer)
    }

    /// The outer weights and the inner Langevin walker.
    struct Trainer: EpochTrainer {
        let solver: EntropySGD
        let problem: Problem
        let generator: Generator
        var outer: LatentNetwork, walker: LatentNetwork
        var sampler: BatchSampler
        var coupling: Schedule
        var direction: [Double], average: [Double], velocity: [Double]
        var record: BestWeights
        var onlineErrors = 0, outerSteps = 0
        /// γ of the epoch's last outer step.
        var gamma = 0.0

        init(_ solver: EntropySGD, problem: Problem, generator: Generator) {
            let options = solver.options, model = problem.model, p = problem.train.count
            self.solver = solver
            self.problem = problem
            self.generator = generator
            outer = LatentNetwork(model: model, scale: options.initScale, normalize: options.normalize,
                                  generator: generator)
            walker = outer
            sampler = BatchSampler(count: p, size: options.batchSize(patterns: p), generator: generator)
            coupling = Schedule(start: solver.gamma, factor: 1 + solver.gammaGrowth, cap: solver.gammaMax)
            direction = [Double](repeating: 0, count: model.weightCount)
            average = direction
            velocity = direction
            record = BestWeights(outer.weights, on: problem)
        }

        var solvedAtStart: Bool { record.solved }

        /// Outer steps until the walker has seen P patterns.
        mutating func trainEpoch(_ kernel: DirectionKernel, rate: Double) -> Bool {
            let count = direction.count, clip = solver.options.clip
            let binaryClip = problem.model.weights == .binary && clip > 0
            onlineErrors = 0
            var epochEnded = false
            while !epochEnded {
                walker.latent = outer.latent
                walker.refresh()
                average = outer.latent
                let g = coupling.value, noiseScale = rate.squareRoot() * solver.noise
                for _ in 0..<solver.innerSteps {
                    let (batch, ended) = sampler.next()
                    epochEnded = epochEnded || ended
                    onlineErrors += problem.train.direction(kernel, batch: batch, weights: walker.weights,
                                                            into: &direction)
                    for i in 0..<count {
                        var v = walker.latent[i] + rate * (direction[i] + g * (outer.latent[i] - walker.latent[i]))
                        if noiseScale > 0 { v += noiseScale * generator.gaussian() }
                        if binaryClip { v = min(clip, max(-clip, v)) }
                        walker.latent[i] = v
                        average[i] = 0.75 * average[i] + 0.25 * v
                    }
                    walker.refresh()
                }
                for i in 0..<count {
                    velocity[i] = solver.momentum * velocity[i] + (average[i] - outer.latent[i])
                    outer.latent[i] += solver.outerRate * velocity[i]
                }
                outer.refresh()
                outerSteps += 1
                gamma = g
                coupling.advance()
            }
            return outer.isFinite && walker.isFinite
        }

        mutating func endEpoch(_ epoch: Int, beta: Double, rate: Double) -> (step: SolverStep, solved: Bool) {
            let errors = record.endEpoch(outer.weights, onlineErrors: onlineErrors, on: problem)
            let values = [("online_errors", Double(onlineErrors)), ("beta", beta), ("gamma", gamma), ("lr", rate)]
            return (SolverStep(iteration: epoch, energy: errors, values: values), record.solved)
        }

        func outcome(solved: Bool, beta: Double, rate: Double) -> (weights: [Double], extra: [Record.Field]) {
            (record.returned, [("final_beta", .double(beta)), ("final_gamma", .double(coupling.value)),
                               ("outer_steps", .int(outerSteps))])
        }
    }
}
