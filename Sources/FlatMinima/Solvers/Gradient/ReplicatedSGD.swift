import Foundation

/// `rsgd`: replicated SGD (Baldassi et al., PNAS 113, E7655, 2016; Pittorino et al., ICLR 2021;
/// SCIENCE.md §4).
///
/// y replicas h_a, each on its own mini-batches, minimise Σ_a L(w_a) + (γ/2) Σ_a |w_a − w_c|². A round
/// visits the replicas in a random order; replica a takes one mini-batch step and is then pulled to the
/// centre:
///
///     h_a ← h_a + η d_a + λ (t − w_a),
///
/// with d_a = −√n ∂L_B/∂w_a (`TrainingRule`) and the target t:
/// - binary weights, centre of mass m_c = (1/y) Σ_a w_a: t = tanh(γ y m_c) (the traced-out centre of
///   carlobaldassi/BinaryCommitteeMachineRSGD.jl; t → sign(m_c) as γ → ∞);
/// - spherical weights, centre of mass w_c = (1/y) Σ_a w_a: the gradient of the coupling,
///   λ (t − w_a) = min(1, λγ)(w_c − w_a);
/// - `center=explicit`: a centre with its own latent fields h_c, w_c = w(h_c); each pull is shared,
///   h_a += c (w_c − w_a), h_c −= c (w_c − w_a)/y, with c = λ (binary) or min(1, λγ) (spherical).
/// γ grows after every epoch, γ ← min(γ_max, γ·gamma_factor + gamma_step). The run stops as soon as the
/// centre has zero training errors, or (unless `wait_center=yes`) a replica has. The returned solution
/// is the centre, or the best replica when the centre never reached zero errors (`returned` says
/// which); records carry the centre's and the best replica's errors, the mean replica–centre distance
/// d = (1 − q)/2 and the final γ.
public struct ReplicatedSGD: Solver {
    public static let name = "rsgd"
    public static let summary = "replicated SGD: y replicas coupled to their centre with a growing γ"
    public static let parameters: [ParameterSpec] = TrainingOptions.specs(
        epochs: "3000", batch: "10", lr: "2", rule: "la", beta: "1", betaFactor: "1.01") + [
        ParameterSpec("replicas", .integer(1...1000), default: "5", help: "y, the number of replicas"),
        ParameterSpec("coupling", .real(0...1e6), default: "0.3", help: "λ, the step of the pull towards the centre"),
        ParameterSpec("gamma", .real(0...1e12), default: "0.02", help: "γ₀, initial coupling strength"),
        ParameterSpec("gamma_factor", .real(1...1e3), default: "1.003", help: "γ ← γ·gamma_factor + gamma_step after every epoch (≥ 1)"),
        ParameterSpec("gamma_step", .real(0...1e6), default: "0", help: "additive γ growth per epoch (≥ 0)"),
        ParameterSpec("gamma_max", .real(0...1e12), default: "1e6", help: "cap on γ"),
        ParameterSpec("center", .choice(["mass", "explicit"]), default: "mass", help: "centre of mass of the replicas, or an explicit centre"),
        ParameterSpec("wait_center", .choice(["no", "yes"]), default: "no", help: "stop only when the centre solves (not at the first replica that does)"),
    ]

    let options: TrainingOptions
    let replicas: Int
    let coupling: Double
    let gamma: Schedule
    let explicitCenter: Bool
    let waitCenter: Bool

    public init(_ p: SolverParameters) throws(FlatMinimaError) {
        options = TrainingOptions(p)
        replicas = p.int("replicas")
        coupling = p.double("coupling")
        gamma = Schedule(start: p.double("gamma"), factor: p.double("gamma_factor"), step: p.double("gamma_step"),
                         cap: p.double("gamma_max"))
        explicitCenter = p.string("center") == "explicit"
        waitCenter = p.string("wait_center") == "yes"
    }

    public static func unsupported(_ model: Model) -> String? { nil }

    public func solve(_ problem: Problem, generator: Generator, observer: any SolverObserver) throws -> SolverOutcome {
        try options.check(problem)
        let model = problem.model, count = model.weightCount, y = replicas
        let binary = model.weights == .binary
        // Replicas start equal (at the centre), as in the reference implementation.
        let start = LatentNetwork(model: model, scale: options.initScale, normalize: options.normalize, generator: generator)
        var nets = [LatentNetwork](repeating: start, count: y)
        var center = start
        // Binary perceptron on ±1 inputs: forward passes by popcount on bit-packed signs (measured faster,
        // BENCHMARKS.md); each replica keeps its signs packed, flipped bit by bit as weights change.
        var packedInputs: (patterns: PackedSigns, xi: [Int8])? = nil
        if model.kind == .perceptron, binary, case let .signs(xi) = problem.train.labelsAbsorbed {
            packedInputs = (PackedSigns(xi, count: problem.train.count, dimension: model.inputs), xi)
        }
        var rows = packedInputs.map { p in
            [PackedSigns.Row](repeating: PackedSigns.Row(signs: start.weights.map { $0 > 0 }, words: p.patterns.words), count: y)
        } ?? []
        var samplers = (0..<y).map { _ in BatchSampler(count: problem.train.count, size: options.batch, generator: generator) }
        var kernel = DirectionKernel(model: model, rule: options.rule, beta: options.beta, hingeMargin: options.hingeMargin)
        var beta = options.betaSchedule, g = gamma
        var rate = options.learningRate
        var direction = [Double](repeating: 0, count: count)
        // Σ_a w_a, kept up to date as replicas move (the centre of mass is sum / y).
        var sum = start.weights.map { $0 * Double(y) }
        var order = Array(0..<y)
        var onlineErrors = [Int](repeating: 0, count: y)
        var epochs = 0, solved = false
        var centerErrors = model.energy(weights: start.weights, on: problem.train)
        var replicaErrors = [Int](repeating: centerErrors, count: y)
        var bestReplica = (errors: centerErrors, weights: start.weights)
        var bestCenter = centerErrors
        var reason: String? = nil
        var returned = "centre"
        solved = centerErrors == 0
        let binaryClip = binary && options.clip > 0

        func refreshCenter() {
            if explicitCenter { return }
            for i in 0..<count { center.latent[i] = sum[i] / Double(y) }
            // Binary: the majority of the replicas (ties to +1); spherical: renormalised when `normalize`.
            if binary { for i in 0..<count where center.latent[i] == 0 { center.latent[i] = 1 } }
            center.refresh()
        }

        var targets = [Double](repeating: 0, count: count), targetsGamma = Double.nan
        // Binary centre of mass: the number of replicas at +1 on every site (Σ_a w_a = 2·plus − y).
        var plus = sum.map { Int32(($0 + Double(y)) / 2) }
        while epochs < options.maxEpochs, !solved {
            var epochEnded = false
            generator.shuffle(&order)

            // Binary targets tanh(γ y m_c) take y + 1 values: tabulate them by the number c of replicas
            // at +1 (γ y m_c = γ (2c − y)).
            let table = (0...y).map { c -> Double in
                let x = Double(2 * c - y)
                return g.value.isInfinite ? (x > 0 ? 1 : x < 0 ? -1 : 0) : tanh(g.value * x)
            }
            let pull = binary ? coupling : min(1, coupling * g.value)
            let yD = Double(y)
            // The target of every site, t_i = table[c_i], refreshed here when γ has changed and on flips.
            if binary, !explicitCenter, g.value != targetsGamma {
                for i in 0..<count { targets[i] = table[Int(plus[i])] }
                targetsGamma = g.value
            }
            for a in order {
                let (batch, ended) = samplers[a].next()
                epochEnded = epochEnded || ended
                // Work on the replica's arrays outside `nets` (O(1) swaps), so that the loop below runs on
                // plain buffers.
                var h = [Double](), w = [Double]()
                swap(&h, &nets[a].latent)
                swap(&w, &nets[a].weights)
                var centerLatent = [Double]()
                swap(&centerLatent, &center.latent)
                var row = PackedSigns.Row(signs: [], words: 0)
                if let packedInputs {
                    swap(&row, &rows[a])
                    onlineErrors[a] += packedInputs.xi.withUnsafeBufferPointer { xi in
                        direction.withUnsafeMutableBufferPointer { d in
                            kernel.packedDirection(packedInputs.patterns, xi: xi.baseAddress!, batch: batch, signs: row, into: d)
                        }
                    }
                } else {
                    onlineErrors[a] += problem.train.direction(kernel, batch: batch, weights: w, into: &direction)
                }
                h.withUnsafeMutableBufferPointer { h in
                w.withUnsafeMutableBufferPointer { w in
                sum.withUnsafeMutableBufferPointer { sum in
                centerLatent.withUnsafeMutableBufferPointer { hc in
                center.weights.withUnsafeBufferPointer { wc in
                direction.withUnsafeBufferPointer { d in
                    if binary, !explicitCenter {
                        targets.withUnsafeMutableBufferPointer { t in
                        plus.withUnsafeMutableBufferPointer { c in
                        table.withUnsafeBufferPointer { tb in
                        row.bits.withUnsafeMutableBufferPointer { bits in
                            // Step and pull (SIMD), then the sign changes: centre-of-mass counts, targets
                            // and packed signs follow each flip.
                            Kernels.stepAndPull(h.baseAddress!, d.baseAddress!, t.baseAddress!, w.baseAddress!, rate, pull, count: count)
                            if binaryClip { for i in 0..<count { h[i] = min(options.clip, max(-options.clip, h[i])) } }
                            Kernels.applySignChanges(h.baseAddress!, w.baseAddress!, sum: sum.baseAddress!, plus: c.baseAddress!,
                                                     targets: t.baseAddress!, table: tb.baseAddress!,
                                                     bits: bits.isEmpty ? nil : bits.baseAddress!, count: count)
                        }}}}
                    } else if binary {
                        // One fused pass: step, pull to the target seen before this replica moves, new
                        // sign, centre-of-mass bookkeeping.
                        for i in 0..<count {
                            let wi = w[i]
                            let t = explicitCenter ? wc[i] : table[Int((sum[i] + yD) * 0.5)]
                            var v = h[i] + rate * d[i] + pull * (t - wi)
                            if binaryClip { v = min(options.clip, max(-options.clip, v)) }
                            h[i] = v
                            if explicitCenter { hc[i] -= pull * (t - wi) / yD }
                            let nw: Double = v > 0 ? 1 : -1
                            if nw != wi {
                                w[i] = nw
                                sum[i] += nw - wi
                                if packedInputs != nil { row.flip(i) }
                            }
                        }
                    } else {
                        for i in 0..<count {
                            let t = explicitCenter ? wc[i] : sum[i] / yD
                            h[i] += rate * d[i] + pull * (t - w[i])
                            if explicitCenter { hc[i] -= pull * (t - w[i]) / yD }
                        }
                        let n = model.fanIn
                        for k in 0..<model.hidden {
                            var s = 0.0
                            for i in k * n ..< (k + 1) * n { s += h[i] * h[i] }
                            let scale = options.normalize ? (s > 0 ? (Double(n) / s).squareRoot() : 0) : 1
                            for i in k * n ..< (k + 1) * n {
                                let nw = h[i] * scale
                                sum[i] += nw - w[i]
                                w[i] = nw
                            }
                        }
                    }
                }}}}}}
                swap(&h, &nets[a].latent)
                swap(&w, &nets[a].weights)
                if packedInputs != nil { swap(&row, &rows[a]) }
                swap(&centerLatent, &center.latent)
                if explicitCenter { center.refresh() }
            }
            guard epochEnded else { continue }
            epochs += 1
            guard nets.allSatisfy(\.isFinite), center.latent.allSatisfy(\.isFinite) else {
                reason = "latent fields became NaN or infinite"
                break
            }
            refreshCenter()
            // Exact training errors (popcount when the signs are packed; same count as Model.energy).
            let threshold = Int((model.margin * Double(model.fanIn).squareRoot()).rounded(.down))
            if let packedInputs {
                let centerRow = PackedSigns.Row(signs: center.weights.map { $0 > 0 }, words: packedInputs.patterns.words)
                centerErrors = packedInputs.patterns.count(atMost: threshold, centerRow)
            } else {
                centerErrors = model.energy(weights: center.weights, on: problem.train)
            }
            bestCenter = min(bestCenter, centerErrors)
            for a in 0..<y where onlineErrors[a] <= max(problem.train.count / 20, 1) || onlineErrors[a] < bestReplica.errors {
                replicaErrors[a] = packedInputs.map { $0.patterns.count(atMost: threshold, rows[a]) }
                    ?? model.energy(weights: nets[a].weights, on: problem.train)
                if replicaErrors[a] < bestReplica.errors { bestReplica = (replicaErrors[a], nets[a].weights) }
            }
            let distance = nets.reduce(0.0) { $0 + Self.distance($1.weights, center.weights) } / Double(y)
            observer.observe(SolverStep(iteration: epochs, energy: centerErrors,
                                        values: [("best_replica_errors", Double(bestReplica.errors)),
                                                 ("mean_online_errors", Double(onlineErrors.reduce(0, +)) / Double(y)),
                                                 ("distance", distance), ("gamma", g.value), ("beta", beta.value)]))
            onlineErrors = [Int](repeating: 0, count: y)
            if centerErrors == 0 { solved = true; break }
            if !waitCenter, bestReplica.errors == 0 { solved = true; returned = "replica"; break }
            g.advance()
            beta.advance()
            kernel.beta = beta.value
            rate *= options.learningRateDecay
        }
        refreshCenter()
        let distance = nets.reduce(0.0) { $0 + Self.distance($1.weights, center.weights) } / Double(y)
        if !solved, centerErrors > bestReplica.errors { returned = "replica" }
        var extra: [Record.Field] = [
            ("returned", .string(returned)), ("center_errors", .int(centerErrors)), ("best_center_errors", .int(bestCenter)),
            ("best_replica_errors", .int(bestReplica.errors)), ("mean_distance", .double(distance)),
            ("final_gamma", .double(g.value)), ("final_beta", .double(kernel.beta)),
        ]
        if !solved { extra.append(("reason", .string(reason ?? "max_iters reached"))) }
        return SolverOutcome(weights: returned == "centre" ? center.weights : bestReplica.weights,
                             iterations: epochs, converged: solved, extra: extra)
    }

    /// d = (1 − q)/2 with q the normalised overlap (for binary weights, the fraction of differing signs).
    static func distance(_ a: [Double], _ b: [Double]) -> Double {
        var ab = 0.0, aa = 0.0, bb = 0.0
        for i in 0..<a.count { ab += a[i] * b[i]; aa += a[i] * a[i]; bb += b[i] * b[i] }
        guard aa > 0, bb > 0 else { return 0.5 }
        return (1 - ab / (aa * bb).squareRoot()) / 2
    }
}
