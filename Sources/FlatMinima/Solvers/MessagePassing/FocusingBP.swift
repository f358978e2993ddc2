import Foundation

/// `fbp`: focusing belief propagation, BP on the robust ensemble (Baldassi, Borgs, Chayes, Ingrosso,
/// Lucibello, Saglietti, Zecchina, PNAS 113, 2016; SCIENCE.md §3).
///
/// y replicas of the network are coupled with strength γ to a reference w̃ that is traced out. By
/// symmetry BP runs on one replica; each variable receives, besides the pattern fields c_i, the field
/// of the coupling factor, which carries the other y − 1 replicas through the reference:
///
///     ũ_i = atanh(tanh γ · tanh c_i),   g_i = (y − 1) ũ_i,   u⋆_i = atanh(tanh γ · tanh g_i).
///
/// A protocol is a sequence of (γ, y); at each step BP is iterated to convergence (at most `step_iters`
/// iterations) and the step records the overlap with the reference q, the free entropy per replica and
/// the local entropy; the run stops as soon as sign(h) has zero training errors.
///
/// Per variable, with t_γ = tanh γ, t_c = tanh c_i, t_g = tanh g_i, and φ_BP the Bethe free entropy of the
/// replica's BP (external field u⋆ included), the replicated free entropy per replica is
///
///     F = φ_BP − (1/N) Σ_i [log 2cosh h_i − log 2cosh c_i] + (1/N) Σ_i log(cosh γ + sinh γ t_c t_g)
///         + (1/(N y)) Σ_i [(1 − y) log 2cosh(y ũ_i) + y log 2cosh((y − 1) ũ_i)],
///
/// the overlap q_i = ⟨w_i w̃_i⟩ = (t_γ + t_c t_g)/(1 + t_γ t_c t_g), and the local entropy is F − γ q,
/// evaluated in a form that stays finite at γ = ∞ (standard reinforcement, where F itself diverges).
public struct FocusingBP: Solver {
    public static let name = "fbp"
    public static let summary = "focusing BP on the robust ensemble, protocols of (γ, y); binary weights"
    public static let parameters: [ParameterSpec] = MessagePassingOptions.specs(maxIters: "10000", tol: "1e-4") + [
        ParameterSpec("step_iters", .integer(1...1_000_000), default: "20",
                      help: "BP iterations at most per protocol step"),
    ] + FocusingProtocol.specs

    public let options: MessagePassingOptions
    public let stepIterations: Int
    /// The protocol and its (γ, y) steps.
    public let focusing: FocusingProtocol
    public let protocolSteps: [FocusingProtocol.Step]

    public init(_ p: SolverParameters) throws(FlatMinimaError) {
        options = try MessagePassingOptions(p)
        stepIterations = p.int("step_iters")
        focusing = try FocusingProtocol(p)
        protocolSteps = focusing.steps
    }

    /// The protocol's name.
    public var protocolName: String { focusing.name }

    public static func unsupported(_ model: Model) -> String? { MessagePassingOptions.unsupported(model) }

    public func solve(_ problem: Problem, generator: Generator, observer: any SolverObserver) throws -> SolverOutcome {
        let engine = options.engine(problem, generator: generator)
        let model = problem.model
        var total = 0, errors = Int.max, stepIndex = 0, stepsDone = 0
        var weights = MessagePassingOptions.signs(engine.fields)
        var best = (Int.max, weights)
        var last: FocusingMeasures? = nil
        var reason: String? = nil
        protocolLoop: for step in protocolSteps {
            let gamma = step.gamma, y = step.y
            stepIndex += 1
            var change = Double.infinity, iterations = 0
            while iterations < stepIterations, total < options.maxIterations {
                engine.external = engine.cavity.map { Field.clamp(Field.focusing(cavity: $0, gamma: gamma, y: y)) }
                change = engine.iterate(sequential: options.sequential, generator: generator)
                iterations += 1
                total += 1
                if !change.isFinite { reason = "messages became NaN"; break protocolLoop }
                if change < options.tolerance { break }
            }
            engine.external = engine.cavity.map { Field.clamp(Field.focusing(cavity: $0, gamma: gamma, y: y)) }
            weights = MessagePassingOptions.signs(engine.fields)
            errors = model.energy(weights: weights, on: problem.train)
            if errors < best.0 { best = (errors, weights) }
            let measures = FocusingMeasures(engine: engine, gamma: gamma, y: y)
            last = measures
            stepsDone = stepIndex
            observer.observe(SolverStep(iteration: stepIndex, energy: errors, values: [
                ("gamma", gamma), ("y", y), ("bp_iterations", Double(iterations)),
                ("converged", change < options.tolerance ? 1 : 0), ("overlap", measures.overlap),
                ("free_entropy", measures.freeEntropy), ("local_entropy", measures.localEntropy),
            ]))
            if errors == 0 { break }
            if total >= options.maxIterations { reason = "max_iters reached"; break }
        }
        if errors != 0, reason == nil { reason = "protocol ended without a solution" }
        var freeEntropy = last?.freeEntropy ?? .nan, localEntropy = last?.localEntropy ?? .nan
        if errors != 0, last != nil, !(localEntropy >= -log(2.0)) {
            // Without a solution, a local entropy below −log 2 (the slack BP's φ gets) or none at all
            // describes an empty set around the reference, not an entropy: far above capacity (α = 5) the
            // focused state reaches −10^29. Both entropies are left out, with the reason.
            reason = (reason.map { $0 + "; " } ?? "") + (localEntropy.isNaN
                ? "entropies not finite" : "local entropy below -log 2: no solutions near the reference")
            freeEntropy = .nan
            localEntropy = .nan
        }
        var extra: [Record.Field] = [
            ("protocol", .string(protocolName)), ("protocol_steps", .int(stepsDone)),
            ("final_gamma", .double(stepsDone > 0 ? protocolSteps[stepsDone - 1].gamma : .nan)),
            ("final_y", .double(stepsDone > 0 ? protocolSteps[stepsDone - 1].y : .nan)),
            ("overlap", .double(last?.overlap ?? .nan)),
            ("free_entropy", .double(freeEntropy)),
            ("local_entropy", .double(localEntropy)),
        ]
        if let reason { extra.append(("reason", .string(reason))) }
        return SolverOutcome(weights: errors == 0 ? weights : best.1, iterations: total, converged: errors == 0,
                             extra: extra)
    }
}

/// Overlap with the reference, free entropy per replica and local entropy of a focusing-BP state.
struct FocusingMeasures {
    let overlap: Double
    let freeEntropy: Double
    let localEntropy: Double

    init(engine: any BinaryBP, gamma: Double, y: Double) {
        let n = Double(engine.n)
        let phiBP = engine.freeEntropy()
        let tGamma = gamma.isInfinite ? 1 : tanh(gamma)
        // γ(1 − tanh γ) → 0 as γ → ∞; e^{−2γ} likewise.
        let e2 = gamma.isInfinite ? 0 : exp(-2 * gamma)
        let gammaOneMinusT = gamma.isInfinite ? 0 : gamma * 2 * e2 / (1 + e2)
        var overlap = 0.0, correction = 0.0, coupling = 0.0, couplingMinusGammaQ = 0.0, reference = 0.0
        for c in engine.cavity {
            let uTilde = Field.product(gamma, c)
            let g = (y - 1) * uTilde
            let h = c + Field.clamp(Field.product(gamma, g))
            let tc = tanh(c), tg = tanh(g), tctg = tc * tg
            let qi = (tGamma + tctg) / (1 + tGamma * tctg)
            overlap += qi
            correction += Special.log2cosh(h) - Special.log2cosh(c)
            // log(cosh γ + sinh γ t_c t_g) = γ + log(½[(1 + t_c t_g) + e^{−2γ}(1 − t_c t_g)]).
            let logHalf = log(0.5 * ((1 + tctg) + e2 * (1 - tctg)))
            coupling += gamma + logHalf
            // γ(1 − q_i) = γ(1 − t_γ)(1 − t_c t_g)/(1 + t_γ t_c t_g).
            couplingMinusGammaQ += gammaOneMinusT * (1 - tctg) / (1 + tGamma * tctg) + logHalf
            reference += (1 - y) * Special.log2cosh(y * uTilde) + y * Special.log2cosh((y - 1) * uTilde)
        }
        self.overlap = overlap / n
        let common = phiBP - correction / n + reference / (n * y)
        freeEntropy = gamma.isInfinite ? .infinity : common + coupling / n
        localEntropy = common + couplingMinusGammaQ / n
    }
}
