import Foundation

/// The Hessian of the training loss at a configuration (SCIENCE.md §5): top eigenvalues by Lanczos
/// iteration on exact Hessian–vector products, and the trace by Hutchinson's estimator.
///
/// The loss is the cross-entropy Σ_μ ℓ_β(Δ^μ), ℓ_β(Δ) = log(1 + e^{−βΔ})/β, on the stabilities of
/// `Loss` (the perceptron's σλ, the soft committee's σ Σ_k tanh(λ_k)/√K). With g = ∇Δ,
///
///     H v = Σ_μ [ ℓ″(Δ^μ) (g^μ · v) g^μ + ℓ′(Δ^μ) ∇²Δ^μ v ],
///
/// where for the perceptron g = σ x/√N and ∇²Δ = 0, and for a committee unit k
/// g_k = σ (1 − t_k²) x_k/√(nK), ∇²Δ restricted to unit k = −2σ t_k (1 − t_k²) x_k x_kᵀ/(n√K),
/// t_k = tanh λ_k. Binary weights are treated as the continuous vector of ±1 (the latent-field view).
/// Lanczos (Lanczos 1950; with full re-orthogonalisation) builds a k×k tridiagonal matrix whose
/// extreme eigenvalues (GSL's symmetric eigensolver) converge to H's; Hutchinson (1989): tr H ≈
/// mean over Rademacher z of zᵀHz, with its standard error.
public struct HessianEstimator: Sendable {
    public let beta: Double
    public let lanczosSteps: Int
    public let top: Int
    public let traceSamples: Int

    public init(beta: Double = 1, lanczosSteps: Int = 30, top: Int = 3,
                traceSamples: Int = 30) throws(FlatMinimaError) {
        guard beta > 0, beta.isFinite else {
            throw .invalidOption(option: RequestKeys.option(["hessian_beta"]), message: "must be > 0 (got \(beta))")
        }
        guard lanczosSteps >= 2, lanczosSteps <= 10_000 else {
            throw .invalidOption(option: RequestKeys.option(["lanczos_steps"]),
                                 message: "must be in [2, 10000] (got \(lanczosSteps))")
        }
        guard top >= 1, top <= lanczosSteps else {
            throw .invalidOption(option: RequestKeys.option(["hessian_top"]),
                                 message: "must be in [1, \(lanczosSteps)] (got \(top))")
        }
        guard traceSamples >= 2, traceSamples <= 1_000_000 else {
            throw .invalidOption(option: RequestKeys.option(["trace_samples"]),
                                 message: "must be in [2, 10^6] (got \(traceSamples))")
        }
        self.beta = beta
        self.lanczosSteps = lanczosSteps
        self.top = top
        self.traceSamples = traceSamples
    }

    /// H v at `weights`.
    static func product(_ v: [Double], weights: [Double], problem: Problem, beta: Double) -> [Double] {
        let model = problem.model, set = problem.train
        let n = model.fanIn, k = model.hidden
        let scale = 1 / Double(n).squareRoot(), committeeScale = 1 / Double(k).squareRoot()
        var result = [Double](repeating: 0, count: model.weightCount)
        for mu in 0..<set.count {
            let x = set.pattern(mu), sigma = set.labels[mu]
            var lambda = [Double](repeating: 0, count: k)
            for unit in 0..<k {
                let offset = model.inputOffset(unit: unit)
                var s = 0.0
                for i in 0..<n { s += weights[unit * n + i] * x[offset + i] }
                lambda[unit] = s * scale
            }
            let t = lambda.map { tanh($0) }
            let delta = model.kind == .perceptron ? sigma * lambda[0] : sigma * t.reduce(0, +) * committeeScale
            let logistic = Special.logistic(-beta * delta)
            let first = -logistic, second = beta * logistic * (1 - logistic)
            // g · v and, per unit, x_k · v_k.
            var xv = [Double](repeating: 0, count: k)
            for unit in 0..<k {
                let offset = model.inputOffset(unit: unit)
                var s = 0.0
                for i in 0..<n { s += v[unit * n + i] * x[offset + i] }
                xv[unit] = s
            }
            let gFactor: [Double] = model.kind == .perceptron
                ? [sigma * scale]
                : (0..<k).map { sigma * (1 - t[$0] * t[$0]) * scale * committeeScale }
            var gv = 0.0
            for unit in 0..<k { gv += gFactor[unit] * xv[unit] }
            for unit in 0..<k {
                var c = second * gv * gFactor[unit]
                if model.kind == .committee {
                    c += first
                        * (-2 * sigma * t[unit] * (1 - t[unit] * t[unit]) * scale * scale * committeeScale) * xv[unit]
                }
                if c == 0 { continue }
                let offset = model.inputOffset(unit: unit)
                for i in 0..<n { result[unit * n + i] += c * x[offset + i] }
            }
        }
        return result
    }

    /// The `top` largest eigenvalues (descending) by `lanczosSteps` Lanczos steps from a random start.
    public func topEigenvalues(weights: [Double], problem: Problem, generator: Generator) throws(GSLError) -> [Double] {
        let dimension = weights.count, steps = min(lanczosSteps, dimension)
        var basis: [[Double]] = []
        var alphas: [Double] = [], betas: [Double] = []
        var q = (0..<dimension).map { _ in generator.gaussian() }
        let norm0 = (q.reduce(0) { $0 + $1 * $1 }).squareRoot()
        q = q.map { $0 / norm0 }
        for step in 0..<steps {
            basis.append(q)
            var w = Self.product(q, weights: weights, problem: problem, beta: beta)
            let a = zip(w, q).reduce(0) { $0 + $1.0 * $1.1 }
            alphas.append(a)
            // Full re-orthogonalisation against every previous vector (twice, for stability).
            for _ in 0..<2 {
                for b in basis {
                    let c = zip(w, b).reduce(0) { $0 + $1.0 * $1.1 }
                    for i in 0..<dimension { w[i] -= c * b[i] }
                }
            }
            let norm = (w.reduce(0) { $0 + $1 * $1 }).squareRoot()
            if step == steps - 1 || norm < 1e-12 { break }
            betas.append(norm)
            q = w.map { $0 / norm }
        }
        let m = alphas.count
        var dense = [Double](repeating: 0, count: m * m)
        for i in 0..<m {
            dense[i * m + i] = alphas[i]
            if i + 1 < m { dense[i * m + i + 1] = betas[i]; dense[(i + 1) * m + i] = betas[i] }
        }
        return Array(try Self.symmetricEigenvalues(dense, size: m).prefix(top))
    }

    /// Eigenvalues (descending) of a dense symmetric matrix, row-major, by GSL's `gsl_eigen_symm`.
    static func symmetricEigenvalues(_ matrix: [Double], size m: Int) throws(GSLError) -> [Double] {
        try GSL.symmetricEigenvalues(matrix, size: m)
    }

    /// Hutchinson's estimate of tr H and its standard error.
    public func trace(weights: [Double], problem: Problem,
                      generator: Generator) -> (mean: Double, standardError: Double) {
        let samples = (0..<traceSamples).map { _ -> Double in
            let z = weights.map { _ in generator.sign() }
            let hz = Self.product(z, weights: weights, problem: problem, beta: beta)
            return zip(z, hz).reduce(0) { $0 + $1.0 * $1.1 }
        }
        let mean = samples.reduce(0, +) / Double(traceSamples)
        let variance = samples.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(traceSamples - 1)
        return (mean, (variance / Double(traceSamples)).squareRoot())
    }
}
