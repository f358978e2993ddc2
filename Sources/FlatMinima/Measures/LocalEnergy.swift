import Foundation

/// The local energy of a configuration (SCIENCE.md §5; Baldassi, Pittorino, Zecchina, PNAS 117, 2020):
/// the mean training error after random perturbations, a direct measure of flatness,
///
///     δE(p) = ⟨E(w perturbed)⟩/P − E(w)/P,
///
/// binary weights flipped independently with probability p; continuous weights w + σ z ⊙ w with
/// z ~ N(0, 1) (a multiplicative perturbation, so the measure does not depend on the weights' scale).
/// The same perturbations also give the change of the mean cross-entropy loss ℓ_β per pattern
/// (`Loss`), δL(p) = ⟨L(w perturbed)⟩/P − L(w)/P.
public struct LocalEnergy: Sendable {
    /// One point of the curve: perturbation strength, mean δE over the samples and its standard error.
    public struct Point: Sendable, Equatable {
        public let strength: Double
        public let mean: Double
        public let standardError: Double
        /// Mean change of the cross-entropy loss per pattern and its standard error.
        public let loss: Double
        public let lossStandardError: Double
    }

    /// Flip probabilities p (binary) or relative noise σ (continuous).
    public let strengths: [Double]
    /// Perturbed samples per point.
    public let samples: Int
    /// β of the cross-entropy loss whose change is reported alongside the error's.
    public let beta: Double

    public init(strengths: [Double], samples: Int, beta: Double = 1) throws(FlatMinimaError) {
        guard !strengths.isEmpty else {
            throw .invalidOption(option: RequestKeys.option(["perturbations"]), message: "needs at least one value")
        }
        guard strengths.allSatisfy({ $0 >= 0 && $0.isFinite }) else {
            throw .invalidOption(option: RequestKeys.option(["perturbations"]),
                                 message: "must be finite numbers >= 0 (flip probabilities at most 1)")
        }
        guard samples >= 2, samples <= 1_000_000 else {
            throw .invalidOption(option: RequestKeys.option(["samples"]),
                                 message: "must be in [2, 10^6] (got \(samples)): at least 2 for a standard error")
        }
        guard beta > 0, beta.isFinite else { throw .invalidOption(option: RequestKeys.option(["loss_beta"]),
                                                                  message: "must be > 0 (got \(beta))") }
        self.strengths = strengths
        self.samples = samples
        self.beta = beta
    }

    /// The curve for `weights` on the training set of `problem`.
    public func curve(_ weights: [Double], problem: Problem, generator: Generator) throws(FlatMinimaError) -> [Point] {
        let model = problem.model, p = Double(problem.train.count)
        if model.weights == .binary, let bad = strengths.first(where: { $0 > 1 }) {
            throw .invalidOption(option: RequestKeys.option(["perturbations"]),
                                 message: "flip probabilities must be in [0, 1] (got \(bad))")
        }
        let base = Double(model.energy(weights: weights, on: problem.train)) / p
        let loss = Loss.crossEntropy(beta: beta)
        let baseLoss = model.totalLoss(weights: weights, on: problem.train, loss: loss) / p
        func meanAndError(_ values: [Double]) -> (Double, Double) {
            let mean = values.reduce(0, +) / Double(values.count)
            let variance = values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(values.count - 1)
            return (mean, (variance / Double(values.count)).squareRoot())
        }
        return strengths.map { strength in
            var values = [Double](), losses = [Double]()
            values.reserveCapacity(samples)
            losses.reserveCapacity(samples)
            for _ in 0..<samples {
                let perturbed: [Double]
                if model.weights == .binary {
                    perturbed = weights.map { generator.uniform() < strength ? -$0 : $0 }
                } else {
                    perturbed = weights.map { $0 + strength * generator.gaussian() * $0 }
                }
                values.append(Double(model.energy(weights: perturbed, on: problem.train)) / p - base)
                losses.append(model.totalLoss(weights: perturbed, on: problem.train, loss: loss) / p - baseLoss)
            }
            let (mean, error) = meanAndError(values), (lossMean, lossError) = meanAndError(losses)
            return Point(strength: strength, mean: mean, standardError: error, loss: lossMean,
                         lossStandardError: lossError)
        }
    }
}
