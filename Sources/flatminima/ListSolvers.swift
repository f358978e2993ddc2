import ArgumentParser
import Foundation
import FlatMinima

/// `flatminima solvers [NAME...] [--format table|json]`: the solvers with their parameters, defaults and
/// accepted ranges, as text or as JSON lines (one object per solver) for scripts.
struct ListSolvers: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "solvers",
        abstract: "List the solvers with their parameters, defaults and accepted ranges.",
        discussion: """
        Examples:
          flatminima solvers                      every solver
          flatminima solvers fbp rsgd             two of them
          flatminima solvers amp --format json    one JSON object per solver, for scripts
        """
    )

    /// The output formats of this listing (the names shared with solve's `--format`).
    enum ListFormat: String, ExpressibleByArgument, CaseIterable { case table, json }

    @Argument(help: "Solvers to describe (default: all).")
    var names: [String] = []

    @Option(help: "Output: table (readable text) | json (one object per solver and line).")
    var format: ListFormat = .table

    func validate() throws {
        let known = SolverRegistry.all.map(\.name)
        for name in names where !known.contains(name) {
            throw ValidationError("solvers: unknown solver '\(name)' (accepted: \(known.joined(separator: ", ")))")
        }
    }

    func run() throws {
        let entries = names.isEmpty ? SolverRegistry.all : SolverRegistry.all.filter { names.contains($0.name) }
        switch format {
        case .table: print(Self.listing(entries, indent: ""), terminator: "")
        case .json: print(try entries.map(Self.json).joined(separator: "\n"))
        }
    }

    static func listing(_ entries: [SolverEntry] = SolverRegistry.all, indent: String) -> String {
        var text = ""
        for entry in entries {
            text += "\(indent)\(entry.name): \(entry.summary)\n"
            for p in entry.parameters {
                text += "\(indent)  \(p.name)=\(p.defaultValue): \(p.help)\n"
                text += "\(indent)      (\(p.accepted))\n"
            }
        }
        return text
    }

    /// One solver as a JSON object: name, summary and its parameters (name, kind, default, help,
    /// accepted range in words, and the bounds or choices).
    static func json(_ entry: SolverEntry) throws -> String {
        let parameters: [[String: Any]] = entry.parameters.map { p in
            var object: [String: Any] = ["name": p.name, "default": p.defaultValue, "help": p.help,
                                         "accepted": p.accepted]
            switch p.kind {
            case let .real(range):
                object.merge(["kind": "real", "min": range.lowerBound, "max": range.upperBound]) { $1 }
            case let .integer(range):
                object.merge(["kind": "integer", "min": range.lowerBound, "max": range.upperBound]) { $1 }
            case let .choice(choices): object.merge(["kind": "choice", "choices": choices]) { $1 }
            case let .text(format): object.merge(["kind": "text", "format": format]) { $1 }
            }
            return object
        }
        let object: [String: Any] = ["name": entry.name, "summary": entry.summary, "parameters": parameters]
        let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
        return String(decoding: data, as: UTF8.self)
    }
}
