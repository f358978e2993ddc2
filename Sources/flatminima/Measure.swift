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

    @Option(help: ArgumentHelp("Local energy at these flip probabilities / relative noises "
                               + "(same as --measure local-energy --perturbations GRID)."),
            transform: Grid.init(parsing:))
    var localEnergy: Grid?

    @Option(help: "Local entropy at these λ (same as --measure local-entropy --lambdas GRID).",
            transform: Grid.init(parsing:))
    var localEntropy: Grid?

    @Flag(help: "Hessian top eigenvalues and trace (same as --measure hessian).")
    var hessian = false

    /// Whether any measure is asked for.
    var any: Bool { request.any }

    @Option(help: ArgumentHelp("Local energy: flip probabilities (binary) or relative noise σ (spherical), "
                               + "a,b,c or start:stop:step (default 0.005,0.01,0.02,0.05)."),
            transform: Grid.init(parsing:))
    var perturbations: Grid?

    @Option(help: "Local energy: perturbed samples per point (>= 2).")
    var samples: Int = 100

    @Option(help: "Local energy: β of the cross-entropy loss whose change is reported with the error's (> 0).")
    var lossBeta: Double = 1

    @Option(help: ArgumentHelp("Local entropy: the λ grid, visited in the order given with continuation "
                               + "(default 8,6,4,3,2,1.5,1,0.5)."),
            transform: Grid.init(parsing:))
    var lambdas: Grid?

    @Option(help: ArgumentHelp("Cone volume (spherical weights): angles θ in radians, in (0, π/2), visited in "
                               + "order with continuation (default 1.2,1,0.8,0.6,0.4,0.3,0.2,0.1)."),
            transform: Grid.init(parsing:))
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

    /// The request these flags make.
    var request: MeasureRequest {
        var request = MeasureRequest()
        request.measure = measure
        request.localEnergy = localEnergy
        request.localEntropy = localEntropy
        request.hessian = hessian
        request.perturbations = perturbations
        request.samples = samples
        request.lossBeta = lossBeta
        request.lambdas = lambdas
        request.angles = angles
        request.curves = curves
        request.hessianBeta = hessianBeta
        request.lanczosSteps = lanczosSteps
        request.hessianTop = hessianTop
        request.traceSamples = traceSamples
        return request
    }

    /// The measures asked for, checked against the model before any run (errors name the flags).
    func measures(for model: Model) throws -> [Measure] {
        do { return try request.measures(for: model) } catch { throw error.optionError }
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
            throw ValidationError("--measure: give at least one of local-energy, local-entropy, hessian "
                                  + "(or --local-energy GRID, --local-entropy GRID, --hessian)")
        }
    }

    func run() throws {
        try OutputFiles.check([("--curves", options.curves)])
        let saved = try SavedConfiguration.load(path: file)
        var records: [Record] = []
        for configuration in saved {
            let problem = try configuration.instance(path: file)
            let measures = try options.measures(for: problem.model)
            records.append(try configuration.record(problem: problem, measures: measures))
        }
        if let curves = options.curves {
            try AtomicFile.write(CurveTable.long(records).text, to: curves, option: "--curves")
        }
        let format = self.format ?? (isatty(STDOUT_FILENO) != 0 ? .table : .json)
        Output.write(format.render(records))
    }
}
