import Foundation

/// A grid of values: "start:stop:step" (inclusive, within rounding; a negative step runs downwards)
/// or "a,b,c" — the grids of `theory --alpha`, the measure flags and the ranges of sweep specs.
///
/// A range holds n = ⌊(stop − start)/step + 10⁻⁹⌋ + 1 values, start + i·step for i = 0 … n − 1
/// (`extent`, shared by every range). n is computed and bounded (≤ `maximumCount`) in Double before any conversion
/// to Int, so that a range such as 0:1e300:1e-300 is an error, not a trap. An error names what is
/// accepted; the command line prefixes it with the option, so a bad grid gives one line:
///
///     The value '0.1:0.2:0' is invalid for '--alpha <alpha>': the step is 0; accepted: a comma-separated …
public struct Grid: CustomStringConvertible, Sendable {
    public let values: [Double]
    public let text: String

    /// The most values a grid (or a sweep's range axis) may hold.
    public static let maximumCount = 100_000

    /// What a grid accepts, for error messages.
    static let accepted = "accepted: a comma-separated list of finite numbers, or start:stop:step with a finite "
        + "step != 0 that runs from start towards stop, at most \(maximumCount) values"

    /// Why a grid was rejected; `description` is the whole one-line message.
    public struct Invalid: Error, CustomStringConvertible {
        public let reason: String
        public var description: String { "\(reason); \(Grid.accepted)" }
    }

    /// Why a range start:stop:step has no values or too many.
    public enum RangeError: Error, Equatable {
        case zeroStep
        /// The step runs away from stop.
        case empty
        /// More than `maximumCount` values: the count in Double (infinite when it overflows).
        case tooMany(Double)
    }

    /// The number of values of start:stop:step, whose parts are finite.
    public static func extent(start: Double, stop: Double, step: Double) throws(RangeError) -> Int {
        guard step != 0 else { throw .zeroStep }
        // Everything in Double first: (b − a)/step may be huge, infinite (b − a overflows) or negative.
        let steps = (stop - start) / step
        guard steps >= -1e-9 else { throw .empty }
        let count = (steps + 1e-9).rounded(.down) + 1
        guard count.isFinite, count <= Double(maximumCount) else { throw .tooMany(count) }
        return Int(count)
    }

    /// The grid of `argument`, or `Invalid` saying why not and what is accepted.
    public init(parsing argument: String) throws(Invalid) {
        text = argument
        let parts = argument.split(separator: ":", omittingEmptySubsequences: false)
        func number(_ part: Substring, _ name: String) throws(Invalid) -> Double {
            let trimmed = part.trimmingCharacters(in: .whitespaces)
            guard let value = Double(trimmed), value.isFinite else {
                throw Invalid(reason: "\(name) '\(trimmed)' is not a finite number")
            }
            return value
        }
        switch parts.count {
        case 3:
            let a = try number(parts[0], "start"), b = try number(parts[1], "stop")
            let step = try number(parts[2], "step")
            let count: Int
            do { count = try Self.extent(start: a, stop: b, step: step) } catch {
                switch error {
                case .zeroStep: throw Invalid(reason: "the step is 0")
                case .empty: throw Invalid(reason: "the step runs away from stop")
                case let .tooMany(n): throw Invalid(reason: "\(n < 1e15 ? String(Int(n)) : "too many") values")
                }
            }
            values = (0..<count).map { i in
                i == 0 ? a : Self.tidy(a + Double(i) * step, scale: abs(a) + abs(Double(i) * step))
            }
        case 1:
            var list: [Double] = []
            for part in argument.split(separator: ",", omittingEmptySubsequences: false) {
                list.append(try number(part, "value"))
            }
            guard list.count <= Self.maximumCount else { throw Invalid(reason: "\(list.count) values") }
            values = list
        default:
            throw Invalid(reason: "'\(argument)' has \(parts.count - 1) colons")
        }
    }

    /// A range value start + i·step without the binary rounding of the sum: 0.8 − 2·0.3 =
    /// 0.20000000000000007 becomes 0.2 (15 significant digits, within a few ulps of the sum), and a value
    /// within rounding of 0 (|v| ≤ 4ε·scale, scale = |start| + |i·step|, e.g. −0.3 + 3·0.1) becomes 0.
    private static func tidy(_ value: Double, scale: Double) -> Double {
        let tolerance = 4 * Double.ulpOfOne * scale
        if abs(value) <= tolerance { return 0 }
        guard let short = Double(String(format: "%.15g", value)), abs(short - value) <= tolerance else { return value }
        return short
    }

    /// The grid as given (shown as the default in --help, e.g. "0").
    public var description: String { text }
}
