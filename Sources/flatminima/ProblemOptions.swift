import ArgumentParser
import FlatMinima

extension Model.Kind: ExpressibleByArgument {}
extension Model.Weights: ExpressibleByArgument {}
extension Model.Architecture: ExpressibleByArgument {}
extension ProblemSpec.Task: ExpressibleByArgument {}
extension ProblemSpec.Inputs: ExpressibleByArgument {}
extension ProblemSpec.TeacherPrior: ExpressibleByArgument {}
extension RecordFormat: ExpressibleByArgument {}
extension DataHeader: ExpressibleByArgument {}

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
    @Option(name: [.customShort("K"), .customLong("hidden")], parsing: .unconditional,
            help: "Hidden units of a committee machine (odd; default 3).")
    var hidden: Int?

    @Option(name: .customShort("N"), parsing: .unconditional,
            help: "Number of inputs, 1 ... 10^9 (default 1001; taken from the file with --data).")
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

    @Option(parsing: .unconditional,
            help: "Fresh patterns for the test error of a teacher task, 1 ... 10^7 (default 10000).")
    var testPatterns: Int?

    @Option(help: "CSV file: feature columns then a ±1 label (e.g. data/digits.csv).")
    var data: String?

    @Option(parsing: .unconditional, help: "Fraction of the data file held out for testing, in [0, 1) (default 0.2).")
    var testFraction: Double?

    @Option(help: ArgumentHelp("Whether the data file's first row names the columns: yes | no | auto (default "
                               + "auto: a row of numbers is data, a row of names a header, a mix an error)."))
    var header: DataHeader?

    @Option(parsing: .unconditional, help: "Margin κ in [0, 100] on every unit's stability.")
    var margin: Double = 0

    @Option(parsing: .unconditional, help: "Seed of the instance (patterns, labels, teacher, split), 0 ... 2^63-1.")
    var instanceSeed: Int = 1

    /// The request these flags make.
    var request: ProblemRequest {
        var request = ProblemRequest()
        request.model = model
        request.weights = weights
        request.arch = arch
        request.hidden = hidden
        request.inputs = inputs
        request.alpha = alpha
        request.patterns = patterns
        request.task = task
        request.inputKind = inputsKind
        request.teacher = teacher
        request.testPatterns = testPatterns
        request.data = data
        request.testFraction = testFraction
        request.header = header
        request.margin = margin
        return request
    }

    /// The problem spec for instance seed `seed`, checked by the request (errors name the flags).
    func spec(instanceSeed seed: Int) throws -> ProblemSpec {
        do { return try request.spec(instanceSeed: seed) } catch { throw error.optionError }
    }
}
