import ArgumentParser
import FlatMinima

extension Model.Kind: ExpressibleByArgument {}
extension Model.Weights: ExpressibleByArgument {}
extension Model.Architecture: ExpressibleByArgument {}
extension ProblemSpec.Task: ExpressibleByArgument {}
extension ProblemSpec.Inputs: ExpressibleByArgument {}
extension ProblemSpec.TeacherPrior: ExpressibleByArgument {}
extension RecordFormat: ExpressibleByArgument {}

/// The flags that describe a problem instance (shared by every command that builds one).
struct ProblemOptions: ParsableArguments {
    @Option(help: "Network: perceptron | committee.")
    var model: Model.Kind = .perceptron

    @Option(help: "Weights: binary (±1) | spherical (real, |w|² = N).")
    var weights: Model.Weights = .binary

    @Option(help: "Committee architecture: tree (disjoint receptive fields) | full (default tree).")
    var arch: Model.Architecture?

    // (Numeric options take the next argument unconditionally, so that "-N -1" reports the range
    // instead of a missing value.)
    @Option(name: [.customShort("K"), .customLong("hidden")], parsing: .unconditional, help: "Hidden units of a committee machine (odd; default 3).")
    var hidden: Int?

    @Option(name: .customShort("N"), parsing: .unconditional, help: "Number of inputs, 1 ... 10^9 (default 1001; taken from the file with --data).")
    var inputs: Int?

    @Option(parsing: .unconditional, help: "Load α = P / number of weights (> 0; P at most 10^9).")
    var alpha: Double?

    @Option(parsing: .unconditional, help: "Number of training patterns P, 1 ... 10^9 (instead of --alpha).")
    var patterns: Int?

    @Option(help: "Task: storage (random labels) | teacher (labels from a teacher). --data implies a data task.")
    var task: ProblemSpec.Task = .storage

    @Option(name: .customLong("inputs"), help: "Inputs: pm1 (±1) | gaussian (default pm1).")
    var inputsKind: ProblemSpec.Inputs?

    @Option(help: "Teacher weights: binary | gaussian (default: binary for binary students, gaussian otherwise).")
    var teacher: ProblemSpec.TeacherPrior?

    @Option(parsing: .unconditional, help: "Fresh patterns for the test error of a teacher task, 1 ... 10^7 (default 10000).")
    var testPatterns: Int?

    @Option(help: "CSV file: feature columns then a ±1 label (e.g. data/digits.csv).")
    var data: String?

    @Option(parsing: .unconditional, help: "Fraction of the data file held out for testing, in [0, 1) (default 0.2).")
    var testFraction: Double?

    @Option(parsing: .unconditional, help: "Margin κ in [0, 100] on every unit's stability.")
    var margin: Double = 0

    @Option(parsing: .unconditional, help: "Seed of the instance (patterns, labels, teacher, split), 0 ... 2^63-1.")
    var instanceSeed: Int = 1

    static let defaultInputs = 1001

    /// The problem spec for instance seed `instanceSeed`; every range is checked by the library.
    func spec(instanceSeed seed: Int) throws -> ProblemSpec {
        if model == .perceptron, let hidden, hidden != 1 {
            throw FlatMinimaError.invalidOption(option: "-K/--hidden", message: "a perceptron has K = 1 (use --model committee for K = \(hidden))")
        }
        let k = model == .committee ? (hidden ?? 3) : 1
        let isData = data != nil || task == .data
        // Options that would be ignored are errors, not silent no-ops.
        if model == .perceptron, let arch, arch != .tree {
            throw FlatMinimaError.invalidOption(option: "--arch", message: "applies to committee machines only (use --model committee)")
        }
        if task != .teacher {
            if teacher != nil { throw FlatMinimaError.invalidOption(option: "--teacher", message: "applies to --task teacher only") }
            if testPatterns != nil { throw FlatMinimaError.invalidOption(option: "--test-patterns", message: "applies to --task teacher only") }
        }
        if !isData, testFraction != nil {
            throw FlatMinimaError.invalidOption(option: "--test-fraction", message: "applies to --data only")
        }
        if isData, inputsKind != nil {
            throw FlatMinimaError.invalidOption(option: "--inputs", message: "is set by the data file; omit it with --data")
        }
        if let testPatterns, !(1...10_000_000).contains(testPatterns) {
            throw FlatMinimaError.invalidOption(option: "--test-patterns", message: "must be in [1, 10^7] (got \(testPatterns))")
        }
        if let testFraction, !(testFraction >= 0 && testFraction < 1) {
            throw FlatMinimaError.invalidOption(option: "--test-fraction", message: "must be in [0, 1) (got \(testFraction))")
        }
        if isData {
            guard data != nil else { throw FlatMinimaError.invalidOption(option: "--data", message: "a data task needs --data FILE") }
            if inputs != nil { throw FlatMinimaError.invalidOption(option: "-N", message: "is set by the data file's columns; omit it with --data") }
            if alpha != nil || patterns != nil {
                throw FlatMinimaError.invalidOption(option: "--alpha/--patterns", message: "are set by the data file and --test-fraction; omit them with --data")
            }
            guard task != .teacher else { throw FlatMinimaError.invalidOption(option: "--task", message: "must be storage or omitted with --data") }
        }
        guard seed >= 0 else {
            throw FlatMinimaError.invalidOption(option: "--instance-seed", message: "must be in [0, 2^63-1] (got \(seed))")
        }
        let n = inputs ?? Self.defaultInputs
        let built = Model(kind: model, weights: weights, architecture: arch ?? .tree, hidden: k, inputs: isData ? 1 : n, margin: margin)
        var p = 0
        if !isData {
            try built.validate(pm1Inputs: (inputsKind ?? .pm1) == .pm1)
            switch (alpha, patterns) {
            case (nil, nil):
                throw FlatMinimaError.invalidOption(option: "--alpha/--patterns", message: "give one: the load α > 0 or the number of patterns P >= 1")
            case (.some, .some):
                throw FlatMinimaError.invalidOption(option: "--alpha/--patterns", message: "give only one of them")
            case let (.some(a), nil):
                guard a.isFinite, a > 0 else { throw FlatMinimaError.invalidOption(option: "--alpha", message: "must be a finite number > 0 (got \(a))") }
                guard (a * Double(built.weightCount)).rounded() <= Double(ProblemSpec.largestPatterns) else {
                    throw FlatMinimaError.invalidOption(option: "--alpha", message: "gives P = \(a * Double(built.weightCount)) patterns (accepted: P <= 10^9, here alpha <= \(Double(ProblemSpec.largestPatterns) / Double(built.weightCount)))")
                }
                p = ProblemSpec.patterns(alpha: a, model: built)
                guard p >= 1 else {
                    throw FlatMinimaError.invalidOption(option: "--alpha", message: "gives P = 0 patterns for \(built.weightCount) weights (need alpha >= \(0.5 / Double(built.weightCount)))")
                }
            case let (nil, .some(count)):
                guard count >= 1, count <= ProblemSpec.largestPatterns else {
                    throw FlatMinimaError.invalidOption(option: "--patterns", message: "must be in [1, 10^9] (got \(count))")
                }
                p = count
            }
        }
        return ProblemSpec(model: built, task: isData ? .data : task, inputs: inputsKind ?? .pm1, patterns: p,
                           teacherPrior: teacher, instanceSeed: UInt64(seed), testPatterns: testPatterns ?? 10_000,
                           dataFile: data, testFraction: testFraction ?? 0.2)
    }
}
