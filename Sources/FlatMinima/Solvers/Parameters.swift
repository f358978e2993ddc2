/// Solver hyper-parameters: each solver declares its parameters (name, kind, accepted range, default,
/// help), and a `SolverParameters` value holds the user's choices as text, checked against those
/// declarations. The same declarations serve the command line (`--option name=value`, the `solvers`
/// listing) and sweep spec files.
public struct ParameterSpec: Sendable, Hashable {
    public enum Kind: Sendable, Hashable {
        case real(ClosedRange<Double>)
        case integer(ClosedRange<Int>)
        case choice([String])
        /// Free text that the solver parses itself (described by the string).
        case text(String)
    }
    public let name: String
    public let kind: Kind
    public let defaultValue: String
    public let help: String

    public init(_ name: String, _ kind: Kind, default defaultValue: String, help: String) {
        self.name = name
        self.kind = kind
        self.defaultValue = defaultValue
        self.help = help
    }

    /// Whether values are numbers (written as numbers into records).
    public var isNumeric: Bool {
        switch kind {
        case .real, .integer: return true
        case .choice, .text: return false
        }
    }

    /// The accepted range in words, e.g. "a number in [0.001, 1000]".
    public var accepted: String {
        switch kind {
        case let .real(range):
            return "a number in [\(Self.compact(range.lowerBound)), \(Self.compact(range.upperBound))]"
        case let .integer(range): return "an integer in [\(range.lowerBound), \(range.upperBound)]"
        case let .choice(values): return "one of " + values.joined(separator: "|")
        case let .text(format): return format
        }
    }

    static func compact(_ v: Double) -> String {
        v == v.rounded() && abs(v) < 1e15 ? String(Int(v)) : "\(v)"
    }

    /// Checks `text` against the declaration; throws naming the parameter and the accepted range.
    public func check(_ text: String) throws(FlatMinimaError) {
        let ok: Bool
        switch kind {
        case let .real(range):
            if let v = Double(text), v.isFinite { ok = range.contains(v) } else { ok = false }
        case let .integer(range):
            if let v = Int(text) { ok = range.contains(v) } else { ok = false }
        case let .choice(values): ok = values.contains(text)
        case .text: ok = true
        }
        guard ok else { throw .invalidOption(option: name, message: "must be \(accepted) (got '\(text)')") }
    }
}

/// A solver's parameter values, validated against its declarations, defaults filled in.
public struct SolverParameters: Sendable, Hashable {
    /// name → value, every declared parameter present.
    public private(set) var values: [String: String]
    /// The names given explicitly (the others hold their defaults).
    public private(set) var given: Set<String> = []
    /// The declarations, in their declared order.
    public let specs: [ParameterSpec]

    /// Validates `given` (unknown names, values out of range) and fills in defaults.
    public init(_ given: [String: String], specs: [ParameterSpec], solver: String) throws(FlatMinimaError) {
        self.specs = specs
        var values: [String: String] = [:]
        for (name, value) in given {
            guard let spec = specs.first(where: { $0.name == name }) else {
                let known = specs.map(\.name).joined(separator: ", ")
                throw .invalidOption(option: name,
                                     message: "is not a parameter of solver \(solver) (accepted: \(known))")
            }
            try spec.check(value)
            values[name] = value
        }
        self.given = Set(values.keys)
        for spec in specs where values[spec.name] == nil { values[spec.name] = spec.defaultValue }
        self.values = values
    }

    public func double(_ name: String) -> Double {
        guard let text = values[name], let v = Double(text) else { preconditionFailure("undeclared parameter \(name)") }
        return v
    }

    public func int(_ name: String) -> Int {
        guard let text = values[name], let v = Int(text) else { preconditionFailure("undeclared parameter \(name)") }
        return v
    }

    public func string(_ name: String) -> String {
        guard let text = values[name] else { preconditionFailure("undeclared parameter \(name)") }
        return text
    }

    /// (name, value) pairs in declaration order, for output records.
    public var ordered: [(String, String)] { specs.map { ($0.name, values[$0.name]!) } }
}
