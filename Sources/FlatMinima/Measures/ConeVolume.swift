import Foundation

/// The log volume of solutions in a cone of angle θ around a spherical-weight configuration w̃, the
/// spherical counterpart of the local entropy (SCIENCE.md §5; Franz & Parisi 1995; for the spherical
/// perceptron, Baldassi et al., PRL 123, 2019):
///
///     V(θ) = (1/N) log [ Area{w : |w|² = N, w·w̃ = N cos θ, E(w) = 0} / Area{|w|² = N} ],
///
/// by AMP with a Gaussian prior of precision ρ tilted by λ w̃ (`AMPPrior`'s cone). At each AMP step ρ
/// and λ are chosen so that |w|²/N = 1 and w·w̃/N = cos θ (in closed form, with A replaced by its mean,
/// exact for ±1 inputs where A is uniform); at the fixed point the Legendre transform of the TAP free
/// entropy φ(ρ, λ) gives V = φ + ρ/2 − λ cos θ − ½ log(2πe). With no patterns V = log sin θ, the
/// ceiling where every configuration of the cone is a solution. Angles run with continuation.
public struct ConeVolume: Sendable {
    public struct Point: Sendable, Equatable {
        public let angle: Double
        public let volume: Double
        public let ceiling: Double
        public let converged: Bool
    }

    public let angles: [Double]
    public let maxIterations: Int
    public let tolerance: Double

    public init(angles: [Double], maxIterations: Int = 2000, tolerance: Double = 1e-8) throws(FlatMinimaError) {
        guard !angles.isEmpty else { throw .invalidOption(option: RequestKeys.option(["angles"]),
                                                          message: "needs at least one angle") }
        if let bad = angles.first(where: { !($0 > 0 && $0 < Double.pi / 2) }) {
            throw .invalidOption(option: RequestKeys.option(["angles"]),
                                 message: "every angle θ must be in (0, π/2) radians (got \(bad))")
        }
        self.angles = angles
        self.maxIterations = maxIterations
        self.tolerance = tolerance
    }

    /// The curve around `reference` (spherical weights, perceptron).
    public func curve(around reference: [Double], problem: Problem,
                      generator: Generator) throws(FlatMinimaError) -> [Point] {
        guard problem.model.weights == .spherical, problem.model.kind == .perceptron else {
            throw .invalidOption(option: RequestKeys.option(["measure"]),
                                 message: "cone-volume needs a perceptron with spherical weights")
        }
        let n = Double(reference.count)
        let norm = (reference.reduce(0) { $0 + $1 * $1 } / n).squareRoot()
        guard norm > 0 else {
            throw .invalidOption(option: RequestKeys.option(["measure"]),
                                 message: "cone-volume needs a non-zero reference")
        }
        let unit = reference.map { $0 / norm }
        let state = AMPState(problem: problem, prior: AMPPrior(.cone(reference: unit, overlap: cos(angles[0]))),
                             damping: 0.5, initialScale: 0.001, generator: generator)
        return angles.map { angle in
            // The next angle starts from the previous fixed point (and its ρ, λ).
            state.prior.kind = .cone(reference: unit, overlap: cos(angle))
            var change = Double.infinity, iterations = 0
            repeat {
                change = state.iterate()
                iterations += 1
            } while iterations < maxIterations && change >= tolerance && change.isFinite
            let volume = state.prior.coneVolume(freeEntropy: state.freeEntropy())
            return Point(angle: angle, volume: volume, ceiling: log(sin(angle)), converged: change < tolerance)
        }
    }
}
