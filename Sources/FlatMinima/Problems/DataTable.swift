import Foundation

/// A real data set read from CSV: feature columns, then a ±1 label; an optional header row.
///
/// `split(testFraction:generator:)` holds out a seeded random subset as the test split and standardises
/// every feature with the training split's mean and standard deviation (constant features become 0), so
/// that a perceptron without bias sees centred inputs of unit scale.
public struct DataTable: Sendable {
    public let features: Int
    public let rows: [[Double]]
    public let labels: [Double]

    /// Reads `path`; every failure names the file, and the line where there is one.
    public static func load(path: String) throws(FlatMinimaError) -> DataTable {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw .invalidData(path: path,
                    message: "cannot be read (\(FileManager.default.fileExists(atPath: path) ? "not UTF-8 text or unreadable" : "no such file"))")
        }
        var rows: [[Double]] = [], labels: [Double] = []
        var features = -1
        var lineNumber = 0
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            lineNumber += 1
            let trimmed = line.trimmingCharacters(in: .whitespacesAndNewlines)
            if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
            let cells = trimmed.split(separator: ",", omittingEmptySubsequences: false)
                .map { $0.trimmingCharacters(in: .whitespaces) }
            let numbers = cells.map { Double($0) }
            if rows.isEmpty, features < 0, numbers.contains(where: { $0 == nil }) {
                features = cells.count - 1   // header row
                continue
            }
            guard cells.count >= 2 else {
                throw .invalidData(path: path,
                                   message: "line \(lineNumber): needs at least one feature column and a label")
            }
            if features < 0 { features = cells.count - 1 }
            guard cells.count == features + 1 else {
                throw .invalidData(path: path,
                                   message: "line \(lineNumber): \(cells.count) columns, expected \(features + 1)")
            }
            var row = [Double]()
            row.reserveCapacity(features)
            for (column, value) in numbers.enumerated() {
                guard let value else {
                    throw .invalidData(path: path,
                            message: "line \(lineNumber), column \(column + 1): '\(cells[column])' is not a number")
                }
                guard value.isFinite else {
                    throw .invalidData(path: path,
                            message: "line \(lineNumber), column \(column + 1): \(cells[column]) is not a finite number")
                }
                if column < features { row.append(value) }
            }
            let label = numbers[features]!
            guard label == 1 || label == -1 else {
                throw .invalidData(path: path, message: "line \(lineNumber): label \(cells[features]) is not +1 or -1")
            }
            rows.append(row)
            labels.append(label)
        }
        guard rows.count >= 2 else {
            throw .invalidData(path: path, message: "needs at least 2 data rows (found \(rows.count))")
        }
        return DataTable(features: features, rows: rows, labels: labels)
    }

    /// A seeded train/test split with features standardised on the training split.
    public func split(testFraction: Double, generator: Generator) -> (train: PatternSet, test: PatternSet) {
        let order = generator.permutation(rows.count)
        let testCount = min(rows.count - 1, Int((testFraction * Double(rows.count)).rounded()))
        let testRows = Array(order[0..<testCount]), trainRows = Array(order[testCount...])
        var mean = [Double](repeating: 0, count: features), scale = [Double](repeating: 0, count: features)
        for r in trainRows { for j in 0..<features { mean[j] += rows[r][j] } }
        for j in 0..<features { mean[j] /= Double(trainRows.count) }
        for r in trainRows { for j in 0..<features { let d = rows[r][j] - mean[j]; scale[j] += d * d } }
        for j in 0..<features {
            let sd = (scale[j] / Double(trainRows.count)).squareRoot()
            scale[j] = sd > 1e-12 ? 1 / sd : 0
        }
        func set(_ indices: [Int]) -> PatternSet {
            var values = [Double]()
            values.reserveCapacity(indices.count * features)
            for r in indices { for j in 0..<features { values.append((rows[r][j] - mean[j]) * scale[j]) } }
            return PatternSet(count: indices.count, dimension: features, values: values,
                              labels: indices.map { labels[$0] })
        }
        return (set(trainRows), set(testRows))
    }
}
