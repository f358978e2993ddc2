import Foundation

/// A configuration saved with everything needed to regenerate its instance exactly
/// (`flatminima solve --save-weights FILE`, read back by `flatminima measure FILE`).
///
/// File format: JSON Lines, one configuration per line, each an object with
/// `format` ("flatminima-configuration/1"), `version` (FlatMinima's), `problem` (the `ProblemSpec`:
/// model, task, inputs, patterns, teacher prior, instance seed, test patterns, data file, test
/// fraction), `fingerprint` (FNV-1a of the training set, as a decimal string), `solver`, `seed`,
/// `options` (the solver's parameters) and `weights` (the flat weight vector, ±1 for binary weights).
public struct SavedConfiguration: Codable, Sendable {
    public static let formatName = "flatminima-configuration/1"

    public var format: String
    public var version: String
    public var problem: ProblemSpec
    public var fingerprint: String
    public var solver: String
    public var seed: UInt64
    public var options: [String: String]
    public var weights: [Double]

    public init(problem: Problem, solver: String, seed: UInt64, options: [String: String], weights: [Double]) {
        format = Self.formatName
        version = FlatMinima.version
        self.problem = problem.spec
        fingerprint = String(problem.train.fingerprint)
        self.solver = solver
        self.seed = seed
        self.options = options
        self.weights = weights
    }

    /// One JSON line.
    public func line() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }

    /// Reads every configuration of a file (LF, CRLF or CR line ends); errors name the file, the line and
    /// the field. Every decoded field is checked (`check()`) before anything uses it, so that a tampered or
    /// truncated file is refused in one line instead of trapping later.
    public static func load(path: String) throws(FlatMinimaError) -> [SavedConfiguration] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw .invalidData(path: path, message: "cannot be read ("
                               + (FileManager.default.fileExists(atPath: path) ? "unreadable" : "no such file") + ")")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw .invalidData(path: path, message: "cannot be read (not UTF-8 text)")
        }
        var result: [SavedConfiguration] = []
        // "\r\n" is one Character in Swift: splitting on "\n" alone would leave a CRLF file in one piece.
        let lines = text.split(omittingEmptySubsequences: false) { $0 == "\n" || $0 == "\r\n" || $0 == "\r" }
        for (index, line) in lines.enumerated() where !line.allSatisfy(\.isWhitespace) {
            let saved: SavedConfiguration
            do { saved = try JSONDecoder().decode(SavedConfiguration.self, from: Data(line.utf8)) } catch {
                throw .invalidData(path: path, message: "line \(index + 1): \(describe(error))")
            }
            if let problem = saved.check() {
                throw .invalidData(path: path, message: "line \(index + 1): \(problem)")
            }
            result.append(saved)
        }
        guard !result.isEmpty else { throw .invalidData(path: path, message: "holds no configuration") }
        return result
    }

    /// The accepted values of the fields that are enumerations.
    static let choices: [String: [String]] = [
        "problem.model.kind": Model.Kind.allCases.map(\.rawValue),
        "problem.model.weights": Model.Weights.allCases.map(\.rawValue),
        "problem.model.architecture": Model.Architecture.allCases.map(\.rawValue),
        "problem.task": ProblemSpec.Task.allCases.map(\.rawValue),
        "problem.inputs": ProblemSpec.Inputs.allCases.map(\.rawValue),
        "problem.teacherPrior": ProblemSpec.TeacherPrior.allCases.map(\.rawValue),
        "problem.dataHeader": DataHeader.allCases.map(\.rawValue),
    ]

    /// A decoding failure in one line: the field it concerns (a dotted path) and what is wrong.
    static func describe(_ error: any Error) -> String {
        func path(_ keys: [any CodingKey]) -> String {
            keys.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
                .replacingOccurrences(of: ".[", with: "[")
        }
        switch error as? DecodingError {
        case let .keyNotFound(key, context)?:
            return "field \(path(context.codingPath + [key])) is missing"
        case let .typeMismatch(type, context)?:
            return "field \(path(context.codingPath)): expected \(type)"
        case let .valueNotFound(type, context)?:
            return "field \(path(context.codingPath)): expected \(type), got null"
        case let .dataCorrupted(context)?:
            var text = context.debugDescription.split(separator: "\n").first.map(String.init) ?? ""
            if let underlying = context.underlyingError as NSError?,
               let detail = underlying.userInfo[NSDebugDescriptionErrorKey] as? String {
                text += " " + (detail.split(separator: "\n").first.map(String.init) ?? "")
            }
            guard !context.codingPath.isEmpty else {
                return "not a FlatMinima configuration (not one JSON object: \(text))"
            }
            let field = path(context.codingPath)
            if let accepted = choices[field] {
                return "field \(field): \(text) (accepted: \(accepted.joined(separator: ", ")))"
            }
            return "field \(field): \(text)"
        default:
            return "not a FlatMinima configuration (\(error))"
        }
    }

    /// What is wrong with the decoded configuration, if anything, naming the field and the accepted
    /// values: the format, the model (a perceptron has one hidden unit; a committee an odd K that
    /// divides N for a tree; N in [1, 10^9]; a finite margin in [0, 100]), the problem's ranges (P, test
    /// patterns, test fraction, memory), the fingerprint, the solver's name, the number of weights and
    /// their values (±1, or finite with a non-zero norm on every unit).
    public func check() -> String? {
        guard format == Self.formatName else {
            return "field format: '\(format)', expected '\(Self.formatName)'"
        }
        let model = problem.model
        // Before anything divides by the number of hidden units.
        if model.kind == .perceptron, model.hidden != 1 {
            return "field problem.model.hidden: a perceptron has 1 hidden unit (got \(model.hidden))"
        }
        if model.kind == .committee, model.hidden < 1 {
            return "field problem.model.hidden: must be a positive odd integer (got \(model.hidden))"
        }
        let fields = ["N": "problem.model.inputs", "K": "problem.model.hidden", "margin": "problem.model.margin",
                      "alpha": "problem.patterns", "patterns": "problem.patterns",
                      "test_patterns": "problem.testPatterns", "test_fraction": "problem.testFraction",
                      "data": "problem.dataFile"]
        func named(_ error: FlatMinimaError) -> String {
            let request = RequestError(error)
            let names = request.keys.compactMap { fields[$0] }
            return names.isEmpty ? "field problem: \(error.description)"
                : "field \(Array(Set(names)).sorted().joined(separator: ", ")): \(request.message)"
        }
        do {
            try model.validate(pm1Inputs: problem.task != .data && problem.inputs == .pm1)
            try problem.validate()
            try ProblemSpec.checkTestPatterns(problem.testPatterns)
            try ProblemSpec.checkTestFraction(problem.testFraction)
        } catch {
            return named(error)
        }
        if problem.task == .data, problem.patterns < 1 {
            return "field problem.patterns: must be at least 1 (got \(problem.patterns))"
        }
        guard UInt64(fingerprint) != nil else {
            return "field fingerprint: '\(fingerprint)' is not a decimal 64-bit fingerprint"
        }
        do { _ = try SolverRegistry.entry(named: solver) } catch {
            return "field solver: \(RequestError(error).message)"
        }
        guard weights.count == model.weightCount else {
            return "field weights: \(weights.count) weights, the model has \(model.weightCount) "
                + "(K = \(model.hidden) units of \(model.fanIn) inputs)"
        }
        if let bad = weightsProblem() { return "field weights: \(bad)" }
        return nil
    }

    /// What is wrong with the saved weights for the model, if anything: binary weights must be ±1,
    /// spherical ones finite with a non-zero norm on every unit.
    func weightsProblem() -> String? {
        let model = problem.model
        switch model.weights {
        case .binary:
            if let bad = weights.first(where: { $0 != 1 && $0 != -1 }) {
                return "binary weights must be ±1 (got \(bad))"
            }
        case .spherical:
            if let bad = weights.first(where: { !$0.isFinite }) {
                return "spherical weights must be finite (got \(bad))"
            }
            let n = model.fanIn
            if weights.count == model.weightCount {
                for k in 0..<model.hidden where weights[(k * n)..<((k + 1) * n)].allSatisfy({ $0 == 0 }) {
                    return "unit \(k) has zero norm (spherical weights have |w_k|² = n)"
                }
            }
        }
        return nil
    }

    /// Regenerates the instance and checks it against the saved fingerprint (and, for a data task, the
    /// saved N against the file's feature columns).
    public func instance(path: String) throws(FlatMinimaError) -> Problem {
        if let problem = check() { throw .invalidData(path: path, message: problem) }
        let problem = try Problem(problem)
        guard problem.model.inputs == self.problem.model.inputs else {
            let saved = self.problem.model.inputs, file = self.problem.dataFile ?? ""
            throw .invalidData(path: path, message: "field problem.model.inputs: N = \(saved), but the data file "
                               + "\(file) has \(problem.model.inputs) features")
        }
        guard String(problem.train.fingerprint) == fingerprint else {
            throw .invalidData(path: path, message: "the regenerated instance differs from the saved one "
                               + "(fingerprint \(problem.train.fingerprint), saved \(fingerprint)); saved by "
                               + "FlatMinima \(version)")
        }
        guard weights.count == problem.model.weightCount else {
            throw .invalidData(path: path,
                               message: "\(weights.count) weights, the model has \(problem.model.weightCount)")
        }
        return problem
    }

    /// The record of these weights on `problem` (their regenerated instance) with the fields of each
    /// measure: the instance, both seeds, the training and test errors, then the measures, drawn from the
    /// measure stream of the saved solver seed (as `solve --measure` draws them), then the version and commit.
    public func record(problem: Problem, measures: [Measure]) throws(FlatMinimaError) -> Record {
        let generator = Generator(base: seed, stream: Seeds.SolverStream.measure.rawValue)
        let spec = problem.spec, model = spec.model
        var record = Record([
            ("model", .string(model.kind.rawValue)), ("weights", .string(model.weights.rawValue)),
            ("arch", .string(model.kind == .perceptron ? "none" : model.architecture.rawValue)),
            ("K", .int(model.hidden)), ("N", .int(model.inputs)), ("P", .int(problem.train.count)),
            ("alpha", .double(spec.reportedAlpha)), ("alpha_actual", .double(spec.alpha)),
            ("task", .string(spec.task.rawValue)),
            ("margin", .double(model.margin)), ("solver", .string(solver)),
            ("instance_seed", .seed(spec.instanceSeed)),
            ("seed", .seed(seed)),
            ("train_errors", .int(model.energy(weights: weights, on: problem.train))),
            ("test_error", problem.testError(weights).map { .double($0) } ?? .null),
        ])
        for measure in measures {
            record.fields += try measure.fields(weights, problem: problem, generator: generator)
        }
        record.fields += Record.provenance
        return record
    }
}
