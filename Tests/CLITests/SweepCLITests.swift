import Foundation
import Testing

/// `sweep`, `merge` and `table` end to end: shards merge into exactly the single-process results, a
/// killed sweep resumes without losing or duplicating runs, bad specs and foreign files are refused.
@Suite struct SweepCLITests {
    static let spec = """
        name = "cli-test"
        replicates = 3
        [problem]
        N = 101
        alpha = [0.2, 0.4]
        [[solver]]
        name = "sa"
        max_iters = 200
        [[solver]]
        name = "cpr"
        """

    /// A fresh scratch directory with the spec written into it.
    func scratch(_ text: String = spec, name: String = "spec.toml") throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("flatminima-sweep-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try text.write(to: directory.appendingPathComponent(name), atomically: true, encoding: .utf8)
        return directory
    }

    /// Rows by run_id without the timing columns.
    func rows(_ path: URL) throws -> [String: [String: String]] {
        let lines = try String(contentsOf: path, encoding: .utf8).split(separator: "\n").map { $0.components(separatedBy: "\t") }
        let header = lines[0]
        var result: [String: [String: String]] = [:]
        for line in lines.dropFirst() {
            var row: [String: String] = [:]
            for (k, v) in zip(header, line) where k != "seconds" && k != "measure_seconds" { row[k] = v }
            result[row["run_id"]!] = row
        }
        return result
    }

    @Test func shardsMergeIntoTheSingleRun() throws {
        let dir = try scratch()
        let spec = dir.appendingPathComponent("spec.toml").path
        let whole = try CLI.run(["sweep", spec, "--out", dir.appendingPathComponent("all.tsv").path, "--quiet"])
        #expect(whole.status == 0, "\(whole.stderr)")
        var parts: [String] = []
        for i in 0..<3 {
            let part = dir.appendingPathComponent("part\(i).tsv").path
            let r = try CLI.run(["sweep", spec, "--out", part, "--shard", "\(i)/3", "--quiet", "--jobs", "1"])
            #expect(r.status == 0, "\(r.stderr)")
            parts.append(part)
        }
        let merged = dir.appendingPathComponent("merged.tsv")
        // A shard given twice: its rows are duplicates and are dropped.
        let m = try CLI.run(["merge"] + parts + [parts[0], "--out", merged.path])
        #expect(m.status == 0, "\(m.stderr)")
        let a = try rows(dir.appendingPathComponent("all.tsv")), b = try rows(merged)
        #expect(a.count == 12)
        #expect(a == b)
        // table: success of each solver per alpha, with counts.
        let t = try CLI.run(["table", merged.path, "--rows", "alpha", "--cols", "solver", "--format", "tsv"])
        #expect(t.status == 0)
        let lines = t.stdout.split(separator: "\n")
        #expect(lines.first == "alpha\tsolver\tvalue\tlow\thigh\tsuccesses\truns")
        #expect(lines.count == 5)
        #expect(lines.dropFirst().allSatisfy { $0.hasSuffix("\t3") })
    }

    @Test func resumeSkipsFinishedRuns() throws {
        let dir = try scratch()
        let spec = dir.appendingPathComponent("spec.toml").path, out = dir.appendingPathComponent("r.tsv")
        #expect(try CLI.run(["sweep", spec, "--out", out.path, "--shard", "0/2", "--quiet"]).status == 0)
        let half = try rows(out).count
        // Without --resume an existing output is refused and left untouched.
        let refused = try CLI.run(["sweep", spec, "--out", out.path])
        #expect(refused.status != 0 && refused.stderr.contains("--resume"))
        #expect(try rows(out).count == half)
        let resumed = try CLI.run(["sweep", spec, "--out", out.path, "--resume"])
        #expect(resumed.status == 0, "\(resumed.stderr)")
        #expect(resumed.stderr.contains("\(12 - half) runs to do"))
        #expect(try rows(out).count == 12)
    }

    /// kill -9 in the middle of a sweep leaves whole rows only, and --resume completes it to exactly the
    /// rows of an uninterrupted run.
    @Test func killNineLosesNoFinishedRun() throws {
        let text = Self.spec.replacingOccurrences(of: "replicates = 3", with: "replicates = 12")
            .replacingOccurrences(of: "max_iters = 200", with: "max_iters = 2000")
            .replacingOccurrences(of: "N = 101", with: "N = 301").replacingOccurrences(of: "[0.2, 0.4]", with: "[0.5, 0.6]")
        let dir = try scratch(text)
        let spec = dir.appendingPathComponent("spec.toml").path, out = dir.appendingPathComponent("k.tsv")
        let process = Process()
        process.executableURL = CLI.executable
        process.arguments = ["sweep", spec, "--out", out.path, "--quiet", "--jobs", "2"]
        try process.run()
        // Wait for a few rows, then SIGKILL.
        for _ in 0..<400 {
            if let t = try? String(contentsOf: out, encoding: .utf8), t.split(separator: "\n").count > 4 { break }
            usleep(10_000)
        }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        let partial = try String(contentsOf: out, encoding: .utf8)
        #expect(partial.hasSuffix("\n"))
        let lines = partial.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
        #expect(lines.count - 1 < 48, "the kill came after the sweep had finished")
        let width = lines.first!.split(separator: "\t", omittingEmptySubsequences: false).count
        #expect(lines.allSatisfy { $0.split(separator: "\t", omittingEmptySubsequences: false).count == width })
        let resumed = try CLI.run(["sweep", spec, "--out", out.path, "--resume", "--quiet"])
        #expect(resumed.status == 0, "\(resumed.stderr)")
        let clean = dir.appendingPathComponent("clean.tsv")
        #expect(try CLI.run(["sweep", spec, "--out", clean.path, "--quiet"]).status == 0)
        let a = try rows(out), b = try rows(clean)
        #expect(a.count == 48)
        #expect(a == b)
    }

    @Test func badSpecsNameFileLineAndKey() throws {
        let cases: [(String, String)] = [
            ("replicates = 2\nbogus = 1\n[[solver]]\nname = \"sa\"\n", ":2: key 'bogus'"),
            ("replicates = \"two\"\n[[solver]]\nname = \"sa\"\n", ":1: key 'replicates': must be an integer"),
            ("[problem]\nN = 101\nalpha = \"0.5:0.4:0.1\"\n[[solver]]\nname = \"sa\"\n", ":3: key 'alpha': empty range"),
            ("[problem]\nN = 101\nalpha = 0.3\n[[solver]]\nname = \"sa\"\nbeta_end = [10, -5]\n", ":6: key 'beta_end'"),
            ("[problem]\nN = 101\nalpha = [0.3, -1]\n[[solver]]\nname = \"sa\"\n", ":3: key 'alpha': --alpha"),
        ]
        for (text, expected) in cases {
            let dir = try scratch(text)
            let out = dir.appendingPathComponent("o.tsv")
            let r = try CLI.run(["sweep", dir.appendingPathComponent("spec.toml").path, "--out", out.path])
            #expect(r.status != 0)
            #expect(r.stderr.contains(expected), "\(r.stderr)")
            #expect(r.stderr.split(separator: "\n").count == 1)
            #expect(!FileManager.default.fileExists(atPath: out.path))
        }
    }

    @Test func foreignFilesAreRefused() throws {
        let dir = try scratch()
        let foreign = dir.appendingPathComponent("foreign.tsv")
        try "a\tb\n1\t2\n".write(to: foreign, atomically: true, encoding: .utf8)
        let r = try CLI.run(["sweep", dir.appendingPathComponent("spec.toml").path, "--out", foreign.path, "--resume"])
        #expect(r.status != 0 && r.stderr.contains("not a FlatMinima results file"))
        #expect(try String(contentsOf: foreign, encoding: .utf8) == "a\tb\n1\t2\n")
        // Outputs of two different specs are not merged.
        let other = try scratch(Self.spec.replacingOccurrences(of: "replicates = 3", with: "replicates = 1"))
        let a = dir.appendingPathComponent("a.tsv"), b = other.appendingPathComponent("b.tsv")
        #expect(try CLI.run(["sweep", dir.appendingPathComponent("spec.toml").path, "--out", a.path, "--quiet", "--shard", "0/4"]).status == 0)
        #expect(try CLI.run(["sweep", other.appendingPathComponent("spec.toml").path, "--out", b.path, "--quiet", "--shard", "0/4"]).status == 0)
        let m = try CLI.run(["merge", a.path, b.path, "--out", dir.appendingPathComponent("m.tsv").path])
        #expect(m.status != 0 && m.stderr.contains("different specs"))
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("m.tsv").path))
    }

    @Test func jsonSpecsWork() throws {
        let json = """
            {"replicates": 2,
             "problem": {"N": 101, "alpha": "0.2:0.3:0.1"},
             "solver": [{"name": "cpr"}]}
            """
        let dir = try scratch(json, name: "spec.json")
        let out = dir.appendingPathComponent("j.tsv")
        let r = try CLI.run(["sweep", dir.appendingPathComponent("spec.json").path, "--out", out.path, "--quiet"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(try rows(out).count == 4)
    }
}
