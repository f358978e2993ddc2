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
        ParameterSpec("threads", .integer(0...64), default: "0",
                      help: "threads of one run (binary perceptron, ±1 inputs, centre of mass); 0: automatic (the free cores, at most one per 384 weights, used only while measurably faster than one); results do not depend on it"),
        ParameterSpec("engine", .choice(["auto", "portable", "generic"]), default: "auto",
                      help: "auto: the bit-packed single-precision engine where it applies (AVX2 kernels when the CPU has them); portable: the same engine without AVX2; generic: the general double-precision loop (their test oracle)"),
    ]

    let options: TrainingOptions
    let replicas: Int
    let coupling: Double
    let gamma: Schedule
    let explicitCenter: Bool
    let waitCenter: Bool
    let threads: Int
    let generic: Bool, portable: Bool

    public init(_ p: SolverParameters) throws(FlatMinimaError) {
        options = TrainingOptions(p)
        replicas = p.int("replicas")
        coupling = p.double("coupling")
        gamma = Schedule(start: p.double("gamma"), factor: p.double("gamma_factor"), step: p.double("gamma_step"),
                         cap: p.double("gamma_max"))
        explicitCenter = p.string("center") == "explicit"
        waitCenter = p.string("wait_center") == "yes"
        threads = p.int("threads")
        generic = p.string("engine") == "generic"
        portable = p.string("engine") == "portable"
    }

    public static func unsupported(_ model: Model) -> String? { nil }

    public func check(patterns: Int) throws(FlatMinimaError) { try options.check(patterns: patterns, solver: Self.name) }

    public func solve(_ problem: Problem, generator: Generator, observer: any SolverObserver) throws -> SolverOutcome {
        try check(patterns: problem.train.count)
        let model = problem.model
        // Binary perceptron on ±1 inputs with the centre of mass: the bit-packed engine (BENCHMARKS.md).
        if !generic, model.kind == .perceptron, model.weights == .binary, !explicitCenter,
           case let .signs(xi) = problem.train.labelsAbsorbed {
            return solvePacked(problem, xi: xi, generator: generator, observer: observer)
        }
        let count = model.weightCount, y = replicas
        let binary = model.weights == .binary
        // Replicas start equal (at the centre), as in the reference implementation.
        let start = LatentNetwork(model: model, scale: options.initScale, normalize: options.normalize, generator: generator)
        var nets = [LatentNetwork](repeating: start, count: y)
        var center = start
        var samplers = (0..<y).map { _ in BatchSampler(count: problem.train.count, size: options.batchSize(patterns: problem.train.count), generator: generator) }
        var kernel = DirectionKernel(model: model, rule: options.rule, beta: options.beta, hingeMargin: options.hingeMargin)
        var beta = options.betaSchedule, g = gamma
        var rate = options.learningRate
        var direction = [Double](repeating: 0, count: count)
        // Σ_a w_a, kept up to date as replicas move (the centre of mass is sum / y).
        var sum = start.weights.map { $0 * Double(y) }
        var order = Array(0..<y)
        var progress = Progress(errors: model.energy(weights: start.weights, on: problem.train), weights: start.weights, replicas: y)
        let binaryClip = binary && options.clip > 0

        func refreshCenter() {
            if explicitCenter { return }
            for i in 0..<count { center.latent[i] = sum[i] / Double(y) }
            // Binary: the majority of the replicas (ties to +1); spherical: renormalised when `normalize`.
            if binary { for i in 0..<count where center.latent[i] == 0 { center.latent[i] = 1 } }
            center.refresh()
        }

        while progress.epochs < options.maxEpochs, !progress.solved {
            var epochEnded = false
            generator.shuffle(&order)
            // Binary targets tanh(γ y m_c) take y + 1 values: tabulate them by the number c of replicas
            // at +1 (γ y m_c = γ (2c − y)).
            let table = Self.centerTargets(gamma: g.value, replicas: y)
            let pull = binary ? coupling : min(1, coupling * g.value)
            let yD = Double(y)
            for a in order {
                let (batch, ended) = samplers[a].next()
                epochEnded = epochEnded || ended
                progress.online[a] += problem.train.direction(kernel, batch: batch, weights: nets[a].weights, into: &direction)
                // Work on the replica's arrays outside `nets` (O(1) swaps), so that the loop below runs on
                // plain buffers.
                var h = [Double](), w = [Double]()
                swap(&h, &nets[a].latent)
                swap(&w, &nets[a].weights)
                var centerLatent = [Double]()
                swap(&centerLatent, &center.latent)
                h.withUnsafeMutableBufferPointer { h in
                w.withUnsafeMutableBufferPointer { w in
                sum.withUnsafeMutableBufferPointer { sum in
                centerLatent.withUnsafeMutableBufferPointer { hc in
                center.weights.withUnsafeBufferPointer { wc in
                direction.withUnsafeBufferPointer { d in
                    if binary {
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
                            let scale = options.normalize ? model.sphereScale(UnsafeBufferPointer(h), unit: k) : 1
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
                swap(&centerLatent, &center.latent)
                if explicitCenter { center.refresh() }
            }
            guard epochEnded else { continue }
            guard nets.allSatisfy(\.isFinite), center.latent.allSatisfy(\.isFinite) else {
                progress.reason = "latent fields became NaN or infinite"
                break
            }
            refreshCenter()
            let centerWeights = center.weights
            let distance = nets.reduce(0.0) { $0 + Self.distance($1.weights, centerWeights) } / Double(y)
            let stop = progress.endEpoch(
                centerErrors: model.energy(weights: center.weights, on: problem.train), patterns: problem.train.count,
                replicaErrors: { model.energy(weights: nets[$0].weights, on: problem.train) }, replicaWeights: { nets[$0].weights },
                distance: distance, gamma: g.value, beta: beta.value, waitCenter: waitCenter, observer: observer)
            if stop { break }
            g.advance()
            beta.advance()
            kernel.beta = beta.value
            rate *= options.learningRateDecay
        }
        refreshCenter()
        let centerWeights = center.weights
        let distance = nets.reduce(0.0) { $0 + Self.distance($1.weights, centerWeights) } / Double(y)
        return options.noting(batchOf: problem, in: progress.outcome(center: center.weights, distance: distance, gamma: g.value, beta: kernel.beta))
    }

    /// `solve` on the binary perceptron with ±1 inputs and the centre of mass: the same update, run by
    /// `PackedReplicas` (bit-packed forward passes, fused step, both cores on large problems; the result
    /// does not depend on the number of threads).
    private func solvePacked(_ problem: Problem, xi: [Int8], generator: Generator, observer: any SolverObserver) -> SolverOutcome {
        let model = problem.model, n = model.weightCount, y = replicas, p = problem.train.count
        let start = LatentNetwork(model: model, scale: options.initScale, normalize: options.normalize, generator: generator)
        // Threads share a round's site updates; below ≈ 400 sites per thread the synchronisation per
        // round (every few microseconds) costs more than it saves.
        let threads = threads > 0 ? threads : min(Parallelism.coresPerRun, max(1, n / 384))
        let engine = PackedReplicas(xi: xi, count: p, dimension: n, latent: start.latent, replicas: y,
                                    batch: options.batchSize(patterns: p), threads: threads, portable: portable)
        engine.pull = coupling
        engine.clip = options.clip
        let team = engine.parts.count > 1 ? LockstepTeam(size: engine.parts.count) : nil
        defer { team?.stop() }
        var samplers = (0..<y).map { _ in BatchSampler(count: p, size: options.batchSize(patterns: p), generator: generator) }
        var kernel = DirectionKernel(model: model, rule: options.rule, beta: options.beta, hingeMargin: options.hingeMargin)
        var beta = options.betaSchedule, g = gamma
        var rate = options.learningRate
        var order = Array(0..<y)
        // (Overlaps lie in [−n, n]: a larger threshold means the same as n.)
        let threshold = Int(min((model.margin * Double(model.fanIn).squareRoot()).rounded(.down), Double(model.fanIn)))
        var progress = Progress(errors: engine.centerErrors(threshold: threshold), weights: engine.centerWeights(), replicas: y)
        var coupledAt = Double.nan
        // With automatic threads the team is used only while it is measurably faster: a lockstep round
        // lasts microseconds, and when the cores do not really run side by side (a busy machine, virtual
        // CPUs sharing a physical core) one thread is faster (BENCHMARKS.md). Results do not depend on
        // it, so the run measures: epoch 1 on one thread, epoch 2 on the team, then the faster of the two,
        // trying the other again every 32 epochs. An explicit `threads` always uses the team.
        let adaptive = self.threads == 0
        var seconds = [Double.infinity, .infinity]   // last epoch's rounds on one thread, on the team
        while progress.epochs < options.maxEpochs, !progress.solved {
            if g.value != coupledAt { engine.setCoupling(g.value); coupledAt = g.value }
            var useTeam = team != nil
            if team != nil, adaptive {
                let faster = seconds[1] < seconds[0]
                switch progress.epochs {
                case 0: useTeam = false
                case 1: useTeam = true
                default: useTeam = progress.epochs % 32 == 0 ? !faster : faster
                }
            }
            let started = DispatchTime.now().uptimeNanoseconds
            var epochEnded = false
            while !epochEnded {
                generator.shuffle(&order)
                for (k, a) in order.enumerated() {
                    let (batch, ended) = samplers[a].next()
                    epochEnded = epochEnded || ended
                    progress.online[a] += engine.plan(k, replica: a, batch: batch, kernel: kernel, rate: rate, margin: model.margin)
                }
                if useTeam, let team {
                    team.run { engine.step(part: $0) }
                } else {
                    for part in engine.parts.indices { engine.step(part: part) }
                }
            }
            seconds[useTeam ? 1 : 0] = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
            guard engine.isFinite else {
                progress.reason = "latent fields became NaN or infinite"
                break
            }
            let stop = progress.endEpoch(
                centerErrors: engine.centerErrors(threshold: threshold), patterns: p,
                replicaErrors: { engine.errors($0, threshold: threshold) }, replicaWeights: { engine.weights($0) },
                distance: engine.meanDistance(), gamma: g.value, beta: beta.value, waitCenter: waitCenter, observer: observer)
            if stop { break }
            g.advance()
            beta.advance()
            kernel.beta = beta.value
            rate *= options.learningRateDecay
        }
        return options.noting(batchOf: problem, in: progress.outcome(center: engine.centerWeights(), distance: engine.meanDistance(),
                                                                     gamma: g.value, beta: kernel.beta))
    }

    /// The bookkeeping both engines share: end-of-epoch error counts, the best replica, the stopping
    /// rule and the record.
    struct Progress {
        var epochs = 0, solved = false
        var centerErrors: Int, bestCenter: Int
        var bestReplica: (errors: Int, weights: [Double])
        /// Online errors of every replica during the current epoch (counted before each step).
        var online: [Int]
        var reason: String? = nil
        var returned = "centre"

        init(errors: Int, weights: [Double], replicas: Int) {
            centerErrors = errors
            bestCenter = errors
            bestReplica = (errors, weights)
            online = [Int](repeating: 0, count: replicas)
            solved = errors == 0
        }

        /// Records the epoch that just ended; returns true when the run stops. Exact errors of a replica
        /// are counted only when its online count is within 5 % of P or below the best so far.
        mutating func endEpoch(centerErrors: Int, patterns: Int, replicaErrors: (Int) -> Int, replicaWeights: (Int) -> [Double],
                               distance: Double, gamma: Double, beta: Double, waitCenter: Bool, observer: any SolverObserver) -> Bool {
            epochs += 1
            self.centerErrors = centerErrors
            bestCenter = min(bestCenter, centerErrors)
            for a in online.indices where online[a] <= max(patterns / 20, 1) || online[a] < bestReplica.errors {
                let errors = replicaErrors(a)
                if errors < bestReplica.errors { bestReplica = (errors, replicaWeights(a)) }
            }
            observer.observe(SolverStep(iteration: epochs, energy: centerErrors,
                                        values: [("best_replica_errors", Double(bestReplica.errors)),
                                                 ("mean_online_errors", Double(online.reduce(0, +)) / Double(online.count)),
                                                 ("distance", distance), ("gamma", gamma), ("beta", beta)]))
            online = [Int](repeating: 0, count: online.count)
            if centerErrors == 0 { solved = true; return true }
            if !waitCenter, bestReplica.errors == 0 { solved = true; returned = "replica"; return true }
            return false
        }

        /// The outcome: the centre, or the best replica when it has fewer errors and nothing solved.
        func outcome(center: [Double], distance: Double, gamma: Double, beta: Double) -> SolverOutcome {
            var returned = self.returned
            if !solved, centerErrors > bestReplica.errors { returned = "replica" }
            var extra: [Record.Field] = [
                ("returned", .string(returned)), ("center_errors", .int(centerErrors)), ("best_center_errors", .int(bestCenter)),
                ("best_replica_errors", .int(bestReplica.errors)), ("mean_distance", .double(distance)),
                ("final_gamma", .double(gamma)), ("final_beta", .double(beta)),
            ]
            if !solved { extra.append(("reason", .string(reason ?? "max_iters reached"))) }
            return SolverOutcome(weights: returned == "centre" ? center : bestReplica.weights,
                                 iterations: epochs, converged: solved, extra: extra)
        }
    }

    /// d = (1 − q)/2 with q the normalised overlap (for binary weights, the fraction of differing signs).
    static func distance(_ a: [Double], _ b: [Double]) -> Double {
        var ab = 0.0, aa = 0.0, bb = 0.0
        for i in 0..<a.count { ab += a[i] * b[i]; aa += a[i] * a[i]; bb += b[i] * b[i] }
        guard aa > 0, bb > 0 else { return 0.5 }
        return (1 - ab / (aa * bb).squareRoot()) / 2
    }
}

extension ReplicatedSGD {
    /// The binary centre targets t(c) = tanh(γ (2c − y)) for c = 0 … y replicas at +1 (γ y m_c with
    /// m_c the centre of mass), and their limit sign(2c − y) at γ = ∞: shared by the generic loop and
    /// the packed engine.
    static func centerTargets(gamma: Double, replicas y: Int) -> [Double] {
        (0...y).map { c in
            let x = Double(2 * c - y)
            return gamma.isInfinite ? (x > 0 ? 1 : x < 0 ? -1 : 0) : tanh(gamma * x)
        }
    }
}
