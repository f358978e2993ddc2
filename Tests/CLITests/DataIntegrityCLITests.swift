import Foundation
import Testing

/// Input integrity end to end (issue 19): CSV data files, --header, tampered saved configurations,
/// unsigned seeds, and the build's provenance in --version and in records.
@Suite struct DataIntegrityCLITests {
    static func write(_ text: String, suffix: String = "csv") throws -> String {
        let path = FileManager.default.temporaryDirectory
            .appendingPathComponent("flatminima-cli-integrity-\(UUID().uuidString).\(suffix)").path
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    /// A separable data set: label = sign of the first feature.
    static func dataRows(_ count: Int, lineEnd: String = "\n") -> String {
        (0..<count).map { i -> String in
            let x = Double(i % 7) - 3.5, y = Double((i * 5) % 11) / 10
            return "\(x),\(y),\(x > 0 ? 1 : -1)"
        }.joined(separator: lineEnd) + lineEnd
    }

    static func solve(_ path: String, _ extra: [String] = []) throws -> CLI.Result {
        try CLI.run(["solve", "--solver", "perceptron", "--weights", "spherical", "--data", path,
                     "--format", "json"] + extra)
    }

    /// A CRLF file with a quoted header reads as its LF twin: same P, same record.
    @Test func crlfDataFileReadsAsLF() throws {
        let lf = try Self.write("a,b,label\n" + Self.dataRows(40))
        let crlf = try Self.write("\u{FEFF}\"a\",\"b\",\"label\"\r\n" + Self.dataRows(40, lineEnd: "\r\n"))
        let x = try Self.solve(lf), y = try Self.solve(crlf)
        #expect(x.status == 0 && y.status == 0, "\(x.stderr) \(y.stderr)")
        let a = try CLI.json(try #require(x.stdout.split(separator: "\n").first))
        let b = try CLI.json(try #require(y.stdout.split(separator: "\n").first))
        #expect(a["P"] as? Int == 32 && b["P"] as? Int == 32 && a["N"] as? Int == 2)
        #expect(a["train_errors"] as? Int == b["train_errors"] as? Int)
        #expect(a["test_error"] as? Double == b["test_error"] as? Double)
        #expect(b["header"] as? String == "auto")
    }

    /// --header: auto refuses an ambiguous first row (exit 1, one line naming --header); yes and no read
    /// it as said; a non-data problem refuses the flag (exit 2).
    @Test func headerFlag() throws {
        let path = try Self.write("NA,0.5,1\n" + Self.dataRows(40))
        let auto = try Self.solve(path)
        #expect(auto.status == 1 && auto.stdout.isEmpty, "\(auto.stderr)")
        #expect(auto.stderr.split(separator: "\n").count == 1 && auto.stderr.contains("--header yes"), "\(auto.stderr)")
        let yes = try Self.solve(path, ["--header", "yes"])
        #expect(yes.status == 0, "\(yes.stderr)")
        #expect(try CLI.json(try #require(yes.stdout.split(separator: "\n").first))["header"] as? String == "yes")
        let no = try Self.solve(path, ["--header", "no"])
        #expect(no.status == 1 && no.stderr.contains("line 1, column 1: 'NA' is not a number"), "\(no.stderr)")
        let bad = try Self.solve(path, ["--header", "maybe"])
        #expect(bad.status == 2 && bad.stderr.contains("--header"), "\(bad.stderr)")
        let storage = try CLI.run(["solve", "--solver", "sa", "-N", "101", "--alpha", "0.1", "--header", "no"])
        #expect(storage.status == 2 && storage.stderr.contains("--header: applies to --data only"), "\(storage.stderr)")
    }

    /// The header key in a sweep spec's [problem] table is accepted and reaches the runs.
    @Test func sweepAcceptsHeaderKey() throws {
        let data = try Self.write("NA,0.5,1\n" + Self.dataRows(30))
        let spec = try Self.write("""
            name = "header"
            [problem]
            weights = "spherical"
            data = "\(data)"
            header = ["yes"]
            [[solver]]
            name = "perceptron"
            """, suffix: "toml")
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("flatminima-header-\(UUID()).tsv").path
        let dry = try CLI.run(["sweep", spec, "--out", out, "--dry-run"])
        #expect(dry.status == 0 && dry.stdout.contains("--header yes"), "\(dry.stdout) \(dry.stderr)")
        let run = try CLI.run(["sweep", spec, "--out", out, "--quiet"])
        #expect(run.status == 0, "\(run.stderr)")
        let table = try String(contentsOfFile: out, encoding: .utf8)
        #expect(table.split(separator: "\n").count == 2 && table.contains("\tyes"), "\(table)")
    }

    /// A NUL byte is an error with line and column, never a number cut short.
    @Test func nulByteInData() throws {
        let path = try Self.write("a,b,label\n1,2\u{0}5,1\n" + Self.dataRows(10))
        let r = try Self.solve(path)
        #expect(r.status == 1 && r.stdout.isEmpty)
        #expect(r.stderr.contains("line 2, column 2: control character U+0000 (NUL)"), "\(r.stderr)")
    }

    /// A pandas index column is warned about on stderr, once however many runs load the file.
    @Test func pandasIndexWarningOnce() throws {
        let rows = Self.dataRows(40).split(separator: "\n").enumerated().map { "\($0),\($1)" }
        let path = try Self.write(",a,b,label\n" + rows.joined(separator: "\n") + "\n")
        let r = try Self.solve(path, ["--instances", "3"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.split(separator: "\n").count == 3)
        #expect(r.stderr.components(separatedBy: "pandas index").count == 2, "\(r.stderr)")
    }

    /// A saved file to tamper with, from a real solve.
    static func saved() throws -> String {
        let path = FileManager.default.temporaryDirectory
            .appendingPathComponent("flatminima-saved-\(UUID()).jsonl").path
        let r = try CLI.run(["solve", "--solver", "sa", "-N", "101", "--alpha", "0.2", "--save-weights", path,
                             "--format", "json"])
        #expect(r.status == 0, "\(r.stderr)")
        return try String(contentsOfFile: path, encoding: .utf8)
    }

    /// measure on a saved perceptron whose hidden is 0, −1 or 101 (it trapped), or another tampered field:
    /// exit 1 with one line naming the field, nothing on stdout.
    @Test func measureRefusesTamperedFiles() throws {
        let line = try Self.saved()
        #expect(line.contains("\"hidden\":1,"))
        let cases = [("\"hidden\":1,", "\"hidden\":0,", "problem.model.hidden"),
                     ("\"hidden\":1,", "\"hidden\":-1,", "problem.model.hidden"),
                     ("\"hidden\":1,", "\"hidden\":101,", "problem.model.hidden"),
                     ("\"kind\":\"perceptron\"", "\"kind\":\"tree\"", "problem.model.kind"),
                     ("\"inputs\":101", "\"inputs\":103", "field weights")]
        for (from, to, expected) in cases {
            let path = try Self.write(line.replacingOccurrences(of: from, with: to), suffix: "jsonl")
            let r = try CLI.run(["measure", path, "--hessian", "--format", "json"])
            #expect(r.status == 1 && r.stdout.isEmpty, "\(to): \(r.stderr)")
            #expect(r.stderr.split(separator: "\n").count == 1 && r.stderr.contains(expected), "\(r.stderr)")
        }
    }

    /// A saved file with CRLF line ends and the largest seed: read, and the seed printed unsigned.
    @Test func measureReadsCRLFAndUnsignedSeed() throws {
        let line = try Self.saved().trimmingCharacters(in: .newlines)
        let tampered = line.replacingOccurrences(of: "\"seed\":1,", with: "\"seed\":18446744073709551615,")
        #expect(tampered != line)
        let path = try Self.write(line + "\r\n" + tampered + "\r\n", suffix: "jsonl")
        let r = try CLI.run(["measure", path, "--hessian", "--lanczos-steps", "4", "--hessian-top", "1",
                             "--trace-samples", "2", "--format", "json"])
        #expect(r.status == 0, "\(r.stderr)")
        let records = r.stdout.split(separator: "\n")
        #expect(records.count == 2)
        #expect(records.last?.contains("\"seed\":18446744073709551615,") == true, "\(r.stdout)")
        let tsv = try CLI.run(["measure", path, "--hessian", "--lanczos-steps", "4", "--hessian-top", "1",
                               "--trace-samples", "2", "--format", "tsv"])
        #expect(tsv.stdout.contains("\t18446744073709551615\t") && !tsv.stdout.contains("\t-1\t"), "\(tsv.stdout)")
    }

    /// --version: version, commit, GSL version and kernel set, one per line; solve, measure and theory
    /// records carry the same commit after the version.
    @Test func provenance() throws {
        let version = try CLI.run(["--version"])
        #expect(version.status == 0)
        let lines = version.stdout.split(separator: "\n").map(String.init)
        #expect(lines.count == 4 && lines[0] == "flatminima 0.1.0", "\(version.stdout)")
        #expect(lines[1].hasPrefix("commit ") && lines[2].hasPrefix("gsl ") && lines[3].hasPrefix("kernels "))
        let commit = String(lines[1].dropFirst("commit ".count))
        #expect(commit == "unknown" || commit.prefix(40).allSatisfy(\.isHexDigit) && commit.count >= 40)
        let portable = try CLI.run(["--version"], environment: ["FLATMINIMA_PORTABLE": "1"])
        #expect(portable.stdout.hasSuffix("kernels portable\n"), "\(portable.stdout)")
        let theory = try CLI.run(["theory", "capacity", "--weights", "spherical", "--format", "json"])
        let solve = try CLI.run(["solve", "--solver", "sa", "-N", "101", "--alpha", "0.2", "--format", "json"])
        for output in [theory.stdout, solve.stdout] {
            let line = try #require(output.split(separator: "\n").first)
            #expect(line.contains("\"version\":\"0.1.0\",\"commit\":\"\(commit)\""), "\(line)")
        }
    }
}
