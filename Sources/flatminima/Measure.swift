import ArgumentParser
import FlatMinima
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The width-measure flags shared by `solve` and `measure`.
struct MeasureOptions: ParsableArguments {
    @Option(help: "Width measures, comma-separated: local-energy, local-entropy, hessian, cone-volume.")
    var measure: String?

    @Option(help: "Local energy at these flip probabilities / relative noises (same as --measure local-energy --perturbations GRID).", transform: Grid.init(parsing:))
    var localEnergy: Grid?

    @Option(help: "Local entropy at these λ (same as --measure local-entropy --lambdas GRID).", transform: Grid.init(parsing:))
    var localEntropy: Grid?

    @Flag(help: "Hessian top eigenvalues and trace (same as --measure hessian).")
    var hessian = false

    /// Whether any measure is asked for.
    var any: Bool { measure != nil || localEnergy != nil || localEntropy != nil || hessian }

    @Option(help: "Local energy: flip probabilities (binary) or relative noise σ (spherical), a,b,c or start:stop:step (default 0.005,0.01,0.02,0.05).", transform: Grid.init(parsing:))
    var perturbations: Grid?

    @Option(help: "Local energy: perturbed samples per point (>= 2).")
    var samples: Int = 100

    @Option(help: "Local energy: β of the cross-entropy loss whose change is reported with the error's (> 0).")
    var lossBeta: Double = 1

    @Option(help: "Local entropy: the λ grid, visited in the order given with continuation (default 8,6,4,3,2,1.5,1,0.5).", transform: Grid.init(parsing:))
    var lambdas: Grid?

    @Option(help: "Cone volume (spherical weights): angles θ in radians, in (0, π/2), visited in order with continuation (default 1.2,1,0.8,0.6,0.4,0.3,0.2,0.1).", transform: Grid.init(parsing:))
    var angles: Grid?

    @Option(help: "Write the measures' curves as a long TSV table (a row per point) to this file.")
    var curves: String?

    @Option(help: "Hessian: β of the cross-entropy loss (> 0).")
    var hessianBeta: Double = 1

    @Option(help: "Hessian: Lanczos steps (>= 2) and number of top eigenvalues reported.")
    var lanczosSteps: Int = 30

    @Option(help: "Hessian: top eigenvalues reported (1 ... lanczos-steps).")
    var hessianTop: Int = 3

    @Option(help: "Hessian: Rademacher samples of Hutchinson's trace estimator (>= 2).")
    var traceSamples: Int = 30

    /// `make()`, its errors about `option` reported under the flag the user gave (`flag`, when not nil).
    private func renamed<T>(_ flag: String?, from option: String, _ make: () throws -> T) throws -> T {
        do { return try make() } catch let error as FlatMinimaError {
            if let flag, case let .invalidOption(name, message) = error, name == option {
                throw FlatMinimaError.invalidOption(option: flag, message: message)
            }
            throw error
        }
    }

    /// The measures asked for with --measure, checked against the model before any run.
    func measures(for model: Model) throws -> [Measure] {
        var names = measure.map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) } ?? []
        if names.contains("") {
            throw FlatMinimaError.invalidOption(option: "--measure", message: "names an empty measure (accepted: local-energy, local-entropy, hessian, cone-volume, comma-separated)")
        }
        if localEnergy != nil, !names.contains("local-energy") { names.append("local-energy") }
        if localEntropy != nil, !names.contains("local-entropy") { names.append("local-entropy") }
        if hessian, !names.contains("hessian") { names.append("hessian") }
        if localEnergy != nil, perturbations != nil {
            throw FlatMinimaError.invalidOption(option: "--local-energy", message: "give the perturbations once (--local-energy GRID or --perturbations GRID)")
        }
        if localEntropy != nil, lambdas != nil {
            throw FlatMinimaError.invalidOption(option: "--local-entropy", message: "give the λ grid once (--local-entropy GRID or --lambdas GRID)")
        }
        let strengths = (localEnergy ?? perturbations)?.values ?? [0.005, 0.01, 0.02, 0.05]
        let lambdaGrid = (localEntropy ?? lambdas)?.values ?? [8, 6, 4, 3, 2, 1.5, 1, 0.5]
        if model.weights == .binary, let bad = strengths.first(where: { $0 > 1 }) {
            throw FlatMinimaError.invalidOption(option: localEnergy != nil ? "--local-energy" : "--perturbations",
                                                message: "flip probabilities must be in [0, 1] (got \(bad))")
        }
        // A grid for a measure that is not asked for would be ignored: say so.
        for (flag, grid, measure) in [("--perturbations", perturbations, "local-energy"), ("--lambdas", lambdas, "local-entropy"),
                                      ("--angles", angles, "cone-volume")] where grid != nil && !names.contains(measure) {
            throw FlatMinimaError.invalidOption(option: flag, message: "applies to the \(measure) measure (add --measure \(measure))")
        }
        return try names.map { name throws -> Measure in
            switch name {
            case "local-energy":
                return .localEnergy(try renamed(localEnergy != nil ? "--local-energy" : nil, from: "--perturbations") {
                    try LocalEnergy(strengths: strengths, samples: samples, beta: lossBeta)
                })
            case "local-entropy":
                guard model.weights == .binary else {
                    throw FlatMinimaError.invalidOption(option: "--measure", message: "local-entropy needs binary weights")
                }
                return .localEntropy(try renamed(localEntropy != nil ? "--local-entropy" : nil, from: "--lambdas") {
                    try LocalEntropy(lambdas: lambdaGrid, options: MessagePassingOptions())
                })
            case "hessian":
                return .hessian(try HessianEstimator(beta: hessianBeta, lanczosSteps: lanczosSteps, top: hessianTop,
                                                     traceSamples: traceSamples))
            case "cone-volume":
                guard model.weights == .spherical, model.kind == .perceptron else {
                    throw FlatMinimaError.invalidOption(option: "--measure", message: "cone-volume needs a perceptron with spherical weights")
                }
                return .coneVolume(try ConeVolume(angles: angles?.values ?? [1.2, 1, 0.8, 0.6, 0.4, 0.3, 0.2, 0.1]))
            default:
                throw FlatMinimaError.invalidOption(option: "--measure", message: "unknown measure '\(name)' (accepted: local-energy, local-entropy, hessian, cone-volume)")
            }
        }
    }
}

/// `flatminima measure FILE`: width measures on saved configurations, their instances regenerated.
struct MeasureCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "measure",
        abstract: "Run width measures on configurations saved by 'solve --save-weights'.",
        discussion: """
        Example:
          flatminima solve --solver sa,fbp -N 1001 --alpha 0.2 --save-weights runs.jsonl
          flatminima measure runs.jsonl --measure local-energy,local-entropy
          flatminima measure runs.jsonl --local-energy 0.01,0.02 --local-entropy 8:1:-1 --hessian
        """
    )

    @Argument(help: "A file written by 'solve --save-weights' (JSON Lines).")
    var file: String

    @OptionGroup(title: "Measures") var options: MeasureOptions

    @Option(help: "Output: json | tsv | table. Default: table on a terminal, json otherwise.")
    var format: RecordFormat?

    func validate() throws {
        guard options.any else {
            throw ValidationError("--measure: give at least one of local-energy, local-entropy, hessian (or --local-energy GRID, --local-entropy GRID, --hessian)")
        }
    }

    func run() throws {
        try OutputFiles.check([("--curves", options.curves)])
        let saved = try SavedConfiguration.load(path: file)
        var records: [Record] = []
        for configuration in saved {
            let problem = try configuration.instance(path: file)
            let measures = try options.measures(for: problem.model)
            let generator = Generator(base: configuration.seed, stream: Seeds.SolverStream.measure.rawValue)
            let spec = problem.spec, model = spec.model
            var record = Record([
                ("model", .string(model.kind.rawValue)), ("weights", .string(model.weights.rawValue)),
                ("arch", .string(model.kind == .perceptron ? "none" : model.architecture.rawValue)),
                ("K", .int(model.hidden)), ("N", .int(model.inputs)), ("P", .int(problem.train.count)),
                ("alpha", .double(spec.alpha)), ("task", .string(spec.task.rawValue)), ("margin", .double(model.margin)),
                ("solver", .string(configuration.solver)), ("instance_seed", .int(Int(truncatingIfNeeded: spec.instanceSeed))),
                ("seed", .int(Int(truncatingIfNeeded: configuration.seed))),
                ("train_errors", .int(model.energy(weights: configuration.weights, on: problem.train))),
                ("test_error", problem.testError(configuration.weights).map { .double($0) } ?? .null),
            ])
            for measure in measures {
                record.fields += try measure.fields(configuration.weights, problem: problem, generator: generator)
            }
            record.append("version", .string(FlatMinima.version))
            records.append(record)
        }
        if let curves = options.curves { try AtomicFile.write(Curves.table(records), to: curves, option: "--curves") }
        let format = self.format ?? (isatty(STDOUT_FILENO) != 0 ? .table : .json)
        Output.write(format.render(records))
    }
}
