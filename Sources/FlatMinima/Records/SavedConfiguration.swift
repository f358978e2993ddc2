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

    /// Reads every configuration of a file; errors name the file and line.
    public static func load(path: String) throws(FlatMinimaError) -> [SavedConfiguration] {
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw .invalidData(path: path,
                    message: "cannot be read (\(FileManager.default.fileExists(atPath: path) ? "unreadable" : "no such file"))")
        }
        var result: [SavedConfiguration] = []
        for (index, line) in text.split(separator: "\n").enumerated()
        where !line.trimmingCharacters(in: .whitespaces).isEmpty {
            let saved: SavedConfiguration
            do { saved = try JSONDecoder().decode(SavedConfiguration.self, from: Data(line.utf8)) } catch {
                throw .invalidData(path: path,
                        message: "line \(index + 1): not a FlatMinima configuration (\(error.localizedDescription))")
            }
            guard saved.format == formatName else {
                throw .invalidData(path: path,
                                   message: "line \(index + 1): format '\(saved.format)', expected '\(formatName)'")
            }
            // The saved problem is checked like command-line options, but reported against the file.
            do {
                try saved.problem.model.validate(pm1Inputs: saved.problem.task != .data && saved.problem.inputs == .pm1)
            } catch {
                throw .invalidData(path: path, message: "line \(index + 1): field problem.model: \(error.description)")
            }
            if saved.problem.task != .data {
                do { try saved.problem.validate() } catch {
                    throw .invalidData(path: path, message: "line \(index + 1): field problem: \(error.description)")
                }
            }
            if let bad = saved.weightsProblem() {
                throw .invalidData(path: path, message: "line \(index + 1): field weights: \(bad)")
            }
            guard saved.weights.count == saved.problem.model.weightCount || saved.problem.task == .data else {
                throw .invalidData(path: path,
                        message: "line \(index + 1): \(saved.weights.count) weights, the model has \(saved.problem.model.weightCount)")
            }
            result.append(saved)
        }
        guard !result.isEmpty else { throw .invalidData(path: path, message: "holds no configuration") }
        return result
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

    /// Regenerates the instance and checks it against the saved fingerprint.
    public func instance(path: String) throws(FlatMinimaError) -> Problem {
        let problem = try Problem(problem)
        guard String(problem.train.fingerprint) == fingerprint else {
            throw .invalidData(path: path,
                    message: "the regenerated instance differs from the saved one (fingerprint \(problem.train.fingerprint), saved \(fingerprint)); saved by FlatMinima \(version)")
        }
        guard weights.count == problem.model.weightCount else {
            throw .invalidData(path: path,
                               message: "\(weights.count) weights, the model has \(problem.model.weightCount)")
        }
        return problem
    }

    /// The record of these weights on `problem` (their regenerated instance) with the fields of each
    /// measure: the instance, both seeds, the training and test errors, then the measures, drawn from the
    /// measure stream of the saved solver seed (as `solve --measure` draws them), and the version.
    public func record(problem: Problem, measures: [Measure]) throws(FlatMinimaError) -> Record {
        let generator = Generator(base: seed, stream: Seeds.SolverStream.measure.rawValue)
        let spec = problem.spec, model = spec.model
        var record = Record([
            ("model", .string(model.kind.rawValue)), ("weights", .string(model.weights.rawValue)),
            ("arch", .string(model.kind == .perceptron ? "none" : model.architecture.rawValue)),
            ("K", .int(model.hidden)), ("N", .int(model.inputs)), ("P", .int(problem.train.count)),
            ("alpha", .double(spec.alpha)), ("task", .string(spec.task.rawValue)),
            ("margin", .double(model.margin)), ("solver", .string(solver)),
            ("instance_seed", .int(Int(truncatingIfNeeded: spec.instanceSeed))),
            ("seed", .int(Int(truncatingIfNeeded: seed))),
            ("train_errors", .int(model.energy(weights: weights, on: problem.train))),
            ("test_error", problem.testError(weights).map { .double($0) } ?? .null),
        ])
        for measure in measures {
            record.fields += try measure.fields(weights, problem: problem, generator: generator)
        }
        record.append("version", .string(FlatMinima.version))
        return record
    }
}
