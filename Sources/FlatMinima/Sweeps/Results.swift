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
/// file that atomically replaces it.
public enum Results {
    public static let leadingColumns = ["run_id", "run", "sweep"]

    /// A parsed results file.
    public struct Table: Sendable {
        public var columns: [String]
        public var rows: [[String]]

        public init(columns: [String], rows: [[String]]) {
            self.columns = columns
            self.rows = rows
        }

        public func column(_ name: String) -> Int? { columns.firstIndex(of: name) }

        public func value(_ row: [String], _ name: String) -> String? {
            column(name).map { $0 < row.count ? row[$0] : "NA" }
        }

        /// The file's text.
        public var text: String {
            ([columns] + rows).map { $0.joined(separator: "\t") + "\n" }.joined()
        }
    }

    /// Reads `path`; throws when it is not a results file of ours.
    public static func read(path: String) throws(FlatMinimaError) -> Table {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw .invalidData(path: path, message: "cannot read the results file")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw .invalidData(path: path, message: "not a FlatMinima results file (not UTF-8 text)")
        }
        var lines = text.components(separatedBy: "\n")
        // A complete file ends with a newline; anything after the last one is a torn row.
        lines.removeLast()
        guard let header = lines.first else {
            throw .invalidData(path: path, message: "not a FlatMinima results file (empty; expected a header starting run_id, run, sweep)")
        }
        let columns = header.components(separatedBy: "\t")
        guard Array(columns.prefix(3)) == leadingColumns else {
            throw .invalidData(path: path, message: "not a FlatMinima results file (its header does not start with run_id, run, sweep); refusing to touch it")
        }
        let rows = lines.dropFirst().filter { !$0.isEmpty }.map { line -> [String] in
            var cells = line.components(separatedBy: "\t")
            if cells.count < columns.count { cells += [String](repeating: "NA", count: columns.count - cells.count) }
            return cells
        }
        return Table(columns: columns, rows: rows)
    }

    /// Writes `table` to `path` atomically (temporary file, then rename).
    public static func write(_ table: Table, to path: String) throws(FlatMinimaError) {
        let temporary = path + ".tmp-\(getpid())"
        guard FileManager.default.createFile(atPath: temporary, contents: Data(table.text.utf8)) else {
            throw .runtime("cannot write \(temporary)")
        }
        guard rename(temporary, path) == 0 else {
            unlink(temporary)
            throw .runtime("cannot replace \(path)")
        }
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
                self.columns = try Results.read(path: path).columns
            } else {
                self.columns = columns
                try Results.write(Table(columns: columns, rows: []), to: path)
            }
            descriptor = open(path, O_WRONLY | O_APPEND)
            guard descriptor >= 0 else { throw .runtime("cannot open \(path) for appending") }
        }

        deinit { close(descriptor) }

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
            for (name, value) in cells { row[columns.firstIndex(of: name)!] = value }
            let line = Array((row.joined(separator: "\t") + "\n").utf8)
            let written = line.withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
            guard written == line.count else { throw .runtime("short write to \(path)") }
        }
    }

    /// Merges results files of the same sweep: refuses different `sweep` hashes, keeps the first row of
    /// each run_id, orders rows by run index and columns by first appearance.
    public static func merge(_ tables: [(path: String, table: Table)]) throws(FlatMinimaError) -> (table: Table, duplicates: Int) {
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
            throw .invalidData(path: tables.map(\.path).joined(separator: ","), message: "outputs of different specs cannot be merged (\(list))")
        }
        var byID: [String: (Int, [String])] = [:]
        var duplicates = 0
        for (_, table) in tables {
            for row in table.rows {
                guard let id = table.value(row, "run_id") else { continue }
                if byID[id] != nil { duplicates += 1; continue }
                let cells = columns.map { table.value(row, $0) ?? "NA" }
                byID[id] = (Int(table.value(row, "run") ?? "") ?? Int.max, cells)
            }
        }
        let rows = byID.values.sorted { $0.0 < $1.0 }.map(\.1)
        return (Table(columns: columns, rows: rows), duplicates)
    }
}
