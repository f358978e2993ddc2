import Foundation

/// The local energy of a configuration (SCIENCE.md §5; Baldassi, Pittorino, Zecchina, PNAS 117, 2020):
/// the mean training error after random perturbations, a direct measure of flatness,
///
///     δE(p) = ⟨E(w perturbed)⟩/P − E(w)/P,
///
/// binary weights flipped independently with probability p; continuous weights w + σ z ⊙ w with
/// z ~ N(0, 1) (a multiplicative perturbation, so the measure does not depend on the weights' scale).
public struct LocalEnergy: Sendable {
    /// One point of the curve: perturbation strength, mean δE over the samples and its standard error.
    public struct Point: Sendable, Equatable {
        public let strength: Double
        public let mean: Double
        public let standardError: Double
    }

    /// Flip probabilities p (binary) or relative noise σ (continuous).
    public let strengths: [Double]
    /// Perturbed samples per point.
    public let samples: Int

    public init(strengths: [Double], samples: Int) throws(FlatMinimaError) {
        guard !strengths.isEmpty else {
            throw .invalidOption(option: "--perturbations", message: "needs at least one value")
        }
        guard strengths.allSatisfy({ $0 >= 0 && $0.isFinite }) else {
            throw .invalidOption(option: "--perturbations", message: "must be finite numbers >= 0 (flip probabilities at most 1)")
        }
        guard samples >= 2 else {
            throw .invalidOption(option: "--samples", message: "must be >= 2 (got \(samples)) for a standard error")
        }
        self.strengths = strengths
        self.samples = samples
    }

    /// The curve for `weights` on the training set of `problem`.
    public func curve(_ weights: [Double], problem: Problem, generator: Generator) throws(FlatMinimaError) -> [Point] {
        let model = problem.model, p = Double(problem.train.count)
        if model.weights == .binary, let bad = strengths.first(where: { $0 > 1 }) {
            throw .invalidOption(option: "--perturbations", message: "flip probabilities must be in [0, 1] (got \(bad))")
        }
        let base = Double(model.energy(weights: weights, on: problem.train)) / p
        return strengths.map { strength in
            var values = [Double]()
            values.reserveCapacity(samples)
            for _ in 0..<samples {
                let perturbed: [Double]
                if model.weights == .binary {
                    perturbed = weights.map { generator.uniform() < strength ? -$0 : $0 }
                } else {
                    perturbed = weights.map { $0 + strength * generator.gaussian() * $0 }
                }
                values.append(Double(model.energy(weights: perturbed, on: problem.train)) / p - base)
            }
            let mean = values.reduce(0, +) / Double(samples)
            let variance = values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(samples - 1)
            return Point(strength: strength, mean: mean, standardError: (variance / Double(samples)).squareRoot())
        }
    }
}
