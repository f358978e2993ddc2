import Foundation

/// Phase-diagram tables from a results file: rows × columns of one statistic.
///
/// - `success`: the fraction of runs with `solved` = 1 and its Wilson score 95 % interval
///   (Wilson, JASA 22, 209, 1927): with p̂ = s/n and z = 1.96,
///   (p̂ + z²/2n ± z √(p̂(1−p̂)/n + z²/4n²)) / (1 + z²/n) — unlike p̂ ± z√(p̂(1−p̂)/n) it stays inside
///   [0, 1] and is not degenerate at 0/n or n/n;
/// - `mean`, `median`, `stderr` (standard error of the mean), `min`, `max` of a numeric column; `count`.
/// Cells with no runs are empty; non-numeric and NA values are skipped by the numeric statistics (a
/// column without any number is refused by `flatminima table`). Runs that failed (their `error` cell
/// set) have no results: they are counted apart, in `Cell.errors`, never silently.
public enum Summary {
    public enum Statistic: Sendable, Equatable {
        case success, count
        case mean(String), median(String), stderr(String), min(String), max(String)

        /// Parses `success`, `count` or `STAT:COLUMN` (e.g. `mean:iterations`).
        public static func parse(_ text: String) -> Statistic? {
            if text == "success" { return .success }
            if text == "count" { return .count }
            let parts = text.split(separator: ":", maxSplits: 1).map(String.init)
            guard parts.count == 2, !parts[1].isEmpty else { return nil }
            switch parts[0] {
            case "mean": return .mean(parts[1])
            case "median": return .median(parts[1])
            case "stderr": return .stderr(parts[1])
            case "min": return .min(parts[1])
            case "max": return .max(parts[1])
            default: return nil
            }
        }

        public var column: String? {
            switch self {
            case .success: return "solved"
            case .count: return nil
            case let .mean(c), let .median(c), let .stderr(c), let .min(c), let .max(c): return c
            }
        }
    }

    /// One cell's value: the statistic, optional interval, the number of runs it is computed from, and
    /// the number of failed runs in the cell (not part of `runs`, except for `count`, which counts rows).
    public struct Cell: Sendable {
        public let value: Double?
        public let low: Double?
        public let high: Double?
        public let successes: Int?
        public let runs: Int
        public var errors: Int = 0
    }

    /// Whether `column` holds numbers: true when some value is a number, or when all are NA or empty
    /// (nothing measured); false for a column of text such as `solver`.
    public static func isNumeric(_ column: String, in table: Results.Table) -> Bool {
        var anyText = false
        for row in table.rows {
            guard let v = table.value(row, column), !v.isEmpty, v != "NA" else { continue }
            if Double(v) != nil { return true }
            anyText = true
        }
        return !anyText
    }

    /// Wilson score interval for s successes in n trials at z (1.96: 95 %). Its ends are exactly 0 at s = 0
    /// and 1 at s = n (rounding would leave 5.6e−17 and 1 − 1e−16), and it always contains s/n.
    static func wilson(successes s: Int, trials n: Int, z: Double = 1.959963984540054) -> (low: Double, high: Double) {
        guard n > 0 else { return (0, 1) }
        let p = Double(s) / Double(n), nn = Double(n), z2 = z * z
        let centre = (p + z2 / (2 * nn)) / (1 + z2 / nn)
        let half = z * (p * (1 - p) / nn + z2 / (4 * nn * nn)).squareRoot() / (1 + z2 / nn)
        let low = s <= 0 ? 0 : Swift.min(p, Swift.max(0, centre - half))
        let high = s >= n ? 1 : Swift.max(p, Swift.min(1, centre + half))
        return (low, high)
    }

    /// The statistic over a group of rows.
    public static func cell(_ rows: [[String]], table: Results.Table, statistic: Statistic) -> Cell {
        var cell = statisticCell(rows, table: table, statistic: statistic)
        cell.errors = rows.filter { Results.failed($0, in: table) }.count
        return cell
    }

    static func statisticCell(_ rows: [[String]], table: Results.Table, statistic: Statistic) -> Cell {
        if statistic == .count { return Cell(value: Double(rows.count), low: nil, high: nil, successes: nil,
                                             runs: rows.count) }
        let column = statistic.column!
        let values = rows.compactMap { table.value($0, column).flatMap(Double.init) }.filter(\.isFinite)
        switch statistic {
        case .success:
            let s = values.filter { $0 == 1 }.count, n = values.count
            let (low, high) = wilson(successes: s, trials: n)
            return Cell(value: n > 0 ? Double(s) / Double(n) : nil, low: n > 0 ? low : nil, high: n > 0 ? high : nil,
                        successes: s, runs: n)
        case .mean:
            return Cell(value: values.isEmpty ? nil : values.reduce(0, +) / Double(values.count), low: nil, high: nil,
                        successes: nil, runs: values.count)
        case .median:
            let sorted = values.sorted()
            let m: Double? = sorted.isEmpty ? nil
                : sorted.count % 2 == 1 ? sorted[sorted.count / 2]
                : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
            return Cell(value: m, low: nil, high: nil, successes: nil, runs: values.count)
        case .stderr:
            guard values.count >= 2 else { return Cell(value: nil, low: nil, high: nil, successes: nil,
                                                       runs: values.count) }
            let mean = values.reduce(0, +) / Double(values.count)
            let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(values.count - 1)
            return Cell(value: (variance / Double(values.count)).squareRoot(), low: nil, high: nil, successes: nil,
                        runs: values.count)
        case .min:
            return Cell(value: values.min(), low: nil, high: nil, successes: nil, runs: values.count)
        case .max:
            return Cell(value: values.max(), low: nil, high: nil, successes: nil, runs: values.count)
        case .count:
            fatalError("handled above")
        }
    }

    /// Keys sorted numerically when they all are numbers, lexicographically otherwise.
    public static func sortKeys(_ keys: [[String]]) -> [[String]] {
        keys.sorted { a, b in
            for (x, y) in zip(a, b) where x != y {
                if let u = Double(x), let v = Double(y) { return u < v }
                return x < y
            }
            return false
        }
    }
}
