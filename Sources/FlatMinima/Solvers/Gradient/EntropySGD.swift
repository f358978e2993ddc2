import Foundation

/// `esgd`: Entropy-SGD (Chaudhari, Choromanska, Soatto, LeCun et al., ICLR 2017; SCIENCE.md §4).
///
/// The outer parameters h descend the local free energy −log ∫ dh′ e^{−L(h′) − (γ/2)|h − h′|²}; its
/// gradient γ(h − ⟨h′⟩) is estimated by L inner Langevin steps that start from h′ = μ = h:
///
///     h′ ← h′ + η′ [d_B(w(h′)) + γ (h − h′)] + √η′ ε z,     μ ← 0.75 μ + 0.25 h′,
///
/// with d_B = −√n ∂L_B/∂w on a fresh mini-batch per inner step (`TrainingRule`), z ~ N(0, 1). The outer
/// step follows μ − h with momentum: v ← m v + (μ − h), h ← h + η v. Scoping: γ_t = γ₀(1 + γ₁)^t after
/// every outer step t, capped at γ_max. Binary weights use latent fields (w = sign(h)) in both loops.
/// β, η′ and the stopping rule follow `sgd`; an epoch is P patterns seen by the inner walker, and the
/// weights checked and returned are the outer ones, w(h).
public struct EntropySGD: Solver {
    public static let name = "esgd"
    public static let summary = "Entropy-SGD: inner Langevin walker coupled with scoped γ to the weights"
    public static let parameters: [ParameterSpec] = TrainingOptions.specs(
        epochs: "1000", batch: "10", lr: "0.05", rule: "ce", beta: "1", betaFactor: "1.02") + [
        ParameterSpec("inner_steps", .integer(1...100_000), default: "5", help: "L, Langevin steps per outer step"),
        ParameterSpec("outer_lr", .real(1e-9...1e3), default: "1", help: "η of the outer step h ← h + η v"),
        ParameterSpec("momentum", .real(0...0.999), default: "0", help: "m in v ← m v + (μ − h)"),
        ParameterSpec("noise", .real(0...1e3), default: "0.001", help: "ε, Langevin noise scale"),
        ParameterSpec("gamma", .real(0...1e6), default: "0.03", help: "γ₀, coupling of the walker to the weights"),
        ParameterSpec("gamma_growth", .real(0...10), default: "0.001", help: "γ₁ in γ_t = γ₀(1 + γ₁)^t (per outer step; ≥ 0)"),
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

    public func check(patterns: Int) throws(FlatMinimaError) { try options.check(patterns: patterns, solver: Self.name) }

    public func solve(_ problem: Problem, generator: Generator, observer: any SolverObserver) throws -> SolverOutcome {
        try check(patterns: problem.train.count)
        let model = problem.model, count = model.weightCount
        var outer = LatentNetwork(model: model, scale: options.initScale, normalize: options.normalize, generator: generator)
        var walker = outer
        let run = EpochLoop(problem: problem, options: options, observer: observer)
        var kernel = DirectionKernel(model: model, rule: options.rule, beta: options.beta, hingeMargin: options.hingeMargin)
        var sampler = BatchSampler(count: problem.train.count, size: options.batchSize(patterns: problem.train.count), generator: generator)
        var beta = options.betaSchedule
        var coupling = Schedule(start: gamma, factor: 1 + gammaGrowth, cap: gammaMax)
        var rate = options.learningRate
        var direction = [Double](repeating: 0, count: count)
        var average = [Double](repeating: 0, count: count)
        var velocity = [Double](repeating: 0, count: count)
        var state = run.start(outer.weights)
        var onlineErrors = 0, outerSteps = 0
        let binaryClip = model.weights == .binary && options.clip > 0
        outerLoop: while state.epochs < options.maxEpochs, !state.solved {
            walker.latent = outer.latent
            walker.refresh()
            average = outer.latent
            var epochEnded = false
            let g = coupling.value, noiseScale = rate.squareRoot() * noise
            for _ in 0..<innerSteps {
                let (batch, ended) = sampler.next()
                epochEnded = epochEnded || ended
                onlineErrors += problem.train.direction(kernel, batch: batch, weights: walker.weights, into: &direction)
                for i in 0..<count {
                    var v = walker.latent[i] + rate * (direction[i] + g * (outer.latent[i] - walker.latent[i]))
                    if noiseScale > 0 { v += noiseScale * generator.gaussian() }
                    if binaryClip { v = min(options.clip, max(-options.clip, v)) }
                    walker.latent[i] = v
                    average[i] = 0.75 * average[i] + 0.25 * v
                }
                walker.refresh()
            }
            for i in 0..<count {
                velocity[i] = momentum * velocity[i] + (average[i] - outer.latent[i])
                outer.latent[i] += outerRate * velocity[i]
            }
            outer.refresh()
            outerSteps += 1
            coupling.advance()
            guard epochEnded else { continue }
            guard outer.isFinite, walker.isFinite else { state.reason = "latent fields became NaN or infinite"; break outerLoop }
            run.endEpoch(&state, weights: outer.weights, onlineErrors: onlineErrors,
                         values: [("beta", beta.value), ("gamma", g), ("lr", rate)])
            onlineErrors = 0
            beta.advance()
            kernel.beta = beta.value
            rate *= options.learningRateDecay
        }
        return run.outcome(state, extra: [("final_beta", .double(kernel.beta)), ("final_gamma", .double(coupling.value)),
                                          ("outer_steps", .int(outerSteps))])
    }
}
