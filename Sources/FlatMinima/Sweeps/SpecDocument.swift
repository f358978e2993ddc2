import Foundation

/// A sweep spec file read into keys, values and the line each key is on, so that every error can name
/// the file, the line and the key.
///
/// Two syntaxes are accepted:
/// - **TOML** (the subset a spec needs): `key = value` lines, `[table]` and `[[array-of-tables]]`
///   headers, `#` comments; values are basic "strings" (escapes \" \\ \n \t) or 'literal strings',
///   integers, floats (`1e-3`, `inf`), booleans and arrays (which may span lines). Dotted keys, inline
///   tables, dates and multi-line strings are not supported and are reported as errors.
/// - **JSON**: an object with the same structure (tables are objects, arrays of tables are arrays of
///   objects); the line of a key is that of its first occurrence in the file.
struct SpecDocument: Sendable {
    indirect enum Value: Sendable, Equatable, CustomStringConvertible {
        case string(String)
        case integer(Int)
        case double(Double)
        case bool(Bool)
        case array([Value])

        var description: String {
            switch self {
            case let .string(s): return s
            case let .integer(i): return String(i)
            case let .double(d): return d == d.rounded() && abs(d) < 1e15 ? String(format: "%.1f", d) : "\(d)"
            case let .bool(b): return b ? "true" : "false"
            case let .array(a): return "[" + a.map(\.description).joined(separator: ", ") + "]"
            }
        }

        /// The kind, for "wrong type" errors.
        var kind: String {
            switch self {
            case .string: return "a string"
            case .integer: return "an integer"
            case .double: return "a number"
            case .bool: return "a boolean"
            case .array: return "an array"
            }
        }
    }

    /// One `key = value` with its line (1-based).
    struct Entry: Sendable {
        let key: String
        let value: Value
        let line: Int
    }

    /// A table: its entries in file order and the line of its header (0 for the top level).
    struct Table: Sendable {
        var entries: [Entry] = []
        var line: Int = 0
        func entry(_ key: String) -> Entry? { entries.first { $0.key == key } }
    }

    let path: String
    var root = Table()
    /// `[name]` tables.
    var tables: [(name: String, table: Table)] = []
    /// `[[name]]` arrays of tables.
    var arrays: [(name: String, tables: [Table])] = []

    /// An error at `line` of this file, naming `key`.
    func error(_ line: Int, _ key: String?, _ message: String) -> FlatMinimaError {
        .invalidData(path: path + (line > 0 ? ":\(line)" : ""), message: (key.map { "key '\($0)': " } ?? "") + message)
    }

    func table(_ name: String) -> Table? { tables.first { $0.name == name }?.table }
    func array(_ name: String) -> [Table] { arrays.first { $0.name == name }?.tables ?? [] }

    /// Reads `path`: JSON when it ends in `.json` or starts with `{`, TOML otherwise.
    static func load(path: String) throws(FlatMinimaError) -> SpecDocument {
        guard let data = FileManager.default.contents(atPath: path),
              let text = String(data: data, encoding: .utf8) else {
            throw .invalidData(path: path, message: "cannot read the spec file (missing, unreadable or not UTF-8)")
        }
        if path.hasSuffix(".json") || text.drop(while: \.isWhitespace).first == "{" {
            return try parseJSON(text, path: path)
        }
        return try parseTOML(text, path: path)
    }

    // MARK: TOML subset

    static func parseTOML(_ text: String, path: String) throws(FlatMinimaError) -> SpecDocument {
        var document = SpecDocument(path: path)
        enum Target { case root, table(Int), array(Int) }
        var target = Target.root
        let lines = text.components(separatedBy: "\n")
        var index = 0
        func fail(_ line: Int, _ key: String?, _ message: String) -> FlatMinimaError {
            SpecDocument(path: path).error(line, key, message)
        }
        while index < lines.count {
            let lineNumber = index + 1
            var line = stripComment(lines[index])
            index += 1
            line = line.trimmingCharacters(in: .whitespaces)
            if line.isEmpty { continue }
            if line.hasPrefix("[[") {
                guard line.hasSuffix("]]") else {
                    throw fail(lineNumber, nil, "malformed array-of-tables header '\(excerpt(line))'")
                }
                let name = String(line.dropFirst(2).dropLast(2)).trimmingCharacters(in: .whitespaces)
                guard isBareKey(name) else { throw fail(lineNumber, nil, "unsupported table name '\(excerpt(name))'") }
                if document.tables.contains(where: { $0.name == name }) {
                    throw fail(lineNumber, name, "is already a [table]; it cannot also be an array of tables")
                }
                if let i = document.arrays.firstIndex(where: { $0.name == name }) {
                    document.arrays[i].tables.append(Table(line: lineNumber))
                    target = .array(i)
                } else {
                    document.arrays.append((name, [Table(line: lineNumber)]))
                    target = .array(document.arrays.count - 1)
                }
                continue
            }
            if line.hasPrefix("[") {
                guard line.hasSuffix("]") else { throw fail(lineNumber, nil,
                                                            "malformed table header '\(excerpt(line))'") }
                let name = String(line.dropFirst().dropLast()).trimmingCharacters(in: .whitespaces)
                guard isBareKey(name) else { throw fail(lineNumber, nil,
                        "unsupported table name '\(excerpt(name))' (dotted names are not supported)") }
                guard !document.tables.contains(where: { $0.name == name }), !document.arrays.contains(where: { $0.name == name }) else {
                    throw fail(lineNumber, name, "table defined twice")
                }
                document.tables.append((name, Table(line: lineNumber)))
                target = .table(document.tables.count - 1)
                continue
            }
            guard let equals = line.firstIndex(of: "=") else { throw fail(lineNumber, nil,
                    "expected 'key = value', got '\(excerpt(line))'") }
            var key = String(line[..<equals]).trimmingCharacters(in: .whitespaces)
            if key.count >= 2, key.first == "\"", key.last == "\"" { key = String(key.dropFirst().dropLast()) }
            guard isBareKey(key) else { throw fail(lineNumber, excerpt(key),
                                                   "unsupported key (use letters, digits, '_' and '-')") }
            var valueText = String(line[line.index(after: equals)...]).trimmingCharacters(in: .whitespaces)
            // Arrays may span lines: read on until the brackets balance.
            while bracketDepth(valueText) > 0, index < lines.count {
                valueText += " " + stripComment(lines[index]).trimmingCharacters(in: .whitespaces)
                index += 1
            }
            var scanner = ValueScanner(text: valueText)
            let value: Value
            do {
                value = try scanner.value()
                scanner.skipSpaces()
                guard scanner.atEnd else { throw ScanError(message: "unexpected text after the value") }
            } catch let e as ScanError {
                throw fail(lineNumber, key, "cannot read the value '\(excerpt(valueText))': \(e.message)")
            } catch {
                throw fail(lineNumber, key, "cannot read the value '\(excerpt(valueText))'")
            }
            let entry = Entry(key: key, value: value, line: lineNumber)
            func add(_ table: inout Table) throws(FlatMinimaError) {
                guard table.entry(key) == nil else { throw fail(lineNumber, key, "defined twice") }
                table.entries.append(entry)
            }
            switch target {
            case .root: try add(&document.root)
            case let .table(i): try add(&document.tables[i].table)
            case let .array(i):
                let last = document.arrays[i].tables.count - 1
                try add(&document.arrays[i].tables[last])
            }
        }
        return document
    }

    /// At most `limit` characters of `text`, for quoting a value in a one-line error.
    static func excerpt(_ text: String, limit: Int = 60) -> String {
        text.count <= limit ? text : String(text.prefix(limit)) + "…"
    }

    static func isBareKey(_ key: String) -> Bool {
        !key.isEmpty && key.allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" }
    }

    /// The line without its comment (a `#` outside strings).
    static func stripComment(_ line: String) -> String {
        var quote: Character? = nil
        var escaped = false
        for (offset, c) in line.enumerated() {
            if let q = quote {
                if escaped { escaped = false } else if c == "\\" && q == "\"" { escaped = true } else if c == q { quote = nil }
            } else if c == "\"" || c == "'" {
                quote = c
            } else if c == "#" {
                return String(line.prefix(offset))
            }
        }
        return line
    }

    static func bracketDepth(_ text: String) -> Int {
        var depth = 0, quote: Character? = nil, escaped = false
        for c in text {
            if let q = quote {
                if escaped { escaped = false } else if c == "\\" && q == "\"" { escaped = true } else if c == q { quote = nil }
            } else if c == "\"" || c == "'" { quote = c } else if c == "[" { depth += 1 } else if c == "]" { depth -= 1 }
        }
        return depth
    }

    struct ScanError: Error { let message: String }

    /// The deepest nesting of arrays a value may have. A spec needs two levels at most (an axis is a
    /// flat list); the limit keeps the recursive readers of both syntaxes far from the stack's end.
    static let maximumNesting = 64

    struct ValueScanner {
        let characters: [Character]
        var position = 0
        init(text: String) { characters = Array(text) }
        var atEnd: Bool { position >= characters.count }
        mutating func skipSpaces() { while !atEnd, characters[position].isWhitespace { position += 1 } }

        /// The value at the current position, inside `depth` enclosing arrays.
        mutating func value(depth: Int = 0) throws -> Value {
            skipSpaces()
            guard !atEnd else { throw ScanError(message: "missing value") }
            let c = characters[position]
            if c == "\"" || c == "'" { return .string(try string(quote: c)) }
            if c == "[" {
                guard depth < SpecDocument.maximumNesting else {
                    throw ScanError(message: "arrays nested more than \(SpecDocument.maximumNesting) deep")
                }
                position += 1
                var items: [Value] = []
                while true {
                    skipSpaces()
                    guard !atEnd else { throw ScanError(message: "unterminated array") }
                    if characters[position] == "]" { position += 1; break }
                    items.append(try value(depth: depth + 1))
                    skipSpaces()
                    guard !atEnd else { throw ScanError(message: "unterminated array") }
                    if characters[position] == "," { position += 1; continue }
                    if characters[position] == "]" { position += 1; break }
                    throw ScanError(message: "expected ',' or ']' in an array")
                }
                return .array(items)
            }
            if c == "{" { throw ScanError(message: "inline tables are not supported") }
            var token = ""
            while !atEnd, !",]".contains(characters[position]), !characters[position].isWhitespace {
                token.append(characters[position])
                position += 1
            }
            if token == "true" { return .bool(true) }
            if token == "false" { return .bool(false) }
            let digits = token.replacingOccurrences(of: "_", with: "")
            if let i = Int(digits) { return .integer(i) }
            switch digits {
            case "inf", "+inf": return .double(.infinity)
            case "-inf": return .double(-.infinity)
            default: break
            }
            if let d = Double(digits), d.isFinite { return .double(d) }
            throw ScanError(message: "'\(SpecDocument.excerpt(token))' is not a string, number, boolean or array")
        }

        mutating func string(quote: Character) throws -> String {
            position += 1
            var result = ""
            while !atEnd {
                let c = characters[position]
                position += 1
                if c == quote { return result }
                if c == "\\" && quote == "\"" {
                    guard !atEnd else { break }
                    let e = characters[position]
                    position += 1
                    switch e {
                    case "n": result.append("\n")
                    case "t": result.append("\t")
                    case "\"": result.append("\"")
                    case "\\": result.append("\\")
                    default: throw ScanError(message: "unsupported escape '\\\(e)'")
                    }
                } else {
                    result.append(c)
                }
            }
            throw ScanError(message: "unterminated string")
        }
    }

    // MARK: JSON

    static func parseJSON(_ text: String, path: String) throws(FlatMinimaError) -> SpecDocument {
        var document = SpecDocument(path: path)
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed])
        } catch {
            throw .invalidData(path: path, message: "not valid JSON (\((error as NSError).localizedDescription))")
        }
        guard let top = object as? [String: Any] else {
            throw .invalidData(path: path, message: "the top level must be an object")
        }
        let lines = text.components(separatedBy: "\n")
        func line(of key: String) -> Int {
            (lines.firstIndex { $0.contains("\"\(key)\"") } ?? -1) + 1
        }
        func convert(_ any: Any, key: String, depth: Int = 0) throws(FlatMinimaError) -> Value {
            switch any {
            case let s as String: return .string(s)
            case _ where type(of: any) == Bool.self: return .bool(any as! Bool)
            case let n as NSNumber:
                // true and false arrive as NSNumbers (CFBoolean, type code "c") on Linux; read as numbers
                // they would silently be 1 and 0.
                if String(cString: n.objCType) == "c" { return .bool(n.boolValue) }
                let text = n.stringValue
                if text == "true" || text == "false" { return .bool(n.boolValue) }
                if !text.contains("."), !text.contains("e"), let i = Int(text) { return .integer(i) }
                return .double(n.doubleValue)
            case let a as [Any]:
                guard depth < maximumNesting else {
                    throw document.error(line(of: key), key, "arrays nested more than \(maximumNesting) deep")
                }
                var items: [Value] = []
                for item in a { items.append(try convert(item, key: key, depth: depth + 1)) }
                return .array(items)
            default:
                throw document.error(line(of: key), key, "unsupported value (use strings, numbers, booleans or arrays)")
            }
        }
        func table(_ dictionary: [String: Any], headerLine: Int) throws(FlatMinimaError) -> Table {
            var t = Table(line: headerLine)
            for key in dictionary.keys.sorted(by: { line(of: $0) < line(of: $1) }) {
                t.entries.append(Entry(key: key, value: try convert(dictionary[key]!, key: key), line: line(of: key)))
            }
            return t
        }
        for key in top.keys.sorted(by: { line(of: $0) < line(of: $1) }) {
            let value = top[key]!
            if let dictionary = value as? [String: Any] {
                document.tables.append((key, try table(dictionary, headerLine: line(of: key))))
            } else if let list = value as? [Any], !list.isEmpty, list.allSatisfy({ $0 is [String: Any] }) {
                var tables: [Table] = []
                for item in list { tables.append(try table(item as! [String: Any], headerLine: line(of: key))) }
                document.arrays.append((key, tables))
            } else {
                document.root.entries.append(Entry(key: key, value: try convert(value, key: key), line: line(of: key)))
            }
        }
        return document
    }
}
