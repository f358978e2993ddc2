import Foundation
import Testing

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
}
