import Foundation
import Testing
@_spi(Benchmarks) @testable import FlatMinima

/// Specs, results files and tables on bad input: every refusal is a thrown error naming the file, line
/// and key (never a trap), and the enumeration of runs is unchanged by the bounds.
@Suite struct SweepSpecTests {
    /// A spec file with `text` in a fresh directory.
    func spec(_ text: String, name: String = "spec.toml") throws -> String {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("flatminima-spec-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let path = directory.appendingPathComponent(name).path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
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

    @Test func rangesAreCountedBeforeTheyAreMade() throws {
        #expect(try refusal("[problem]\nalpha = \"0:1e19:1\"\n" + Self.solver)
                == "SPEC:2: key 'alpha': range '0:1e19:1' has 10000000000000000000 values (at most 100000)")
        #expect(try refusal("[problem]\nalpha = \"0:1e300:1e-300\"\n" + Self.solver)
                == "SPEC:2: key 'alpha': range '0:1e300:1e-300' has infinitely many values (at most 100000)")
        #expect(try refusal("[problem]\nalpha = \"0:1:-1e-300\"\n" + Self.solver)?.contains("empty range") == true)
        #expect(try refusal("[problem]\nalpha = \"0:1e5:1\"\n" + Self.solver)?.contains("has 100001 values") == true)
        // Exactly the cap is accepted; a range crossing zero gives 0, not 5.55e-17.
        let cap = try SweepSpec(path: spec("[problem]\nalpha = \"1:100000:1\"\n" + Self.solver))
        #expect(cap.problem[0].values.count == 100_000 && cap.runCount == 100_000)
        let zero = try SweepSpec(path: spec("[problem]\nmargin = \"-0.3:0.3:0.1\"\n" + Self.solver))
        #expect(zero.problem[0].values == ["-0.3", "-0.2", "-0.1", "0", "0.1", "0.2", "0.3"])
    }

    @Test func nestingIsBounded() throws {
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        #expect(try refusal("x = \(deep)\n")?.hasSuffix("arrays nested more than 64 deep") == true)
        let unclosed = "x = " + String(repeating: "[", count: 100_000) + "\n"
        #expect(try refusal(unclosed)?.contains("SPEC:1: key 'x'") == true)
        let json = "{\"x\": " + String(repeating: "[", count: 65) + String(repeating: "]", count: 65) + "}"
        #expect(try refusal(json, name: "spec.json") == "SPEC:1: key 'x': arrays nested more than 64 deep")
        // 64 levels are read (and then refused for what they are: an unknown key).
        let ok = "x = " + String(repeating: "[", count: 64) + String(repeating: "]", count: 64) + "\n"
        #expect(try refusal(ok)?.contains("unknown key") == true)
    }

    @Test func sizeReplicatesAndSeedsAreBounded() throws {
        #expect(try refusal("[problem]\nN = \"51:100051:2\"\nalpha = \"0.0001:10:0.0001\"\n" + Self.solver)
                == "SPEC: the sweep has 5000100000 runs (5000100000 problem cells × 1 solver option cells "
                + "× 1 replicates; at most 10000000 runs)")
        // Products that overflow an Int are refused, not wrapped.
        let axes = (1...4).map { "k\($0) = \"1:100000:1\"" }.joined(separator: "\n")
        #expect(try refusal("[[solver]]\nname = \"sa\"\n" + axes + "\n")?.contains("at most 10000000 runs") == true)
        #expect(try refusal("replicates = 1000000000000\n" + Self.solver)
                == "SPEC:1: key 'replicates': must be an integer in [1, 1000000] (got 1000000000000)")
        #expect(try refusal("replicates = 2\ninstance_seed = 9223372036854775807\n" + Self.solver)
                == "SPEC:2: key 'instance_seed': must be an integer in [0, 9223372036854775806] "
                + "(got 9223372036854775807)")
        let top = try SweepSpec(path: spec("replicates = 2\ninstance_seed = 9223372036854775806\n" + Self.solver))
        #expect(top.runs().map(\.instanceSeed) == [Int.max - 1, Int.max])
        let most = try SweepSpec(path: spec("replicates = 100\n[problem]\nalpha = \"1:100000:1\"\n" + Self.solver))
        #expect(most.runCount == SweepSpec.maximumRuns)
    }

    @Test func runsThatWouldShareAnIdAreRefused() throws {
        #expect(try refusal("[problem]\nN = [101, 101.0]\n" + Self.solver)
                == "SPEC:2: key 'N': the value 101.0 appears twice in the list")
        let repeated = try refusal("[problem]\nalpha = \"0.1:0.1000000000001:1e-14\"\n" + Self.solver)
        #expect(repeated?.contains("repeats the value 0.1") == true)
        let twice = try refusal(Self.solver + Self.solver)
        #expect(twice?.hasPrefix("SPEC:4: key 'name': this [[solver]] block "
                                 + "repeats the runs of the one at line 2") == true)
        // The same solver twice with different options is fine.
        #expect(try refusal(Self.solver + "max_iters = 10\n" + Self.solver + "max_iters = 20\n") == nil)
        #expect(try refusal("[problem]\ndata = \"a\\nb\"\n" + Self.solver)?.contains("tabs or line breaks") == true)
    }

    /// The run ids of a spec are those the enumeration has always given (resume and merge rely on them),
    /// and a shard is exactly the runs of the whole sweep at its indices.
    @Test func enumerationIsStable() throws {
        let text = "replicates = 2\n[problem]\nN = 101\nalpha = [0.2, 0.4]\n"
            + "[[solver]]\nname = \"sa\"\nmax_iters = 200\n"
        let sweep = try SweepSpec(path: spec(text))
        let all = sweep.runs()
        #expect(all.map(\.id) == ["86e8cd00cb84bfc7", "a0423c00d9b25712", "ebd1a53dc234a565", "e123f83dbb96661c"])
        #expect(sweep.runCount == all.count)
        for count in 1...5 {
            for index in 0..<count {
                #expect(sweep.runs(shard: index, of: count).map(\.id) == SweepSpec.shard(all, index: index,
                                                                                         count: count).map(\.id))
            }
        }
    }

    @Test func jsonBooleansStayBooleans() throws {
        let document = try SpecDocument.load(path: spec("{\"a\": true, \"b\": 1, \"c\": 1.5, \"d\": false}",
                                                        name: "s.json"))
        #expect(document.root.entry("a")?.value == .bool(true))
        #expect(document.root.entry("b")?.value == .integer(1))
        #expect(document.root.entry("c")?.value == .double(1.5))
        #expect(document.root.entry("d")?.value == .bool(false))
    }

    // MARK: Results files and tables

    static let header = "run_id\trun\tsweep\tsolved\tseconds\terror\n"

    func results(_ text: String) throws -> String { try spec(text, name: "r.tsv") }

    func readError(_ text: String) throws -> String? {
        let path = try results(text)
        do { _ = try Results.read(path: path); return nil } catch {
            return error.description.replacingOccurrences(of: path, with: "R")
        }
    }

    @Test func corruptRowsAreRefusedWithTheirLine() throws {
        #expect(try readError(Self.header + "a\t0\ts\t1\t0.1\tNA\nb\t1\ts\n")
                == "R:3: a row of 3 cells, but the header has 6 columns (corrupt file)")
        #expect(try readError(Self.header + "a\t0\ts\t1\t0.1\tNA\tx\n")
                == "R:2: a row of 7 cells, but the header has 6 columns (corrupt file)")
        let zero = try readError(Self.header + "a\tzero\ts\t1\t0.1\tNA\n")
        #expect(zero?.hasPrefix("R:2: run must be a non-negative integer") == true)
        let named = try readError("run_id\trun\tsweep\tx\tx\n")
        #expect(named?.hasPrefix("R:1: the header names the column 'x' twice") == true)
        // A torn last line (no newline) is dropped, an empty line skipped.
        let table = try Results.read(path: results(Self.header + "a\t0\ts\t1\t0.1\tNA\n\nb\t1\ts\t0\t0.2\tNA\nc\t2\ts"))
        #expect(table.rows.map { $0[0] } == ["a", "b"] && table.lines == [2, 4])
    }

    @Test func mergeRefusesConflictingDuplicates() throws {
        let a = try Results.read(path: results(Self.header + "a\t0\ts\t1\t0.1\tNA\nb\t1\ts\t0\t0.2\tNA\n"))
        let same = try Results.read(path: results(Self.header + "b\t1\ts\t0\t9.9\tNA\n"))
        let (merged, duplicates) = try Results.merge([("a.tsv", a), ("same.tsv", same)])
        #expect(duplicates == 1 && merged.rows.count == 2 && merged.rows[1][4] == "0.2")
        let other = try Results.read(path: results(Self.header + "b\t1\ts\t1\t0.2\tNA\n"))
        #expect(throws: FlatMinimaError.invalidData(path: "other.tsv:2",
                message: "run_id b is also at a.tsv:3 with other values (solved); refusing to choose")) {
            try Results.merge([("a.tsv", a), ("other.tsv", other)])
        }
    }

    @Test func writerCutsATornRowAndKeepsRowsOnOneLine() throws {
        let path = try results(Self.header + "a\t0\ts\t1\t0.1\tNA\nb\t1\ts")
        let writer = try Results.Writer(path: path, columns: [])
        try writer.append([("run_id", "c"), ("run", "2"), ("sweep", "s"), ("error", "two\tlines\nhere")])
        #expect(try String(contentsOfFile: path, encoding: .utf8)
                == Self.header + "a\t0\ts\t1\t0.1\tNA\nc\t2\ts\tNA\tNA\ttwo lines here\n")
    }

    @Test func tablesCountFailedRuns() throws {
        let text = Self.header + "a\t0\ts\t1\t0.1\tNA\nb\t1\ts\tNA\tNA\tboom\nc\t2\ts\t0\t0.1\tNA\n"
        let table = try Results.read(path: results(text))
        let cell = Summary.cell(table.rows, table: table, statistic: .success)
        #expect(cell.successes == 1 && cell.runs == 2 && cell.errors == 1)
        #expect(Summary.cell(table.rows, table: table, statistic: .count).errors == 1)
        #expect(Summary.isNumeric("solved", in: table))
        #expect(!Summary.isNumeric("error", in: table) && !Summary.isNumeric("sweep", in: table))
        let empty = try Results.read(path: results("run_id\trun\tsweep\ttest_error\nx\t0\ts\tNA\n"))
        #expect(Summary.isNumeric("test_error", in: empty))
    }
}

extension SweepSpec {
    /// The runs of shard `index` of `count` by filtering all runs: the oracle of `runs(shard:of:)`.
    static func shard(_ runs: [Run], index: Int, count: Int) -> [Run] {
        runs.filter { $0.index % count == index }
    }
}
