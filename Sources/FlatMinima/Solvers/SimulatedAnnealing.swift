import Foundation

/// Simulated annealing for binary weights: Metropolis on the energy E(w) (the error count, with
/// margin) with single-weight flips and an inverse temperature β raised from `beta_start` to
/// `beta_end` over `max_iters` sweeps (Kirkpatrick, Gelatt, Vecchi, Science 220, 1983).
///
/// A sweep proposes every weight once in a fresh random order; a flip with energy change ΔE is accepted
/// with probability min(1, e^{−β ΔE}). ΔE comes from `FlipCache` in O(P). The run stops as soon as
/// E = 0. Schedules: geometric β_t = β_0 (β_1/β_0)^{t/(T−1)} or linear. Solutions found this way are the
/// baseline "typical, narrow" minima that the wide-flat-minima paper contrasts with entropic solvers.
public struct SimulatedAnnealing: Solver {
    public static let name = "sa"
    public static let summary = "simulated annealing: Metropolis on the error count, binary weights"
    public static let parameters: [ParameterSpec] = [
        ParameterSpec("max_iters", .integer(1...100_000_000), default: "5000",
                      help: "sweeps (each proposes every weight once)"),
        ParameterSpec("beta_start", .real(0...1e6), default: "0.5", help: "initial inverse temperature β₀"),
        ParameterSpec("beta_end", .real(0...1e6), default: "10", help: "final inverse temperature β₁"),
        ParameterSpec("schedule", .choice(["geometric", "linear"]), default: "geometric",
                      help: "how β goes from β₀ to β₁"),
    ]

    public let maxSweeps: Int
    public let betaStart: Double
    public let betaEnd: Double
    public let geometric: Bool

    public init(_ p: SolverParameters) throws(FlatMinimaError) {
        maxSweeps = p.int("max_iters")
        betaStart = p.double("beta_start")
        betaEnd = p.double("beta_end")
        geometric = p.string("schedule") == "geometric"
        if geometric, betaStart == 0 || betaEnd == 0 {
            throw .invalidOption(option: "beta_start/beta_end", message: "must be > 0 with a geometric schedule")
        }
    }

    public static func unsupported(_ model: Model) -> String? {
        model.weights == .binary ? nil : "needs binary weights (use --weights binary)"
    }

    /// β at sweep t of T.
    func beta(sweep t: Int) -> Double {
        let f = maxSweeps > 1 ? Double(t) / Double(maxSweeps - 1) : 1
        return geometric ? betaStart * pow(betaEnd / betaStart, f) : betaStart + (betaEnd - betaStart) * f
    }

    public func solve(_ problem: Problem, generator: Generator, observer: any SolverObserver) throws -> SolverOutcome {
        let model = problem.model, count = model.weightCount
        let initial = (0..<count).map { _ in generator.sign() }
        var cache = FlipCache(model: model, patterns: problem.train, weights: initial)
        var order = Array(0..<count)
        var sweeps = 0, accepted = 0, best = cache.energy
        var bestWeights = cache.weights
        // Acceptance probabilities e^{−βΔE} for ΔE = 1 ... 64, refreshed once per sweep.
        var acceptance = [Double](repeating: 0, count: 65)
        while sweeps < maxSweeps, cache.energy > 0 {
            let beta = beta(sweep: sweeps)
            for d in 1...64 { acceptance[d] = exp(-beta * Double(d)) }
            generator.shuffle(&order)
            for j in order {
                let delta = cache.deltaEnergy(flipping: j)
                if delta <= 0 || generator.uniform() < (delta <= 64 ? acceptance[delta] : exp(-beta * Double(delta))) {
                    cache.flip(j)
                    accepted += 1
                    if cache.energy == 0 { break }
                }
            }
            sweeps += 1
            if sweeps % 64 == 0 { cache.refresh() }
            if cache.energy < best { best = cache.energy; bestWeights = cache.weights }
            observer.observe(SolverStep(iteration: sweeps, energy: cache.energy, values: [("beta", beta)]))
        }
        let solved = cache.energy == 0
        return SolverOutcome(
            weights: solved ? cache.weights : bestWeights, iterations: sweeps, converged: solved,
            extra: [("acceptance_rate", .double(Double(accepted) / Double(max(1, sweeps * count)))),
                    ("final_beta", .double(beta(sweep: max(0, sweeps - 1))))]
                + (solved ? [] : [("reason", .string("max_iters reached"))]))
    }
}
