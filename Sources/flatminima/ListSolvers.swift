import ArgumentParser
import FlatMinima

/// `flatminima solvers`: every solver with its parameters, defaults and accepted ranges.
struct ListSolvers: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "solvers",
        abstract: "List the solvers with their parameters, defaults and accepted ranges."
    )

    func run() throws { print(Self.listing(indent: ""), terminator: "") }

    static func listing(indent: String) -> String {
        var text = ""
        for entry in SolverRegistry.all {
            text += "\(indent)\(entry.name): \(entry.summary)\n"
            for p in entry.parameters {
                text += "\(indent)  \(p.name)=\(p.defaultValue): \(p.help)\n"
                text += "\(indent)      (\(p.accepted))\n"
            }
        }
        return text
    }
}
