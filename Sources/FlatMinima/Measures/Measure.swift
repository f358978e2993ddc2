import Foundation

/// A width estimator run on a solver's configuration; its results become record fields (curves as
/// compact arrays).
public enum Measure: Sendable {
    case localEnergy(LocalEnergy)
    case localEntropy(LocalEntropy)
    case hessian(HessianEstimator)
    case coneVolume(ConeVolume)

    /// The record fields of this measure on `weights`.
    public func fields(_ weights: [Double], problem: Problem, generator: Generator) throws(FlatMinimaError) -> [Record.Field] {
        switch self {
        case let .localEnergy(measure):
            let curve = try measure.curve(weights, problem: problem, generator: generator)
            return [("local_energy_perturbation", .doubles(curve.map(\.strength))),
                    ("local_energy", .doubles(curve.map(\.mean))),
                    ("local_energy_se", .doubles(curve.map(\.standardError))),
                    ("local_energy_loss", .doubles(curve.map(\.loss))),
                    ("local_energy_loss_se", .doubles(curve.map(\.lossStandardError))),
                    ("local_energy_loss_beta", .double(measure.beta)),
                    ("local_energy_samples", .int(measure.samples))]
        case let .localEntropy(measure):
            let curve = try measure.curve(around: weights, problem: problem, generator: generator)
            return [("local_entropy_lambda", .doubles(curve.map(\.lambda))),
                    ("local_entropy_phi", .doubles(curve.map(\.freeEntropy))),
                    ("local_entropy_q", .doubles(curve.map(\.overlap))),
                    ("local_entropy_d", .doubles(curve.map(\.distance))),
                    ("local_entropy_curve", .doubles(curve.map(\.entropy))),
                    ("local_entropy_ceiling", .doubles(curve.map(\.ceiling))),
                    ("local_entropy_converged", .doubles(curve.map { $0.converged ? 1 : 0 }))]
        case let .coneVolume(measure):
            let curve = try measure.curve(around: weights, problem: problem, generator: generator)
            return [("cone_angle", .doubles(curve.map(\.angle))), ("cone_volume", .doubles(curve.map(\.volume))),
                    ("cone_ceiling", .doubles(curve.map(\.ceiling))),
                    ("cone_converged", .doubles(curve.map { $0.converged ? 1 : 0 }))]
        case let .hessian(estimator):
            let top: [Double]
            do { top = try estimator.topEigenvalues(weights: weights, problem: problem, generator: generator) } catch {
                throw .runtime("--measure hessian: \(error)")
            }
            let trace = estimator.trace(weights: weights, problem: problem, generator: generator)
            return [("hessian_top", .doubles(top)), ("hessian_trace", .double(trace.mean)),
                    ("hessian_trace_se", .double(trace.standardError)), ("hessian_beta", .double(estimator.beta))]
        }
    }
}
