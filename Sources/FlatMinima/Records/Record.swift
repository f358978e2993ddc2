import Foundation

/// One output record: an ordered list of named values (one JSON object, one TSV row).
public struct Record: Sendable, Equatable {
    public enum Value: Sendable, Equatable {
        case int(Int)
        /// An unsigned integer beyond `Int.max` (a seed of 2^63 or more); smaller ones are `.int`.
        case unsigned(UInt64)
        case double(Double)
        case string(String)
        case bool(Bool)
        case doubles([Double])
        case null

        /// JSON text; non-finite numbers become null.
        public var json: String {
            switch self {
            case let .int(v): return String(v)
            case let .unsigned(v): return String(v)
            case let .double(v): return Value.number(v) ?? "null"
            case let .string(v): return Record.quote(v)
            case let .bool(v): return v ? "true" : "false"
            case let .doubles(v): return "[" + v.map { Value.number($0) ?? "null" }.joined(separator: ",") + "]"
            case .null: return "null"
            }
        }

        /// Text for a TSV cell or a table: no quotes, "NA" for null.
        public var text: String {
            switch self {
            case let .int(v): return String(v)
            case let .unsigned(v): return String(v)
            case let .double(v): return Value.number(v) ?? "NA"
            case let .string(v):
                return v.replacingOccurrences(of: "\t", with: " ").replacingOccurrences(of: "\n", with: " ")
            case let .bool(v): return v ? "1" : "0"
            case let .doubles(v): return v.map { Value.number($0) ?? "NA" }.joined(separator: ",")
            case .null: return "NA"
            }
        }

        /// Text for an aligned table: like `text`, with doubles (and arrays of them) to 6 significant digits.
        public var short: String {
            switch self {
            case let .double(v) where v.isFinite && v != v.rounded(): return String(format: "%.6g", v)
            case let .doubles(values): return values.map { Value.double($0).short }.joined(separator: ",")
            default: return text
            }
        }

        /// A 64-bit seed as its decimal value: `.int` up to `Int.max`, `.unsigned` above (never negative).
        public static func seed(_ value: UInt64) -> Value {
            value <= UInt64(Int.max) ? .int(Int(value)) : .unsigned(value)
        }

        /// Shortest round-trip decimal of a finite double.
        static func number(_ v: Double) -> String? {
            guard v.isFinite else { return nil }
            if v == v.rounded(), abs(v) < 1e15 { return String(Int(v)) }
            return "\(v)"
        }
    }

    public typealias Field = (name: String, value: Value)

    public var fields: [Field]

    public init(_ fields: [Field] = []) { self.fields = fields }

    public static func == (a: Record, b: Record) -> Bool {
        a.fields.count == b.fields.count
            && zip(a.fields, b.fields).allSatisfy { $0.name == $1.name && $0.value == $1.value }
    }

    public subscript(name: String) -> Value? {
        fields.first(where: { $0.name == name })?.value
    }

    public mutating func append(_ name: String, _ value: Value) { fields.append((name, value)) }

    /// The fields that say what produced a record, in this order: FlatMinima's version and the git commit
    /// the binary was built from (`FlatMinima.build.commitText`: the hash, "+dirty" or "unknown").
    public static var provenance: [Field] {
        [("version", .string(FlatMinima.version)), ("commit", .string(FlatMinima.build.commitText))]
    }

    /// The record as one line of JSON, keys in record order.
    public var json: String {
        "{" + fields.map { Record.quote($0.name) + ":" + $0.value.json }.joined(separator: ",") + "}"
    }

    static func quote(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            default:
                if scalar.value < 0x20 {
                    out += String(format: "\\u%04x", scalar.value)
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }
}

/// Output formats of records.
public enum RecordFormat: String, Sendable, CaseIterable {
    case json, tsv, table

    /// Renders records: JSON lines, a TSV with one header (the union of the records' columns, in order
    /// of first appearance), or an aligned text table of `columns` (all columns when nil).
    public func render(_ records: [Record], columns: [String]? = nil) -> String {
        switch self {
        case .json:
            return records.map(\.json).joined(separator: "\n") + (records.isEmpty ? "" : "\n")
        case .tsv:
            let names = columns ?? RecordFormat.union(records)
            var lines = [names.joined(separator: "\t")]
            for r in records { lines.append(names.map { r[$0]?.text ?? "NA" }.joined(separator: "\t")) }
            return lines.joined(separator: "\n") + "\n"
        case .table:
            let names = columns ?? RecordFormat.union(records)
            let rows = [names] + records.map { r in names.map { r[$0]?.short ?? "NA" } }
            return RecordFormat.align(rows)
        }
    }

    static func union(_ records: [Record]) -> [String] {
        var seen = Set<String>(), names: [String] = []
        for r in records { for f in r.fields where seen.insert(f.name).inserted { names.append(f.name) } }
        return names
    }

    /// Aligns rows of cells in columns: text left, numbers right, a rule under the header.
    public static func align(_ rows: [[String]]) -> String {
        guard let header = rows.first else { return "" }
        var widths = header.map(\.count)
        for row in rows {
            for (j, cell) in row.enumerated() where j < widths.count { widths[j] = max(widths[j], cell.count) }
        }
        func pad(_ cell: String, _ width: Int) -> String {
            let padding = String(repeating: " ", count: max(0, width - cell.count))
            return Double(cell) != nil || cell == "NA" ? padding + cell : cell + padding
        }
        var lines: [String] = []
        for (i, row) in rows.enumerated() {
            lines.append(row.enumerated().map { pad($1, widths[$0]) }.joined(separator: "  ")
                .replacingOccurrences(of: "\\s+$", with: "", options: .regularExpression))
            if i == 0 { lines.append(widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ")) }
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
