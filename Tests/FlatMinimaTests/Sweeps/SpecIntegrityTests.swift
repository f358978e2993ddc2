import Foundation
import Testing
@testable import FlatMinima

/// Spec files read exactly as written: keys in file order (JSON too), every line ending and control
/// character accounted for, TOML 1.0 numbers and quoted keys, no run defined twice, linear-time arrays.
@Suite struct SpecIntegrityTests {
    /// A spec file with `text` in a fresh directory.
    func spec(_ text: String, name: String = "spec.toml") throws -> String {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("flatminima-integrity-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let path = directory.appendingPathComponent(name).path
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    /// The message of the error `SweepSpec(path:)` throws, or nil when it accepts the spec.
    func refusal(_ text: String, name: String = "spec.toml") throws -> String? {
        let path = try spec(text, name: name)
        do {
            _ = try SweepSpec(path: path)
            return nil
        } catch {
            return error.description.replacingOccurrences(of: path, with: "SPEC")
        }
    }

    static let solver = "[[solver]]\nname = \"sa\"\n"

    static let m3JSON = #"{"name":"m3","problem":{"N":[51,101,151],"alpha":[0.1,0.2],"margin":[0,0.1]},"#
        + #""solver":[{"name":"sa","max_iters":10}]}"#
    static let m3TOML = "name = \"m3\"\n[problem]\nN = [51, 101, 151]\nalpha = [0.1, 0.2]\nmargin = [0, 0.1]\n"
        + "[[solver]]\nname = \"sa\"\nmax_iters = 10\n"

    // MARK: JSON keeps the file's order (issue 19, items 1 and 14)

    @Test func jsonKeysKeepTheFileOrder() throws {
        let json = try SweepSpec(path: spec(Self.m3JSON, name: "m3.json"))
        let toml = try SweepSpec(path: spec(Self.m3TOML))
        #expect(json.problem.map(\.key) == ["N", "alpha", "margin"])
        #expect(json.runs().map(\.id) == toml.runs().map(\.id))
        #expect(json.runs().count == 12)
        // Keys that are not alphabetical, \u-escaped, or share a line keep their place too.
        let escaped = #"{"problem": {"\u006dargin": [0, 0.1], "alpha": 0.3, "N": [51, 101]}, "#
            + #""solver": [{"name": "sa"}]}"#
        let sweep = try SweepSpec(path: spec(escaped, name: "e.json"))
        #expect(sweep.problem.map(\.key) == ["margin", "alpha", "N"])
        #expect(sweep.runs().map { $0.problem.map(\.value) } == [["0", "0.3", "51"], ["0", "0.3", "101"],
                                                                  ["0.1", "0.3", "51"], ["0.1", "0.3", "101"]])
    }

    /// An entry's line is where its value is, not where its key (or a same-named key) first appears.
    @Test func jsonLinesAreThoseOfTheValues() throws {
        let text = "{\n\"solver\": [{\"name\": \"sa\"}],\n\"problem\": {\"N\":\n 101,\n \"alpha\": \"N\"},\n"
            + "\"name\": \"alpha\"}"
        let document = try SpecDocument.load(path: spec(text, name: "l.json"))
        let problem = try #require(document.table("problem"))
        #expect(problem.entries.map(\.key) == ["N", "alpha"])
        #expect(problem.entries.map(\.line) == [4, 5])
        #expect(document.root.entry("name")?.line == 6)
        // The plan's errors name the value's line too.
        let path = try spec("{\"problem\": {\"N\": 101,\n\"alpha\": -1}, \"solver\": [{\"name\": \"sa\"}]}",
                            name: "a.json")
        #expect(throws: FlatMinimaError.self) { try SweepPlan(SweepSpec(path: path)) }
        do { _ = try SweepPlan(SweepSpec(path: path)) } catch {
            #expect(error.description.hasPrefix(path + ":2: key 'alpha'"), "\(error)")
        }
    }

    @Test func jsonDuplicateKeysAreRefused() throws {
        #expect(try refusal("{\"problem\": {\"N\": 101,\n \"alpha\": 0.3,\n \"N\": 51},"
                            + " \"solver\": [{\"name\": \"sa\"}]}",
                            name: "d.json") == "SPEC:3: key 'N': defined twice (first at line 1)")
        #expect(try refusal("{\"seed\": 1,\n\"solver\": [{\"name\": \"sa\"}],\n\"seed\": 2}", name: "d.json")
                == "SPEC:3: key 'seed': defined twice (first at line 1)")
        #expect(try refusal("{\"solver\": [{\"name\": \"sa\", \"\\u006eame\": \"cpr\"}]}", name: "d.json")
                == "SPEC:1: key 'name': defined twice (first at line 1)")
    }

    @Test func jsonSyntaxErrorsNameTheLine() throws {
        #expect(try refusal("{\"solver\": [{\"name\": \"sa\"}],\n}", name: "s.json")
                == "SPEC:2: not valid JSON: expected a key in quotes, found '}'")
        #expect(try refusal("{\"solver\": [{\"name\": \"sa\"}]}\n{}", name: "s.json")?
            .hasPrefix("SPEC:2: not valid JSON: expected the end of the file") == true)
        #expect(try refusal("{\"seed\": 01, \"solver\": [{\"name\": \"sa\"}]}", name: "s.json")
                == "SPEC:1: key 'seed': not valid JSON: a number has a leading zero")
        #expect(try refusal("[1]", name: "s.json") == "SPEC:1: the top level must be an object")
    }

    // MARK: Line endings and control characters (items 7 and 10)

    @Test func crlfAndMixedLineEndingsKeepEveryKey() throws {
        let lf = try SweepSpec(path: spec("[problem]\nalpha = 0.3  # load\nN = 501\n" + Self.solver))
        let crlf = try SweepSpec(path: spec("[problem]\r\nalpha = 0.3  # load\r\nN = 501\r\n"
                                            + "[[solver]]\r\nname = \"sa\"\r\n"))
        let mixed = try SweepSpec(path: spec("[problem]\nalpha = 0.3  # load\r\nN = 501\n[[solver]]\r\nname = \"sa\""))
        #expect(lf.problem.map(\.key) == ["alpha", "N"])
        for sweep in [crlf, mixed] {
            #expect(sweep.problem.map(\.key) == ["alpha", "N"])
            #expect(sweep.problem.map(\.values) == [["0.3"], ["501"]])
            #expect(sweep.runs().map(\.id) == lf.runs().map(\.id))
        }
        let arrays = try SweepSpec(path: spec("[problem]\r\nN = 101\r\nalpha = [\r\n  0.2, # low\r\n  0.4\r\n]\r\n"
                                              + Self.solver))
        #expect(arrays.problem.map(\.values) == [["101"], ["0.2", "0.4"]])
        let json = try SweepSpec(path: spec(Self.m3JSON.replacingOccurrences(of: ",", with: ",\r\n"), name: "c.json"))
        #expect(json.runs().count == 12)
    }

    @Test func loneCarriageReturnsAndControlCharactersAreRefused() throws {
        let cr = "SPEC:2: a carriage return (CR) not followed by a line feed (line breaks are LF or CRLF)"
        #expect(try refusal("[problem]\nalpha = 0.3  # load\rN = 501\n" + Self.solver) == cr)
        #expect(try refusal("[problem]\nalpha = 0.3\r") == cr)
        #expect(try refusal("{\"seed\": 1,\r \"solver\": [{\"name\": \"sa\"}]}", name: "s.json")
                == cr.replacingOccurrences(of: "SPEC:2", with: "SPEC:1"))
        // A NUL once cut the number short: margin = 1\09 read as 1.
        #expect(try refusal("[problem]\nN = 101\nmargin = 1\u{0}9\n" + Self.solver)
                == "SPEC:3: control character U+0000 (NUL) is not allowed in a spec "
                + "(only tab and LF or CRLF line breaks)")
        #expect(try refusal("# a comment \u{1B}[31m\n" + Self.solver)?
            .hasPrefix("SPEC:1: control character U+001B (ESC)") == true)
        #expect(try refusal(Self.solver + "\u{7F}")?.hasPrefix("SPEC:3: control character U+007F (DEL)") == true)
        #expect(try refusal("{\"solver\": [{\"name\": \"s\u{0}a\"}]}", name: "s.json")?
            .hasPrefix("SPEC:1: control character U+0000 (NUL)") == true)
        // Escapes that make control characters are refused too; tabs between tokens are fine.
        #expect(try refusal("[problem]\ndata = \"a\\u0000b\"\n" + Self.solver)?.contains("control character") == true)
        #expect(try refusal("{\"solver\": [{\"name\": \"s\\u0000a\"}]}", name: "s.json")?
            .contains("control character") == true)
        #expect(try refusal("[problem]\n\tN\t=\t101\t# tab\n" + Self.solver) == nil)
    }

    // MARK: TOML 1.0 numbers and keys (item 14)

    func value(_ token: String) throws -> SpecDocument.Value? {
        try SpecDocument.parseTOML("x = \(token)\n", path: "t.toml").root.entry("x")?.value
    }

    func valueError(_ token: String) -> String? {
        do {
            _ = try SpecDocument.parseTOML("x = \(token)\n", path: "t.toml")
            return nil
        } catch {
            return error.description
        }
    }

    @Test func tomlIntegersAndFloats() throws {
        let accepted: [(String, SpecDocument.Value)] = [
            ("0x65", .integer(101)), ("0xdead_BEEF", .integer(0xdead_beef)), ("0o145", .integer(101)),
            ("0b1100101", .integer(101)), ("1_000", .integer(1000)), ("+17", .integer(17)), ("-0", .integer(0)),
            ("0", .integer(0)), ("9223372036854775807", .integer(.max)), ("1e3", .double(1000)),
            ("6.626e-34", .double(6.626e-34)), ("1_0.2_5", .double(10.25)), ("1E+0_2", .double(100)),
            ("0.5", .double(0.5)), ("-0.0", .double(0)), ("inf", .double(.infinity)),
            ("+inf", .double(.infinity)), ("-inf", .double(-.infinity)), ("true", .bool(true)),
        ]
        for (token, expected) in accepted { #expect(try value(token) == expected, "\(token)") }
        for token in ["nan", "+nan", "-nan"] {
            guard case let .double(d)? = try value(token) else { Issue.record("\(token)"); continue }
            #expect(d.isNaN)
        }
        let refused: [(String, String)] = [
            (".5", "a decimal point needs a digit on each side"), ("5.", "a decimal point needs a digit on each side"),
            ("01", "leading zeros are not allowed"), ("-01.5", "leading zeros are not allowed"),
            ("1__0", "'_' only between digits"), ("_1", "is not a string, number, boolean or array"),
            ("1_", "'_' only between digits"),
            ("+0x1", "hex, octal and binary integers take no sign"), ("-0b1", "take no sign"),
            ("0x", "is not a hex integer"), ("0o8", "is not an octal integer"), ("0b102", "is not a binary integer"),
            ("0x_1", "is not a hex integer"), ("1e", "malformed exponent"), ("1.5e_3", "malformed exponent"),
            ("9223372036854775808", "is out of range"), ("0x8000000000000000", "is out of range"),
            ("1e400", "out of range for a float"), ("infinity", "is not a string, number, boolean or array"),
            ("1979-05-27", "'1979-05-27' is not a valid number"), ("0x1p3", "is not a hex integer"),
        ]
        for (token, expected) in refused {
            let message = valueError(token)
            #expect(message?.hasPrefix("t.toml:1: key 'x': cannot read the value '\(token)'") == true, "\(token)")
            #expect(message?.contains(expected) == true, "\(token): \(message ?? "accepted")")
        }
        // In an array, the token is named.
        #expect(valueError("[1, 01]")?.hasSuffix("cannot read the value '[1, 01]': '01': leading zeros are not allowed")
                == true)
    }

    @Test func quotedKeysAndTableNames() throws {
        let quoted = try SweepSpec(path: spec("[\"problem\"]\n\"N\" = 0x65\n'alpha' = 0.3\n[[ 'solver' ]]\n"
                                              + "\"name\" = 'sa'\n\"max_iters\" = 10\n"))
        let bare = try SweepSpec(path: spec("[problem]\nN = 101\nalpha = 0.3\n" + Self.solver + "max_iters = 10\n"))
        #expect(quoted.runs().map(\.id) == bare.runs().map(\.id))
        // A key quoted and bare is one key; dotted keys are refused, not misread.
        #expect(try refusal("[problem]\nN = 101\n\"N\" = 51\n" + Self.solver)
                == "SPEC:3: key 'N': defined twice (first at line 2)")
        #expect(try refusal("[problem]\nN.x = 101\n" + Self.solver)?.contains("dotted keys are not supported") == true)
        #expect(try refusal("[problem.x]\n" + Self.solver)?.contains("dotted names are not supported") == true)
        #expect(try refusal("[problem]\nα = 1\n" + Self.solver)
                == "SPEC:2: key 'α': unsupported key (use letters, digits, '_' and '-', or quote it)")
        #expect(try refusal("[problem]\n\"α\" = 1\n" + Self.solver)?.hasPrefix("SPEC:2: key 'α': unknown problem key")
                == true)
    }

    // MARK: Arrays over many lines (item 13)

    /// 20 000 lines of one array once took minutes (every line re-scanned all the lines before it).
    @Test func longArraysReadInLinearTime() throws {
        func array(_ lines: Int) -> String {
            "x = [\n" + (1...lines).map { "  \($0), # value \($0)\n" }.joined() + "]\n"
        }
        /// The least CPU time of this thread over three reads (other tests and processes share the cores).
        func seconds(_ lines: Int) throws -> Double {
            let text = array(lines)
            var best = Double.infinity
            for _ in 0..<3 {
                var start = timespec(), end = timespec()
                clock_gettime(CLOCK_THREAD_CPUTIME_ID, &start)
                let document = try SpecDocument.parseTOML(text, path: "t.toml")
                clock_gettime(CLOCK_THREAD_CPUTIME_ID, &end)
                guard case let .array(items)? = document.root.entry("x")?.value else { return .infinity }
                #expect(items.count == lines)
                best = min(best, Double(end.tv_sec - start.tv_sec) + Double(end.tv_nsec - start.tv_nsec) / 1e9)
            }
            return best
        }
        let t2000 = try seconds(2_000), t20000 = try seconds(20_000)
        // Linear: ten times the lines in well under a hundred times the time (quadratic would be ~100x).
        #expect(t20000 < 2.0, "20 000 lines took \(t20000) s")
        #expect(t20000 < 30 * max(t2000, 0.001), "2 000 lines: \(t2000) s, 20 000 lines: \(t20000) s")
    }

    // MARK: Solver blocks resolved through the registry (item 12)

    @Test func solverBlocksWithTheSameResolvedOptionsAreRefused() throws {
        let prefix = "SPEC:4: key 'name': this [[solver]] block repeats the runs of the one at line 2"
        // 10 and 10.0 (an integer option), 0.5 and 5e-1 (a real one), a default written out or omitted.
        let cases = [
            ("max_iters = 10\n", "max_iters = 10.0\n"),
            ("beta_start = 0.5\nmax_iters = 10\n", "beta_start = 5e-1\nmax_iters = 10\n"),
            ("", "max_iters = 5000\n"),
            ("schedule = \"geometric\"\n", ""),
            ("beta_end = [1, 10]\n", "beta_end = [10.0, 20]\n"),
        ]
        for (first, second) in cases {
            // The second block's name follows the first block's two lines and its option lines.
            let line = 4 + first.filter { $0 == "\n" }.count
            let message = try refusal(Self.solver + first + Self.solver + second)
            #expect(message?.hasPrefix(prefix.replacingOccurrences(of: "SPEC:4", with: "SPEC:\(line)")) == true,
                    "\(first) | \(second): \(message ?? "accepted")")
        }
        #expect(try refusal(Self.solver + "max_iters = 10\n" + Self.solver + "max_iters = 10.0\n")?
            .hasSuffix("(sa with max_iters=10.0 here and max_iters=10 there, the same options once defaults are "
                       + "filled in and numbers compared by value)") == true)
        // Different resolved options, or different solvers, are fine.
        #expect(try refusal(Self.solver + "max_iters = 10\n" + Self.solver + "max_iters = 11\n") == nil)
        #expect(try refusal(Self.solver + "schedule = \"linear\"\n" + Self.solver) == nil)
        #expect(try refusal(Self.solver + "[[solver]]\nname = \"bp\"\n") == nil)
    }

    // MARK: Shell-quoted dry-run commands (item 14)

    @Test func shellQuoting() throws {
        #expect(SweepPlan.shellQuoted("0.01,0.05") == "0.01,0.05")
        #expect(SweepPlan.shellQuoted("data/digits.csv") == "data/digits.csv")
        #expect(SweepPlan.shellQuoted("my data.csv") == "'my data.csv'")
        #expect(SweepPlan.shellQuoted("it's") == #"'it'\''s'"#)
        #expect(SweepPlan.shellQuoted("") == "''")
        #expect(SweepPlan.shellQuoted("$HOME;rm") == "'$HOME;rm'")
        #expect(SweepPlan.shellQuoted("~x") == "'~x'")
        #expect(SweepPlan.shellQuoted("é") == "'é'")
    }
}
