import Foundation
import Testing

/// Help that fits a user's habits: `solve --help` starts with its usage and options, the solvers'
/// parameters come from `flatminima solvers`, as text or JSON.
@Suite struct HelpCLITests {
    @Test func solveHelpStartsWithUsage() throws {
        let r = try CLI.run(["solve", "--help"])
        #expect(r.status == 0)
        let lines = r.stdout.split(separator: "\n", omittingEmptySubsequences: false)
        let usage = try #require(lines.firstIndex { $0.hasPrefix("USAGE:") })
        #expect(usage < 12, "USAGE on line \(usage + 1)")
        #expect(!r.stdout.contains("beta_start="), "solver parameters belong to 'flatminima solvers'")
    }

    @Test func solversByName() throws {
        let r = try CLI.run(["solvers", "fbp"])
        #expect(r.status == 0)
        #expect(r.stdout.hasPrefix("fbp: ") && r.stdout.contains("protocol=pseudo"))
        #expect(!r.stdout.contains("\nsa: "))
        let unknown = try CLI.run(["solvers", "fpb"])
        #expect(unknown.status == 2 && unknown.stdout.isEmpty)
        #expect(unknown.stderr.contains("unknown solver 'fpb'") && unknown.stderr.contains("fbp"), "\(unknown.stderr)")
        #expect(unknown.stderr.split(separator: "\n").count == 1)
    }

    @Test func solversAsJSON() throws {
        let r = try CLI.run(["solvers", "--format", "json"])
        #expect(r.status == 0)
        let objects = try r.stdout.split(separator: "\n").map { try CLI.json($0) }
        let text = try CLI.run(["solvers"]).stdout
        let names = objects.compactMap { $0["name"] as? String }
        #expect(names.count == objects.count && names.contains("rsgd") && names.contains("amp"))
        // The same solvers, in the same order, as the text listing.
        let listed = text.split(separator: "\n").filter { !$0.hasPrefix(" ") }.map { String($0.prefix { $0 != ":" }) }
        #expect(names == listed)
        let sa = try #require(objects.first { $0["name"] as? String == "sa" })
        let parameters = try #require(sa["parameters"] as? [[String: Any]])
        let maxIters = try #require(parameters.first { $0["name"] as? String == "max_iters" })
        #expect(maxIters["kind"] as? String == "integer" && maxIters["default"] as? String == "5000")
        #expect((maxIters["min"] as? NSNumber)?.intValue == 1)
        let schedule = try #require(parameters.first { $0["name"] as? String == "schedule" })
        #expect(schedule["choices"] as? [String] == ["geometric", "linear"])
    }

    /// The terminal table of several runs shows the requested measures, one column per curve point.
    @Test func tableShowsRequestedMeasures() throws {
        let r = try CLI.run(["solve", "--solver", "sa", "-N", "101", "--alpha", "0.1", "--instances", "2",
                             "--measure", "local-energy", "--perturbations", "0.01,0.05", "--format", "table"])
        #expect(r.status == 0, "\(r.stderr)")
        let lines = r.stdout.split(separator: "\n")
        let header = try #require(lines.first).split(separator: " ", omittingEmptySubsequences: true)
        #expect(header.suffix(2) == ["local_energy@0.01", "local_energy@0.05"], "\(header)")
        for row in lines.dropFirst(2).prefix(2) {
            let cells = row.split(separator: " ", omittingEmptySubsequences: true)
            let energies = cells.suffix(2).compactMap { Double($0) }
            #expect(energies.count == 2 && energies.allSatisfy { $0 >= 0 && $0 < 0.5 }, "\(row)")
        }
    }
}
