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
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("flatminima-sweep-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try text.write(to: directory.appendingPathComponent(name), atomically: true, encoding: .utf8)
        return directory
    }

    /// Rows by run_id without the timing columns.
    func rows(_ path: URL) throws -> [String: [String: String]] {
        let lines = try String(contentsOf: path, encoding: .utf8).split(separator: "\n")
            .map { $0.components(separatedBy: "\t") }
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
        #expect(lines.first == "alpha\tsolver\tvalue\tlow\thigh\tsuccesses\truns\terrors")
        #expect(lines.count == 5)
        #expect(lines.dropFirst().allSatisfy { $0.hasSuffix("\t3\t0") })
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
            .replacingOccurrences(of: "N = 101", with: "N = 301").replacingOccurrences(of: "[0.2, 0.4]",
                                                                                       with: "[0.5, 0.6]")
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
            ("[problem]\nN = 101\nalpha = \"0.5:0.4:0.1\"\n[[solver]]\nname = \"sa\"\n",
             ":3: key 'alpha': empty range"),
            ("[problem]\nN = 101\nalpha = 0.3\n[[solver]]\nname = \"sa\"\nbeta_end = [10, -5]\n", ":6: key 'beta_end'"),
            ("[problem]\nN = 101\nalpha = [0.3, -1]\n[[solver]]\nname = \"sa\"\n", ":3: key 'alpha': --alpha"),
            // Ranges whose number of values does not fit an Int once trapped; they are counted in Double.
            ("[problem]\nN = 101\nalpha = \"0:1e19:1\"\n[[solver]]\nname = \"sa\"\n",
             ":3: key 'alpha': range '0:1e19:1' has 10000000000000000000 values (at most 100000)"),
            ("[problem]\nN = 101\nalpha = \"0:1e300:1e-300\"\n[[solver]]\nname = \"sa\"\n",
             ":3: key 'alpha': range '0:1e300:1e-300' has infinitely many values (at most 100000)"),
            ("[problem]\nN = 101\nalpha = \"1::2\"\n[[solver]]\nname = \"sa\"\n", ":3: key 'alpha'"),
            ("[problem]\nN = 101\nalpha = \"0.1:0.1000000000001:1e-14\"\n[[solver]]\nname = \"sa\"\n",
             ":3: key 'alpha': range '0.1:0.1000000000001:1e-14' repeats the value 0.1"),
            // A stack overflow in the reader once.
            ("x = " + String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000) + "\n",
             ":1: key 'x': cannot read the value '[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[…'"
                + ": arrays nested more than 64 deep"),
            // The total size, replicates and seeds are bounded before anything is enumerated.
            ("[problem]\nN = \"51:100051:2\"\nalpha = \"0.0001:10:0.0001\"\n[[solver]]\nname = \"sa\"\n",
             "spec.toml: the sweep has 5000100000 runs (5000100000 problem cells × 1 solver option cells "
                + "× 1 replicates; at most 10000000 runs)"),
            ("replicates = 1000000000000\n[[solver]]\nname = \"sa\"\n",
             ":1: key 'replicates': must be an integer in [1, 1000000] (got 1000000000000)"),
            ("replicates = 2\ninstance_seed = 9223372036854775807\n[[solver]]\nname = \"sa\"\n",
             ":2: key 'instance_seed': must be an integer in [0, 9223372036854775806]"),
            // Runs that would share a run id.
            ("[problem]\nN = 101\nalpha = [0.3, 0.30]\n[[solver]]\nname = \"sa\"\n",
             ":3: key 'alpha': the value 0.3 appears twice"),
            ("[problem]\nN = 101\nalpha = 0.3\n[[solver]]\nname = \"sa\"\nmax_iters = [1, 2]\n"
                + "[[solver]]\nname = \"sa\"\nmax_iters = [2, 3]\n",
             ":8: key 'name': this [[solver]] block repeats the runs of the one at line 5"),
            ("[problem]\nN = 101\nalpha = 0.3\ndata = \"a\\tb\"\n[[solver]]\nname = \"sa\"\n",
             ":4: key 'data': values may not contain tabs"),
            ("[problem]\nN = -5\nalpha = 0.3\n[[solver]]\nname = \"sa\"\n",
             ":2: key 'N': -N: must be an integer in [1, 10^9] (got -5)"),
            // What the runs would only have found out one by one: a missing data file, a batch above P,
            // too few test patterns.
            ("[problem]\ndata = \"/nonexistent.csv\"\n[[solver]]\nname = \"cpr\"\n",
             ":2: key 'data': /nonexistent.csv: cannot be read (no such file)"),
            ("[problem]\nN = 101\npatterns = 5\n[[solver]]\nname = \"sgd\"\nbatch = 10\n",
             ":6: key 'batch': must be an integer in [1, P = 5] (got 10)"),
            ("[problem]\nN = 21\nalpha = 0.3\ntask = \"teacher\"\ntest_patterns = 0\n[[solver]]\nname = \"sa\"\n",
             ":5: key 'test_patterns'"),
        ]
        try expectRefused(cases, name: "spec.toml")
    }

    /// Each spec is refused before any run: non-zero exit, one line containing `expected`, no output file.
    func expectRefused(_ cases: [(String, String)], name: String) throws {
        for (text, expected) in cases {
            let dir = try scratch(text, name: name)
            let out = dir.appendingPathComponent("o.tsv")
            let r = try CLI.run(["sweep", dir.appendingPathComponent(name).path, "--out", out.path])
            #expect(r.status != 0)
            #expect(r.stderr.contains(expected), "\(r.stderr)")
            #expect(r.stderr.split(separator: "\n").count == 1)
            #expect(!FileManager.default.fileExists(atPath: out.path))
        }
    }

    @Test func jsonSpecsAreCheckedLikeToml() throws {
        let cases: [(String, String)] = [
            // Arrays nested deeper than 64 are refused in JSON as in TOML.
            (#"{"problem": {"N": 101, "alpha": "# + String(repeating: "[", count: 100) + "0.3" + String(repeating: "]",
                                                                                                        count: 100)
                + #"}, "solver": [{"name": "sa"}]}"#, "key 'alpha': arrays nested more than 64 deep"),
            // true is a boolean, not the number 1.
            (#"{"problem": {"N": 101, "alpha": true}, "solver": [{"name": "sa"}]}"#,
             "key 'alpha': The value 'true' is invalid"),
            (#"{"replicates": 2, "instance_seed": 9223372036854775807, "solver": [{"name": "sa"}]}"#,
             "key 'instance_seed'"),
        ]
        try expectRefused(cases, name: "spec.json")
    }

    /// --out is checked before anything is written: no stray sidecar, one line naming the option.
    @Test func badOutPathsAreRefusedBeforeWriting() throws {
        let dir = try scratch()
        let spec = dir.appendingPathComponent("spec.toml").path
        let cases: [(String, String)] = [
            ("", "--out: must be a file path (got an empty string)"),
            (dir.path, "--out: \(dir.path) is a directory"),
            (dir.appendingPathComponent("missing/r.tsv").path, "--out: the directory \(dir.path)/missing of"),
        ]
        for (out, expected) in cases {
            for command in [["sweep", spec], ["merge", spec]] {
                let r = try CLI.run(command + ["--out", out])
                #expect(r.status == 2)
                #expect(r.stderr.hasPrefix("flatminima: error: \(expected)"), "\(r.stderr)")
                #expect(r.stderr.split(separator: "\n").count == 1)
            }
        }
        #expect(!FileManager.default.fileExists(atPath: CLI.root.appendingPathComponent(".json").path))
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["spec.toml"])
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
        #expect(try CLI.run(["sweep", dir.appendingPathComponent("spec.toml").path, "--out", a.path, "--quiet",
                             "--shard", "0/4"]).status == 0)
        #expect(try CLI.run(["sweep", other.appendingPathComponent("spec.toml").path, "--out", b.path, "--quiet",
                             "--shard", "0/4"]).status == 0)
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

    /// Runs that fail while the sweep goes on keep their rows (error column set); the sweep then says how
    /// many failed, in one line, and exits 3 — also on --resume, which does not retry them. The table says
    /// how many runs of each cell failed instead of leaving them out silently.
    @Test func failedRunsAreCountedAndExitNonZero() throws {
        // cpr refuses real-valued inputs only when it runs (no up-front check knows it): one run of two fails.
        let text = "[problem]\nN = 21\nalpha = 0.3\ninputs = [\"pm1\", \"gaussian\"]\n[[solver]]\nname = \"cpr\"\n"
        let dir = try scratch(text)
        let spec = dir.appendingPathComponent("spec.toml").path, out = dir.appendingPathComponent("f.tsv")
        let r = try CLI.run(["sweep", spec, "--out", out.path, "--quiet"])
        #expect(r.status == 3, "\(r.stderr)")
        #expect(r.stderr == "flatminima: 1 of 2 runs failed (see the error column of \(out.path))\n")
        let rows = try rows(out)
        #expect(rows.count == 2)
        #expect(rows.values.filter { ($0["error"] ?? "NA") != "NA" }.count == 1)
        let resumed = try CLI.run(["sweep", spec, "--out", out.path, "--quiet", "--resume"])
        #expect(resumed.status == 3)
        #expect(resumed.stderr == r.stderr)

        let t = try CLI.run(["table", out.path, "--rows", "inputs"])
        #expect(t.status == 0)
        #expect(t.stdout.contains("gaussian  0/0 NA [NA, NA] (1 error)"), "\(t.stdout)")
        #expect(t.stderr.contains("table: 1 of 2 runs failed"))
        let tsv = try CLI.run(["table", out.path, "--rows", "inputs", "--stat", "mean:iterations", "--format", "tsv"])
        let lines = tsv.stdout.split(separator: "\n")
        #expect(lines.first == "inputs\tvalue\tlow\thigh\tsuccesses\truns\terrors")
        #expect(lines.contains { $0.hasPrefix("gaussian\tNA\t") && $0.hasSuffix("\t0\t1") }, "\(tsv.stdout)")
        #expect(lines.contains { $0.hasPrefix("pm1\t") && $0.hasSuffix("\t1\t0") }, "\(tsv.stdout)")
    }

    @Test func tableRefusesTextColumnsAndEmptySelections() throws {
        let dir = try scratch()
        let out = dir.appendingPathComponent("t.tsv")
        #expect(try CLI.run(["sweep", dir.appendingPathComponent("spec.toml").path, "--out", out.path, "--quiet",
                             "--shard", "0/3"]).status == 0)
        let text = try CLI.run(["table", out.path, "--rows", "alpha", "--stat", "mean:solver"])
        #expect(text.status == 2)
        #expect(text.stderr.hasPrefix("flatminima: error: --stat: column 'solver' of \(out.path) is not numeric"),
                "\(text.stderr)")
        #expect(text.stdout.isEmpty)
        // A column with nothing measured (storage has no test error) is not text: its cells are NA.
        let na = try CLI.run(["table", out.path, "--rows", "alpha", "--stat", "mean:test_error"])
        #expect(na.status == 0 && na.stdout.contains("NA (n=0)"))
        let none = try CLI.run(["table", out.path, "--rows", "alpha", "--where", "alpha=0.9"])
        #expect(none.status == 2 && none.stderr.contains("--where: no run of"))
        #expect(try CLI.run(["table", out.path, "--rows", ","]).status == 2)
    }

    /// merge refuses corrupt inputs (a row narrower than the header, two different rows for one run),
    /// drops rows that agree apart from their timings, and never leaves a partial --out.
    @Test func mergeRefusesCorruptInputs() throws {
        let dir = try scratch()
        let good = dir.appendingPathComponent("good.tsv")
        #expect(try CLI.run(["sweep", dir.appendingPathComponent("spec.toml").path, "--out", good.path, "--quiet",
                             "--shard", "0/3"]).status == 0)
        let lines = try String(contentsOf: good, encoding: .utf8).split(separator: "\n").map(String.init)
        let header = lines[0].components(separatedBy: "\t")
        // Each hand-made file gets the shard's sidecar: merge refuses an input without one.
        let sidecar = try Data(contentsOf: URL(fileURLWithPath: good.path + ".json"))
        func write(_ name: String, _ rows: [String]) throws -> String {
            let url = dir.appendingPathComponent(name)
            try (rows.joined(separator: "\n") + "\n").write(to: url, atomically: true, encoding: .utf8)
            try sidecar.write(to: URL(fileURLWithPath: url.path + ".json"))
            return url.path
        }
        func edit(_ line: String, _ column: String, _ value: String) -> String {
            var cells = line.components(separatedBy: "\t")
            cells[header.firstIndex(of: column)!] = value
            return cells.joined(separator: "\t")
        }
        let short = try write("short.tsv", [lines[0], lines[1],
                lines[2].components(separatedBy: "\t").prefix(5).joined(separator: "\t")] + lines.dropFirst(3))
        let solved = lines[1].components(separatedBy: "\t")[header.firstIndex(of: "solved")!]
        let conflict = try write("conflict.tsv", [lines[0], edit(lines[1], "solved", solved == "1" ? "0" : "1")])
        let timing = try write("timing.tsv", [lines[0], edit(lines[1], "seconds", "99")])
        let merged = dir.appendingPathComponent("m.tsv")

        let a = try CLI.run(["merge", good.path, short, "--out", merged.path])
        #expect(a.status == 1)
        #expect(a.stderr == "flatminima: error: \(short):3: a row of 5 cells, "
                + "but the header has \(header.count) columns (corrupt file)\n")
        let b = try CLI.run(["merge", good.path, conflict, "--out", merged.path])
        #expect(b.status == 1)
        #expect(b.stderr.hasPrefix("flatminima: error: \(conflict):2: run_id ")
                && b.stderr.contains("is also at \(good.path):2 with other values (solved)"), "\(b.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasPrefix("m.tsv") }.isEmpty)
        // table and --resume refuse the corrupt file too, naming the line.
        #expect(try CLI.run(["table", short, "--rows", "alpha"]).stderr.contains("short.tsv:3: a row of 5 cells"))

        let c = try CLI.run(["merge", good.path, timing, "--out", merged.path])
        #expect(c.status == 0, "\(c.stderr)")
        #expect(c.stderr.contains("(1 duplicates dropped)"))
        // The same rows (in run order; the shard wrote them in order of completion).
        let mergedLines = try String(contentsOf: merged, encoding: .utf8).split(separator: "\n").map(String.init)
        #expect(mergedLines.first == lines.first)
        #expect(mergedLines.dropFirst().sorted() == lines.dropFirst().sorted())
        // A torn last line is left out with one line on stderr saying so.
        let tornURL = dir.appendingPathComponent("torn.tsv")
        try (lines.joined(separator: "\n") + "\n").dropLast(4).write(to: tornURL, atomically: true, encoding: .utf8)
        try sidecar.write(to: URL(fileURLWithPath: tornURL.path + ".json"))
        let d = try CLI.run(["merge", tornURL.path, "--out", dir.appendingPathComponent("t.tsv").path])
        #expect(d.status == 0 && d.stderr.contains("torn.tsv: its last line was torn"), "\(d.stderr)")
    }

    /// A torn last line (the machine failed mid-write) is cut off on --resume, so that the next row does
    /// not land on it: every run is kept, once.
    @Test func resumeAfterATornLastLine() throws {
        let dir = try scratch()
        let spec = dir.appendingPathComponent("spec.toml").path, out = dir.appendingPathComponent("r.tsv")
        #expect(try CLI.run(["sweep", spec, "--out", out.path, "--quiet", "--shard", "0/2"]).status == 0)
        let data = try Data(contentsOf: out)
        try data.dropLast(20).write(to: out)
        let resumed = try CLI.run(["sweep", spec, "--out", out.path, "--quiet", "--resume"])
        #expect(resumed.status == 0, "\(resumed.stderr)")
        let lines = try String(contentsOf: out, encoding: .utf8).split(separator: "\n",
                                                                       omittingEmptySubsequences: false).dropLast()
        let width = lines.first!.split(separator: "\t", omittingEmptySubsequences: false).count
        #expect(lines.allSatisfy { $0.split(separator: "\t", omittingEmptySubsequences: false).count == width })
        #expect(try rows(out).count == 12)
        #expect(lines.count == 13)
    }

    @Test func slurmVariablesAreChecked() throws {
        let dir = try scratch()
        let spec = dir.appendingPathComponent("spec.toml").path, out = dir.appendingPathComponent("s.tsv").path
        let missing = try CLI.run(["sweep", spec, "--out", out, "--dry-run"], environment: ["SLURM_ARRAY_TASK_ID": "1"])
        #expect(missing.status == 2 && missing.stderr.contains("SLURM_ARRAY_TASK_COUNT: must be an integer"),
                "\(missing.stderr)")
        let overflow = try CLI.run(["sweep", spec, "--out", out, "--dry-run"],
                                   environment: ["SLURM_ARRAY_TASK_ID": "9223372036854775807",
                                                 "SLURM_ARRAY_TASK_MIN": "-1", "SLURM_ARRAY_TASK_COUNT": "2"])
        #expect(overflow.status == 2 && overflow.stderr.contains("gives no shard"), "\(overflow.stderr)")
        let ok = try CLI.run(["sweep", spec, "--out", out, "--dry-run"],
                             environment: ["SLURM_ARRAY_TASK_ID": "5", "SLURM_ARRAY_TASK_MIN": "4",
                                           "SLURM_ARRAY_TASK_COUNT": "4"])
        #expect(ok.status == 0)
        #expect(ok.stdout.split(separator: "\n").map { $0.prefix { $0 != "\t" } } == ["1", "5", "9"])
        // --array=4-10:2 (tasks 4, 6, 8, 10; four shards): task 6 is shard 1, task 7 none.
        let stepped = try CLI.run(["sweep", spec, "--out", out, "--dry-run"], environment: [
            "SLURM_ARRAY_TASK_ID": "6", "SLURM_ARRAY_TASK_MIN": "4",
            "SLURM_ARRAY_TASK_STEP": "2", "SLURM_ARRAY_TASK_COUNT": "4"])
        #expect(stepped.status == 0 && stepped.stdout == ok.stdout, "\(stepped.stderr)")
        let between = try CLI.run(["sweep", spec, "--out", out, "--dry-run"], environment: [
            "SLURM_ARRAY_TASK_ID": "7", "SLURM_ARRAY_TASK_MIN": "4",
            "SLURM_ARRAY_TASK_STEP": "2", "SLURM_ARRAY_TASK_COUNT": "4"])
        #expect(between.status == 2 && between.stderr.contains("gives no shard"), "\(between.stderr)")
    }
}
