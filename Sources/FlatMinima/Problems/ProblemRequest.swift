import Foundation

/// The names of request keys: a key is the canonical name a sweep spec uses (`N`, `alpha`, `K`,
/// `test_fraction`, `local_energy`, ...); `flatminima` spells it as a flag. This is the one table
/// between the two: `K` is -K/--hidden, `N` is -N, every other key is --kebab-case.
public enum RequestKeys {
    /// The flags of `key`, short first: ["-K", "--hidden"], ["-N"], ["--test-fraction"].
    public static func flags(_ key: String) -> [String] {
        switch key {
        case "K": return ["-K", "--hidden"]
        case "N": return ["-N"]
        default: return ["--" + key.replacingOccurrences(of: "_", with: "-")]
        }
    }

    /// The flag a command line is written with: --hidden, -N, --test-fraction.
    public static func flag(_ key: String) -> String { flags(key).last ?? key }

    /// How an error about `keys` names them on the command line: "-K/--hidden", "--alpha/--patterns".
    public static func option(_ keys: [String]) -> String {
        keys.flatMap(flags).joined(separator: "/")
    }

    /// The keys an option text of `option(_:)` names (its inverse), in order, each once.
    public static func keys(in option: String) -> [String] {
        var keys: [String] = []
        for flag in option.split(separator: "/") {
            let bare = flag.drop { $0 == "-" }.replacingOccurrences(of: "-", with: "_")
            let key = bare == "hidden" ? "K" : bare
            if !keys.contains(key) { keys.append(key) }
        }
        return keys
    }
}

/// A request value that is refused, naming the keys it concerns (canonical names, see `RequestKeys`).
///
/// The command line reports it under its flags (`optionError`); a sweep under the spec's file, line and
/// key. A value that cannot be read as its type carries the whole message (`isComplete`), worded as the
/// command line's parser words it, so that a spec and a command line refuse a value with the same text.
public struct RequestError: Error, Sendable, Equatable, CustomStringConvertible {
    public let keys: [String]
    public let message: String
    /// Whether `message` names the option itself (a value that could not be read).
    public let isComplete: Bool

    public init(_ keys: [String], _ message: String, isComplete: Bool = false) {
        self.keys = keys
        self.message = message
        self.isComplete = isComplete
    }

    /// An error of the library that names flags (`FlatMinimaError.invalidOption`), named by its keys.
    public init(_ error: FlatMinimaError) {
        if case let .invalidOption(option, message) = error {
            self.init(RequestKeys.keys(in: option), message)
        } else {
            self.init([], error.description, isComplete: true)
        }
    }

    /// The error as the command line reports it: "-K/--hidden: message".
    public var optionError: FlatMinimaError {
        keys.isEmpty ? .runtime(message) : .invalidOption(option: RequestKeys.option(keys), message: message)
    }

    public var description: String { isComplete ? message : optionError.description }

    /// `value` of `key` could not be read: the command line parser's wording.
    static func unreadable(_ key: String, _ value: String, valueName: String? = nil,
                           accepted: [String] = [], reason: String? = nil) -> RequestError {
        let name = valueName ?? RequestKeys.flag(key).drop { $0 == "-" }.description
        if value.isEmpty, RequestKeys.flag(key).hasPrefix("--") {
            return RequestError([key], "Missing value for '\(RequestKeys.flag(key)) <\(name)>'", isComplete: true)
        }
        var text = "The value '\(value)' is invalid for '\(RequestKeys.flag(key)) <\(name)>'"
        if let reason { text += ": \(reason)" }
        if !accepted.isEmpty {
            let quoted = accepted.map { "'\($0)'" }
            let list = quoted.count <= 2 ? quoted.joined(separator: " and ")
                : quoted.dropLast().joined(separator: ", ") + " or " + quoted[quoted.count - 1]
            text += ". Please provide one of \(list)."
        }
        return RequestError([key], text, isComplete: true)
    }

    /// `key` is not a known key.
    static func unknown(_ key: String) -> RequestError {
        RequestError([key], "Unknown option '\(RequestKeys.flag(key))'", isComplete: true)
    }
}

/// Readers of request values from text, as the command line reads its flags.
enum RequestValue {
    static func integer(_ text: String, key: String) throws(RequestError) -> Int {
        guard let value = Int(text) else { throw .unreadable(key, text) }
        return value
    }

    static func number(_ text: String, key: String) throws(RequestError) -> Double {
        guard let value = Double(text) else { throw .unreadable(key, text) }
        return value
    }

    static func choice<T: RawRepresentable & CaseIterable>(_ text: String, key: String) throws(RequestError) -> T
    where T.RawValue == String {
        guard let value = T(rawValue: text) else {
            throw .unreadable(key, text, accepted: T.allCases.map(\.rawValue))
        }
        return value
    }

    static func grid(_ text: String, key: String) throws(RequestError) -> Grid {
        do { return try Grid(parsing: text) } catch {
            throw text.isEmpty ? .unreadable(key, text) : .unreadable(key, text, reason: error.description)
        }
    }
}

/// What defines a problem, as asked for: by a command line's flags or a sweep spec's [problem] keys.
///
/// `spec(instanceSeed:)` is the one validator: it refuses options that would be ignored, checks every
/// range and combination and returns the problem spec. `init(values:)` reads the keys from text, so a
/// spec accepts exactly what the command line accepts, with the same messages.
public struct ProblemRequest: Sendable, Hashable {
    public var model: Model.Kind = .perceptron
    public var weights: Model.Weights = .binary
    public var arch: Model.Architecture?
    public var hidden: Int?
    public var inputs: Int?
    public var alpha: Double?
    public var patterns: Int?
    public var task: ProblemSpec.Task = .storage
    public var inputKind: ProblemSpec.Inputs?
    public var teacher: ProblemSpec.TeacherPrior?
    public var testPatterns: Int?
    public var data: String?
    public var testFraction: Double?
    /// Whether the data file's first row is a header (default auto: see `DataHeader`).
    public var header: DataHeader?
    public var margin: Double = 0

    /// The keys of a problem request, in the order they are listed in messages.
    public static let keys = ["model", "weights", "arch", "K", "N", "alpha", "patterns", "task", "inputs",
                              "teacher", "test_patterns", "data", "test_fraction", "header", "margin"]

    /// N when neither -N nor a data file gives it.
    public static let defaultInputs = 1001

    public init() {}

    /// The request of `values` (key, text) in order; a value that cannot be read, or an unknown key,
    /// is refused naming its key.
    public init(values: [(key: String, value: String)]) throws(RequestError) {
        for (key, text) in values {
            switch key {
            case "model": model = try RequestValue.choice(text, key: key)
            case "weights": weights = try RequestValue.choice(text, key: key)
            case "arch": arch = try RequestValue.choice(text, key: key) as Model.Architecture
            case "K": hidden = try RequestValue.integer(text, key: key)
            case "N":
                // -N takes its value unconditionally (so "-N -1" reports the range): never "missing".
                guard let value = Int(text) else { throw .unreadable(key, text, valueName: "N") }
                inputs = value
            case "alpha": alpha = try RequestValue.number(text, key: key)
            case "patterns": patterns = try RequestValue.integer(text, key: key)
            case "task": task = try RequestValue.choice(text, key: key)
            case "inputs": inputKind = try RequestValue.choice(text, key: key) as ProblemSpec.Inputs
            case "teacher": teacher = try RequestValue.choice(text, key: key) as ProblemSpec.TeacherPrior
            case "test_patterns": testPatterns = try RequestValue.integer(text, key: key)
            case "data":
                guard !text.isEmpty else { throw .unreadable(key, text) }
                data = text
            case "test_fraction": testFraction = try RequestValue.number(text, key: key)
            case "header": header = try RequestValue.choice(text, key: key) as DataHeader
            case "margin": margin = try RequestValue.number(text, key: key)
            default: throw .unknown(key)
            }
        }
    }

    /// The problem spec for instance seed `seed`, after every check (the data file itself is read when
    /// the problem is built).
    public func spec(instanceSeed seed: Int) throws(RequestError) -> ProblemSpec {
        if model == .perceptron, let hidden, hidden != 1 {
            throw RequestError(["K"], "a perceptron has K = 1 (use --model committee for K = \(hidden))")
        }
        let k = model == .committee ? (hidden ?? 3) : 1
        let isData = data != nil || task == .data
        // Options that would be ignored are errors, not silent no-ops.
        if model == .perceptron, let arch, arch != .tree {
            throw RequestError(["arch"], "applies to committee machines only (use --model committee)")
        }
        if task != .teacher {
            if teacher != nil { throw RequestError(["teacher"], "applies to --task teacher only") }
            if testPatterns != nil { throw RequestError(["test_patterns"], "applies to --task teacher only") }
        }
        if !isData, testFraction != nil { throw RequestError(["test_fraction"], "applies to --data only") }
        if !isData, header != nil { throw RequestError(["header"], "applies to --data only") }
        if isData, inputKind != nil { throw RequestError(["inputs"], "is set by the data file; omit it with --data") }
        do {
            if let testPatterns { try ProblemSpec.checkTestPatterns(testPatterns) }
            if let testFraction { try ProblemSpec.checkTestFraction(testFraction) }
        } catch { throw RequestError(error) }
        if isData {
            guard data != nil else { throw RequestError(["data"], "a data task needs --data FILE") }
            if inputs != nil { throw RequestError(["N"], "is set by the data file's columns; omit it with --data") }
            if alpha != nil || patterns != nil {
                throw RequestError(["alpha", "patterns"],
                                   "are set by the data file and --test-fraction; omit them with --data")
            }
            guard task != .teacher else { throw RequestError(["task"], "must be storage or omitted with --data") }
        }
        guard seed >= 0 else { throw RequestError(["instance_seed"], "must be in [0, 2^63-1] (got \(seed))") }
        let built = Model(kind: model, weights: weights, architecture: arch ?? .tree, hidden: k,
                          inputs: isData ? 1 : inputs ?? Self.defaultInputs, margin: margin)
        let p = isData ? 0 : try patternCount(built)
        return ProblemSpec(model: built, task: isData ? .data : task, inputs: inputKind ?? .pm1, patterns: p,
                           teacherPrior: teacher, instanceSeed: UInt64(seed), testPatterns: testPatterns ?? 10_000,
                           dataFile: data, testFraction: testFraction ?? 0.2,
                           dataHeader: isData ? header ?? .auto : nil, requestedAlpha: isData ? nil : alpha)
    }

    /// P from --alpha or --patterns for `model` (checked first).
    func patternCount(_ model: Model) throws(RequestError) -> Int {
        do { try model.validate(pm1Inputs: (inputKind ?? .pm1) == .pm1) } catch { throw RequestError(error) }
        let largest = ProblemSpec.largestPatterns
        switch (alpha, patterns) {
        case (nil, nil):
            throw RequestError(["alpha", "patterns"], "give one: the load α > 0 or the number of patterns P >= 1")
        case (.some, .some):
            throw RequestError(["alpha", "patterns"], "give only one of them")
        case let (.some(a), nil):
            guard a.isFinite, a > 0 else { throw RequestError(["alpha"], "must be a finite number > 0 (got \(a))") }
            let weights = Double(model.weightCount)
            guard (a * weights).rounded() <= Double(largest) else {
                throw RequestError(["alpha"], "gives P = \(a * weights) patterns (accepted: P <= 10^9, "
                                   + "here alpha <= \(Double(largest) / weights))")
            }
            let p = ProblemSpec.patterns(alpha: a, model: model)
            guard p >= 1 else {
                throw RequestError(["alpha"], "gives P = 0 patterns for \(model.weightCount) weights "
                                   + "(need alpha >= \(0.5 / weights))")
            }
            return p
        case let (nil, .some(count)):
            guard count >= 1, count <= largest else {
                throw RequestError(["patterns"], "must be in [1, 10^9] (got \(count))")
            }
            return count
        }
    }
}
