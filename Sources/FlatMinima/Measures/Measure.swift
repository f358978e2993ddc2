import Foundation

/// A width estimator run on a solver's configuration; its results become record fields (curves as
/// compact arrays).
public enum Measure: Sendable {
    case localEnergy(LocalEnergy)
    case localEntropy(LocalEntropy)
    case hessian(HessianEstimator)
    case coneVolume(ConeVolume)

    /// The record fields of this measure on `weights`.
    public func fields(_ weights: [Double], problem: Problem,
                       generator: Generator) throws(FlatMinimaError) -> [Record.Field] {
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
                throw .runtime("\(RequestKeys.flag("measure")) hessian: \(error)")
            }
            let trace = estimator.trace(weights: weights, problem: problem, generator: generator)
            return [("hessian_top", .doubles(top)), ("hessian_trace", .double(trace.mean)),
                    ("hessian_trace_se", .double(trace.standardError)), ("hessian_beta", .double(estimator.beta))]
        }
    }
}

/// The width measures asked for, by a command line's flags or a sweep spec's [measure] keys.
///
/// `measures(for:)` is the one validator: it resolves the measure list, refuses grids given twice or for
/// a measure not asked for and checks each measure's options against the model. `init(values:)` reads
/// the keys from text, so a spec accepts exactly what the command line accepts, with the same messages.
public struct MeasureRequest: Sendable {
    /// Comma-separated names: local-energy, local-entropy, hessian, cone-volume.
    public var measure: String?
    /// Local energy at these perturbations (the measure and its grid at once).
    public var localEnergy: Grid?
    /// Local entropy at these λ (the measure and its grid at once).
    public var localEntropy: Grid?
    public var hessian = false
    public var perturbations: Grid?
    public var samples = 100
    public var lossBeta = 1.0
    public var lambdas: Grid?
    public var angles: Grid?
    /// The file of the measures' curves (written by the command line).
    public var curves: String?
    public var hessianBeta = 1.0
    public var lanczosSteps = 30
    public var hessianTop = 3
    public var traceSamples = 30

    public static let names = ["local-energy", "local-entropy", "hessian", "cone-volume"]
    static let defaultStrengths: [Double] = [0.005, 0.01, 0.02, 0.05]
    static let defaultLambdas: [Double] = [8, 6, 4, 3, 2, 1.5, 1, 0.5]
    static let defaultAngles: [Double] = [1.2, 1, 0.8, 0.6, 0.4, 0.3, 0.2, 0.1]

    public init() {}

    /// Whether any measure is asked for.
    public var any: Bool { measure != nil || localEnergy != nil || localEntropy != nil || hessian }

    /// The request of `values` (key, text): values that cannot be read are refused first, in order, then
    /// unknown keys (as the command line's parser does).
    public init(values: [(key: String, value: String)]) throws(RequestError) {
        var unknown: String?
        for (key, text) in values {
            switch key {
            case "measure":
                guard !text.isEmpty else { throw .unreadable(key, text) }
                measure = text
            case "local_energy": localEnergy = try RequestValue.grid(text, key: key)
            case "local_entropy": localEntropy = try RequestValue.grid(text, key: key)
            case "perturbations": perturbations = try RequestValue.grid(text, key: key)
            case "lambdas": lambdas = try RequestValue.grid(text, key: key)
            case "angles": angles = try RequestValue.grid(text, key: key)
            case "hessian":
                // A flag: "--hessian=" sets it; a value is refused.
                guard text.isEmpty else {
                    throw RequestError([key], "The option '--hessian' does not take any value, but '\(text)' was "
                                       + "specified.", isComplete: true)
                }
                hessian = true
            case "samples": samples = try RequestValue.integer(text, key: key)
            case "loss_beta": lossBeta = try RequestValue.number(text, key: key)
            case "curves":
                guard !text.isEmpty else { throw .unreadable(key, text) }
                curves = text
            case "hessian_beta": hessianBeta = try RequestValue.number(text, key: key)
            case "lanczos_steps": lanczosSteps = try RequestValue.integer(text, key: key)
            case "hessian_top": hessianTop = try RequestValue.integer(text, key: key)
            case "trace_samples": traceSamples = try RequestValue.integer(text, key: key)
            default: unknown = unknown ?? key
            }
        }
        if let unknown { throw .unknown(unknown) }
    }

    /// `make()`, its errors about `key` reported under the key the user gave (`given`, when not nil).
    private func renamed<T>(_ given: String?, from key: String,
                            _ make: () throws(FlatMinimaError) -> T) throws(RequestError) -> T {
        do { return try make() } catch {
            let refused = RequestError(error)
            if let given, refused.keys == [key] { throw RequestError([given], refused.message) }
            throw refused
        }
    }

    /// The measures asked for, checked against `model` before any run.
    public func measures(for model: Model) throws(RequestError) -> [Measure] {
        var names = measure.map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) } ?? []
        if names.contains("") {
            throw RequestError(["measure"], "names an empty measure (accepted: \(Self.names.joined(separator: ", ")), "
                               + "comma-separated)")
        }
        if localEnergy != nil, !names.contains("local-energy") { names.append("local-energy") }
        if localEntropy != nil, !names.contains("local-entropy") { names.append("local-entropy") }
        if hessian, !names.contains("hessian") { names.append("hessian") }
        if localEnergy != nil, perturbations != nil {
            throw RequestError(["local_energy"],
                               "give the perturbations once (--local-energy GRID or --perturbations GRID)")
        }
        if localEntropy != nil, lambdas != nil {
            throw RequestError(["local_entropy"], "give the λ grid once (--local-entropy GRID or --lambdas GRID)")
        }
        let strengths = (localEnergy ?? perturbations)?.values ?? Self.defaultStrengths
        let lambdaGrid = (localEntropy ?? lambdas)?.values ?? Self.defaultLambdas
        if model.weights == .binary, let bad = strengths.first(where: { $0 > 1 }) {
            throw RequestError([localEnergy != nil ? "local_energy" : "perturbations"],
                               "flip probabilities must be in [0, 1] (got \(bad))")
        }
        // A grid for a measure that is not asked for would be ignored: say so.
        for (key, grid, measure) in [("perturbations", perturbations, "local-energy"),
                                     ("lambdas", lambdas, "local-entropy"), ("angles", angles, "cone-volume")]
        where grid != nil && !names.contains(measure) {
            throw RequestError([key], "applies to the \(measure) measure (add --measure \(measure))")
        }
        var measures: [Measure] = []
        for name in names {
            switch name {
            case "local-energy":
                let given = localEnergy != nil ? "local_energy" : nil
                measures.append(.localEnergy(try renamed(given, from: "perturbations") { () throws(FlatMinimaError) in
                    try LocalEnergy(strengths: strengths, samples: samples, beta: lossBeta)
                }))
            case "local-entropy":
                guard model.weights == .binary else {
                    throw RequestError(["measure"], "local-entropy needs binary weights")
                }
                let given = localEntropy != nil ? "local_entropy" : nil
                measures.append(.localEntropy(try renamed(given, from: "lambdas") { () throws(FlatMinimaError) in
                    try LocalEntropy(lambdas: lambdaGrid, options: MessagePassingOptions())
                }))
            case "hessian":
                measures.append(.hessian(try renamed(nil, from: "") { () throws(FlatMinimaError) in
                    try HessianEstimator(beta: hessianBeta, lanczosSteps: lanczosSteps, top: hessianTop,
                                         traceSamples: traceSamples)
                }))
            case "cone-volume":
                guard model.weights == .spherical, model.kind == .perceptron else {
                    throw RequestError(["measure"], "cone-volume needs a perceptron with spherical weights")
                }
                measures.append(.coneVolume(try renamed(nil, from: "") { () throws(FlatMinimaError) in
                    try ConeVolume(angles: angles?.values ?? Self.defaultAngles)
                }))
            default:
                throw RequestError(["measure"],
                                   "unknown measure '\(name)' (accepted: \(Self.names.joined(separator: ", ")))")
            }
        }
        return measures
    }
}
