import CSV
import Foundation

/// Whether the first row of a CSV data file names the columns.
///
/// `auto` reads a first row of numbers as data and a first row without any number as a header, and
/// refuses a first row that mixes both (a typo or an "NA" in a headerless file would otherwise be taken
/// for a header and silently drop a pattern): such a file needs `yes` or `no`.
public enum DataHeader: String, Sendable, Hashable, Codable, CaseIterable {
    /// The first row names the columns.
    case yes
    /// The first row is data.
    case no
    /// A row of numbers is data, a row without numbers a header, a mix of both an error.
    case auto
}

/// A real data set read from CSV: feature columns, then a ±1 label; an optional header row.
///
/// The file is split into rows and fields by CSV.swift (RFC 4180: quoted fields with commas, quotes and
/// line breaks; LF, CRLF or CR line ends; a UTF-8 byte-order mark is skipped). Empty lines and lines
/// starting with `#` are skipped. Every value must be a finite number and every label ±1; a control
/// character (NUL included) anywhere is an error naming its line and column, never a number cut short.
///
/// `split(testFraction:generator:)` holds out a seeded random subset as the test split and standardises
/// every feature with the training split's mean and standard deviation (constant features become 0), so
/// that a perceptron without bias sees centred inputs of unit scale.
public struct DataTable: Sendable {
    /// The number of feature columns (all columns but the last, the label).
    public let features: Int
    /// The feature values, one array of `features` numbers per data row, in file order.
    public let rows: [[Double]]
    /// The labels, ±1, one per row.
    public let labels: [Double]
    /// The header's cells (nil without a header row).
    public let columnNames: [String]?
    /// Warnings about the file (a first column that looks like a pandas index); `load` also writes each
    /// to stderr, once per file and process.
    public let warnings: [String]

    /// Reads `path` with the header rule `header`; every failure names the file, and the line (and
    /// column) where there is one.
    public static func load(path: String, header: DataHeader = .auto) throws(FlatMinimaError) -> DataTable {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw .invalidData(path: path, message: "cannot be read ("
                               + (FileManager.default.fileExists(atPath: path) ? "unreadable" : "no such file") + ")")
        }
        guard var text = String(data: data, encoding: .utf8) else {
            throw .invalidData(path: path, message: "cannot be read (not UTF-8 text)")
        }
        if text.unicodeScalars.first == "\u{FEFF}" { text.unicodeScalars.removeFirst() }
        let table = try parse(text, path: path, header: header)
        for warning in table.warnings { Warnings.once("flatminima: warning: \(path): \(warning)\n") }
        return table
    }

    /// One row of the file as CSV.swift splits it, with the line it starts on.
    struct Row {
        let line: Int
        let cells: [String]
    }

    /// The rows of `text` that are neither empty nor comments, their cells trimmed of spaces and tabs.
    static func splitRows(_ text: String, path: String) throws(FlatMinimaError) -> [Row] {
        let reader: CSVReader
        do { reader = try CSVReader(string: text) } catch {
            throw .invalidData(path: path, message: "cannot be split into CSV rows (\(error))")
        }
        var rows: [Row] = []
        var line = 1
        while let fields = reader.next() {
            let start = line
            // A quoted field keeps its line breaks: the next row starts that many lines further.
            line += 1 + fields.reduce(0) { $0 + lineBreaks(in: $1) }
            let cells = fields.map { $0.trimmingCharacters(in: .whitespaces) }
            for (column, cell) in cells.enumerated() {
                if let bad = cell.unicodeScalars.first(where: isControl) {
                    let code = "U+" + String(format: "%04X", bad.value) + (bad.value == 0 ? " (NUL)" : "")
                    throw .invalidData(path: path, message: "line \(start), column \(column + 1): control character "
                                       + "\(code) in \(shown(cell)) (accepted: printable text, tabs and spaces)")
                }
            }
            if cells.allSatisfy(\.isEmpty) || cells[0].hasPrefix("#") { continue }
            rows.append(Row(line: start, cells: cells))
        }
        if let error = reader.error {
            throw .invalidData(path: path, message: "cannot be split into CSV rows (\(error))")
        }
        return rows
    }

    /// Line breaks inside a (quoted) field: CRLF counts once.
    static func lineBreaks(in field: String) -> Int {
        var count = 0, afterCR = false
        for scalar in field.unicodeScalars {
            if scalar == "\r" || (scalar == "\n" && !afterCR) { count += 1 }
            afterCR = scalar == "\r"
        }
        return count
    }

    /// C0 controls other than tab and line breaks, and DEL.
    static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        (scalar.value < 0x20 && scalar != "\t" && scalar != "\n" && scalar != "\r") || scalar.value == 0x7F
    }

    /// A cell as an error shows it: quoted, control characters and line breaks escaped.
    static func shown(_ cell: String) -> String {
        var out = "'"
        for scalar in cell.unicodeScalars {
            if scalar.value < 0x20 || scalar.value == 0x7F {
                out += "\\u{" + String(scalar.value, radix: 16) + "}"
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        return out + "'"
    }

    /// A cell that makes a first row data rather than names: anything read as a number ("inf" and "nan"
    /// included, which are then refused as data with their line and column).
    static func isNumber(_ cell: String) -> Bool { Double(cell) != nil }

    /// The table of `text` (the contents of `path`, without a byte-order mark).
    static func parse(_ text: String, path: String, header: DataHeader) throws(FlatMinimaError) -> DataTable {
        var rows = try Self.splitRows(text, path: path)
        var names: [String]? = nil
        if let first = rows.first {
            let numeric = first.cells.map(isNumber)
            let isHeader: Bool
            switch header {
            case .yes: isHeader = true
            case .no: isHeader = false
            case .auto:
                if let word = numeric.firstIndex(of: false), let number = numeric.firstIndex(of: true) {
                    throw .invalidData(path: path, message: "line \(first.line): the first row mixes numbers and "
                        + "text (column \(number + 1): \(shown(first.cells[number])), column \(word + 1): "
                        + "\(shown(first.cells[word]))), so it is neither clearly a header nor data; "
                        + "give --header yes or --header no (key header in a sweep spec)")
                }
                isHeader = numeric.allSatisfy { !$0 }
            }
            if isHeader {
                names = first.cells
                rows.removeFirst()
            }
        }
        var features = names.map { $0.count - 1 } ?? -1
        var values: [[Double]] = [], labels: [Double] = []
        values.reserveCapacity(rows.count)
        labels.reserveCapacity(rows.count)
        for row in rows {
            let cells = row.cells, lineNumber = row.line
            guard cells.count >= 2 else {
                throw .invalidData(path: path,
                                   message: "line \(lineNumber): needs at least one feature column and a label")
            }
            if features < 0 { features = cells.count - 1 }
            guard cells.count == features + 1 else {
                let source = names == nil ? "the first row" : "the header"
                throw .invalidData(path: path, message: "line \(lineNumber): \(cells.count) columns, expected "
                                   + "\(features + 1) as in \(source)")
            }
            var row = [Double]()
            row.reserveCapacity(features)
            for (column, cell) in cells.enumerated() {
                guard let value = Double(cell) else {
                    var message = "line \(lineNumber), column \(column + 1): \(shown(cell)) is not a number"
                    if lineBreaks(in: cell) > 0 { message += " (a quoted field over several lines: a missing quote?)" }
                    if names == nil, header != .no, lineNumber == rows.first?.line {
                        message += "; give --header yes if the first row names the columns"
                    }
                    throw .invalidData(path: path, message: message)
                }
                guard value.isFinite else {
                    throw .invalidData(path: path, message: "line \(lineNumber), column \(column + 1): \(cell) "
                                       + "is not a finite number")
                }
                if column < features { row.append(value) }
            }
            let label = Double(cells[features])!
            guard label == 1 || label == -1 else {
                throw .invalidData(path: path, message: "line \(lineNumber): label \(cells[features]) is not +1 or -1")
            }
            values.append(row)
            labels.append(label)
        }
        guard values.count >= 2 else {
            throw .invalidData(path: path, message: "needs at least 2 data rows (found \(values.count))")
        }
        var warnings: [String] = []
        if let names, let index = pandasIndex(names: names, rows: values) {
            warnings.append("the first column (header \(shown(index))) looks like a pandas index (0, 1, 2, ...); "
                            + "it is read as a feature: write the file with index=False or drop the column")
        }
        return DataTable(features: features, rows: values, labels: labels, columnNames: names, warnings: warnings)
    }

    /// The first column's header when the column looks like the index pandas writes by default: an empty
    /// or "Unnamed: 0" header over the distinct integers 0, 1, 2, ... (in any order, as after a shuffle).
    static func pandasIndex(names: [String], rows: [[Double]]) -> String? {
        guard let name = names.first, name.isEmpty || name == "Unnamed: 0", rows.first?.isEmpty == false else {
            return nil
        }
        var seen = Set<Int>()
        for row in rows {
            let value = row[0]
            guard value >= 0, value == value.rounded(), value < Double(Int.max / 2),
                  seen.insert(Int(value)).inserted else { return nil }
        }
        return name
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

/// Warnings written to stderr at most once per process each (a sweep loads a data file for every run).
enum Warnings {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var written = Set<String>()

    /// Writes `text` to stderr unless this process has written it before.
    static func once(_ text: String) {
        let isNew = lock.withLock { written.insert(text).inserted }
        if isNew { FileHandle.standardError.write(Data(text.utf8)) }
    }
}
