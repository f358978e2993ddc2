import ArgumentParser
import FlatMinima
#if canImport(Glibc)
import Glibc
#endif

/// Entry point: parses, runs, and turns every error into one line on stderr with the exit status the
/// project promises: 2 for usage errors (bad options, out-of-range values), 1 for runtime failures
/// (unreadable data, numerical failures), never a trap or a stack trace.
@main
enum Entry {
    static func main() {
        GSL.initialize()
        // `help NAME` with an unknown NAME: an error, not the top-level help with status 0.
        let arguments = Array(CommandLine.arguments.dropFirst())
        if arguments.first == "help", arguments.count >= 2, !arguments[1].hasPrefix("-") {
            let known = FlatMinimaCommand.configuration.subcommands.map { $0._commandName }
            if !known.contains(arguments[1]) {
                fail("help: unknown command '\(arguments[1])' (accepted: \(known.joined(separator: ", ")))", status: 2)
            }
        }
        do {
            var command = try FlatMinimaCommand.parseAsRoot()
            try command.run()
        } catch let error as FlatMinimaError {
            fail(error.description, status: error.isUsageError ? 2 : 1)
        } catch let error as GSLError {
            fail(error.description, status: 1)
        } catch {
            let code = FlatMinimaCommand.exitCode(for: error)
            if code == .success {
                // --help, --version: ArgumentParser's full text on stdout.
                print(FlatMinimaCommand.fullMessage(for: error))
                exit(0)
            }
            if error is ExitCode { exit(code.rawValue) }
            let message = FlatMinimaCommand.message(for: error)
            let line = message.split(separator: "\n").first.map(String.init) ?? "invalid arguments"
            // ArgumentParser uses EX_USAGE (64) for parse and validation errors; ours is 2.
            fail(line + " (see 'flatminima help')", status: code.rawValue == 64 || error is ValidationError ? 2 : 1)
        }
    }

    static func fail(_ message: String, status: Int32) -> Never {
        var text = message
        if text.hasPrefix("Error: ") { text.removeFirst(7) }
        Output.error("flatminima: error: \(text)\n")
        exit(status)
    }
}

struct FlatMinimaCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "flatminima",
        abstract: "Statistical physics of wide flat minima: solvers and estimators on perceptrons and committee "
            + "machines.",
        discussion: """
        Problems are fixed by --instance-seed (patterns, labels, teacher); solvers' randomness by \
        --seed, so every solver can be run on the very same instance. Records go to stdout, errors to \
        stderr.
        """,
        version: FlatMinima.build.summary,
        subcommands: [Solve.self, MeasureCommand.self, Theory.self, SweepCommand.self, MergeCommand.self,
                      TableCommand.self, CurvesCommand.self, ListSolvers.self, FieldsCommand.self]
    )
}
