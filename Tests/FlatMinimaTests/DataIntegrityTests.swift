import Foundation
import Testing
@testable import FlatMinima

/// Input integrity (issue 19): CSV data files whatever their line ends and quoting, explicit header
/// detection, control characters, complete validation of saved configurations, unsigned seeds and the
/// build's commit in records.
@Suite struct DataIntegrityTests {
    static func write(_ text: String, suffix: String = "csv") throws -> String {
        let path = FileManager.default.temporaryDirectory
            .appendingPathComponent("flatminima-integrity-\(UUID().uuidString).\(suffix)").path
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    static func load(_ text: String, header: DataHeader = .auto) throws -> DataTable {
        try DataTable.load(path: try write(text), header: header)
    }

    /// The error text of loading `text`, or nil when it loads.
    static func refusal(_ text: String, header: DataHeader = .auto) throws -> String? {
        let path = try write(text)
        do { _ = try DataTable.load(path: path, header: header) } catch { return error.description }
        return nil
    }

    static let rows = ["x1,x2,label", "1.5,2,1", "-3,4e-1,-1", "5,6,1"]

    /// LF, CRLF, CR, mixed line ends, a byte-order mark and a missing final line end all give the same
    /// table (CRLF used to leave the whole file as one line).
    @Test(arguments: ["\n", "\r\n", "\r", "mixed", "bom", "no final"])
    func lineEndsGiveTheSameTable(ending: String) throws {
        let reference = try Self.load(Self.rows.joined(separator: "\n") + "\n")
        let text: String
        switch ending {
        case "mixed": text = "x1,x2,label\r\n1.5,2,1\n-3,4e-1,-1\r5,6,1\r\n"
        case "bom": text = "\u{FEFF}" + Self.rows.joined(separator: "\r\n") + "\r\n"
        case "no final": text = Self.rows.joined(separator: "\r\n")
        default: text = Self.rows.joined(separator: ending) + ending
        }
        let table = try Self.load(text)
        #expect(table.features == 2 && table.rows == reference.rows && table.labels == reference.labels)
        #expect(table.rows == [[1.5, 2], [-3, 0.4], [5, 6]] && table.labels == [1, -1, 1])
        #expect(table.columnNames == ["x1", "x2", "label"])
    }

    /// RFC 4180: quoted fields hold commas, doubled quotes and line breaks; quoted numbers are numbers.
    /// Line numbers in errors count the physical lines of a multi-line field.
    @Test func quotedFields() throws {
        let text = "\"width, cm\",\"say \"\"hi\"\"\",\"the\r\nlabel\"\r\n\"1\",2,\"-1\"\r\n3,\" 4 \",1\r\n"
        let table = try Self.load(text)
        #expect(table.columnNames == ["width, cm", "say \"hi\"", "the\r\nlabel"])
        #expect(table.rows == [[1, 2], [3, 4]] && table.labels == [-1, 1])
        let late = try #require(try Self.refusal(text + "5,x,1\r\n"))
        #expect(late.contains("line 5, column 2: 'x' is not a number"), "\(late)")
    }

    /// A headerless file whose first row has a typo or an NA was taken as a header (P dropped by one):
    /// auto now refuses a first row that mixes numbers and text, naming --header.
    @Test(arguments: ["1,2..5,1\n3,4,-1\n5,6,1\n", "NA,2,1\n3,4,-1\n5,6,1\n", "0,1,label\n3,4,-1\n5,6,1\n"])
    func ambiguousFirstRowIsRefused(text: String) throws {
        let message = try #require(try Self.refusal(text))
        #expect(message.contains("line 1: the first row mixes numbers and text") && message.contains("--header yes"),
                "\(message)")
        #expect(!message.contains("\n"))
    }

    /// yes and no are taken as said; auto reads a row of numbers as data and a row of names as a header.
    @Test func explicitHeader() throws {
        let numbers = "0,1,1\n3,4,-1\n5,6,1\n"
        #expect(try Self.load(numbers).rows.count == 3)
        #expect(try Self.load(numbers, header: .no).rows.count == 3)
        let named = try Self.load(numbers, header: .yes)
        #expect(named.rows.count == 2 && named.columnNames == ["0", "1", "1"])
        #expect(try Self.load("0,1,label\n3,4,-1\n5,6,1\n", header: .yes).rows == [[3, 4], [5, 6]])
        let refused = try #require(try Self.refusal("a,b,label\n3,4,-1\n5,6,1\n", header: .no))
        #expect(refused.contains("line 1, column 1: 'a' is not a number"), "\(refused)")
        // The key is read by the request and carried by the spec into the problem.
        let path = try Self.write("0,1,1\n3,4,-1\n5,6,1\n7,8,-1\n")
        let request = try ProblemRequest(values: [("weights", "spherical"), ("data", path), ("header", "yes"),
                                                  ("test_fraction", "0")])
        let spec = try request.spec(instanceSeed: 1)
        #expect(spec.dataHeader == .yes)
        #expect(try Problem(spec).train.count == 3)
        var auto = spec
        auto.dataHeader = nil
        #expect(try Problem(auto).train.count == 4)
        #expect(throws: RequestError.self) { try ProblemRequest(values: [("header", "maybe")]) }
        let notData = try ProblemRequest(values: [("alpha", "0.1"), ("header", "no")])
        #expect(throws: RequestError.self) { try notData.spec(instanceSeed: 1) }
    }

    /// A NUL cut a number short ("1\0009" read as 1): any control character is an error with its line
    /// and column.
    @Test(arguments: [("1,2,1\n1\u{0}9,2,-1\n", "line 2, column 1: control character U+0000 (NUL)"),
                      ("1,2,1\n3,4\u{1},-1\n", "line 2, column 2: control character U+0001"),
                      ("a,b,label\r\n1,2,1\r\n3,4,\u{7F}1\r\n", "line 3, column 3: control character U+007F")])
    func controlCharactersAreErrors(text: String, expected: String) throws {
        let message = try #require(try Self.refusal(text))
        #expect(message.contains(expected), "\(message)")
    }

    /// An empty or "Unnamed: 0" first header over 0, 1, 2, ... is pandas' index: a warning, not an error.
    @Test func pandasIndexIsWarnedAbout() throws {
        let indexed = try Self.load(",x,label\n0,1.5,1\n1,2,-1\n2,3,1\n")
        #expect(indexed.warnings.count == 1 && indexed.warnings[0].contains("pandas index"))
        #expect(try Self.load("Unnamed: 0,x,label\n2,1.5,1\n0,2,-1\n1,3,1\n").warnings.count == 1)
        #expect(try Self.load("id,x,label\n0,1.5,1\n1,2,-1\n2,3,1\n").warnings.isEmpty)
        #expect(try Self.load(",x,label\n0,1.5,1\n0.5,2,-1\n2,3,1\n").warnings.isEmpty)
    }

    // MARK: Saved configurations

    /// One saved configuration of a small storage instance, as a JSON object to tamper with.
    static func savedObject() throws -> [String: Any] {
        let problem = try Problem(ProblemSpec(model: Model(kind: .perceptron, weights: .binary, inputs: 11),
                                              patterns: 5, instanceSeed: 3))
        let saved = SavedConfiguration(problem: problem, solver: "sa", seed: 7, options: [:],
                                       weights: [Double](repeating: 1, count: 11))
        return try #require(try JSONSerialization.jsonObject(with: Data(saved.line().utf8)) as? [String: Any])
    }

    static func line(_ object: [String: Any]) throws -> String {
        String(decoding: try JSONSerialization.data(withJSONObject: object), as: UTF8.self)
    }

    static func loadSaved(_ text: String) throws -> String? {
        let path = try write(text, suffix: "jsonl")
        do { _ = try SavedConfiguration.load(path: path) } catch { return error.description }
        return nil
    }

    /// Every decoded field is checked: a tampered configuration is one line naming the field (these used
    /// to trap in measure with a division by zero or an index out of range).
    @Test(arguments: [
        ("hidden", "0", "field problem.model.hidden: a perceptron has 1 hidden unit (got 0)"),
        ("hidden", "-1", "field problem.model.hidden: a perceptron has 1 hidden unit (got -1)"),
        ("hidden", "101", "field problem.model.hidden: a perceptron has 1 hidden unit (got 101)"),
        ("committee", "2", "field problem.model.hidden: must be a positive odd integer"),
        ("committee", "7", "field problem.model.hidden: must divide N = 15"),
        ("inputs", "13", "field weights: 11 weights, the model has 13"),
        ("inputs", "0", "field problem.model.inputs: must be an integer in [1, 10^9]"),
        ("weights", "2", "field weights: binary weights must be ±1"),
        ("margin", "-1", "field problem.model.margin: must be a number in [0, 100]"),
        ("margin", "1e999", "not a FlatMinima configuration"),
        ("kind", "\"banana\"", "field problem.model.kind: "),
        ("patterns", "0", "field problem.patterns: "),
        ("testFraction", "2", "field problem.testFraction: must be in [0, 1)"),
        ("fingerprint", "\"x\"", "field fingerprint: 'x' is not a decimal"),
        ("solver", "\"nope\"", "field solver: unknown solver 'nope'"),
        ("seed", "-1", "not a FlatMinima configuration"),
        ("format", "\"other/1\"", "field format: 'other/1'"),
        ("drop", "weights", "field weights is missing"),
    ])
    func tamperedConfigurationsAreRefused(field: String, value: String, expected: String) throws {
        var object = try Self.savedObject()
        var problem = try #require(object["problem"] as? [String: Any])
        var model = try #require(problem["model"] as? [String: Any])
        let parsed: Any = field == "drop" || value == "1e999" ? 0
            : try JSONSerialization.jsonObject(with: Data(value.utf8), options: .fragmentsAllowed)
        switch field {
        case "hidden", "inputs", "margin", "kind": model[field] = parsed
        case "committee":
            model["kind"] = "committee"
            model["hidden"] = parsed
            model["inputs"] = 15
            object["weights"] = [Double](repeating: 1, count: 15)
        case "patterns", "testFraction": problem[field] = parsed
        case "weights": object["weights"] = [2] + [Double](repeating: 1, count: 10)
        case "drop": object[value] = nil
        default: object[field] = parsed
        }
        problem["model"] = model
        object["problem"] = problem
        var text = try Self.line(object)
        if value == "1e999" { text = text.replacingOccurrences(of: "\"margin\":0", with: "\"margin\":1e999") }
        let message = try #require(try Self.loadSaved(text + "\n"))
        #expect(message.contains("line 1: " + expected), "\(message)")
        #expect(!message.contains("\n"))
    }

    /// CRLF, CR and blank lines between configurations: every configuration is read, lines counted right.
    @Test func savedFilesWithCRLF() throws {
        let line = try Self.line(try Self.savedObject())
        let path = try Self.write(line + "\r\n\r\n" + line + "\r" + line + "\r\n", suffix: "jsonl")
        let saved = try SavedConfiguration.load(path: path)
        #expect(saved.count == 3 && saved.allSatisfy { $0.seed == 7 && $0.weights.count == 11 })
        let bad = try #require(try Self.loadSaved(line + "\r\n\r\n{}\r\n"))
        #expect(bad.contains("line 3: field "), "\(bad)")
    }

    // MARK: Seeds and provenance

    /// A seed of 2^64 − 1 is printed as itself, never as −1.
    @Test func largestSeedIsPrintedUnsigned() throws {
        #expect(Record.Value.seed(UInt64.max).json == "18446744073709551615")
        #expect(Record.Value.seed(UInt64.max).text == "18446744073709551615")
        #expect(Record.Value.seed(UInt64(Int.max)) == .int(Int.max))
        let problem = try Problem(ProblemSpec(model: Model(kind: .perceptron, weights: .binary, inputs: 11),
                                              patterns: 5, instanceSeed: UInt64.max - 1))
        let line = try SavedConfiguration(problem: problem, solver: "sa", seed: UInt64.max, options: [:],
                                          weights: [Double](repeating: 1, count: 11)).line()
        let saved = try #require(try SavedConfiguration.load(path: try Self.write(line + "\n", suffix: "jsonl")).first)
        let record = try saved.record(problem: try saved.instance(path: "saved"), measures: [])
        #expect(record["seed"]?.text == "18446744073709551615")
        #expect(record["instance_seed"]?.text == "18446744073709551614")
        #expect(record.json.contains("\"seed\":18446744073709551615"))
    }

    /// Records end their common fields with the version and the build's commit, which is HEAD of the
    /// checkout the tests were built in (or "unknown" outside a git checkout).
    @Test func recordsCarryTheBuildCommit() throws {
        let build = FlatMinima.build
        #expect(build.commit == "unknown" || build.commit.count == 40 && build.commit.allSatisfy(\.isHexDigit))
        #expect(build.commitText == build.commit + (build.dirty && build.commit != "unknown" ? "+dirty" : ""))
        #expect(!build.gslVersion.isEmpty && build.kernels == InstructionSet.current.description)
        #expect(build.summary.split(separator: "\n").count == 4 && build.summary.contains(build.commitText))
        #expect(Array(Run.commonFields.suffix(2)) == ["version", "commit"])
        #expect(Record.provenance.map(\.name) == ["version", "commit"])
        let problem = try Problem(ProblemSpec(model: Model(kind: .perceptron, weights: .binary, inputs: 11),
                                              patterns: 5))
        let record = Run.record(problem: problem, solver: "sa", parameters: try SolverRegistry.entry(named: "sa")
                                    .build([:]).1, seed: 1,
                                outcome: SolverOutcome(weights: [Double](repeating: 1, count: 11), iterations: 1,
                                                       converged: true), seconds: 0)
        let names = record.fields.map(\.name)
        #expect(Array(names.prefix(Run.commonFields.count)) == Run.commonFields)
        #expect(record["commit"] == .string(build.commitText))
        // The comparison holds in a git checkout of this package (not in a copy inside another repository).
        if let top = Git.run(["rev-parse", "--show-toplevel"], in: Git.root),
           URL(fileURLWithPath: top).resolvingSymlinksInPath()
               == URL(fileURLWithPath: Git.root).resolvingSymlinksInPath(),
           let head = Git.run(["rev-parse", "HEAD"], in: Git.root) {
            #expect(build.commit == head)
            let status = Git.run(["status", "--porcelain", "--", "Package.swift", "Sources", "Plugins"], in: Git.root)
            #expect(build.dirty == !(status ?? "").isEmpty)
        }
    }

    /// The stamp script: a checkout's HEAD and dirty flag; "unknown" in a plain directory and in a copy
    /// unpacked inside another repository (whose HEAD is not this package's commit).
    @Test func stampScript() throws {
        let script = Git.root + "/Plugins/BuildStamp/stamp.sh"
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("flatminima-stamp-\(UUID())").path
        let package = base + "/repo", output = base + "/out", work = base + "/work"
        try FileManager.default.createDirectory(atPath: package + "/Sources", withIntermediateDirectories: true)
        func stamp(_ directory: String) throws -> String {
            _ = try Git.shell(["/bin/sh", script, directory, output, work])
            return try String(contentsOfFile: output + "/BuildStampGenerated.swift", encoding: .utf8)
        }
        #expect(try stamp(package).contains("let stampedCommit = \"unknown\"\nlet stampedDirty = false"))
        try "let a = 1\n".write(toFile: package + "/Sources/a.swift", atomically: true, encoding: .utf8)
        for arguments in [["init", "-q"], ["add", "-A"],
                          ["-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "m"]] {
            #expect(Git.run(arguments, in: package) != nil)
        }
        let head = try #require(Git.run(["rev-parse", "HEAD"], in: package))
        #expect(try stamp(package).contains("let stampedCommit = \"\(head)\"\nlet stampedDirty = false"))
        try "let a = 2\n".write(toFile: package + "/Sources/a.swift", atomically: true, encoding: .utf8)
        #expect(try stamp(package).contains("let stampedCommit = \"\(head)\"\nlet stampedDirty = true"))
        // A tarball's copy inside the repository: not the top of a work tree, so not its commit.
        try FileManager.default.createDirectory(atPath: package + "/vendor/FlatMinima",
                                                withIntermediateDirectories: true)
        #expect(try stamp(package + "/vendor/FlatMinima").contains("let stampedCommit = \"unknown\""))
        try? FileManager.default.removeItem(atPath: base)
    }
}

/// git for the tests (nil when git fails or is missing).
enum Git {
    /// The package's root directory.
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path

    static func run(_ arguments: [String], in directory: String) -> String? {
        guard let out = try? shell(["/usr/bin/env", "git", "-C", directory] + arguments), out.status == 0 else {
            return nil
        }
        return out.text.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @discardableResult
    static func shell(_ command: [String]) throws -> (status: Int32, text: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: command[0])
        process.arguments = Array(command.dropFirst())
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}
