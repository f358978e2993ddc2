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
    static func write(_ runs: [(Record, TraceRecorder)], to path: String) throws {
        var columns: [String] = []
        for (_, recorder) in runs {
            for step in recorder.steps { for (name, _) in step.values where !columns.contains(name) { columns.append(name) } }
        }
        var text = (["instance_seed", "seed", "solver", "step", "train_errors"] + columns).joined(separator: "\t") + "\n"
        for (record, recorder) in runs {
            let key = ["instance_seed", "seed", "solver"].map { record[$0]?.text ?? "NA" }
            for step in recorder.steps {
                let values = Dictionary(step.values, uniquingKeysWith: { a, _ in a })
                let cells = columns.map { values[$0].map { Record.Value.double($0).text } ?? "NA" }
                text += (key + [String(step.iteration), step.energy >= 0 ? String(step.energy) : "NA"] + cells)
                    .joined(separator: "\t") + "\n"
            }
        }
        try AtomicFile.write(text, to: path, option: "--trace")
    }
}

/// Whole files or nothing: written to a temporary file beside the target, then renamed into place.
enum AtomicFile {
    static func write(_ text: String, to path: String, option: String) throws {
        let temporary = path + ".tmp-\(ProcessInfo.processInfo.processIdentifier)"
        do {
            try text.write(toFile: temporary, atomically: false, encoding: .utf8)
            guard rename(temporary, path) == 0 else { throw CocoaError(.fileWriteUnknown) }
        } catch {
            try? FileManager.default.removeItem(atPath: temporary)
            throw FlatMinimaError.runtime("\(option): cannot write \(path) (\(error.localizedDescription))")
        }
    }
}
