import Foundation
import Testing

/// `sweep --dry-run` end to end on specs that were once read wrongly: a JSON spec lists its runs in the
/// same order in every process (and in the order of its TOML twin), CRLF keeps every key, control
/// characters and repeated solver blocks are refused, and the listed commands paste into a shell.
@Suite struct SpecIntegrityCLITests {
    /// A fresh scratch directory holding `files` (name → contents).
    func scratch(_ files: [String: String]) throws -> URL {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("flatminima-spec-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        for (name, text) in files { try Data(text.utf8).write(to: directory.appendingPathComponent(name)) }
        return directory
    }

    func dryRun(_ spec: URL) throws -> CLI.Result {
        try CLI.run(["sweep", spec.path, "--out", spec.deletingLastPathComponent().appendingPathComponent("o.tsv").path,
                     "--dry-run"])
    }

    static let m3JSON = #"{"name":"m3","problem":{"N":[51,101,151],"alpha":[0.1,0.2],"margin":[0,0.1]},"#
        + #""solver":[{"name":"sa","max_iters":10}]}"#
    static let m3TOML = "name = \"m3\"\n[problem]\nN = [51, 101, 151]\nalpha = [0.1, 0.2]\nmargin = [0, 0.1]\n"
        + "[[solver]]\nname = \"sa\"\nmax_iters = 10\n"

    /// Each process seeds Swift's dictionaries afresh: the order once changed from one run to the next.
    @Test func jsonDryRunsAreIdenticalAndMatchTheTomlTwin() throws {
        let dir = try scratch(["m3.json": Self.m3JSON, "m3.toml": Self.m3TOML])
        let toml = try dryRun(dir.appendingPathComponent("m3.toml"))
        #expect(toml.status == 0, "\(toml.stderr)")
        #expect(toml.stdout.split(separator: "\n").count == 12)
        #expect(toml.stdout.hasPrefix("0\tabd9ec67856518a5\tflatminima solve -N 51 --alpha 0.1 --margin 0 --solver sa "
                                      + "-o max_iters=10 --instance-seed 1 --seed 1\n"))
        for _ in 0..<3 {
            let json = try dryRun(dir.appendingPathComponent("m3.json"))
            #expect(json.status == 0, "\(json.stderr)")
            #expect(json.stdout == toml.stdout)
        }
    }

    @Test func crlfSpecsKeepEveryKey() throws {
        let crlf = "[problem]\r\nalpha = 0.3  # load\r\nN = 501\r\n[[solver]]\r\nname = \"sa\"\r\n"
        let dir = try scratch(["crlf.toml": crlf, "lf.toml": crlf.replacingOccurrences(of: "\r\n", with: "\n"),
                               "mixed.toml": crlf.replacingOccurrences(of: "N = 501\r\n", with: "N = 501\n")])
        let lf = try dryRun(dir.appendingPathComponent("lf.toml"))
        #expect(lf.stdout.contains("--alpha 0.3 -N 501 --solver sa"))
        for name in ["crlf.toml", "mixed.toml"] {
            let r = try dryRun(dir.appendingPathComponent(name))
            #expect(r.status == 0, "\(r.stderr)")
            #expect(r.stdout == lf.stdout)
        }
    }

    /// Refused before anything is written: non-zero exit, one line naming the file and line.
    @Test func controlCharactersAndRepeatedSolversAreRefused() throws {
        let cases: [(String, String)] = [
            ("[problem]\nN = 101\nmargin = 1\u{0}9\n[[solver]]\nname = \"sa\"\n",
             "spec.toml:3: control character U+0000 (NUL) is not allowed"),
            ("[problem]\nalpha = 0.3  # load\rN = 501\n[[solver]]\nname = \"sa\"\n",
             "spec.toml:2: a carriage return (CR) not followed by a line feed"),
            ("[problem]\nN = 101\nalpha = 0.3\n[[solver]]\nname = \"sa\"\nmax_iters = 10\n[[solver]]\nname = \"sa\"\n"
             + "max_iters = 10.0\n",
             "spec.toml:8: key 'name': this [[solver]] block repeats the runs of the one at line 5"),
            ("[problem]\nN = 101\nalpha = 0.3\n[[solver]]\nname = \"sa\"\n[[solver]]\nname = \"sa\"\n"
             + "max_iters = 5000\n",
             "spec.toml:7: key 'name': this [[solver]] block repeats the runs of the one at line 5"),
            ("[problem]\nN = 0101\nalpha = 0.3\n[[solver]]\nname = \"sa\"\n",
             "spec.toml:2: key 'N': cannot read the value '0101': leading zeros are not allowed"),
        ]
        for (text, expected) in cases {
            let dir = try scratch(["spec.toml": text])
            let out = dir.appendingPathComponent("o.tsv")
            let r = try CLI.run(["sweep", dir.appendingPathComponent("spec.toml").path, "--out", out.path])
            #expect(r.status == 1)
            #expect(r.stderr.contains(expected), "\(r.stderr)")
            #expect(r.stderr.split(separator: "\n").count == 1)
            #expect(!FileManager.default.fileExists(atPath: out.path))
        }
    }

    /// A listed command, run through /bin/sh, gives back every value as one word.
    @Test func dryRunCommandsAreShellQuoted() throws {
        let spec = "[problem]\nN = 0x65\nalpha = 0.3\n[[solver]]\nname = \"sa\"\n[measure]\n"
            + "measure = \"local-energy\"\nperturbations = \"0.01, 0.05\"\n"
        let dir = try scratch(["spec.toml": spec])
        let r = try dryRun(dir.appendingPathComponent("spec.toml"))
        #expect(r.status == 0, "\(r.stderr)")
        let command = try #require(r.stdout.split(separator: "\n").first?.split(separator: "\t").last)
        #expect(command.contains("--perturbations '0.01, 0.05'"))
        let shell = Process()
        shell.executableURL = URL(fileURLWithPath: "/bin/sh")
        shell.arguments = ["-c", "set -- \(command); for word in \"$@\"; do printf '%s\\n' \"$word\"; done"]
        let pipe = Pipe()
        shell.standardOutput = pipe
        try shell.run()
        let words = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            .split(separator: "\n").map(String.init)
        shell.waitUntilExit()
        #expect(words.prefix(6) == ["flatminima", "solve", "-N", "101", "--alpha", "0.3"])
        let index = try #require(words.firstIndex(of: "--perturbations"))
        #expect(words[index + 1] == "0.01, 0.05")
    }
}
