import FlatMinima
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Collects a solver's per-step reports for `--trace`.
final class TraceRecorder: SolverObserver, @unchecked Sendable {
    private(set) var steps: [SolverStep] = []

    func observe(_ step: SolverStep) { steps.append(step) }

    /// Writes one TSV row per step of every run (instance_seed, seed, solver, step, energy, then the
    /// solver's own columns), to a temporary file renamed into place so that a failure never leaves
    /// a partial file.
    static func table(_ runs: [(Record, TraceRecorder)]) -> String {
        var columns: [String] = []
        for (_, recorder) in runs {
            for step in recorder.steps {
                for (name, _) in step.values where !columns.contains(name) { columns.append(name) }
            }
        }
        let header = ["instance_seed", "seed", "solver", "step", "train_errors"] + columns
        var text = header.joined(separator: "\t") + "\n"
        for (record, recorder) in runs {
            let key = ["instance_seed", "seed", "solver"].map { record[$0]?.text ?? "NA" }
            for step in recorder.steps {
                let values = Dictionary(step.values, uniquingKeysWith: { a, _ in a })
                // (γ = ∞ at the end of a focusing protocol is written as inf, not as a missing value.)
                let cells = columns.map { name in
                    guard let value = values[name] else { return "NA" }
                    return value.isInfinite ? (value > 0 ? "inf" : "-inf") : Record.Value.double(value).text
                }
                text += (key + [String(step.iteration), step.energy >= 0 ? String(step.energy) : "NA"] + cells)
                    .joined(separator: "\t") + "\n"
            }
        }
        return text
    }
}

/// Whole files or nothing: written to a temporary file beside the target, then renamed into place.
enum AtomicFile {
    static func write(_ text: String, to path: String, option: String) throws {
        try writeAll([(text, path, option)])
    }

    /// Several files as one step: every temporary file is written first (on a failure all are removed
    /// and no target is touched), then each is renamed into place.
    static func writeAll(_ files: [(text: String, path: String, option: String)]) throws {
        var staged: [(temporary: String, path: String, option: String)] = []
        do {
            for file in files {
                let temporary = file.path + ".tmp-\(ProcessInfo.processInfo.processIdentifier)"
                staged.append((temporary, file.path, file.option))
                guard FileManager.default.createFile(atPath: temporary, contents: Data(file.text.utf8)) else {
                    let cause = String(cString: strerror(errno))
                    throw FlatMinimaError.runtime("\(file.option): cannot write \(file.path) (\(cause))")
                }
            }
        } catch {
            for file in staged { try? FileManager.default.removeItem(atPath: file.temporary) }
            throw error
        }
        for file in staged where rename(file.temporary, file.path) != 0 {
            let reason = String(cString: strerror(errno))
            for file in staged { try? FileManager.default.removeItem(atPath: file.temporary) }
            throw FlatMinimaError.runtime("\(file.option): cannot write \(file.path) (\(reason))")
        }
    }
}

/// The output files a command will write, checked before any work is done: each as `OutputFile.check`
/// (a non-empty path, not a directory, in an existing writable directory), and no two options naming
/// the same file.
enum OutputFiles {
    static func check(_ outputs: [(option: String, path: String?)]) throws {
        var seen: [String: String] = [:]
        for case let (option, path?) in outputs {
            try OutputFile.check(path, option: option)
            let key = URL(fileURLWithPath: path).standardizedFileURL.resolvingSymlinksInPath().path
            if let other = seen[key] { throw FlatMinimaError.invalidOption(option: option,
                    message: "\(path) is also the file of \(other)") }
            seen[key] = option
        }
    }
}
