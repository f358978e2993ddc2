import Foundation

/// Mini-batch machinery shared by the gradient solvers `sgd`, `esgd` and `rsgd` (SCIENCE.md §2, §4).
///
/// **Units.** Every unit k has latent parameters h_k ∈ ℝⁿ and effective weights w_k: w_k = sign(h_k)
/// for binary weights (the clipped-perceptron / BinaryConnect scheme: the forward pass uses sign(h),
/// the update is applied to h), and for spherical weights w_k = √n h_k/|h_k| (renormalised to the
/// sphere) or w_k = h_k (`normalize=free`). A step adds η·d to h, where
///
///     d_k = −√n ∂L_B/∂w_k = Σ_{μ∈B} c^μ_k σ^μ x^μ_k
///
/// is the descent direction of the loss summed over the mini-batch B, scaled by √n so that one pattern
/// moves every latent field by O(η) whatever the size (the clipped perceptron's ±1 per pattern).
///
/// **Coefficients** c^μ_k (`Loss`, with λ_k = w_k·x_k/√n and Δ = σλ for the perceptron): c = −ℓ′(Δ)
/// (`Loss.coefficient`: 1/(1 + e^{βΔ}) for the cross-entropy, 1 when Δ < κ for the hinge, Δ ≤ κ for
/// least action); committee machines: the cross-entropy and the hinge act on the soft-committee output
/// Δ = σ Σ_k tanh(λ_k)/√K, c_k = −ℓ′(Δ)(1 − tanh²λ_k)/√K; least action moves, for a pattern with fewer
/// than ⌊K/2⌋+1 units with σλ_k > κ, the missing number of wrong units nearest their threshold, c_k = 1.
/// A geometric or additive schedule per epoch, capped: v_{t+1} = min(cap, v_t·factor + step).
public struct Schedule: Sendable, Hashable {
    public var value: Double
    public let factor: Double
    public let step: Double
    public let cap: Double

    public init(start: Double, factor: Double = 1, step: Double = 0, cap: Double = .infinity) {
        value = min(start, cap)
        self.factor = factor
        self.step = step
        self.cap = cap
    }

    mutating func advance() { value = min(cap, value * factor + step) }
}

/// The shared options of the gradient solvers, declared once.
struct TrainingOptions: Sendable {
    let maxEpochs: Int
    let batch: Int
    /// Whether `batch` was given (else the default, capped at P by `batchSize`).
    let batchGiven: Bool
    let learningRate: Double
    let learningRateDecay: Double
    /// The loss at the initial β (cross-entropy) or at the margin κ (`kappa`; hinge, least action).
    let loss: Loss
    /// The initial β, and its schedule β ← min(β_max, β·beta_factor) after every epoch.
    let beta: Double
    let betaSchedule: Schedule
    let normalize: Bool
    let clip: Double
    let initScale: Double

    static func specs(epochs: String, batch: String, lr: String, loss: String, beta: String,
                      betaFactor: String, betaMax: String = "1e4", clip: String = "0") -> [ParameterSpec] {
        [
            ParameterSpec("max_iters", .integer(1...100_000_000), default: epochs,
                          help: "epochs (each visits every pattern once)"),
            ParameterSpec("batch", .integer(1...100_000_000), default: batch, help: "mini-batch size (at most P)"),
            ParameterSpec("lr", .real(1e-9...1e6), default: lr,
                          help: "learning rate η: latent fields move by η per pattern"),
            ParameterSpec("lr_decay", .real(1e-6...1), default: "1", help: "η ← η·lr_decay after every epoch"),
            ParameterSpec("loss", .choice(Loss.Name.allCases.map(\.rawValue)), default: loss,
                          help: "ce (cross-entropy, scale β), hinge (margin kappa) or la (least action / perceptron "
                              + "rule)"),
            ParameterSpec("beta", .real(1e-6...1e6), default: beta,
                          help: "initial cross-entropy scale β (the weight norm)"),
            ParameterSpec("beta_factor", .real(1...1e3), default: betaFactor,
                          help: "β ← β·beta_factor after every epoch (norm schedule; ≥ 1)"),
            ParameterSpec("beta_max", .real(1e-6...1e12), default: betaMax, help: "cap on β"),
            ParameterSpec("kappa", .real(0...1e3), default: "0", help: "hinge / least-action training margin κ"),
            ParameterSpec("normalize", .choice(["sphere", "free"]), default: "sphere",
                          help: "spherical weights: renormalise every unit to |w|² = n during training, or leave the "
                              + "norm free (records and saved weights are judged on the sphere either way)"),
            ParameterSpec("clip", .real(0...1e9), default: clip,
                          help: "binary weights: clip latent fields to [−clip, clip] (0 = no clipping)"),
            ParameterSpec("init", .real(0...1e6), default: "1",
                          help: "scale of the initial latent fields (Gaussian; binary: ±init)"),
        ]
    }

    init(_ p: SolverParameters) {
        maxEpochs = p.int("max_iters")
        batch = p.int("batch")
        batchGiven = p.given.contains("batch")
        learningRate = p.double("lr")
        learningRateDecay = p.double("lr_decay")
        beta = p.double("beta")
        betaSchedule = Schedule(start: beta, factor: p.double("beta_factor"), cap: p.double("beta_max"))
        loss = Loss(Loss.Name(rawValue: p.string("loss"))!, beta: beta, margin: p.double("kappa"))
        normalize = p.string("normalize") == "sphere"
        clip = p.double("clip")
        initScale = p.double("init")
    }

    /// Checks the options that depend on the problem: a batch given explicitly must be at most P.
    func check(patterns p: Int, solver: String) throws(FlatMinimaError) {
        guard batch <= p || !batchGiven else {
            throw .invalidOption(option: "batch",
                                 message: "must be an integer in [1, P = \(p)] (got \(batch)) for \(solver)")
        }
    }

    /// The mini-batch size on P patterns: the given one, or the default capped at P.
    func batchSize(patterns p: Int) -> Int { batchGiven ? batch : min(batch, p) }

    /// The outcome with `batch_used` added when the default batch was capped at P (the record's
    /// `opt_batch` holds the declared default).
    func noting(batchOf problem: Problem, in outcome: SolverOutcome) -> SolverOutcome {
        let used = batchSize(patterns: problem.train.count)
        guard used != batch else { return outcome }
        var outcome = outcome
        outcome.extra.append(("batch_used", .int(used)))
        return outcome
    }
}

/// One network's parameters: latent fields and the effective weights they define (see `TrainingOptions`).
struct LatentNetwork {
    let model: Model
    /// h, in the model's flat layout.
    var latent: [Double]
    /// w(h): sign(h) for binary weights, h renormalised per unit (or h) for spherical weights.
    var weights: [Double]
    let normalize: Bool

    init(model: Model, latent: [Double], normalize: Bool) {
        self.model = model
        self.latent = latent
        self.normalize = normalize
        weights = latent
        refresh()
    }

    /// Random latent fields: ±scale for binary weights, N(0, scale²) for spherical ones.
    init(model: Model, scale: Double, normalize: Bool, generator: Generator) {
        let values = (0..<model.weightCount).map { _ in
            model.weights == .binary ? scale * generator.sign() : scale * generator.gaussian()
        }
        self.init(model: model, latent: values, normalize: normalize)
    }

    /// Recomputes w from h.
    mutating func refresh() {
        if model.weights == .binary {
            for i in 0..<latent.count { weights[i] = latent[i] > 0 ? 1 : -1 }
            return
        }
        guard normalize else { weights = latent; return }
        model.projectOntoSphere(latent, into: &weights)
    }

    /// h ← h + η·d, clipped to [−clip, clip] for binary weights when clip > 0, then w ← w(h).
    mutating func step(_ direction: [Double], rate: Double, clip: Double) {
        let binaryClip = model.weights == .binary && clip > 0
        for i in 0..<latent.count {
            var v = latent[i] + rate * direction[i]
            if binaryClip { v = min(clip, max(-clip, v)) }
            latent[i] = v
        }
        refresh()
    }

    /// Whether every latent field is finite.
    var isFinite: Bool { latent.allSatisfy(\.isFinite) }

    /// |w|²/n averaged over units (1 on the sphere and for binary weights).
    var meanSquaredNorm: Double {
        weights.reduce(0) { $0 + $1 * $1 } / Double(weights.count)
    }
}

/// The mini-batch direction d = −√n ∂L_B/∂w of a `Loss`, generic over the stored input type.
@_spi(Benchmarks) public struct DirectionKernel: Sendable {
    public let model: Model
    /// The loss (its β changes with the schedule).
    public var loss: Loss

    public init(model: Model, loss: Loss) {
        self.model = model
        self.loss = loss
    }

    /// d ← Σ_{μ∈batch} c^μ σ^μ x^μ (d is overwritten). Returns the batch's patterns that `w` does not
    /// satisfy (with the model's margin), counted before the step.
    public func direction<X: PatternScalar>(_ x: UnsafeBufferPointer<X>, labels: UnsafeBufferPointer<Double>,
                                     batch: UnsafeBufferPointer<Int>, weights w: UnsafeBufferPointer<Double>,
                                     into d: UnsafeMutableBufferPointer<Double>) -> Int {
        let n = model.fanIn, hidden = model.hidden, inputs = model.inputs
        let scale = 1 / Double(n).squareRoot()
        let threshold = model.margin
        for i in 0..<d.count { d[i] = 0 }
        var errors = 0
        let base = x.baseAddress!, wBase = w.baseAddress!, dBase = d.baseAddress!
        if hidden == 1 {
            for mu in batch {
                let row = base + mu * inputs
                let sigma = labels[mu]
                let delta = sigma * Kernels.dot(row, wBase, count: n) * scale
                if delta <= threshold { errors += 1 }
                let c = loss.coefficient(delta)
                if c != 0 { Kernels.axpy(dBase, row, c * sigma, count: n) }
            }
            return errors
        }
        return withUnsafeTemporaryAllocation(of: Double.self, capacity: hidden) { lambda in
            let rootK = Double(hidden).squareRoot()
            for mu in batch {
                let row = base + mu * inputs
                let sigma = labels[mu]
                var votes = 0, soft = 0.0
                for k in 0..<hidden {
                    lambda[k] = sigma * Kernels.dot(row + model.inputOffset(unit: k), wBase + k * n, count: n) * scale
                    if lambda[k] > threshold { votes += 1 }
                    soft += tanh(lambda[k])
                }
                if votes < model.votesNeeded { errors += 1 }
                switch loss {
                case .crossEntropy, .hinge:
                    let g = loss.coefficient(soft / rootK)
                    guard g != 0 else { continue }
                    for k in 0..<hidden {
                        let t = tanh(lambda[k])
                        let c = g * (1 - t * t) / rootK
                        Kernels.axpy(dBase + k * n, row + model.inputOffset(unit: k), c * sigma, count: n)
                    }
                case let .leastAction(kappa):
                    var satisfied = 0
                    for k in 0..<hidden where lambda[k] > kappa { satisfied += 1 }
                    var missing = model.votesNeeded - satisfied
                    // Move the `missing` wrong units nearest their threshold (smallest κ − σλ_k).
                    while missing > 0 {
                        var target = -1, gap = Double.infinity
                        for k in 0..<hidden where lambda[k] <= kappa && kappa - lambda[k] < gap {
                            gap = kappa - lambda[k]
                            target = k
                        }
                        guard target >= 0 else { break }
                        Kernels.axpy(dBase + target * n, row + model.inputOffset(unit: target), sigma, count: n)
                        lambda[target] = .infinity
                        missing -= 1
                    }
                }
            }
            return errors
        }
    }
}

/// Mini-batches drawn without replacement: a fresh random order of the P patterns every epoch, cut into
/// consecutive batches (the last one of an epoch may be shorter).
struct BatchSampler {
    private var order: [Int]
    private var position: Int
    let size: Int
    let generator: Generator

    init(count: Int, size: Int, generator: Generator) {
        order = generator.permutation(count)
        position = 0
        self.size = size
        self.generator = generator
    }

    /// The next batch; `epochEnded` is true when it was the last batch of an epoch.
    mutating func next() -> (batch: ArraySlice<Int>, epochEnded: Bool) {
        let end = min(order.count, position + size)
        let batch = order[position..<end]
        position = end
        if position == order.count {
            let taken = batch
            generator.shuffle(&order)
            position = 0
            return (taken, true)
        }
        return (batch, false)
    }
}

extension Kernels {
    /// Σ_i x_i w_i for either pattern storage: the Int8 SIMD kernel for ±1 inputs, a 4-way unrolled
    /// loop for real inputs (the branch is resolved when the caller is specialised).
    @inline(__always)
    static func dot<X: PatternScalar>(_ x: UnsafePointer<X>, _ w: UnsafePointer<Double>, count n: Int) -> Double {
        if X.self == Int8.self {
            return dot(UnsafeRawPointer(x).assumingMemoryBound(to: Int8.self), w, count: n)
        }
        if X.self == Double.self {
            let xs = UnsafeRawPointer(x).assumingMemoryBound(to: Double.self)
            var s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0
            var i = 0
            while i + 4 <= n {
                s0 += xs[i] * w[i]; s1 += xs[i + 1] * w[i + 1]
                s2 += xs[i + 2] * w[i + 2]; s3 += xs[i + 3] * w[i + 3]
                i += 4
            }
            while i < n { s0 += xs[i] * w[i]; i += 1 }
            return (s0 + s1) + (s2 + s3)
        }
        var s = 0.0
        for i in 0..<n { s += x[i].asDouble * w[i] }
        return s
    }

    /// d_i += g·x_i for either pattern storage.
    @inline(__always)
    static func axpy<X: PatternScalar>(_ d: UnsafeMutablePointer<Double>, _ x: UnsafePointer<X>, _ g: Double,
                                       count n: Int) {
        if X.self == Int8.self {
            axpy(d, UnsafeRawPointer(x).assumingMemoryBound(to: Int8.self), g, count: n)
            return
        }
        for i in 0..<n { d[i] += g * x[i].asDouble }
    }
}

extension DirectionKernel {
    /// `direction` for the binary perceptron on ±1 inputs with bit-packed forward passes: with ξ = σx
    /// packed in `packed` and the weights' signs in `signs`, Δ√n = n − 2·popcount(ξ ⊕ w) (`PackedSigns`);
    /// the update adds c·ξ from the Int8 rows `xi` (labels absorbed). Same result as `direction`, exactly.
    public func packedDirection(_ packed: PackedSigns, xi: UnsafePointer<Int8>, batch: ArraySlice<Int>,
                                signs: PackedSigns.Row, into d: UnsafeMutableBufferPointer<Double>) -> Int {
        precondition(model.hidden == 1 && model.weights == .binary)
        let n = model.fanIn
        let scale = 1 / Double(n).squareRoot()
        for i in 0..<d.count { d[i] = 0 }
        var errors = 0
        let dBase = d.baseAddress!
        for mu in batch {
            let delta = Double(packed.overlap(mu, signs)) * scale
            if delta <= model.margin { errors += 1 }
            let c = loss.coefficient(delta)
            if c != 0 { Kernels.axpy(dBase, xi + mu * n, c, count: n) }
        }
        return errors
    }
}
