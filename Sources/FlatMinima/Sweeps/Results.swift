import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A sweep's results file: a tidy TSV, one row per finished run, every parameter and result a column.
///
/// The first columns are always `run_id` (content hash of the run's definition), `run` (its index in
/// the spec's enumeration) and `sweep` (the spec's hash); a file that does not start with them is not
/// ours and is never touched. Rows are appended with one `write(2)` each on an `O_APPEND` descriptor,
/// so a `kill -9` at any moment leaves whole rows only (a torn last line, possible only if the machine
/// itself fails mid-write, is dropped when the file is read back). When a run brings a column the
/// header lacks (a solver's own fields), the file is rewritten with the wider header into a temporary
/// file that atomically replaces it. Every row has exactly the header's number of cells; a file with a
/// row of another width is corrupt and is refused (naming its line), never padded.
public enum Results {
    public static let leadingColumns = ["run_id", "run", "sweep"]

    /// A parsed results file.
    public struct Table: Sendable {
        public var columns: [String]
        public var rows: [[String]]
        /// The line of each row in the file it was read from (empty for a table made in memory).
        public var lines: [Int]
        /// Whether the file ended in a torn row (bytes after its last newline), which was dropped.
        public var droppedTornRow = false

        public init(columns: [String], rows: [[String]], lines: [Int] = []) {
            self.columns = columns
            self.rows = rows
            self.lines = lines
        }

        /// The line of row `index` in its file, for errors (0 when unknown).
        public func line(ofRow index: Int) -> Int { index < lines.count ? lines[index] : 0 }

        public func column(_ name: String) -> Int? { columns.firstIndex(of: name) }

        public func value(_ row: [String], _ name: String) -> String? {
            column(name).map { $0 < row.count ? row[$0] : "NA" }
        }

        /// The file's text.
        public var text: String {
            ([columns] + rows).map { $0.joined(separator: "\t") + "\n" }.joined()
        }
    }

    /// Reads `path`; throws when it is not a results file of ours, or when a row is corrupt (a width other
    /// than the header's, an empty run_id, a run that is not a non-negative integer), naming the line.
    /// A last line without its newline is a torn row and is dropped.
    public static func read(path: String) throws(FlatMinimaError) -> Table {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw .invalidData(path: path, message: "cannot read the results file")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw .invalidData(path: path, message: "not a FlatMinima results file (not UTF-8 text)")
        }
        var lines = text.components(separatedBy: "\n")
        // A complete file ends with a newline; anything after the last one is a torn row.
        let torn = !(lines.last ?? "").isEmpty
        lines.removeLast()
        guard let header = lines.first else {
            throw .invalidData(path: path,
                    message: "not a FlatMinima results file (empty; expected a header starting run_id, run, sweep)")
        }
        let columns = header.components(separatedBy: "\t")
        guard Array(columns.prefix(3)) == leadingColumns else {
            throw .invalidData(path: path,
                    message: "not a FlatMinima results file (its header does not start with run_id, run, sweep); refusing to touch it")
        }
        var seen = Set<String>()
        for column in columns {
            guard seen.insert(column).inserted else {
                throw .invalidData(path: path + ":1", message: "the header names the column '\(column)' twice")
            }
        }
        var rows: [[String]] = [], rowLines: [Int] = []
        for (offset, line) in lines.enumerated().dropFirst() where !line.isEmpty {
            let cells = line.components(separatedBy: "\t")
            let location = "\(path):\(offset + 1)"
            guard cells.count == columns.count else {
                throw .invalidData(path: location,
                        message: "a row of \(cells.count) cells, but the header has \(columns.count) columns (corrupt file)")
            }
            guard !cells[0].isEmpty else { throw .invalidData(path: location, message: "empty run_id (corrupt file)") }
            guard let run = Int(cells[1]), run >= 0 else {
                throw .invalidData(path: location,
                                   message: "run must be a non-negative integer (got '\(cells[1])'; corrupt file)")
            }
            rows.append(cells)
            rowLines.append(offset + 1)
        }
        var table = Table(columns: columns, rows: rows, lines: rowLines)
        table.droppedTornRow = torn
        return table
    }

    /// Whether `row` is a failed run: its `error` cell is set (not empty, not NA).
    public static func failed(_ row: [String], in table: Table) -> Bool {
        guard let error = table.value(row, "error") else { return false }
        return !error.isEmpty && error != "NA"
    }

    /// Writes `table` to `path` atomically (temporary file, then rename): on any failure `path` is left as
    /// it was and no temporary file remains.
    public static func write(_ table: Table, to path: String) throws(FlatMinimaError) {
        let temporary = path + ".tmp-\(getpid())"
        guard FileManager.default.createFile(atPath: temporary, contents: Data(table.text.utf8)) else {
            unlink(temporary)
            throw .runtime("cannot write \(temporary)")
        }
        guard rename(temporary, path) == 0 else {
            unlink(temporary)
            throw .runtime("cannot replace \(path)")
        }
    }

    /// A cell's text with tabs and line breaks turned into spaces, so that a row stays one TSV line.
    static func cell(_ text: String) -> String {
        guard text.contains(where: { $0 == "\t" || $0.isNewline }) else { return text }
        return String(text.map { $0 == "\t" || $0.isNewline ? " " : $0 })
    }

    /// Appends rows to a results file, from any number of threads.
    public final class Writer: @unchecked Sendable {
        public let path: String
        private var columns: [String]
        private let lock = NSLock()
        private var descriptor: Int32

        /// Opens (creating with `columns` as header when absent) the results file at `path`.
        public init(path: String, columns: [String]) throws(FlatMinimaError) {
            self.path = path
            if FileManager.default.fileExists(atPath: path) {
                let existing = try Results.read(path: path)
                self.columns = existing.columns
                if existing.droppedTornRow { try Self.dropTornRow(path) }
            } else {
                self.columns = columns
                try Results.write(Table(columns: columns, rows: []), to: path)
            }
            descriptor = open(path, O_WRONLY | O_APPEND)
            guard descriptor >= 0 else { throw .runtime("cannot open \(path) for appending") }
        }

        deinit { close(descriptor) }

        /// Cuts a torn last line (bytes after the last newline) off the file, so that the next row is
        /// appended on a line of its own instead of being glued to the torn one.
        static func dropTornRow(_ path: String) throws(FlatMinimaError) {
            guard let data = FileManager.default.contents(atPath: path), let last = data.last,
                  last != UInt8(ascii: "\n") else { return }
            let keep = (data.lastIndex(of: UInt8(ascii: "\n")) ?? -1) + 1
            guard truncate(path, off_t(keep)) == 0 else { throw .runtime("cannot drop the torn last line of \(path)") }
        }

        /// Appends one row given as (column, value) pairs; columns the header lacks widen it first.
        public func append(_ cells: [(String, String)]) throws(FlatMinimaError) {
            lock.lock()
            defer { lock.unlock() }
            let missing = cells.map(\.0).filter { !columns.contains($0) }
            if !missing.isEmpty {
                var table = try Results.read(path: path)
                var seen = Set(table.columns)
                for name in missing where !seen.contains(name) {
                    table.columns.append(name)
                    seen.insert(name)
                }
                table.rows = table.rows.map { $0 + [String](repeating: "NA", count: table.columns.count - $0.count) }
                try Results.write(table, to: path)
                close(descriptor)
                descriptor = open(path, O_WRONLY | O_APPEND)
                guard descriptor >= 0 else { throw .runtime("cannot reopen \(path)") }
                columns = table.columns
            }
            var row = [String](repeating: "NA", count: columns.count)
            for (name, value) in cells { row[columns.firstIndex(of: name)!] = Results.cell(value) }
            let line = Array((row.joined(separator: "\t") + "\n").utf8)
            let written = line.withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
            guard written == line.count else { throw .runtime("short write to \(path)") }
        }
    }

    /// Columns that may differ between two executions of the same run: timings and the version.
    public static func isIncidental(_ column: String) -> Bool {
        column == "seconds" || column.hasSuffix("_seconds") || column == "version"
    }

    /// Merges results files of the same sweep: refuses different `sweep` hashes, keeps the first row of
    /// each run_id, orders rows by run index and columns by first appearance. A run_id seen twice is
    /// dropped when both rows agree (apart from `isIncidental` columns) and refused otherwise, naming
    /// both files and lines and the columns that differ.
    public static func merge(_ tables: [(path: String, table: Table)])
        throws(FlatMinimaError) -> (table: Table, duplicates: Int) {
        var columns: [String] = []
        var seenColumns = Set<String>()
        var hashes: [String: String] = [:]
        for (path, table) in tables {
            for c in table.columns where !seenColumns.contains(c) { columns.append(c); seenColumns.insert(c) }
            for row in table.rows {
                if let h = table.value(row, "sweep") { hashes[h] = hashes[h] ?? path }
            }
        }
        if hashes.count > 1 {
            let list = hashes.map { "\($0.value) has sweep \($0.key)" }.sorted().joined(separator: "; ")
            throw .invalidData(path: tables.map(\.path).joined(separator: ","),
                               message: "outputs of different specs cannot be merged (\(list))")
        }
        var byID: [String: (run: Int, cells: [String], origin: String)] = [:]
        var duplicates = 0
        for (path, table) in tables {
            for (index, row) in table.rows.enumerated() {
                guard let id = table.value(row, "run_id") else { continue }
                let cells = columns.map { table.value(row, $0) ?? "NA" }
                let origin = "\(path):\(table.line(ofRow: index))"
                if let first = byID[id] {
                    let differing = columns.indices
                        .filter { !isIncidental(columns[$0]) && first.cells[$0] != cells[$0] }.map { columns[$0] }
                    guard differing.isEmpty else {
                        throw .invalidData(path: origin,
                                message: "run_id \(id) is also at \(first.origin) with other values (\(differing.prefix(5).joined(separator: ", "))\(differing.count > 5 ? ", ..." : "")); refusing to choose")
                    }
                    duplicates += 1
                    continue
                }
                byID[id] = (Int(table.value(row, "run") ?? "") ?? Int.max, cells, origin)
            }
        }
        let rows = byID.values.sorted { $0.run < $1.run }.map(\.cells)
        return (Table(columns: columns, rows: rows), duplicates)
    }
}
