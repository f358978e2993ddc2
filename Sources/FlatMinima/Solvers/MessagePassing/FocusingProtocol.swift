import Foundation

/// A focusing protocol of `fbp`: the sequence of (γ, y) steps along which the coupling γ between the y
/// replicas and their reference grows (Baldassi et al., PNAS 113, 2016, and
/// carlobaldassi/BinaryCommitteeMachineFBP.jl, whose protocols are values of this kind):
///
/// - standard: γ = ∞ (reinforcement), y = 1/(1 − x) for x = 0, dx, 2dx, … < 1;
/// - scoping: fixed y, γ on a geometric grid from γ_start to γ_end (`gamma_steps` values);
/// - pseudo: γ = atanh(ρ^x), y = 1 + ρ^{1−2x}/(1 − ρ) for ρ = dρ, 2dρ, … < 1;
/// - list: explicit pairs, both sequences non-decreasing.
public enum FocusingProtocol: Sendable, Equatable {
    case standard(dx: Double)
    case scoping(y: Double, gammaStart: Double, gammaEnd: Double, gammaSteps: Int)
    case pseudo(drho: Double, x: Double)
    case list([Step])

    /// One step: the coupling γ (∞ allowed) and the number of replicas y ≥ 1.
    public struct Step: Sendable, Equatable {
        public let gamma: Double
        public let y: Double

        public init(gamma: Double, y: Double) {
            self.gamma = gamma
            self.y = y
        }
    }

    /// The protocol's parameters (`fbp`'s options beside those of every message-passing solver).
    static let specs: [ParameterSpec] = [
        ParameterSpec("protocol", .choice(["standard", "scoping", "pseudo", "list"]), default: "pseudo",
                      help: "standard: γ=∞, y=1/(1−x); scoping: fixed y, γ grid; "
                          + "pseudo: γ=atanh(ρ^x), y=1+ρ^(1−2x)/(1−ρ); list"),
        ParameterSpec("dx", .real(1e-6...0.5), default: "0.01", help: "standard: step of x (y = 1/(1−x))"),
        ParameterSpec("drho", .real(1e-6...0.5), default: "0.05", help: "pseudo: step of ρ from 0 towards 1"),
        ParameterSpec("x", .real(0...1), default: "0.5", help: "pseudo: exponent x"),
        ParameterSpec("y", .real(1...1e6), default: "7", help: "scoping: number of replicas y"),
        ParameterSpec("gamma_start", .real(0...1e6), default: "0.1", help: "scoping: first γ"),
        ParameterSpec("gamma_end", .real(0...1e6), default: "10", help: "scoping: last γ"),
        ParameterSpec("gamma_steps", .integer(1...1_000_000), default: "100",
                      help: "scoping: γ values, geometric from start to end"),
        ParameterSpec("pairs", .text("g1:y1,g2:y2,... (g may be inf)"), default: "",
                      help: "list: explicit (γ, y) steps, both non-decreasing"),
    ]

    /// The protocol named by `protocol` with its parameters; a parameter of another protocol, a scoping
    /// grid that decreases γ or starts a geometric grid at 0, malformed pairs, or a protocol without steps
    /// are errors naming the option.
    init(_ p: SolverParameters) throws(FlatMinimaError) {
        let name = p.string("protocol")
        // A parameter of another protocol would be ignored: say so instead.
        let owners = ["dx": "standard", "drho": "pseudo", "x": "pseudo", "y": "scoping", "gamma_start": "scoping",
                      "gamma_end": "scoping", "gamma_steps": "scoping", "pairs": "list"]
        for option in p.given.sorted() {
            if let owner = owners[option], owner != name {
                throw .invalidOption(option: option,
                                     message: "applies to protocol=\(owner) only (got protocol=\(name))")
            }
        }
        switch name {
        case "standard":
            self = .standard(dx: p.double("dx"))
        case "scoping":
            let start = p.double("gamma_start"), end = p.double("gamma_end"), steps = p.int("gamma_steps")
            guard end >= start else {
                throw .invalidOption(option: "gamma_end", message: "must be >= gamma_start = \(start) (got \(end)): "
                                         + "the protocol must not decrease γ")
            }
            guard start > 0 || steps == 1 else {
                throw .invalidOption(option: "gamma_start", message: "must be > 0 for a geometric γ grid (got 0)")
            }
            self = .scoping(y: p.double("y"), gammaStart: start, gammaEnd: end, gammaSteps: steps)
        case "pseudo":
            self = .pseudo(drho: p.double("drho"), x: p.double("x"))
        default:
            self = .list(try FocusingProtocol.parsePairs(p.string("pairs")))
        }
        guard !steps.isEmpty else {
            throw .invalidOption(option: "protocol", message: "gives no (γ, y) step")
        }
    }

    /// The protocol's name, as the `protocol` option spells it.
    public var name: String {
        switch self {
        case .standard: return "standard"
        case .scoping: return "scoping"
        case .pseudo: return "pseudo"
        case .list: return "list"
        }
    }

    /// The (γ, y) steps in order.
    public var steps: [Step] {
        switch self {
        case let .standard(dx):
            return stride(from: 0.0, to: 1.0, by: dx).map { Step(gamma: .infinity, y: 1 / (1 - $0)) }
        case let .scoping(y, start, end, count):
            return (0..<count).map { k in
                let f = count > 1 ? Double(k) / Double(count - 1) : 0
                return Step(gamma: start * pow(end / max(start, .leastNormalMagnitude), f), y: y)
            }
        case let .pseudo(drho, x):
            return stride(from: drho, to: 1.0, by: drho).map { rho in
                Step(gamma: atanh(pow(rho, x)), y: 1 + pow(rho, 1 - 2 * x) / (1 - rho))
            }
        case let .list(steps):
            return steps
        }
    }

    /// Parses "g:y,g:y" with both sequences non-decreasing, γ ≥ 0 (or inf), y ≥ 1.
    static func parsePairs(_ text: String) throws(FlatMinimaError) -> [Step] {
        var steps: [Step] = []
        let items = text.split(separator: ",", omittingEmptySubsequences: false)
        for item in items where !(text.isEmpty && item.isEmpty) {
            let parts = item.split(separator: ":").map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2, let g = parts[0] == "inf" ? Double.infinity : Double(parts[0]),
                  let y = Double(parts[1]), g >= 0, !g.isNaN, y >= 1, y.isFinite else {
                throw .invalidOption(option: "pairs",
                                     message: "'\(item)' is not γ:y with γ >= 0 (or inf) and finite y >= 1")
            }
            if let last = steps.last, g < last.gamma || y < last.y {
                throw .invalidOption(option: "pairs", message: "must be non-decreasing in γ and in y "
                                         + "('\(item)' follows \(last.gamma):\(last.y))")
            }
            steps.append(Step(gamma: g, y: y))
        }
        guard !steps.isEmpty else {
            throw .invalidOption(option: "pairs", message: "is empty: give protocol=list pairs=g1:y1,g2:y2,...")
        }
        return steps
    }
}
