import Foundation
import Testing

/// Issue 20, item 1: tidy outputs. One meaning of `alpha` (the requested load, `alpha_actual` the
/// realised P/N), `table` reading every results format, curves as columns at an abscissa and as a long
/// table, one `--format` vocabulary.
@Suite struct AnalysisCLITests {
    static let spec = """
        name = "analysis"
        replicates = 3
        [problem]
        N = 101
        alpha = [0.2, 0.3]
        [[solver]]
        name = "sa"
        [[solver]]
        name = "sgd"
        [measure]
        measure = "local-energy"
        perturbations = "0.01,0.05"
        samples = 20
        """

    func scratch() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("flatminima-an-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try Self.spec.write(to: dir.appendingPathComponent("spec.toml"), atomically: true, encoding: .utf8)
        return dir
    }

    /// The cells of a TSV text, keyed by its header.
    func rows(_ text: String) -> [[String: String]] {
        let lines = text.split(separator: "\n").map { $0.components(separatedBy: "\t") }
        guard let header = lines.first else { return [] }
        return lines.dropFirst().map { Dictionary(uniqueKeysWithValues: zip(header, $0)) }
    }

    @Test func alphaIsTheRequestedLoadEverywhere() throws {
        // 0.3 × 101 = 30.3 → P = 30, realised α = 30/101.
        let solve = try CLI.run(["solve", "--solver", "sa", "-N", "101", "--alpha", "0.3", "--format", "json"])
        let record = try CLI.json(try #require(solve.stdout.split(separator: "\n").first))
        #expect(record["alpha"] as? Double == 0.3)
        #expect(record["alpha_actual"] as? Double == 30.0 / 101.0)
        #expect(record["P"] as? Int == 30)
        // Given P, alpha is the realised load.
        let byP = try CLI.run(["solve", "--solver", "sa", "-N", "101", "--patterns", "30", "--format", "json"])
        let p = try CLI.json(try #require(byP.stdout.split(separator: "\n").first))
        #expect(p["alpha"] as? Double == 30.0 / 101.0 && p["alpha_actual"] as? Double == 30.0 / 101.0)
        // A sweep's rows say the same as solve.
        let dir = try scratch(), out = dir.appendingPathComponent("r.tsv").path
        let spec = dir.appendingPathComponent("spec.toml").path
        #expect(try CLI.run(["sweep", spec, "--out", out, "--quiet"]).status == 0)
        let swept = rows(try String(contentsOfFile: out, encoding: .utf8))
        #expect(swept.count == 12)
        let cell = try #require(swept.first { $0["alpha"] == "0.3" })
        #expect(Double(cell["alpha_actual"] ?? "") == 30.0 / 101.0)
        // A saved configuration's measure record too.
        let saved = dir.appendingPathComponent("w.jsonl").path
        #expect(try CLI.run(["solve", "--solver", "sa", "-N", "101", "--alpha", "0.3", "--save-weights", saved,
                             "--format", "json"]).status == 0)
        let m = try CLI.run(["measure", saved, "--local-energy", "0.01", "--samples", "5", "--format", "json"])
        let measured = try CLI.json(try #require(m.stdout.split(separator: "\n").first))
        #expect(measured["alpha"] as? Double == 0.3 && measured["alpha_actual"] as? Double == 30.0 / 101.0)
    }

    @Test func tableReadsEveryFormatAlike() throws {
        let dir = try scratch()
        let json = dir.appendingPathComponent("s.jsonl").path, tsv = dir.appendingPathComponent("s.tsv").path
        let arguments = ["solve", "--solver", "sa,sgd", "-N", "101", "--alpha", "0.3", "--instances", "3",
                         "--local-energy", "0.01,0.05", "--samples", "20"]
        let j = try CLI.run(arguments + ["--format", "json"]), t = try CLI.run(arguments + ["--format", "tsv"])
        try j.stdout.write(toFile: json, atomically: true, encoding: .utf8)
        try t.stdout.write(toFile: tsv, atomically: true, encoding: .utf8)
        let table = ["table", "--rows", "alpha", "--cols", "solver", "--stat", "mean:local_energy@0.05",
                     "--format", "tsv"]
        let fromJSON = try CLI.run([table[0], json] + table.dropFirst())
        let fromTSV = try CLI.run([table[0], tsv] + table.dropFirst())
        #expect(fromJSON.status == 0 && fromTSV.status == 0, "\(fromJSON.stderr) \(fromTSV.stderr)")
        #expect(fromJSON.stdout == fromTSV.stdout)
        // The mean at p = 0.05, recomputed from the JSON records' lists.
        var sums: [String: (Double, Int)] = [:]
        for line in j.stdout.split(separator: "\n") {
            let r = try CLI.json(line)
            let ps = try #require(r["local_energy_perturbation"] as? [Double])
            let es = try #require(r["local_energy"] as? [Double])
            let solver = try #require(r["solver"] as? String)
            let value = es[try #require(ps.firstIndex(of: 0.05))]
            sums[solver] = ((sums[solver]?.0 ?? 0) + value, (sums[solver]?.1 ?? 0) + 1)
        }
        for row in rows(fromTSV.stdout) {
            let (sum, n) = try #require(sums[row["solver"] ?? ""])
            #expect(n == 3 && row["runs"] == "3")
            #expect(abs((Double(row["value"] ?? "") ?? .nan) - sum / Double(n)) < 1e-12)
        }
        // A point that no run has: the accepted abscissae are named.
        let missing = try CLI.run(["table", tsv, "--rows", "alpha", "--stat", "mean:local_energy@0.02"])
        #expect(missing.status == 2)
        #expect(missing.stderr == "flatminima: error: --stat: no run has a point of local_energy@0.02 "
                + "(local_energy_perturbation 0.02); accepted: 0.01, 0.05\n")
        let list = try CLI.run(["table", tsv, "--rows", "alpha", "--stat", "mean:local_energy"])
        #expect(list.status == 2 && list.stderr.contains("give a point as local_energy@X, X among 0.01, 0.05"))
        // A curve point can key rows: every run lands in one.
        let keyed = try CLI.run(["table", json, "--rows", "local_energy@0.01", "--stat", "count", "--format", "tsv"])
        #expect(keyed.status == 0, "\(keyed.stderr)")
        #expect(rows(keyed.stdout).compactMap { Int($0["runs"] ?? "") }.reduce(0, +) == 6)
    }

    @Test func curvesOfASweepAsALongTable() throws {
        let dir = try scratch(), out = dir.appendingPathComponent("r.tsv").path
        let spec = dir.appendingPathComponent("spec.toml").path
        #expect(try CLI.run(["sweep", spec, "--out", out, "--quiet"]).status == 0)
        let c = try CLI.run(["curves", out, "--format", "tsv"])
        #expect(c.status == 0, "\(c.stderr)")
        let long = rows(c.stdout)
        #expect(c.stdout.hasPrefix("run_id\tsolver\tN\talpha\tinstance_seed\tseed\tmeasure\tparameter\tdistance\t"
                                   + "value\tse\tceiling\tconverged\n"))
        // 12 runs × 2 points × (error, loss).
        #expect(long.count == 12 * 2 * 2)
        #expect(Set(long.compactMap { $0["run_id"] }).count == 12)
        // The long table summarised by table equals the column at the abscissa.
        let curves = dir.appendingPathComponent("c.tsv").path
        try c.stdout.write(toFile: curves, atomically: true, encoding: .utf8)
        let a = try CLI.run(["table", curves, "--rows", "alpha", "--cols", "solver", "--stat", "mean:value",
                             "--where", "measure=local_energy", "--where", "parameter=0.01", "--format", "json"])
        let b = try CLI.run(["table", out, "--rows", "alpha", "--cols", "solver", "--stat", "mean:local_energy@0.01",
                             "--format", "json"])
        #expect(a.status == 0 && b.status == 0, "\(a.stderr) \(b.stderr)")
        #expect(a.stdout == b.stdout && a.stdout.split(separator: "\n").count == 4)
        let only = try CLI.run(["curves", out, "--measure", "local_energy_loss", "--format", "json"])
        #expect(only.stdout.split(separator: "\n").count == 24)
        let bad = try CLI.run(["curves", out, "--measure", "width"])
        #expect(bad.status == 2 && bad.stderr.hasPrefix("flatminima: error: --measure: must name measures among "))
    }

    @Test func oneFormatVocabulary() throws {
        let dir = try scratch(), out = dir.appendingPathComponent("r.tsv").path
        let spec = dir.appendingPathComponent("spec.toml").path
        #expect(try CLI.run(["sweep", spec, "--out", out, "--quiet"]).status == 0)
        let table = try CLI.run(["table", out, "--rows", "alpha", "--format", "table"])
        let text = try CLI.run(["table", out, "--rows", "alpha", "--format", "text"])
        #expect(table.status == 0 && table.stdout == text.stdout && table.stdout.contains("6/6"))
        let json = try CLI.run(["table", out, "--rows", "alpha", "--format", "json"])
        let first = try CLI.json(try #require(json.stdout.split(separator: "\n").first))
        #expect(first["alpha"] as? Double == 0.2 && first["successes"] as? Int != nil && first["runs"] as? Int == 6)
        for command in [["solve", "--help"], ["measure", "--help"], ["theory", "storage", "--help"],
                        ["table", "--help"], ["curves", "--help"], ["solvers", "--help"], ["fields", "--help"]] {
            let help = try CLI.run(command).stdout
            #expect(!help.contains("text (aligned)"), "\(command)")
            #expect(help.contains("json"), "\(command)")
        }
    }
}
