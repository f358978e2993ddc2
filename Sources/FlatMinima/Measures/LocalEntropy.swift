import Foundation

/// The local entropy around a configuration w̃ by belief propagation, the Franz–Parisi potential
/// (SCIENCE.md §5; Huang & Kabashima, PRE 90, 2014; Baldassi et al., PRL 115, 2015).
///
/// BP runs on the same instance with an extra field λ w̃_i on every weight. At its fixed point the Bethe
/// free entropy estimates φ(λ) = (1/N) log Σ_{E(w)=0} e^{λ Σ_i w_i w̃_i}, the overlap is
/// q(λ) = (1/N) Σ_i w̃_i tanh h_i, and the local entropy at distance d = (1 − q)/2 is S(d) = φ − λ q.
/// Every configuration within the shell being a solution would give the ceiling
/// −d log d − (1 − d) log(1 − d). λ runs over a grid with continuation (each BP starts from the previous
/// fixed point). Typical solutions of the binary perceptron are isolated (S < 0 at small d); solutions
/// in wide flat minima approach the ceiling. Perceptrons and committee machines with binary weights.
public struct LocalEntropy: Sendable {
    public struct Point: Sendable, Equatable {
        public let lambda: Double
        /// φ(λ), the Bethe free entropy with the field λ w̃.
        public let freeEntropy: Double
        public let overlap: Double
        public let distance: Double
        public let entropy: Double
        public let ceiling: Double
        public let converged: Bool
    }

    public let lambdas: [Double]
    public let options: MessagePassingOptions

    public init(lambdas: [Double], options: MessagePassingOptions) throws(FlatMinimaError) {
        guard !lambdas.isEmpty, lambdas.allSatisfy({ $0 >= 0 && $0 <= 100 }) else {
            let given = lambdas.map { "\($0)" }.joined(separator: ",")
            throw .invalidOption(option: RequestKeys.option(["lambdas"]),
                                 message: "needs at least one value, each λ in [0, 100] (λ ≥ 0 couples to the "
                                     + "reference; tanh λ = 1 to double precision beyond ~19) (got \(given))")
        }
        self.lambdas = lambdas
        self.options = options
    }

    /// The curve around `reference` (binary weights) on `problem`.
    public func curve(around reference: [Double], problem: Problem,
                      generator: Generator) throws(FlatMinimaError) -> [Point] {
        guard problem.model.weights == .binary else {
            throw .invalidOption(option: RequestKeys.option(["measure"]), message: "local-entropy needs binary weights")
        }
        let engine = options.engine(problem, generator: generator)
        let n = Double(reference.count)
        return lambdas.map { lambda in
            engine.external = reference.map { Field.clamp(lambda * $0) }
            var change = Double.infinity, iterations = 0
            repeat {
                change = engine.iterate(sequential: options.sequential, generator: generator)
                iterations += 1
            } while iterations < options.maxIterations && change >= options.tolerance && change.isFinite
            let h = engine.fields
            let q = zip(h, reference).reduce(0) { $0 + tanh($1.0) * $1.1 } / n
            let phi = engine.freeEntropy()
            let d = max(0, (1 - q) / 2)
            let ceiling = d <= 0 || d >= 1 ? 0 : -d * log(d) - (1 - d) * log(1 - d)
            // φ = (1/N) log Σ_{solutions} e^{λ w·w̃} ≥ −λ as soon as one solution exists (each term is at least
            // e^{−λN}); a fixed point below that (less log 2 of slack for the Bethe approximation), or NaN,
            // describes an empty set, not a converged curve point.
            let meaningful = phi.isFinite && q.isFinite && phi >= -lambda - log(2.0)
            return Point(lambda: lambda, freeEntropy: phi, overlap: q, distance: d, entropy: phi - lambda * q,
                         ceiling: ceiling, converged: change < options.tolerance && meaningful)
        }
    }
}
