import Foundation

/// A sweep spec file read into keys, values and the line each value is on, in the file's order, so that
/// every error can name the file, the line and the key, and so that the runs a spec defines never depend
/// on anything but its text.
///
/// Two syntaxes are accepted, both read in one pass over the text (time linear in its length):
/// - **TOML 1.0** (the part a spec needs): `key = value` lines, `[table]` and `[[array-of-tables]]`
///   headers, `#` comments; keys bare (`A-Za-z0-9_-`) or quoted ("basic" or 'literal'); values are basic
///   "strings" (escapes \" \\ \b \t \n \f \r \uXXXX \UXXXXXXXX) or 'literal strings', integers (decimal,
///   `0x` hex, `0o` octal, `0b` binary; `_` only between digits; no leading zeros), floats (`1.5`,
///   `1e-3`, `inf`, `-inf`, `nan`), booleans and arrays (which may span lines and hold comments). Dotted
///   keys, inline tables, dates and multi-line strings are not supported and are reported as errors.
/// - **JSON** (RFC 8259): an object with the same structure (tables are objects, arrays of tables are
///   arrays of objects); keys keep their order in the file and a key given twice in one object is an error.
///
/// Line breaks are LF or CRLF, mixed freely. Every other control character (a lone CR, NUL, ...; tab is
/// allowed) is refused with its line: a NUL or CR must never cut a value short without a word.
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

    /// One `key = value` with the line (1-based) its value starts on.
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
        return try parse(text, path: path)
    }

    /// Reads `text` (the contents of `path`): JSON when the path ends in `.json` or the text starts with `{`.
    static func parse(_ text: String, path: String) throws(FlatMinimaError) -> SpecDocument {
        let scalars = try checkedScalars(text, path: path)
        let first = scalars.first { $0 != " " && $0 != "\t" && $0 != "\n" }
        if path.hasSuffix(".json") || first == "{" { return try parseJSON(scalars, path: path) }
        return try parseTOML(scalars, path: path)
    }

    static func parseTOML(_ text: String, path: String) throws(FlatMinimaError) -> SpecDocument {
        try parseTOML(try checkedScalars(text, path: path), path: path)
    }

    static func parseJSON(_ text: String, path: String) throws(FlatMinimaError) -> SpecDocument {
        try parseJSON(try checkedScalars(text, path: path), path: path)
    }

    // MARK: Line breaks and control characters

    /// The text's scalars with every CRLF made LF (a leading byte-order mark dropped). A CR not followed
    /// by LF and every other control character but tab (U+0000–U+001F, U+007F) is refused with its line.
    static func checkedScalars(_ text: String, path: String) throws(FlatMinimaError) -> [Unicode.Scalar] {
        var result: [Unicode.Scalar] = []
        result.reserveCapacity(text.utf8.count)
        var line = 1, carriageReturn = false
        func refuse(_ message: String) -> FlatMinimaError { .invalidData(path: "\(path):\(line)", message: message) }
        for scalar in text.unicodeScalars {
            if carriageReturn {
                guard scalar == "\n" else {
                    throw refuse("a carriage return (CR) not followed by a line feed (line breaks are LF or CRLF)")
                }
                carriageReturn = false
            }
            switch scalar.value {
            case 0x0D: carriageReturn = true; continue
            case 0x0A: line += 1
            case 0x09: break
            case 0x00..<0x20, 0x7F:
                throw refuse("control character \(describe(scalar)) is not allowed in a spec "
                             + "(only tab and LF or CRLF line breaks)")
            case 0xFEFF where result.isEmpty: continue
            default: break
            }
            result.append(scalar)
        }
        if carriageReturn {
            throw refuse("a carriage return (CR) not followed by a line feed (line breaks are LF or CRLF)")
        }
        return result
    }

    /// "U+0000 (NUL)" for a control character.
    static func describe(_ scalar: Unicode.Scalar) -> String {
        let names = ["NUL", "SOH", "STX", "ETX", "EOT", "ENQ", "ACK", "BEL", "BS", "HT", "LF", "VT", "FF", "CR",
                     "SO", "SI", "DLE", "DC1", "DC2", "DC3", "DC4", "NAK", "SYN", "ETB", "CAN", "EM", "SUB", "ESC",
                     "FS", "GS", "RS", "US"]
        let code = String(scalar.value, radix: 16, uppercase: true)
        let hex = "U+" + String(repeating: "0", count: max(0, 4 - code.count)) + code
        let value = Int(scalar.value)
        return value < names.count ? "\(hex) (\(names[value]))" : value == 0x7F ? "\(hex) (DEL)" : hex
    }

    /// Whether a string value may hold `scalar`: no control character but tab and line feed (which
    /// `SweepSpec` refuses in cells with their own message).
    static func mayHold(_ scalar: Unicode.Scalar) -> Bool {
        (scalar.value >= 0x20 && scalar.value != 0x7F) || scalar == "\t" || scalar == "\n"
    }

    /// At most `limit` characters of `text`, for quoting a value in a one-line error.
    static func excerpt(_ text: String, limit: Int = 60) -> String {
        text.count <= limit ? text : String(text.prefix(limit)) + "…"
    }

    /// The deepest nesting of arrays a value may have. A spec needs two levels at most (an axis is a
    /// flat list); the limit keeps the recursive readers of both syntaxes far from the stack's end.
    static let maximumNesting = 64

    /// A reading error: its line, the key it concerns (if any) and the message.
    struct ReadError: Error {
        let line: Int
        let key: String?
        let message: String
    }

    /// A position in the checked scalars of a spec, counting lines.
    struct Cursor {
        let text: [Unicode.Scalar]
        var position = 0
        var line = 1

        init(_ text: [Unicode.Scalar]) { self.text = text }

        var atEnd: Bool { position >= text.count }
        var current: Unicode.Scalar? { position < text.count ? text[position] : nil }
        func peek(_ offset: Int) -> Unicode.Scalar? {
            position + offset < text.count ? text[position + offset] : nil
        }

        mutating func advance() {
            if text[position] == "\n" { line += 1 }
            position += 1
        }

        /// Skips spaces and tabs (TOML's whitespace; JSON's too, with line breaks when `lines`).
        mutating func skipBlanks(lines: Bool = false) {
            while let c = current, c == " " || c == "\t" || (lines && c == "\n") { advance() }
        }

        /// The text from `start` to the end of its line, without a trailing comment, trimmed.
        func lineText(from start: Int) -> String {
            var end = start
            while end < text.count, text[end] != "\n" { end += 1 }
            var line = String(String.UnicodeScalarView(text[start..<end]))
            line = stripComment(line)
            return line.trimmingCharacters(in: .whitespaces)
        }
    }

    /// The line without its comment (a `#` outside strings).
    static func stripComment(_ line: String) -> String {
        var quote: Character? = nil
        var escaped = false
        for (offset, c) in line.enumerated() {
            if let q = quote {
                if escaped { escaped = false } else if c == "\\" && q == "\"" { escaped = true } else if c == q {
                    quote = nil
                }
            } else if c == "\"" || c == "'" {
                quote = c
            } else if c == "#" {
                return String(line.prefix(offset))
            }
        }
        return line
    }

    // MARK: TOML

    /// A one-pass reader of one syntax over checked scalars.
    protocol Reader {
        var cursor: Cursor { get }
        init(cursor: Cursor)
        mutating func read(into document: inout SpecDocument) throws
    }

    /// Runs `R` over `text`, turning its errors into "FILE:LINE: key: message".
    static func parse<R: Reader>(_ text: [Unicode.Scalar], path: String, with _: R.Type)
        throws(FlatMinimaError) -> SpecDocument {
        var document = SpecDocument(path: path)
        var reader = R(cursor: Cursor(text))
        do {
            try reader.read(into: &document)
        } catch let error as ReadError {
            throw document.error(error.line, error.key, error.message)
        } catch {
            throw document.error(reader.cursor.line, nil, "\(error)")
        }
        return document
    }

    /// Reads the TOML subset described above from checked scalars.
    static func parseTOML(_ text: [Unicode.Scalar], path: String) throws(FlatMinimaError) -> SpecDocument {
        try parse(text, path: path, with: TOMLReader.self)
    }

    struct TOMLReader: Reader {
        var cursor: Cursor
        enum Target { case root, table(Int), array(Int) }

        func fail(_ message: String, key: String? = nil, line: Int? = nil) -> ReadError {
            ReadError(line: line ?? cursor.line, key: key, message: message)
        }

        mutating func read(into document: inout SpecDocument) throws {
            var target = Target.root
            while true {
                cursor.skipBlanks()
                guard let c = cursor.current else { break }
                if c == "\n" { cursor.advance(); continue }
                if c == "#" { skipComment(); continue }
                let line = cursor.line, start = cursor.position
                if c == "[" {
                    target = try header(into: &document, line: line, start: start)
                    continue
                }
                let key = try self.key(start: start)
                cursor.skipBlanks()
                if cursor.current == "." {
                    throw fail("dotted keys are not supported (use a [table])", key: SpecDocument.excerpt(key))
                }
                guard cursor.current == "=" else {
                    throw fail("expected 'key = value', got '\(SpecDocument.excerpt(cursor.lineText(from: start)))'")
                }
                cursor.advance()
                cursor.skipBlanks()
                let valueStart = cursor.position
                let value: Value
                do {
                    value = try self.value(depth: 0)
                    try endOfLine("unexpected text after the value")
                } catch let error as ReadError {
                    let text = SpecDocument.excerpt(cursor.lineText(from: valueStart))
                    // "'.5': a decimal point ..." need not repeat a value that is the token itself.
                    let repeated = "'\(text)': "
                    let message = error.message.hasPrefix(repeated) ? String(error.message.dropFirst(repeated.count))
                        : error.message
                    throw fail("cannot read the value '\(text)': \(message)", key: key, line: error.line)
                }
                let entry = Entry(key: key, value: value, line: line)
                func add(_ table: inout Table) throws {
                    if let first = table.entry(key) {
                        throw fail("defined twice (first at line \(first.line))", key: key, line: line)
                    }
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
        }

        /// A `[name]` or `[[name]]` header; returns where the following keys go.
        mutating func header(into document: inout SpecDocument, line: Int, start: Int) throws -> Target {
            cursor.advance()
            let isArray = cursor.current == "["
            if isArray { cursor.advance() }
            let kind = isArray ? "array-of-tables header" : "table header"
            cursor.skipBlanks()
            guard let c = cursor.current, c != "]", c != "\n" else {
                throw fail("malformed \(kind) '\(SpecDocument.excerpt(cursor.lineText(from: start)))'")
            }
            let name = try key(start: start)
            cursor.skipBlanks()
            if cursor.current == "." {
                throw fail("unsupported table name '\(SpecDocument.excerpt(cursor.lineText(from: start)))' "
                           + "(dotted names are not supported)")
            }
            for _ in 0..<(isArray ? 2 : 1) {
                guard cursor.current == "]" else {
                    throw fail("malformed \(kind) '\(SpecDocument.excerpt(cursor.lineText(from: start)))'")
                }
                cursor.advance()
            }
            try endOfLine("unexpected text after the \(kind)")
            if isArray {
                if document.tables.contains(where: { $0.name == name }) {
                    throw fail("is already a [table]; it cannot also be an array of tables", key: name, line: line)
                }
                if let i = document.arrays.firstIndex(where: { $0.name == name }) {
                    document.arrays[i].tables.append(Table(line: line))
                    return .array(i)
                }
                document.arrays.append((name, [Table(line: line)]))
                return .array(document.arrays.count - 1)
            }
            if let first = document.tables.first(where: { $0.name == name }) {
                throw fail("table defined twice (first at line \(first.table.line))", key: name, line: line)
            }
            if document.arrays.contains(where: { $0.name == name }) {
                throw fail("table defined twice", key: name, line: line)
            }
            document.tables.append((name, Table(line: line)))
            return .table(document.tables.count - 1)
        }

        mutating func skipComment() {
            while let c = cursor.current, c != "\n" { cursor.advance() }
        }

        /// Blanks and an optional comment up to the end of the line (or of the file).
        mutating func endOfLine(_ message: String) throws {
            cursor.skipBlanks()
            if cursor.current == "#" { skipComment() }
            guard cursor.atEnd || cursor.current == "\n" else { throw fail(message) }
        }

        /// Blanks, comments and line breaks (between the items of an array).
        mutating func skipBlanksAndComments() {
            while true {
                cursor.skipBlanks(lines: true)
                guard cursor.current == "#" else { return }
                skipComment()
            }
        }

        static func isBare(_ c: Unicode.Scalar) -> Bool {
            ("a"..."z").contains(c) || ("A"..."Z").contains(c) || ("0"..."9").contains(c) || c == "_" || c == "-"
        }

        /// A bare or quoted key.
        mutating func key(start: Int) throws -> String {
            if let q = cursor.current, q == "\"" || q == "'" {
                do { return try string(quote: q) } catch let error as ReadError {
                    throw fail("cannot read the key '\(SpecDocument.excerpt(cursor.lineText(from: start)))': "
                               + error.message)
                }
            }
            var key = String.UnicodeScalarView()
            while let c = cursor.current, Self.isBare(c) {
                key.append(c)
                cursor.advance()
            }
            guard !key.isEmpty else {
                var word = String.UnicodeScalarView()
                while let c = cursor.current, c != " ", c != "\t", c != "\n", c != "=" {
                    word.append(c)
                    cursor.advance()
                }
                let text = String(word)
                if text.isEmpty {
                    throw fail("expected 'key = value', got '\(SpecDocument.excerpt(cursor.lineText(from: start)))'")
                }
                throw fail("unsupported key (use letters, digits, '_' and '-', or quote it)",
                           key: SpecDocument.excerpt(text))
            }
            return String(key)
        }

        /// The value at the cursor, inside `depth` enclosing arrays.
        mutating func value(depth: Int) throws -> Value {
            guard let c = cursor.current, c != "\n", c != "#" else { throw fail("missing value") }
            if c == "\"" || c == "'" {
                if cursor.peek(1) == c, cursor.peek(2) == c { throw fail("multi-line strings are not supported") }
                return .string(try string(quote: c))
            }
            if c == "[" {
                guard depth < SpecDocument.maximumNesting else {
                    throw fail("arrays nested more than \(SpecDocument.maximumNesting) deep")
                }
                cursor.advance()
                var items: [Value] = []
                while true {
                    skipBlanksAndComments()
                    guard let c = cursor.current else { throw fail("unterminated array") }
                    if c == "]" { cursor.advance(); break }
                    items.append(try value(depth: depth + 1))
                    skipBlanksAndComments()
                    guard let d = cursor.current else { throw fail("unterminated array") }
                    cursor.advance()
                    if d == "," { continue }
                    if d == "]" { break }
                    throw fail("expected ',' or ']' in an array")
                }
                return .array(items)
            }
            if c == "{" { throw fail("inline tables are not supported") }
            var token = String.UnicodeScalarView()
            while let c = cursor.current, !" \t\n,]#".unicodeScalars.contains(c) {
                token.append(c)
                cursor.advance()
            }
            do { return try TOMLNumber.value(String(token)) } catch { throw fail(error.message) }
        }

        /// A "basic" (with escapes) or 'literal' string on one line.
        mutating func string(quote: Unicode.Scalar) throws -> String {
            cursor.advance()
            var result = String.UnicodeScalarView()
            while let c = cursor.current, c != "\n" {
                cursor.advance()
                if c == quote { return String(result) }
                guard c == "\\", quote == "\"" else { result.append(c); continue }
                guard let e = cursor.current, e != "\n" else { break }
                cursor.advance()
                switch e {
                case "n": result.append("\n")
                case "t": result.append("\t")
                case "\"": result.append("\"")
                case "\\": result.append("\\")
                case "u", "U":
                    let count = e == "u" ? 4 : 8
                    var digits = ""
                    for _ in 0..<count {
                        guard let d = cursor.current, d.properties.isASCIIHexDigit else {
                            throw fail("'\\\(e)' needs \(count) hex digits")
                        }
                        digits.unicodeScalars.append(d)
                        cursor.advance()
                    }
                    guard let scalar = UInt32(digits, radix: 16).flatMap(Unicode.Scalar.init) else {
                        throw fail("'\\\(e)\(digits)' is not a Unicode scalar value")
                    }
                    guard SpecDocument.mayHold(scalar) else {
                        throw fail("'\\\(e)\(digits)' is a control character, which a spec may not hold")
                    }
                    result.append(scalar)
                case "b", "f", "r":
                    throw fail("'\\\(e)' is a control character, which a spec may not hold")
                default: throw fail("unsupported escape '\\\(e)'")
                }
            }
            throw fail("unterminated string")
        }
    }

    /// TOML 1.0 booleans and numbers.
    enum TOMLNumber {
        struct Invalid: Error { let message: String }

        static func value(_ token: String) throws(Invalid) -> Value {
            switch token {
            case "true": return .bool(true)
            case "false": return .bool(false)
            case "inf", "+inf": return .double(.infinity)
            case "-inf": return .double(-.infinity)
            case "nan", "+nan", "-nan": return .double(.nan)
            default: break
            }
            let shown = "'\(SpecDocument.excerpt(token))'"
            let unsigned = token.first == "+" || token.first == "-" ? token.dropFirst() : Substring(token)
            guard let first = unsigned.first, first.isASCII, first.isNumber || first == "." else {
                throw Invalid(message: "\(shown) is not a string, number, boolean or array")
            }
            let radixes: [(String, Int, String)] = [("0x", 16, "a hex"), ("0o", 8, "an octal"), ("0b", 2, "a binary")]
            for (prefix, radix, name) in radixes where unsigned.hasPrefix(prefix) {
                guard unsigned.count == token.count else {
                    throw Invalid(message: "\(shown): hex, octal and binary integers take no sign")
                }
                let body = unsigned.dropFirst(2)
                let allowed: (Character) -> Bool = { $0.isASCII && $0.hexDigitValue.map { $0 < radix } == true }
                guard let digits = digits(body, allowed: allowed) else {
                    throw Invalid(message: "\(shown) is not \(name) integer (digits "
                                  + "\(radix == 16 ? "0-9 a-f" : radix == 8 ? "0-7" : "0-1"), '_' only between digits)")
                }
                guard let value = Int(digits, radix: radix) else {
                    throw Invalid(message: "\(shown) is out of range (at most \(Int.max))")
                }
                return .integer(value)
            }
            let decimal: (Character) -> Bool = { $0.isASCII && $0.isNumber }
            let malformed = "\(shown) is not a valid number" + (token.contains("_") ? " ('_' only between digits)" : "")
            let (mantissa, exponent) = split(unsigned, at: { $0 == "e" || $0 == "E" })
            let (integerPart, fraction) = split(mantissa, at: { $0 == "." })
            guard let whole = digits(integerPart, allowed: decimal) else {
                throw Invalid(message: integerPart.isEmpty
                              ? "\(shown): a decimal point needs a digit on each side"
                              : malformed)
            }
            guard whole.count == 1 || whole.first != "0" else {
                throw Invalid(message: "\(shown): leading zeros are not allowed")
            }
            var text = (token.first == "-" ? "-" : "") + whole
            if let fraction {
                guard let digits = digits(fraction, allowed: decimal) else {
                    throw Invalid(message: fraction.isEmpty ? "\(shown): a decimal point needs a digit on each side"
                                  : malformed)
                }
                text += "." + digits
            }
            if let exponent {
                let sign = exponent.first == "+" || exponent.first == "-" ? String(exponent.first!) : ""
                guard let digits = digits(exponent.dropFirst(sign.count), allowed: decimal) else {
                    throw Invalid(message: "\(shown) has a malformed exponent")
                }
                text += "e" + sign + digits
            }
            if fraction == nil, exponent == nil {
                guard let value = Int(text) else {
                    throw Invalid(message: "\(shown) is out of range (integers lie in [\(Int.min), \(Int.max)])")
                }
                return .integer(value)
            }
            guard let value = Double(text), value.isFinite else {
                throw Invalid(message: "\(shown) is out of range for a float")
            }
            return .double(value)
        }

        /// `text` before and after the first character matching `separator` (nil after when there is none).
        static func split(_ text: Substring, at separator: (Character) -> Bool) -> (Substring, Substring?) {
            guard let i = text.firstIndex(where: separator) else { return (text, nil) }
            return (text[..<i], text[text.index(after: i)...])
        }

        /// The digits of `text` without its underscores, or nil unless it is one or more allowed digits
        /// with each `_` between two of them.
        static func digits(_ text: Substring, allowed: (Character) -> Bool) -> String? {
            var result = "", previousIsDigit = false
            for c in text {
                if c == "_" {
                    guard previousIsDigit else { return nil }
                    previousIsDigit = false
                } else {
                    guard allowed(c) else { return nil }
                    result.append(c)
                    previousIsDigit = true
                }
            }
            return previousIsDigit ? result : nil
        }
    }

    // MARK: JSON

    /// Reads a JSON object from checked scalars in one pass, keeping the order of its keys.
    static func parseJSON(_ text: [Unicode.Scalar], path: String) throws(FlatMinimaError) -> SpecDocument {
        try parse(text, path: path, with: JSONReader.self)
    }

    struct JSONReader: Reader {
        var cursor: Cursor

        func fail(_ message: String, key: String? = nil, line: Int? = nil) -> ReadError {
            ReadError(line: line ?? cursor.line, key: key, message: message)
        }

        /// A syntax error at the cursor.
        func syntax(_ expected: String) -> ReadError {
            let found = cursor.current.map { "'\(Character($0))'" } ?? "the end of the file"
            return fail("not valid JSON: expected \(expected), found \(found)")
        }

        mutating func expect(_ c: Unicode.Scalar, _ what: String) throws {
            cursor.skipBlanks(lines: true)
            guard cursor.current == c else { throw syntax(what) }
            cursor.advance()
        }

        mutating func read(into document: inout SpecDocument) throws {
            cursor.skipBlanks(lines: true)
            guard cursor.current == "{" else {
                throw cursor.atEnd ? syntax("an object") : fail("the top level must be an object")
            }
            try members { (reader: inout JSONReader, key: String, line: Int) throws in
                if let first = reader.firstLine(of: key, in: document) {
                    throw reader.fail("defined twice (first at line \(first))", key: key, line: line)
                }
                switch reader.cursor.current {
                case "{"?:
                    document.tables.append((key, try reader.table(line: line)))
                case "["? where reader.startsArrayOfObjects():
                    var tables: [Table] = []
                    try reader.elements { (reader: inout JSONReader) throws in
                        guard reader.cursor.current == "{" else {
                            throw reader.fail("an array of tables holds only objects", key: key)
                        }
                        tables.append(try reader.table(line: reader.cursor.line))
                    }
                    document.arrays.append((key, tables))
                default:
                    document.root.entries.append(Entry(key: key, value: try reader.value(key: key, depth: 0),
                                                       line: line))
                }
            }
            cursor.skipBlanks(lines: true)
            guard cursor.atEnd else { throw syntax("the end of the file after the top-level object") }
        }

        /// The line where `key` was first given at the top level, if it was.
        func firstLine(of key: String, in document: SpecDocument) -> Int? {
            document.root.entry(key)?.line ?? document.tables.first { $0.name == key }?.table.line
                ?? document.arrays.first { $0.name == key }?.tables.first?.line
        }

        /// Whether the array at the cursor starts with an object (an array of tables).
        func startsArrayOfObjects() -> Bool {
            var i = cursor.position + 1
            while i < cursor.text.count, [" ", "\t", "\n"].contains(cursor.text[i]) { i += 1 }
            return i < cursor.text.count && cursor.text[i] == "{"
        }

        /// An object of plain values.
        mutating func table(line: Int) throws -> Table {
            var table = Table(line: line)
            try members { (reader: inout JSONReader, key: String, line: Int) throws in
                if let first = table.entry(key) {
                    throw reader.fail("defined twice (first at line \(first.line))", key: key, line: line)
                }
                table.entries.append(Entry(key: key, value: try reader.value(key: key, depth: 0), line: line))
            }
            return table
        }

        /// The members of the object at the cursor: `body` reads each value, given its key and the line the
        /// value starts on.
        mutating func members(_ body: (inout JSONReader, String, Int) throws -> Void) throws {
            try expect("{", "'{'")
            cursor.skipBlanks(lines: true)
            if cursor.current == "}" { cursor.advance(); return }
            while true {
                cursor.skipBlanks(lines: true)
                guard cursor.current == "\"" else { throw syntax("a key in quotes") }
                let key = try string()
                try expect(":", "':' after the key")
                cursor.skipBlanks(lines: true)
                try body(&self, key, cursor.line)
                cursor.skipBlanks(lines: true)
                guard let c = cursor.current, c == "," || c == "}" else { throw syntax("',' or '}' after a value") }
                cursor.advance()
                if c == "}" { return }
            }
        }

        /// The elements of the array at the cursor, each read by `body`.
        mutating func elements(_ body: (inout JSONReader) throws -> Void) throws {
            try expect("[", "'['")
            cursor.skipBlanks(lines: true)
            if cursor.current == "]" { cursor.advance(); return }
            while true {
                cursor.skipBlanks(lines: true)
                try body(&self)
                cursor.skipBlanks(lines: true)
                guard let c = cursor.current, c == "," || c == "]" else { throw syntax("',' or ']' after a value") }
                cursor.advance()
                if c == "]" { return }
            }
        }

        /// A string, number, boolean or array (of the same), inside `depth` enclosing arrays.
        mutating func value(key: String, depth: Int) throws -> Value {
            cursor.skipBlanks(lines: true)
            guard let c = cursor.current else { throw syntax("a value") }
            switch c {
            case "\"": return .string(try string())
            case "[":
                guard depth < SpecDocument.maximumNesting else {
                    throw fail("arrays nested more than \(SpecDocument.maximumNesting) deep", key: key)
                }
                var items: [Value] = []
                try elements { (reader: inout JSONReader) throws in
                    items.append(try reader.value(key: key, depth: depth + 1))
                }
                return .array(items)
            case "{", "n":
                throw fail("unsupported value (use strings, numbers, booleans or arrays)", key: key)
            case "t", "f":
                let word = c == "t" ? "true" : "false"
                for expected in word.unicodeScalars {
                    guard cursor.current == expected else { throw syntax("'\(word)'") }
                    cursor.advance()
                }
                return .bool(c == "t")
            default:
                return try number(key: key)
            }
        }

        /// A JSON number: an integer when it has neither fraction nor exponent and fits in an Int.
        mutating func number(key: String) throws -> Value {
            let start = cursor.position
            func digits() -> Int {
                var count = 0
                while let c = cursor.current, ("0"..."9").contains(c) { cursor.advance(); count += 1 }
                return count
            }
            if cursor.current == "-" { cursor.advance() }
            let leadingZero = cursor.current == "0"
            let whole = digits()
            guard whole > 0 else { throw syntax("a value") }
            guard !leadingZero || whole == 1 else {
                throw fail("not valid JSON: a number has a leading zero", key: key)
            }
            var isInteger = true
            if cursor.current == "." {
                cursor.advance()
                guard digits() > 0 else { throw syntax("a digit after the decimal point") }
                isInteger = false
            }
            if cursor.current == "e" || cursor.current == "E" {
                cursor.advance()
                if cursor.current == "+" || cursor.current == "-" { cursor.advance() }
                guard digits() > 0 else { throw syntax("a digit in the exponent") }
                isInteger = false
            }
            let text = String(String.UnicodeScalarView(cursor.text[start..<cursor.position]))
            if isInteger, let i = Int(text) { return .integer(i) }
            guard let d = Double(text), d.isFinite else {
                throw fail("the number \(SpecDocument.excerpt(text)) is out of range", key: key)
            }
            return .double(d)
        }

        /// A string in double quotes with JSON's escapes.
        mutating func string() throws -> String {
            cursor.advance()
            var result = String.UnicodeScalarView()
            func hex4() throws -> UInt32 {
                var value: UInt32 = 0
                for _ in 0..<4 {
                    guard let d = cursor.current, let v = Character(d).hexDigitValue else {
                        throw syntax("four hex digits after '\\u'")
                    }
                    value = value * 16 + UInt32(v)
                    cursor.advance()
                }
                return value
            }
            while let c = cursor.current, c != "\n" {
                cursor.advance()
                if c == "\"" { return String(result) }
                guard c == "\\" else {
                    guard c != "\t" else { throw fail("not valid JSON: a tab inside a string (write \\t)") }
                    result.append(c)
                    continue
                }
                guard let e = cursor.current else { break }
                cursor.advance()
                switch e {
                case "\"", "\\", "/": result.append(e)
                case "n": result.append("\n")
                case "t": result.append("\t")
                case "b", "f", "r": throw fail("'\\\(e)' is a control character, which a spec may not hold")
                case "u":
                    var code = try hex4()
                    if (0xD800..<0xDC00).contains(code) {
                        guard cursor.current == "\\", cursor.peek(1) == "u" else {
                            throw fail("not valid JSON: an unpaired surrogate '\\u\(String(code, radix: 16))'")
                        }
                        cursor.advance(); cursor.advance()
                        let low = try hex4()
                        guard (0xDC00..<0xE000).contains(low) else {
                            throw fail("not valid JSON: an unpaired surrogate '\\u\(String(code, radix: 16))'")
                        }
                        code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                    }
                    guard let scalar = Unicode.Scalar(code) else {
                        throw fail("not valid JSON: an unpaired surrogate '\\u\(String(code, radix: 16))'")
                    }
                    guard SpecDocument.mayHold(scalar) else {
                        throw fail("'\\u\(String(code, radix: 16))' is a control character, which a spec may not hold")
                    }
                    result.append(scalar)
                default: throw fail("not valid JSON: unsupported escape '\\\(e)'")
                }
            }
            throw fail("not valid JSON: unterminated string")
        }
    }
}
