import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A sweep's results file: a tidy TSV, one row per finished run, every parameter and result a column.
///
/// The first columns are always `run_id` (content hash of the run's definition), `run` (its index in
/// the spec's enumeration) and `sweep` (the identity of the spec, `SweepSpec.identity`); a file that does
/// not start with them is not ours and is never touched. Rows are appended with one `write(2)` each on an
/// `O_APPEND` descriptor, so a `kill -9` at any moment leaves whole rows only (a torn last line, possible
/// only if the machine itself fails mid-write, is dropped when the file is read back). Lines may end in
/// `\n` or `\r\n` (an edited file may mix them); we write `\n`. Every row has exactly the header's number
/// of cells; a file with a row of another width is corrupt and is refused (naming its line), never padded.
///
/// The file is written by one `Writer` at a time: it holds an advisory lock (`flock`) on the file for its
/// lifetime, and a second writer is refused at once. The file is never renamed or replaced while it is
/// written: when a run brings a column the header lacks, the whole text with the wider header is first
/// saved to a journal `FILE.widen` and then written over the file in place; a crash in between leaves the
/// journal, and the next writer to open the file completes the rewrite from it.
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

        /// The file's text (lines end in `\n`).
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
        return try parse(data, path: path)
    }

    /// Parses the bytes of a results file read from `path` (named in errors); see `read(path:)`.
    public static func parse(_ data: Data, path: String) throws(FlatMinimaError) -> Table {
        guard let text = String(data: data, encoding: .utf8) else {
            throw .invalidData(path: path, message: "not a FlatMinima results file (not UTF-8 text)")
        }
        // Lines end in \n or \r\n (a file may mix them). Swift takes "\r\n" for one Character, never
        // equal to "\n", so both separators are named.
        var lines = text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" })
            .map(String.init)
        // A complete file ends with a newline; anything after the last one is a torn row.
        let torn = !(lines.last ?? "").isEmpty
        lines.removeLast()
        guard let header = lines.first else {
            throw .invalidData(path: path,
                    message: "not a FlatMinima results file (empty; expected a header starting run_id, run, sweep)")
        }
        let columns = header.components(separatedBy: "\t")
        guard Array(columns.prefix(3)) == leadingColumns else {
            throw .invalidData(path: path, message: "not a FlatMinima results file (its header does not start "
                               + "with run_id, run, sweep); refusing to touch it")
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
                throw .invalidData(path: location, message: "a row of \(cells.count) cells, but the header has "
                                   + "\(columns.count) columns (corrupt file)")
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
    /// it was and no temporary file remains. A symlink at `path` keeps pointing at its target, which is
    /// the file replaced; a results file that a sweep is writing (it holds the lock) is refused.
    public static func write(_ table: Table, to path: String) throws(FlatMinimaError) {
        let target = resolved(path)
        let existing = open(target, O_RDONLY)
        defer { if existing >= 0 { close(existing) } }
        if existing >= 0, flock(existing, LOCK_EX | LOCK_NB) != 0 {
            throw .invalidOption(option: "--out", message: "\(path) is being written by a running sweep "
                                 + "(it holds the file's lock); wait for it to end or choose another file")
        }
        let temporary = target + ".tmp-\(getpid())"
        guard FileManager.default.createFile(atPath: temporary, contents: Data(table.text.utf8)) else {
            unlink(temporary)
            throw .runtime("cannot write \(temporary)")
        }
        guard rename(temporary, target) == 0 else {
            unlink(temporary)
            throw .runtime("cannot replace \(path)")
        }
    }

    /// The path a symlink chain at `path` ends at (`path` itself when it is no symlink or does not exist).
    static func resolved(_ path: String) -> String {
        guard let pointer = realpath(path, nil) else { return path }
        defer { free(pointer) }
        return String(cString: pointer)
    }

    /// A cell's text with tabs and line breaks turned into spaces, so that a row stays one TSV line.
    static func cell(_ text: String) -> String {
        guard text.contains(where: { $0 == "\t" || $0.isNewline }) else { return text }
        return String(text.map { $0 == "\t" || $0.isNewline ? " " : $0 })
    }

    /// The text of the C library's error `code` (e.g. "No space left on device").
    static func describe(errno code: Int32) -> String { String(cString: strerror(code)) }

    /// Appends rows to a results file, from any number of threads, holding the file's lock.
    ///
    /// Every byte goes through `write` (the system's `write(2)` unless a test injects another). When a
    /// write fails — a full disk (ENOSPC), a quota, an I/O error — or writes short, the file is cut back to
    /// its last whole row and the writer stops: that append and every later one throw the same error,
    /// which names the file and the cause.
    public final class Writer: @unchecked Sendable {
        /// Writes bytes to a descriptor: the number written, or -1 with `errno` set (as `write(2)`).
        public typealias WriteCall = @Sendable (Int32, UnsafeRawBufferPointer) -> Int

        /// The system's `write(2)`.
        public static let systemWrite: WriteCall = { descriptor, bytes in
            Glibc.write(descriptor, bytes.baseAddress, bytes.count)
        }

        public let path: String
        /// The journal of an in-place rewrite (next to the file a symlink at `path` points to).
        public let journal: String
        public private(set) var columns: [String]
        private let lock = NSLock()
        private let descriptor: Int32
        private let writeCall: WriteCall
        /// The size of the file's whole rows: where a failed write is cut back to.
        private var size: off_t = 0
        /// The error that stopped the writer (every later append throws it).
        private var failure: FlatMinimaError?

        /// The error a writer of a file that another writer holds gets.
        public static func locked(_ path: String) -> FlatMinimaError {
            .invalidOption(option: "--out", message: "\(path) is being written by another sweep (it holds the "
                           + "file's lock); only one sweep may write a results file at a time")
        }

        /// Opens the results file at `path` (created when absent) and takes its lock, refusing at once when
        /// another writer holds it. A rewrite left unfinished by a crash is completed from its journal and a
        /// torn last line is cut off. An empty file is given the header `columns` (none when `columns` is
        /// empty: call `start(columns:)` later); a file with a header keeps its own.
        public init(path: String, columns: [String], write: @escaping WriteCall = systemWrite)
        throws(FlatMinimaError) {
            self.path = path
            writeCall = write
            descriptor = open(path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
            guard descriptor >= 0 else {
                throw .runtime("cannot open \(path) for appending: \(Results.describe(errno: errno))")
            }
            journal = Results.resolved(path) + ".widen"
            self.columns = []
            guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
                close(descriptor)
                throw Self.locked(path)
            }
            do throws(FlatMinimaError) {
                try recover()
                var status = stat()
                guard fstat(descriptor, &status) == 0 else { throw .runtime("cannot stat \(path)") }
                size = status.st_size
                if size > 0 {
                    let table = try Results.read(path: path)
                    self.columns = table.columns
                    if table.droppedTornRow { try dropTornRow() }
                } else if !columns.isEmpty {
                    try start(columns: columns)
                }
            } catch {
                close(descriptor)
                throw error
            }
        }

        deinit { close(descriptor) }

        /// Whether the file has no header yet (it was created, or left empty by a crash).
        public var isEmpty: Bool { lock.withLock { size == 0 } }

        /// Writes the header of an empty file.
        public func start(columns: [String]) throws(FlatMinimaError) {
            lock.lock()
            defer { lock.unlock() }
            precondition(size == 0, "start(columns:) on a file with a header")
            try writeRow(columns)
            self.columns = columns
        }

        /// The file's table, read while the lock is held.
        public func table() throws(FlatMinimaError) -> Table {
            lock.lock()
            defer { lock.unlock() }
            return try Results.read(path: path)
        }

        /// Completes a rewrite that a crash interrupted: the journal holds the whole new text (it is renamed
        /// into place only once complete), so it is written over the file. A partial journal is removed.
        private func recover() throws(FlatMinimaError) {
            unlink(journal + ".tmp")
            guard let data = FileManager.default.contents(atPath: journal) else { return }
            _ = try Results.parse(data, path: journal)
            try replaceContents(data)
            unlink(journal)
        }

        /// Cuts a torn last line (bytes after the last newline) off the file, so that the next row is
        /// appended on a line of its own instead of being glued to the torn one.
        private func dropTornRow() throws(FlatMinimaError) {
            guard let data = FileManager.default.contents(atPath: path), let last = data.last,
                  last != UInt8(ascii: "\n") else { return }
            let keep = off_t((data.lastIndex(of: UInt8(ascii: "\n")) ?? -1) + 1)
            guard ftruncate(descriptor, keep) == 0 else {
                throw .runtime("cannot drop the torn last line of \(path): \(Results.describe(errno: errno))")
            }
            size = keep
        }

        /// Writes every byte of `bytes` at the end of the file (looping over partial writes), or throws
        /// the cause of the first failed write.
        private func writeAll(_ bytes: [UInt8]) throws(FlatMinimaError) {
            var offset = 0
            while offset < bytes.count {
                let written = bytes.withUnsafeBytes { buffer in
                    writeCall(descriptor, UnsafeRawBufferPointer(rebasing: buffer[offset...]))
                }
                if written < 0 {
                    let code = errno
                    if code == EINTR { continue }
                    throw .runtime("cannot write to \(path): \(Results.describe(errno: code))")
                }
                guard written > 0 else { throw .runtime("cannot write to \(path): the write wrote nothing") }
                offset += written
            }
        }

        /// Appends one line of cells; on failure cuts the file back to its last whole row and stops.
        private func writeRow(_ cells: [String]) throws(FlatMinimaError) {
            if let failure { throw failure }
            let line = Array((cells.joined(separator: "\t") + "\n").utf8)
            do {
                try writeAll(line)
                size += off_t(line.count)
            } catch {
                let cut = ftruncate(descriptor, size) == 0 ? "" : " (and cutting it back to its last whole row "
                    + "failed: \(Results.describe(errno: errno)))"
                let stopped = FlatMinimaError.runtime(error.message + cut + "; the sweep stopped, "
                    + "the file keeps its whole rows (continue with --resume once the cause is fixed)")
                failure = stopped
                throw stopped
            }
        }

        /// Writes `data` over the file in place (no rename: a symlink and other open descriptors keep
        /// seeing this file), then flushes it to disk.
        private func replaceContents(_ data: Data) throws(FlatMinimaError) {
            guard ftruncate(descriptor, 0) == 0 else {
                throw .runtime("cannot rewrite \(path): \(Results.describe(errno: errno))")
            }
            size = 0
            try writeAll(Array(data))
            fsync(descriptor)
            size = off_t(data.count)
        }

        /// Replaces the file's table by `table` in place, through the journal: the new text is first saved
        /// whole to `journal` (a crash before that leaves the file as it was, one after it is completed by
        /// the next writer), then written over the file, then the journal is removed.
        public func rewrite(_ table: Table) throws(FlatMinimaError) {
            lock.lock()
            defer { lock.unlock() }
            try rewriteLocked(table)
        }

        private func rewriteLocked(_ table: Table) throws(FlatMinimaError) {
            if let failure { throw failure }
            let data = Data(table.text.utf8)
            let temporary = journal + ".tmp"
            let saved = FileManager.default.createFile(atPath: temporary, contents: data)
            let handle = open(temporary, O_RDONLY)
            if handle >= 0 { fsync(handle); close(handle) }
            guard saved, handle >= 0, rename(temporary, journal) == 0 else {
                unlink(temporary)
                throw .runtime("cannot write the journal \(journal) of \(path) (nothing was changed)")
            }
            do {
                try replaceContents(data)
            } catch {
                let stopped = FlatMinimaError.runtime(error.message + "; the whole table is kept in \(journal) "
                    + "and is written back when the file is next opened (--resume)")
                failure = stopped
                throw stopped
            }
            unlink(journal)
            columns = table.columns
        }

        /// Appends one row given as (column, value) pairs; columns the header lacks widen it first (an
        /// in-place rewrite through the journal, see `rewrite(_:)`).
        public func append(_ cells: [(String, String)]) throws(FlatMinimaError) {
            lock.lock()
            defer { lock.unlock() }
            if let failure { throw failure }
            let missing = cells.map(\.0).filter { !columns.contains($0) }
            if !missing.isEmpty {
                var table = try Results.read(path: path)
                var seen = Set(table.columns)
                for name in missing where !seen.contains(name) {
                    table.columns.append(name)
                    seen.insert(name)
                }
                table.rows = table.rows.map { $0 + [String](repeating: "NA", count: table.columns.count - $0.count) }
                try rewriteLocked(table)
            }
            var row = [String](repeating: "NA", count: columns.count)
            for (name, value) in cells { row[columns.firstIndex(of: name)!] = Results.cell(value) }
            try writeRow(row)
        }
    }

    /// Columns that may differ between two executions of the same run: timings, the version and the
    /// commit the executable was built from.
    public static func isIncidental(_ column: String) -> Bool {
        column == "seconds" || column.hasSuffix("_seconds") || column == "version" || column == "commit"
    }

    /// Merges results files of the same sweep: refuses different `sweep` values (unless `sweep` is given:
    /// the caller has checked that every input belongs to that sweep, whose identity then replaces the
    /// cell), keeps the first row of each run_id, orders rows by run index and columns by first
    /// appearance. A run_id seen twice is dropped when both rows agree (apart from `isIncidental` columns)
    /// and refused otherwise, naming both files and lines and the columns that differ.
    public static func merge(_ tables: [(path: String, table: Table)], sweep: String? = nil)
        throws(FlatMinimaError) -> (table: Table, duplicates: Int) {
        var columns: [String] = []
        var seenColumns = Set<String>()
        var hashes: [String: String] = [:]
        for (path, table) in tables {
            for c in table.columns where !seenColumns.contains(c) { columns.append(c); seenColumns.insert(c) }
            for (index, row) in table.rows.enumerated() {
                if let h = table.value(row, "sweep") { hashes[h] = hashes[h] ?? "\(path):\(table.line(ofRow: index))" }
            }
        }
        if sweep == nil, hashes.count > 1 {
            let list = hashes.map { "\($0.value) has sweep \($0.key)" }.sorted().joined(separator: "; ")
            throw .invalidData(path: tables.map(\.path).joined(separator: ","),
                               message: "outputs of different specs cannot be merged (\(list))")
        }
        let sweepColumn = columns.firstIndex(of: "sweep")
        var byID: [String: (run: Int, cells: [String], origin: String)] = [:]
        var duplicates = 0
        for (path, table) in tables {
            for (index, row) in table.rows.enumerated() {
                guard let id = table.value(row, "run_id") else { continue }
                var cells = columns.map { table.value(row, $0) ?? "NA" }
                if let sweep, let sweepColumn { cells[sweepColumn] = sweep }
                let origin = "\(path):\(table.line(ofRow: index))"
                if let first = byID[id] {
                    let differing = columns.indices
                        .filter { !isIncidental(columns[$0]) && first.cells[$0] != cells[$0] }.map { columns[$0] }
                    guard differing.isEmpty else {
                        let shown = differing.prefix(5).joined(separator: ", ") + (differing.count > 5 ? ", ..." : "")
                        throw .invalidData(path: origin, message: "run_id \(id) is also at \(first.origin) with "
                                           + "other values (\(shown)); refusing to choose")
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
