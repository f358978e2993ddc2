import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Results integrity end to end: concurrent writers, sidecars, duplicates, line endings, grid extension,
/// merge against a spec, and the portability of the Slurm scripts.
@Suite struct WriteIntegrityCLITests {
    /// sweep.sbatch uses no bash array (bash < 4.4 rejects an empty one under set -u) and runs under
    /// bash --posix with the arguments it should pass, with and without an existing shard file.
    @Test func slurmScriptsArePortable() throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = [CLI.root.appendingPathComponent("scripts/slurm/check-portable.sh").path]
        let pipe = Pipe()
        process.standardError = pipe
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let errors = String(data: pipe.fileHandleForReading.readDataToEndOfFile(), encoding: .utf8) ?? ""
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "\(errors)")
    }

    static let spec = "name = \"wi\"\nreplicates = 2\n[problem]\nN = 101\nalpha = [0.2, 0.4]\n[[solver]]\n"
        + "name = \"sa\"\nmax_iters = 200\n"

    func scratch(_ text: String = spec) throws -> (dir: URL, spec: String) {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("flatminima-wi-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let spec = dir.appendingPathComponent("spec.toml")
        try text.write(to: spec, atomically: true, encoding: .utf8)
        return (dir, spec.path)
    }

    func lines(_ path: String) throws -> [String] {
        try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map(String.init)
    }

    /// Two sweeps on one --out: the second is refused at once, in one line, and the first finishes with
    /// every run once. Through a symlink, the link is kept and the lock is the target's.
    @Test func aSecondSweepOnTheSameFileIsRefused() throws {
        let (dir, _) = try scratch()
        let long = dir.appendingPathComponent("long.toml").path
        // Above capacity: sa never solves, so every run takes its whole budget and the sweep lasts seconds.
        try "replicates = 3\n[problem]\nN = 101\nalpha = [1.5, 2.0]\n[[solver]]\nname = \"sa\"\nmax_iters = 20000\n"
            .write(toFile: long, atomically: true, encoding: .utf8)
        let out = dir.appendingPathComponent("r.tsv").path, link = dir.appendingPathComponent("link.tsv").path
        let first = Process()
        first.executableURL = CLI.executable
        first.arguments = ["sweep", long, "--out", out, "--quiet", "--jobs", "1"]
        first.standardError = FileHandle.nullDevice
        try first.run()
        // Wait until the first sweep has written its header (it holds the lock from before that).
        for _ in 0..<200 where (try? lines(out).count) ?? 0 < 1 { usleep(20_000) }
        #expect(symlink(out, link) == 0)
        for target in [out, link] {
            let second = try CLI.run(["sweep", long, "--out", target, "--quiet", "--resume"])
            #expect(second.status == 2, "\(second.stderr)")
            #expect(second.stderr == "flatminima: error: --out: \(target) is being written by another sweep (it "
                    + "holds the file's lock); only one sweep may write a results file at a time\n")
        }
        first.waitUntilExit()
        #expect(first.terminationStatus == 0)
        let rows = try lines(out).dropFirst().map { $0.prefix { $0 != "\t" } }
        #expect(rows.count == 6 && Set(rows).count == 6)
        var status = stat()
        #expect(lstat(link, &status) == 0 && status.st_mode & S_IFMT == S_IFLNK)
    }

    /// table: refuses rows of two sweeps, drops exact duplicates with a note, refuses two different rows
    /// of one run, says when it drops a torn last line; --resume reports duplicates.
    @Test func tableAndResumeReportDuplicatesAndForeignRows() throws {
        let (dir, spec) = try scratch()
        let out = dir.appendingPathComponent("r.tsv").path
        #expect(try CLI.run(["sweep", spec, "--out", out, "--quiet", "--shard", "0/2"]).status == 0)
        let rows = try lines(out)
        let header = rows[0].components(separatedBy: "\t")
        func edit(_ line: String, _ column: String, _ value: String) -> String {
            var cells = line.components(separatedBy: "\t")
            cells[header.firstIndex(of: column)!] = value
            return cells.joined(separator: "\t")
        }
        func write(_ name: String, _ lines: [String], end: String = "\n") throws -> String {
            let path = dir.appendingPathComponent(name).path
            try (lines.joined(separator: "\n") + end).write(toFile: path, atomically: true, encoding: .utf8)
            return path
        }
        let mixed = try write("mixed.tsv", rows + [edit(edit(rows[1], "sweep", "0123456789abcdef"), "run_id", "x")])
        let a = try CLI.run(["table", mixed, "--rows", "alpha"])
        #expect(a.status == 1 && a.stderr.contains("holds rows of 2 different sweeps"), "\(a.stderr)")
        let duplicated = try write("dup.tsv", rows + [edit(rows[1], "seconds", "9")], end: "\nx\t1")
        let b = try CLI.run(["table", duplicated, "--rows", "alpha", "--stat", "count"])
        #expect(b.status == 0, "\(b.stderr)")
        #expect(b.stderr.contains("holds 1 duplicate rows") && b.stderr.contains("was torn"), "\(b.stderr)")
        let counts = try CLI.run(["table", duplicated, "--rows", "alpha", "--stat", "count", "--format", "tsv"])
        #expect(counts.stdout.split(separator: "\n").dropFirst().map { $0.components(separatedBy: "\t")[1] }
                == ["1", "1"], "\(counts.stdout)")
        let solved = rows[1].components(separatedBy: "\t")[header.firstIndex(of: "solved")!]
        let conflict = try write("conflict.tsv", rows + [edit(rows[1], "solved", solved == "1" ? "0" : "1")])
        let c = try CLI.run(["table", conflict, "--rows", "alpha"])
        #expect(c.status == 1 && c.stderr.contains("with other values (solved)"), "\(c.stderr)")
        // --resume on a file with a duplicate row says so and counts the run once.
        try (rows + [edit(rows[1], "seconds", "9")]).joined(separator: "\n").appending("\n")
            .write(toFile: out, atomically: true, encoding: .utf8)
        let r = try CLI.run(["sweep", spec, "--out", out, "--resume"])
        #expect(r.status == 0 && r.stderr.contains("holds 1 duplicate rows"), "\(r.stderr)")
        #expect(r.stderr.contains("2 runs to do"), "\(r.stderr)")
    }

    /// A results file and sidecar with CRLF line endings are read and resumed.
    @Test func crlfResultsFilesAreResumed() throws {
        let (dir, spec) = try scratch()
        let out = dir.appendingPathComponent("r.tsv").path
        #expect(try CLI.run(["sweep", spec, "--out", out, "--quiet", "--shard", "1/2"]).status == 0)
        for path in [out, out + ".json"] {
            let text = try String(contentsOfFile: path, encoding: .utf8)
            try text.replacingOccurrences(of: "\n", with: "\r\n").write(toFile: path, atomically: true, encoding: .utf8)
        }
        let r = try CLI.run(["sweep", spec, "--out", out, "--quiet", "--resume"])
        #expect(r.status == 0, "\(r.stderr)")
        let t = try CLI.run(["table", out, "--rows", "alpha", "--stat", "count", "--format", "tsv"])
        #expect(t.status == 0 && t.stdout.split(separator: "\n").dropFirst()
                .map { $0.components(separatedBy: "\t")[1] } == ["2", "2"],
                "\(t.stdout)\(t.stderr)")
    }

    /// merge: an input without its sidecar is refused unless --spec can rebuild it; with --spec, shards of
    /// a smaller grid merge, the runs of the spec missing from them are listed, and the merged sidecar
    /// names the spec's identity and the number of merged runs.
    @Test func mergeChecksSidecarsAndListsMissingRuns() throws {
        let (dir, spec) = try scratch()
        let part0 = dir.appendingPathComponent("p0.tsv").path, part1 = dir.appendingPathComponent("p1.tsv").path
        #expect(try CLI.run(["sweep", spec, "--out", part0, "--quiet", "--shard", "0/2"]).status == 0)
        #expect(try CLI.run(["sweep", spec, "--out", part1, "--quiet", "--shard", "1/2"]).status == 0)
        let merged = dir.appendingPathComponent("m.tsv").path
        let saved = try Data(contentsOf: URL(fileURLWithPath: part1 + ".json"))
        unlink(part1 + ".json")
        let a = try CLI.run(["merge", part0, part1, "--out", merged])
        #expect(a.status == 1 && a.stderr.contains("has no sidecar"), "\(a.stderr)")
        #expect(!FileManager.default.fileExists(atPath: merged))
        // With the spec, the missing sidecar is rebuilt: the rows are runs of the spec, with its identity.
        let rebuilt = try CLI.run(["merge", part0, part1, "--out", merged, "--spec", spec])
        #expect(rebuilt.status == 0 && !rebuilt.stderr.contains("missing"), "\(rebuilt.stderr)")
        try "{not json".write(toFile: part1 + ".json", atomically: true, encoding: .utf8)
        let garbage = try CLI.run(["merge", part0, part1, "--out", merged, "--spec", spec, "--force"])
        #expect(garbage.status == 1 && garbage.stderr.contains("not a FlatMinima sidecar"), "\(garbage.stderr)")
        #expect(garbage.stderr.split(separator: "\n").count == 1)
        try saved.write(to: URL(fileURLWithPath: part1 + ".json"))
        let bigger = dir.appendingPathComponent("big.toml").path
        try Self.spec.replacingOccurrences(of: "0.4]", with: "0.4, 0.6]")
            .write(toFile: bigger, atomically: true, encoding: .utf8)
        let b = try CLI.run(["merge", part0, part1, "--out", merged, "--spec", bigger, "--force"])
        #expect(b.status == 0, "\(b.stderr)")
        #expect(b.stderr.contains("2 of 6 runs of \(bigger) are missing from the inputs (run 4, 5)"), "\(b.stderr)")
        let sidecar = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: merged + ".json")))
            as? [String: Any] ?? [:]
        #expect(sidecar["runs"] as? Int == 4 && sidecar["shard"] as? String == "merged")
        let identity = sidecar["sweep"] as? String ?? ""
        let rows = try lines(merged).dropFirst().map { $0.components(separatedBy: "\t")[2] }
        #expect(rows.count == 4 && rows.allSatisfy { $0 == identity })
        // A merged file resumes with the bigger spec: only the two missing runs are run.
        let r = try CLI.run(["sweep", bigger, "--out", merged, "--resume"])
        #expect(r.status == 0 && r.stderr.contains("2 runs to do"), "\(r.stderr)")
    }
}
