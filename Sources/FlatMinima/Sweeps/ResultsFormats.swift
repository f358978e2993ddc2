import Foundation

extension Results {
    /// What kind of file `load(path:)` read.
    public enum Kind: String, Sendable {
        /// A sweep's or merge's results file (header run_id, run, sweep; one sweep; rows keyed by run).
        case sweep
        /// A TSV of records (`solve`/`measure`/`theory --format tsv`, a `--curves` long table, `table
        /// --format tsv`): one header, rows of its width.
        case records
        /// JSON Lines of records (`solve`/`measure`/`theory --format json`): one object per line.
        case jsonLines = "json"
    }

    /// Reads any results file the tool writes: a sweep's results file (checked as `read(path:)` does), a
    /// TSV of records, or JSON Lines (detected by a first non-blank character `{`). Lists in JSON become
    /// comma-separated cells and nulls NA, as in the TSV output of the same records, so both formats give
    /// the same table. Lines may end in `\n` or `\r\n`; a torn last line (no newline) is dropped and said.
    public static func load(path: String) throws(FlatMinimaError) -> (table: Table, kind: Kind) {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw .invalidData(path: path, message: "cannot read the file")
        }
        let firstByte = data.first { ![0x20, 0x09, 0x0A, 0x0D].contains($0) }
        if firstByte == UInt8(ascii: "{") { return (try parseJSONLines(data, path: path), .jsonLines) }
        if data.starts(with: Array((leadingColumns.joined(separator: "\t") + "\t").utf8))
            || data.starts(with: Array(leadingColumns.joined(separator: "\t").utf8)) {
            return (try parse(data, path: path), .sweep)
        }
        return (try parseRecordsTSV(data, path: path), .records)
    }

    /// The lines of a text file: split at `\n` or `\r\n`, the torn last line (no newline) removed.
    static func lines(_ data: Data, path: String) throws(FlatMinimaError) -> (lines: [String], torn: Bool) {
        guard let text = String(data: data, encoding: .utf8) else {
            throw .invalidData(path: path, message: "not a results file (not UTF-8 text)")
        }
        var lines = text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" })
            .map(String.init)
        let torn = !(lines.last ?? "").isEmpty
        lines.removeLast()
        return (lines, torn)
    }

    /// A TSV with one header line and rows of its width (the records' TSV, a long table of curves).
    static func parseRecordsTSV(_ data: Data, path: String) throws(FlatMinimaError) -> Table {
        let (lines, torn) = try lines(data, path: path)
        guard let header = lines.first, !header.isEmpty else {
            throw .invalidData(path: path, message: "is empty (expected a header line of tab-separated column names)")
        }
        let columns = header.components(separatedBy: "\t")
        var seen = Set<String>()
        for column in columns where !seen.insert(column).inserted || column.isEmpty {
            throw .invalidData(path: path + ":1", message: column.isEmpty ? "the header has an empty column name"
                               : "the header names the column '\(column)' twice")
        }
        var table = Table(columns: columns, rows: [])
        for (offset, line) in lines.enumerated().dropFirst() where !line.isEmpty {
            let cells = line.components(separatedBy: "\t")
            guard cells.count == columns.count else {
                throw .invalidData(path: "\(path):\(offset + 1)", message: "a row of \(cells.count) cells, but the "
                                   + "header has \(columns.count) columns")
            }
            table.rows.append(cells)
            table.lines.append(offset + 1)
        }
        table.droppedTornRow = torn
        return table
    }

    /// One JSON value of a record: a scalar, or a list of numbers (a measure's curve).
    enum Cell: Decodable {
        case text(String)

        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if container.decodeNil() { self = .text("NA"); return }
            if let b = try? container.decode(Bool.self) { self = .text(b ? "1" : "0"); return }
            if let i = try? container.decode(Int.self) { self = .text(String(i)); return }
            if let u = try? container.decode(UInt64.self) { self = .text(String(u)); return }
            if let d = try? container.decode(Double.self) { self = .text(Record.Value.double(d).text); return }
            if let s = try? container.decode(String.self) {
                self = .text(Record.Value.string(s).text)
                return
            }
            if let list = try? container.decode([Double?].self) {
                self = .text(list.map { $0.map { Record.Value.double($0).text } ?? "NA" }.joined(separator: ","))
                return
            }
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "a nested object or list")
        }

        var text: String { if case let .text(t) = self { return t }; return "NA" }
    }

    /// JSON Lines of flat records; the columns are the union of the keys, in order of first appearance
    /// within the file's text (a key's position in its line).
    static func parseJSONLines(_ data: Data, path: String) throws(FlatMinimaError) -> Table {
        let (lines, torn) = try lines(data, path: path)
        var columns: [String] = [], index: [String: Int] = [:]
        var objects: [(line: Int, values: [String: String])] = []
        let decoder = JSONDecoder()
        for (offset, line) in lines.enumerated() where !line.allSatisfy(\.isWhitespace) {
            let values: [String: Cell]
            do {
                values = try decoder.decode([String: Cell].self, from: Data(line.utf8))
            } catch {
                throw .invalidData(path: "\(path):\(offset + 1)", message: "not a flat JSON object of a record "
                                   + "(numbers, strings, null, lists of numbers)")
            }
            // Key order as written: the position of each key's quoted name in the line.
            let ordered = values.keys.sorted { a, b in
                let ra = line.range(of: "\"\(a)\":")?.lowerBound ?? line.endIndex
                let rb = line.range(of: "\"\(b)\":")?.lowerBound ?? line.endIndex
                return ra == rb ? a < b : ra < rb
            }
            for key in ordered where index[key] == nil {
                index[key] = columns.count
                columns.append(key)
            }
            objects.append((offset + 1, values.mapValues(\.text)))
        }
        guard !objects.isEmpty else { throw .invalidData(path: path, message: "holds no JSON record") }
        var table = Table(columns: columns, rows: [])
        for object in objects {
            table.rows.append(columns.map { object.values[$0] ?? "NA" })
            table.lines.append(object.line)
        }
        table.droppedTornRow = torn
        return table
    }
}
