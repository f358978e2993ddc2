import Foundation
import Testing

/// The field reference cannot drift: every field that solve, measure or sweep writes is described by
/// `flatminima fields`, every unconditional field described there is written, and docs/FIELDS.md is
/// the reference's markdown.
@Suite struct FieldsCLITests {
    /// Documented field names by group.
    static func reference() throws -> [String: [(name: String, conditional: Bool)]] {
        let r = try CLI.run(["fields", "--format", "json"])
        #expect(r.status == 0, "\(r.stderr)")
        var groups: [String: [(name: String, conditional: Bool)]] = [:]
        for line in r.stdout.split(separator: "\n") {
            let object = try CLI.json(line)
            let group = try #require(object["group"] as? String), name = try #require(object["name"] as? String)
            groups[group, default: []].append((name, object["conditional"] as? Bool ?? false))
        }
        return groups
    }

    static func records(_ arguments: [String]) throws -> [[String: Any]] {
        let r = try CLI.run(["solve"] + arguments + ["--format", "json"])
        #expect(r.status == 0, "\(arguments): \(r.stderr)")
        return try r.stdout.split(separator: "\n").map { try CLI.json($0) }
    }

    @Test func everyWrittenFieldIsDescribed() throws {
        let groups = try Self.reference()
        let measures = groups.filter { $0.key.hasPrefix("measure ") }.flatMap { $0.value.map(\.name) }
        let common = (groups["common"] ?? []).map(\.name)
        let binary = ["sa", "bp", "rbp", "fbp", "amp", "sgd", "esgd", "rsgd", "cpr"]
        var runs: [[String]] = binary.map { ["--solver", $0, "-N", "101", "--alpha", "0.2"] }
        runs.append(["--solver", "perceptron", "--weights", "spherical", "-N", "100", "--alpha", "0.5",
                     "--measure", "cone-volume", "--angles", "0.5"])
        runs.append(["--solver", "sa", "-N", "101", "--alpha", "0.2", "--measure",
                     "local-energy,local-entropy,hessian", "--lambdas", "2,1"])
        runs.append(["--solver", "amp", "--task", "teacher", "--inputs", "gaussian", "-N", "200", "--alpha", "1"])
        runs.append(["--solver", "perceptron", "--weights", "spherical", "--data", "data/digits.csv",
                     "--max-iters", "3"])
        var written: [String: Set<String>] = [:]
        for arguments in runs {
            for record in try Self.records(arguments) {
                let solver = try #require(record["solver"] as? String)
                let described = Set(common + measures + (groups[solver] ?? []).map(\.name))
                let missing = record.keys.filter { !described.contains($0) }.sorted()
                #expect(missing.isEmpty, "solve \(arguments.joined(separator: " ")) writes undescribed \(missing)")
                written[solver, default: []].formUnion(record.keys)
            }
        }
        // Every unconditional field of a solver's group is written by that solver.
        for solver in binary + ["perceptron"] {
            let stale = (groups[solver] ?? []).filter { !$0.conditional && !(written[solver] ?? []).contains($0.name) }
            #expect(stale.isEmpty, "\(solver): described but not written: \(stale.map(\.name))")
        }
    }

    @Test func sweepColumnsAreDescribed() throws {
        let groups = try Self.reference()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("fields-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let spec = directory.appendingPathComponent("s.toml"), out = directory.appendingPathComponent("r.tsv")
        try "name = \"f\"\n[problem]\nN = 51\nalpha = 0.1\n[[solver]]\nname = \"sa\"\nmax_iters = 50\n"
            .write(to: spec, atomically: true, encoding: .utf8)
        let r = try CLI.run(["sweep", spec.path, "--out", out.path])
        #expect(r.status == 0, "\(r.stderr)")
        let header = try String(contentsOf: out, encoding: .utf8).split(separator: "\n")[0].split(separator: "\t")
        let described = Set(groups.values.flatMap { $0.map(\.name) })
        let missing = header.map(String.init).filter { !described.contains($0) }
        #expect(missing.isEmpty, "sweep writes undescribed \(missing)")
    }

    @Test func docsFieldsIsTheGeneratedReference() throws {
        let r = try CLI.run(["fields", "--format", "markdown"])
        #expect(r.status == 0)
        let file = try String(contentsOf: CLI.root.appendingPathComponent("docs/FIELDS.md"), encoding: .utf8)
        #expect(file == r.stdout, "docs/FIELDS.md is stale: flatminima fields --format markdown > docs/FIELDS.md")
    }

    @Test func unknownSolverIsOneLine() throws {
        let r = try CLI.run(["fields", "--solver", "nope"])
        #expect(r.status == 2 && r.stdout.isEmpty && r.stderr.split(separator: "\n").count == 1)
        #expect(r.stderr.contains("--solver") && r.stderr.contains("rsgd"), "\(r.stderr)")
    }
}
