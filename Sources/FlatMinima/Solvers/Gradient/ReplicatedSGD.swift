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
/// with d_a = −√n ∂L_B/∂w_a (`Loss`) and the target t:
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
///
/// Replication wraps an engine (`ReplicaSystem`): y copies of the single network that sgd trains
/// (`ReplicatedNetworks`, any model), or, for the binary perceptron on ±1 inputs with the centre of mass,
/// its fast specialisation `PackedReplicas`; one loop (`Trainer`) drives either.
public struct ReplicatedSGD: Solver {
    public static let name = "rsgd"
    public static let summary = "replicated SGD: y replicas coupled to their centre with a growing γ"
    public static let parameters: [ParameterSpec] = TrainingOptions.specs(
        epochs: "3000", batch: "10", lr: "2", loss: "la", beta: "1", betaFactor: "1.01") + [
        ParameterSpec("replicas", .integer(1...1000), default: "5", help: "y, the number of replicas"),
        ParameterSpec("coupling", .real(0...1e6), default: "0.3", help: "λ, the step of the pull towards the centre"),
        ParameterSpec("gamma", .real(0...1e12), default: "0.02", help: "γ₀, initial coupling strength"),
        ParameterSpec("gamma_factor", .real(1...1e3), default: "1.003",
                      help: "γ ← γ·gamma_factor + gamma_step after every epoch (≥ 1)"),
        ParameterSpec("gamma_step", .real(0...1e6), default: "0", help: "additive γ growth per epoch (≥ 0)"),
        ParameterSpec("gamma_max", .real(0...1e12), default: "1e6", help: "cap on γ"),
        ParameterSpec("center", .choice(["mass", "explicit"]), default: "mass",
                      help: "centre of mass of the replicas, or an explicit centre"),
        ParameterSpec("wait_center", .choice(["no", "yes"]), default: "no",
                      help: "stop only when the centre solves (not at the first replica that does)"),
        ParameterSpec("threads", .integer(0...64), default: "0",
                      help: "threads of one run (binary perceptron, ±1 inputs, centre of mass); 0: automatic (the free "
                          + "cores, at most one per 384 weights, used only while measurably faster than one); results "
                          + "do not depend on it"),
        ParameterSpec("engine", .choice(["auto", "portable", "generic"]), default: "auto",
                      help: "auto: the bit-packed single-precision engine where it applies (AVX2 kernels when the CPU "
                          + "has them); portable: the same engine without AVX2; generic: the general double-precision "
                          + "loop (their test oracle)"),
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

    public func check(patterns: Int) throws(FlatMinimaError) {
        try options.check(patterns: patterns, solver: Self.name)
    }

    public func solve(_ problem: Problem, generator: Generator, observer: any SolverObserver) throws -> SolverOutcome {
        try check(patterns: problem.train.count)
        let model = problem.model, p = problem.train.count
        // Replicas start equal (at the centre), as in the reference implementation.
        let start = LatentNetwork(model: model, scale: options.initScale, normalize: options.normalize,
                                  generator: generator)
        let driver = EpochDriver(problem: problem, options: options, observer: observer)
        // Binary perceptron on ±1 inputs with the centre of mass: the bit-packed engine (BENCHMARKS.md).
        if !generic, model.kind == .perceptron, model.weights == .binary, !explicitCenter,
           case let .signs(xi) = problem.train.labelsAbsorbed {
            // Threads share a round's site updates; below ≈ 400 sites per thread the synchronisation per
            // round (every few microseconds) costs more than it saves.
            let n = model.weightCount
            let team = threads > 0 ? threads : min(Parallelism.coresPerRun, max(1, n / 384))
            let engine = PackedReplicas(xi: xi, count: p, dimension: n, latent: start.latent, replicas: replicas,
                                        batch: options.batchSize(patterns: p), margin: model.margin,
                                        threads: team, adaptive: threads == 0,
                                        instructions: portable ? .portable : .current)
            engine.pull = coupling
            engine.clip = options.clip
            var trainer = Trainer(self, engine: engine, problem: problem, generator: generator)
            return driver.run(&trainer)
        }
        let engine = ReplicatedNetworks(problem: problem, start: start, replicas: replicas, coupling: coupling,
                                        clip: options.clip, explicitCenter: explicitCenter)
        var trainer = Trainer(self, engine: engine, problem: problem, generator: generator)
        return driver.run(&trainer)
    }

    /// rsgd's epochs on either engine: rounds in which every replica, in a random order, takes one
    /// mini-batch step; at the end of an epoch the centre's and the replicas' errors, the stopping rule
    /// and the record.
    struct Trainer<Replicas: ReplicaSystem>: EpochTrainer {
        static var recordsSolvingSchedule: Bool { true }
        let engine: Replicas
        let generator: Generator
        let patterns: Int
        let waitCenter: Bool
        var samplers: [BatchSampler]
        var order: [Int]
        var gamma: Schedule
        var coupledAt = Double.nan
        var epochs = 0
        /// Online errors of every replica during the current epoch (counted before each step).
        var online: [Int]
        var centerErrors: Int, bestCenter: Int
        var bestReplica: (errors: Int, weights: [Double])
        var returned = "centre"
        let solvedAtStart: Bool

        init(_ solver: ReplicatedSGD, engine: Replicas, problem: Problem, generator: Generator) {
            let p = problem.train.count, y = solver.replicas
            self.engine = engine
            self.generator = generator
            patterns = p
            waitCenter = solver.waitCenter
            samplers = (0..<y).map { _ in
                BatchSampler(count: p, size: solver.options.batchSize(patterns: p), generator: generator)
            }
            order = Array(0..<y)
            gamma = solver.gamma
            online = [Int](repeating: 0, count: y)
            // The replicas start at the centre.
            let errors = engine.errors(0)
            centerErrors = errors
            bestCenter = errors
            bestReplica = (errors, engine.weights(0))
            solvedAtStart = errors == 0
        }

        mutating func trainEpoch(_ kernel: DirectionKernel, rate: Double) -> Bool {
            if gamma.value != coupledAt { engine.setCoupling(gamma.value); coupledAt = gamma.value }
            engine.beginEpoch(epochs)
            var epochEnded = false
            while !epochEnded {
                generator.shuffle(&order)
                for (k, a) in order.enumerated() {
                    let (batch, ended) = samplers[a].next()
                    epochEnded = epochEnded || ended
                    online[a] += engine.move(k, replica: a, batch: batch, kernel: kernel, rate: rate)
                }
                engine.finishRound()
            }
            engine.endEpoch()
            return engine.isFinite
        }

        /// Exact errors of a replica are counted only when its online count is within 5 % of P or below
        /// the best so far (`BestWeights.worthChecking`).
        mutating func endEpoch(_ epoch: Int, beta: Double, rate: Double) -> (step: SolverStep, solved: Bool) {
            epochs = epoch
            centerErrors = engine.centerErrors()
            bestCenter = min(bestCenter, centerErrors)
            for a in online.indices
            where BestWeights.worthChecking(online[a], best: bestReplica.errors, patterns: patterns) {
                let errors = engine.errors(a)
                if errors < bestReplica.errors { bestReplica = (errors, engine.weights(a)) }
            }
            let step = SolverStep(iteration: epoch, energy: centerErrors,
                                  values: [("best_replica_errors", Double(bestReplica.errors)),
                                           ("mean_online_errors", Double(online.reduce(0, +)) / Double(online.count)),
                                           ("distance", engine.meanDistance()), ("gamma", gamma.value), ("beta", beta)])
            online = [Int](repeating: 0, count: online.count)
            if centerErrors == 0 { return (step, true) }
            if !waitCenter, bestReplica.errors == 0 { returned = "replica"; return (step, true) }
            return (step, false)
        }

        mutating func advanceSchedules() { gamma.advance() }

        /// The centre, or the best replica when it has fewer errors and nothing solved.
        func outcome(solved: Bool, beta: Double, rate: Double) -> (weights: [Double], extra: [Record.Field]) {
            var returned = self.returned
            if !solved, centerErrors > bestReplica.errors { returned = "replica" }
            let extra: [Record.Field] = [
                ("returned", .string(returned)), ("center_errors", .int(centerErrors)),
                ("best_center_errors", .int(bestCenter)), ("best_replica_errors", .int(bestReplica.errors)),
                ("mean_distance", .double(engine.meanDistance())), ("final_gamma", .double(gamma.value)),
                ("final_beta", .double(beta)),
            ]
            return (returned == "centre" ? engine.centerWeights() : bestReplica.weights, extra)
        }
    }
}

/// y replicas of a network coupled to their centre, as `ReplicatedSGD` trains them: replica a's step on
/// its mini-batch B_a is h_a ← h_a + η d_a + λ (t − w_a) (the solver's doc comment gives t).
protocol ReplicaSystem: AnyObject {
    /// Sets the coupling γ (the targets t and the pull).
    func setCoupling(_ gamma: Double)
    /// Called before the rounds of an epoch, after `completed` epochs.
    func beginEpoch(_ completed: Int)
    /// The k-th step of a round: replica a on `batch` with `kernel` and learning rate η. Returns the
    /// batch's patterns that a's weights did not satisfy before the step (its online errors). An engine
    /// may defer the update to `finishRound` when the result is the same.
    func move(_ k: Int, replica a: Int, batch: ArraySlice<Int>, kernel: DirectionKernel, rate: Double) -> Int
    /// Completes a round (every replica has moved once).
    func finishRound()
    /// Called after the last round of an epoch.
    func endEpoch()
    /// Whether every latent field is finite.
    var isFinite: Bool { get }
    /// Training errors of replica a, and of the centre.
    func errors(_ a: Int) -> Int
    func centerErrors() -> Int
    /// Weights of replica a, and of the centre.
    func weights(_ a: Int) -> [Double]
    func centerWeights() -> [Double]
    /// Mean replica–centre distance d = (1 − q)/2.
    func meanDistance() -> Double
}

/// The general engine: y `LatentNetwork`s (any model, binary or spherical weights) and their centre,
/// the centre of mass of the replicas or an explicit one with its own latent fields. Double precision;
/// the test oracle of `PackedReplicas`.
final class ReplicatedNetworks: ReplicaSystem {
    let problem: Problem
    let model: Model
    var nets: [LatentNetwork]
    var center: LatentNetwork
    /// Σ_a w_a, kept up to date as replicas move (the centre of mass is sum / y).
    var sum: [Double]
    var direction: [Double]
    let coupling: Double, clip: Double
    let explicitCenter: Bool
    /// Binary targets tanh(γ y m_c) take y + 1 values: tabulated by the number c of replicas at +1
    /// (γ y m_c = γ (2c − y)).
    var table: [Double] = []
    /// The step of the pull: λ for binary weights, min(1, λγ) for spherical ones.
    var pull = 0.0

    init(problem: Problem, start: LatentNetwork, replicas y: Int, coupling: Double, clip: Double,
         explicitCenter: Bool) {
        self.problem = problem
        model = problem.model
        nets = [LatentNetwork](repeating: start, count: y)
        center = start
        sum = start.weights.map { $0 * Double(y) }
        direction = [Double](repeating: 0, count: problem.model.weightCount)
        self.coupling = coupling
        self.clip = clip
        self.explicitCenter = explicitCenter
    }

    func setCoupling(_ gamma: Double) {
        table = ReplicatedSGD.centerTargets(gamma: gamma, replicas: nets.count)
        pull = model.weights == .binary ? coupling : min(1, coupling * gamma)
    }

    func beginEpoch(_ completed: Int) {}
    func finishRound() {}

    /// Replica a's step and pull, fused: for binary weights one pass takes the step, the pull to the
    /// target seen before this replica moves, the new sign and the centre-of-mass bookkeeping.
    func move(_ k: Int, replica a: Int, batch: ArraySlice<Int>, kernel: DirectionKernel, rate: Double) -> Int {
        let errors = problem.train.direction(kernel, batch: batch, weights: nets[a].weights, into: &direction)
        let count = model.weightCount, yD = Double(nets.count)
        let binary = model.weights == .binary, binaryClip = binary && clip > 0
        let explicitCenter = self.explicitCenter, pull = self.pull, clip = self.clip, table = self.table
        let normalize = nets[a].normalize, model = self.model
        // Work on the replica's arrays outside `nets` (O(1) swaps), so that the loop below runs on
        // plain buffers.
        var h = [Double](), w = [Double](), centerLatent = [Double]()
        swap(&h, &nets[a].latent)
        swap(&w, &nets[a].weights)
        swap(&centerLatent, &center.latent)
        h.withUnsafeMutableBufferPointer { h in
        w.withUnsafeMutableBufferPointer { w in
        sum.withUnsafeMutableBufferPointer { sum in
        centerLatent.withUnsafeMutableBufferPointer { hc in
        center.weights.withUnsafeBufferPointer { wc in
        direction.withUnsafeBufferPointer { d in
            if binary {
                for i in 0..<count {
                    let wi = w[i]
                    let t = explicitCenter ? wc[i] : table[Int((sum[i] + yD) * 0.5)]
                    var v = h[i] + rate * d[i] + pull * (t - wi)
                    if binaryClip { v = min(clip, max(-clip, v)) }
                    h[i] = v
                    if explicitCenter { hc[i] -= pull * (t - wi) / yD }
                    let nw: Double = v > 0 ? 1 : -1
                    if nw != wi {
                        w[i] = nw
                        sum[i] += nw - wi
                    }
                }
                return
            }
            for i in 0..<count {
                let t = explicitCenter ? wc[i] : sum[i] / yD
                h[i] += rate * d[i] + pull * (t - w[i])
                if explicitCenter { hc[i] -= pull * (t - w[i]) / yD }
            }
            let n = model.fanIn
            for k in 0..<model.hidden {
                let scale = normalize ? model.sphereScale(UnsafeBufferPointer(h), unit: k) : 1
                for i in k * n ..< (k + 1) * n {
                    let nw = h[i] * scale
                    sum[i] += nw - w[i]
                    w[i] = nw
                }
            }
        }}}}}}
        swap(&h, &nets[a].latent)
        swap(&w, &nets[a].weights)
        swap(&centerLatent, &center.latent)
        if explicitCenter { center.refresh() }
        return errors
    }

    /// The centre of mass, w_c = w(Σ_a w_a / y): for binary weights the majority of the replicas (ties to
    /// +1), for spherical ones renormalised when the replicas are. An explicit centre is kept by `move`.
    func endEpoch() {
        if explicitCenter { return }
        let y = Double(nets.count)
        for i in 0..<sum.count { center.latent[i] = sum[i] / y }
        if model.weights == .binary { for i in 0..<sum.count where center.latent[i] == 0 { center.latent[i] = 1 } }
        center.refresh()
    }

    var isFinite: Bool { nets.allSatisfy(\.isFinite) && center.latent.allSatisfy(\.isFinite) }

    func errors(_ a: Int) -> Int { model.energy(weights: nets[a].weights, on: problem.train) }
    func centerErrors() -> Int { model.energy(weights: centerWeights(), on: problem.train) }
    func weights(_ a: Int) -> [Double] { nets[a].weights }

    func centerWeights() -> [Double] {
        endEpoch()
        return center.weights
    }

    func meanDistance() -> Double {
        let c = centerWeights()
        return nets.reduce(0.0) { $0 + ReplicatedSGD.distance($1.weights, c) } / Double(nets.count)
    }
}

extension ReplicatedSGD {
    /// d = (1 − q)/2 with q the normalised overlap (for binary weights, the fraction of differing signs).
    static func distance(_ a: [Double], _ b: [Double]) -> Double {
        var ab = 0.0, aa = 0.0, bb = 0.0
        for i in 0..<a.count { ab += a[i] * b[i]; aa += a[i] * a[i]; bb += b[i] * b[i] }
        guard aa > 0, bb > 0 else { return 0.5 }
        return (1 - ab / (aa * bb).squareRoot()) / 2
    }

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
