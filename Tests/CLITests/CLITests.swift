import Foundation
import Testing

/// End-to-end tests: run the built `flatminima` executable as a user would.
enum CLI {
    /// The executable, built beside the test bundle (the test target depends on it).
    static let executable: URL = {
        let candidates = [
            URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent(),
            Bundle.main.bundleURL,
            Bundle.main.bundleURL.deletingLastPathComponent(),
        ]
        for directory in candidates {
            let url = directory.appendingPathComponent("flatminima")
            if FileManager.default.isExecutableFile(atPath: url.path) { return url }
        }
        return candidates[0].appendingPathComponent("flatminima")
    }()

    /// The repository root (for data/digits.csv).
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    struct Result {
        let status: Int32
        let stdout: String
        let stderr: String
    }

    static func run(_ arguments: [String], environment: [String: String] = [:]) throws -> Result {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        if !environment.isEmpty {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        }
        process.currentDirectoryURL = root
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                      stderr: String(decoding: errData, as: UTF8.self))
    }

    static func json(_ line: Substring) throws -> [String: Any] {
        try #require(JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
    }
}

@Suite struct CLITests {
    static let requiredKeys = ["model", "weights", "arch", "K", "N", "P", "alpha", "task", "margin", "solver",
                               "instance_seed", "seed", "solved", "train_errors", "train_error_rate", "test_error",
                               "iterations", "seconds", "version", "commit"]

    @Test func version() throws {
        let r = try CLI.run(["--version"])
        #expect(r.status == 0)
        let first = r.stdout.split(separator: "\n").first ?? ""
        #expect(first.hasPrefix("flatminima ") && first.dropFirst(11).split(separator: ".").count == 3)
    }

    @Test func help() throws {
        let r = try CLI.run(["solve", "--help"])
        #expect(r.status == 0)
        #expect(r.stdout.contains("--instance-seed") && r.stdout.contains("flatminima solvers"))
        let named = try CLI.run(["help", "theory"])
        #expect(named.status == 0 && named.stdout.contains("Replica-symmetric"))
        let unknown = try CLI.run(["help", "frobnicate"])
        #expect(unknown.status == 2 && unknown.stdout.isEmpty
                && unknown.stderr.contains("unknown command 'frobnicate'"), "\(unknown.stderr)")
    }

    /// The acceptance command.
    @Test func solvesEasyInstanceAsJSON() throws {
        let r = try CLI.run(["solve", "--solver", "sa", "-N", "501", "--alpha", "0.2", "--format", "json"])
        #expect(r.status == 0, "\(r.stderr)")
        let lines = r.stdout.split(separator: "\n")
        #expect(lines.count == 1)
        let record = try CLI.json(try #require(lines.first))
        for key in Self.requiredKeys { #expect(record.keys.contains(key), "missing \(key)") }
        #expect(record["solved"] as? Int == 1)
        #expect(record["train_errors"] as? Int == 0)
        #expect(record["N"] as? Int == 501 && record["P"] as? Int == 100)
        #expect(record["test_error"] is NSNull)
        #expect(r.stderr.isEmpty)
    }

    /// Same seeds → byte-identical records apart from the timing field.
    @Test func deterministic() throws {
        let args = ["solve", "--solver", "sa", "-N", "301", "--alpha", "0.3", "--instances", "2", "--seed", "5",
                    "--format", "json"]
        func strip(_ s: String) -> String { s.replacingOccurrences(of: "\"seconds\":[0-9.e-]+", with: "",
                                                                   options: .regularExpression) }
        let a = try CLI.run(args), b = try CLI.run(args)
        #expect(a.status == 0 && b.status == 0)
        #expect(strip(a.stdout) == strip(b.stdout))
        #expect(!strip(a.stdout).isEmpty)
    }

    /// The AVX2 kernels (CKernels, used when the CPU has AVX2) and the portable Swift loops give the same
    /// records to the last bit: AMP's dot/axpy passes, sgd's directions, rsgd's packed engine and cpr's
    /// popcounts. (On a CPU without AVX2 both runs take the portable path and the test is trivially true.)
    @Test func acceleratedKernelsMatchPortableOnes() throws {
        func strip(_ s: String) -> String { s.replacingOccurrences(of: "\"seconds\":[0-9.e-]+", with: "",
                                                                   options: .regularExpression) }
        let runs: [[String]] = [
            ["solve", "--solver", "amp,sgd,rsgd,cpr", "-N", "403", "--alpha", "0.5", "--format", "json"],
            ["solve", "--solver", "amp", "-N", "403", "--alpha", "1", "--task", "teacher", "--format", "json"],
            ["solve", "--solver", "amp", "-N", "403", "--alpha", "0.5", "-o", "bits=46", "-o", "tol=1e-10", "--format",
             "json"],
            ["solve", "--solver", "rsgd,sgd", "--model", "committee", "-K", "3", "--arch", "full", "-N", "101",
             "--alpha", "0.3", "--format", "json"],
        ]
        for args in runs {
            let fast = try CLI.run(args), portable = try CLI.run(args, environment: ["FLATMINIMA_PORTABLE": "1"])
            #expect(fast.status == 0 && portable.status == 0, "\(fast.stderr) \(portable.stderr)")
            #expect(strip(fast.stdout) == strip(portable.stdout), "\(args)")
            #expect(!strip(fast.stdout).isEmpty)
        }
    }

    /// AMP on ±1 patterns sums in fixed point, exactly, and takes every other sum per block of 16: its
    /// records do not depend on how many cores a run gets (two runs side by side with --jobs 2 get one core
    /// each; alone, two). Storage at the default precision and at 46 bits, and a teacher at α = 2, which
    /// polarises.
    @Test func ampRecordsDoNotDependOnCores() throws {
        func strip(_ s: String) -> String { s.replacingOccurrences(of: "\"seconds\":[0-9.e-]+", with: "",
                                                                   options: .regularExpression) }
        for extra in [["--alpha", "0.6"], ["--alpha", "0.6", "-o", "bits=46"], ["--alpha", "2", "--task", "teacher"]] {
            let args = ["solve", "--solver", "amp", "-N", "1001", "--instances", "2", "--format", "json"] + extra
            let alone = try CLI.run(args + ["--jobs", "1"]), shared = try CLI.run(args + ["--jobs", "2"])
            #expect(alone.status == 0 && shared.status == 0, "\(alone.stderr) \(shared.stderr)")
            let a = strip(alone.stdout).split(separator: "\n").sorted()
            let b = strip(shared.stdout).split(separator: "\n").sorted()
            #expect(a.count == 2 && a == b, "\(extra)")
        }
    }

    /// AMP on ±1 patterns reports the precision of its products: chosen from tol (32 bits at the default
    /// 1e−6, 46 at 1e−10) unless `bits` says; none for real-valued inputs.
    @Test func ampReportsProductBits() throws {
        for (options, bits) in [([String](), 32), (["-o", "tol=1e-10"], 46), (["-o", "bits=39"], 39), (["-o", "bits=25",
                "-o", "tol=1e-10"], 25)] {
            let r = try CLI.run(["solve", "--solver", "amp", "-N", "201", "--alpha", "0.5", "--format",
                                 "json"] + options)
            #expect(r.status == 0, "\(r.stderr)")
            #expect(r.stdout.range(of: "\"product_bits\":\(bits)[,}]", options: .regularExpression) != nil,
                    "\(options): \(r.stdout)")
        }
        let real = try CLI.run(["solve", "--solver", "amp", "-N", "201", "--alpha", "0.5", "--inputs", "gaussian",
                                "--format", "json"])
        #expect(real.status == 0 && !real.stdout.contains("product_bits"))
    }

    /// BP's AVX2 + FMA kernels (the perceptron's single-precision message, within a few 1e−7; the
    /// committee's double-precision vector e^x, log and erfcx series, within rounding) against the
    /// portable loops on plain BP to a fixed point (tolerance 1e−5): the same iteration count and Bethe free
    /// entropies within 1e−8 — the free entropy is stationary at the fixed point, so message differences of
    /// order 1e−7 enter it at second order, and both runs stop within the same iteration.
    @Test func bpKernelsMatchPortableOnes() throws {
        let runs: [[String]] = [
            ["solve", "--solver", "bp", "-N", "403", "--alpha", "0.4", "--instances", "2", "--format", "json"],
            ["solve", "--solver", "bp", "--model", "committee", "-K", "3", "--arch", "tree", "-N", "303", "--alpha",
             "0.2", "--format", "json"],
            ["solve", "--solver", "bp", "--model", "committee", "-K", "3", "--arch", "full", "-N", "101", "--alpha",
             "0.3", "--format", "json"],
        ]
        for args in runs {
            let fast = try CLI.run(args), portable = try CLI.run(args, environment: ["FLATMINIMA_PORTABLE": "1"])
            #expect(fast.status == 0 && portable.status == 0, "\(fast.stderr) \(portable.stderr)")
            let a = fast.stdout.split(separator: "\n"), b = portable.stdout.split(separator: "\n")
            #expect(a.count == b.count && !a.isEmpty)
            for (x, y) in zip(a, b) {
                let r = try CLI.json(x), q = try CLI.json(y)
                #expect(r["iterations"] as? Int == q["iterations"] as? Int, "\(args)")
                let f = try #require(r["free_entropy"] as? Double), g = try #require(q["free_entropy"] as? Double)
                #expect(abs(f - g) < 1e-8, "\(args): \(f) vs \(g)")
            }
        }
    }

    @Test func teacherAndSphericalRecords() throws {
        let r = try CLI.run(["solve", "--weights", "spherical", "--task", "teacher", "--inputs", "gaussian",
                             "-N", "200", "--alpha", "2", "--test-patterns", "2000", "--format", "json"])
        #expect(r.status == 0, "\(r.stderr)")
        let record = try CLI.json(try #require(r.stdout.split(separator: "\n").first))
        let test = try #require(record["test_error"] as? Double)
        #expect(test >= 0 && test < 0.3)
        #expect(record["solver"] as? String == "perceptron")
    }

    @Test func tsvHasHeaderAndRows() throws {
        let r = try CLI.run(["solve", "--solver", "sa", "-N", "101", "--alpha", "0.2", "--instances", "3", "--format",
                             "tsv"])
        #expect(r.status == 0)
        let lines = r.stdout.split(separator: "\n")
        #expect(lines.count == 4)
        let header = lines[0].split(separator: "\t").map(String.init)
        for key in Self.requiredKeys { #expect(header.contains(key)) }
        #expect(lines.dropFirst().allSatisfy {
            $0.split(separator: "\t", omittingEmptySubsequences: false).count == header.count
        })
    }

    @Test func tableSummarisesSolvers() throws {
        let r = try CLI.run(["solve", "--solver", "sa", "-N", "101", "--alpha", "0.2", "--instances", "2", "--format",
                             "table"])
        #expect(r.status == 0)
        #expect(r.stdout.contains("median_seconds") && r.stdout.contains("solved"))
    }

    @Test func realData() throws {
        let r = try CLI.run(["solve", "--data", "data/digits.csv", "--weights", "spherical", "--format", "json"])
        #expect(r.status == 0, "\(r.stderr)")
        let record = try CLI.json(try #require(r.stdout.split(separator: "\n").first))
        #expect(record["N"] as? Int == 64)
        let test = try #require(record["test_error"] as? Double)
        #expect(test > 0 && test < 0.5)
    }

    /// Usage errors: exit 2, one line on stderr naming the option, nothing on stdout.
    @Test(arguments: [
        (["-N", "0", "--alpha", "0.3"], "-N"),
        (["-N", "500", "--alpha", "0.3"], "odd"),
        (["--model", "committee", "-K", "4", "-N", "401", "--alpha", "0.3"], "-K/--hidden"),
        (["--model", "committee", "-K", "3", "-N", "1000", "--alpha", "0.3"], "divide"),
        (["-N", "101", "--alpha", "0"], "--alpha"),
        (["-N", "101", "--alpha", "-1"], "--alpha"),
        (["-N", "101", "--alpha", "nan"], "--alpha"),
        (["-N", "101"], "--alpha/--patterns"),
        (["-N", "101", "--alpha", "0.3", "--solver", "nope"], "--solver"),
        (["-N", "101", "--alpha", "0.3", "--model", "nope"], "--model"),
        (["-N", "101", "--alpha", "0.3", "--solver", "perceptron"], "spherical"),
        (["-N", "101", "--alpha", "0.3", "-o", "beta_end=-3"], "beta_end"),
        (["-N", "101", "--alpha", "0.3", "-o", "bogus=1"], "bogus"),
        (["-N", "101", "--alpha", "0.3", "--seed", "-1"], "--seed"),
        (["-N", "100001", "--alpha", "1"], "GiB"),
        (["-N", "101", "--alpha", "0.3", "--frobnicate"], "frobnicate"),
        // Inputs that must be refused with their range (not trap, nor be silently ignored):
        (["-N", "101", "--alpha", "1e300"], "P <= 10^9"),
        (["-N", "-1", "--alpha", "0.3"], "[1, 10^9]"),
        (["-N", "101", "--alpha", "0.3", "--margin", "1e18", "--solver", "rsgd"], "[0, 100]"),
        (["--model", "committee", "-K", "9223372036854775807", "-N", "101", "--alpha", "0.1", "--arch", "full"],
         "at most N"),
        (["-N", "101", "--alpha", "0.2", "--instance-seed", "9223372036854775807", "--instances", "2"],
         "--instance-seed"),
        (["--data", "data/digits.csv", "--weights", "spherical", "--test-fraction=-0.1"], "--test-fraction"),
        (["--data", "data/digits.csv", "--weights", "spherical", "--test-fraction", "nan"], "--test-fraction"),
        (["-N", "101", "--alpha", "0.2", "--teacher", "gaussian"], "--teacher"),
        (["-N", "101", "--alpha", "0.2", "--arch", "full"], "--arch"),
        (["-N", "101", "--alpha", "0.2", "--solver", "fbp", "-o", "pairs=1:2"], "protocol=list"),
        (["-N", "101", "--alpha", "0.2", "--max-iters", "5", "-o", "max_iters=7"], "--max-iters"),
        (["-N", "101", "--alpha", "0.2", "--local-energy", "0.01", "--samples", "100000000000"], "--samples"),
        (["-N", "101", "--alpha", "0.2", "--save-weights", "/nonexistent-dir/w.jsonl"], "--save-weights"),
        (["-N", "101", "--alpha", "0.2", "--save-weights", "same.x", "--trace", "same.x"], "also the file"),
        (["-N", "101", "--alpha", "0.2", "--lambdas", "1,2"], "--lambdas: applies to the local-entropy measure"),
        (["-N", "101", "--alpha", "0.2", "--local-entropy=-1"], "--local-entropy: "),
    ])
    func usageErrors(arguments: [String], expected: String) throws {
        let r = try CLI.run(["solve"] + arguments)
        #expect(r.status == 2, "\(arguments): status \(r.status), stderr \(r.stderr)")
        #expect(r.stdout.isEmpty)
        let lines = r.stderr.split(separator: "\n")
        #expect(lines.count == 1, "\(r.stderr)")
        #expect(r.stderr.hasPrefix("flatminima: error:") && r.stderr.contains(expected), "\(r.stderr)")
    }

    /// Runtime failures (bad data files): exit 1, one line on stderr, nothing on stdout.
    @Test(arguments: ["missing", "nan", "ragged"])
    func dataErrors(kind: String) throws {
        let path = FileManager.default.temporaryDirectory
            .appendingPathComponent("flatminima-cli-\(kind)-\(UUID().uuidString).csv").path
        switch kind {
        case "nan": try "1,2,1\n3,NaN,-1\n".write(toFile: path, atomically: true, encoding: .utf8)
        case "ragged": try "1,2,1\n3,-1\n".write(toFile: path, atomically: true, encoding: .utf8)
        default: break
        }
        let r = try CLI.run(["solve", "--data", path, "--weights", "spherical"])
        #expect(r.status == 1, "\(r.stderr)")
        #expect(r.stdout.isEmpty)
        #expect(r.stderr.split(separator: "\n").count == 1 && r.stderr.contains(path))
    }
}

@Suite struct TheoryCLITests {
    @Test func storageTable() throws {
        let r = try CLI.run(["theory", "storage", "--alpha", "0.2:0.4:0.2", "--format", "json"])
        #expect(r.status == 0, "\(r.stderr)")
        let lines = r.stdout.split(separator: "\n")
        #expect(lines.count == 2)
        let last = try CLI.json(try #require(lines.last))
        let entropy = try #require(last["entropy"] as? Double)
        #expect(abs(entropy - 0.396455) < 1e-5)
    }

    @Test func aboveCapacityRowsSaySo() throws {
        let r = try CLI.run(["theory", "storage", "--weights", "spherical", "--alpha", "3", "--format", "json"])
        let record = try CLI.json(try #require(r.stdout.split(separator: "\n").first))
        #expect(record["entropy"] is NSNull && (record["status"] as? String)?.contains("above capacity") == true)
    }

    @Test func capacityAndTransitions() throws {
        let capacity = try CLI.run(["theory", "capacity", "--weights", "spherical", "--margin", "0", "--format",
                                    "json"])
        let first = try #require(capacity.stdout.split(separator: "\n").first)
        let alphaC = (try CLI.json(first)["alpha_c"] as? NSNumber)?.doubleValue
        #expect(abs((alphaC ?? 0) - 2) < 1e-6)
        let t = try CLI.run(["theory", "transitions", "--format", "tsv"])
        #expect(t.status == 0 && t.stdout.hasPrefix("prior\ttransition\tspinodal"))
    }

    @Test(arguments: [
        (["theory", "storage", "--alpha", "0"], "--alpha"),
        (["theory", "storage", "--alpha", "0.1", "--margin", "-1"], "--margin"),
        (["theory", "storage", "--alpha", "1:0:0.1"], "alpha"),
        (["theory", "teacher", "--alpha", "x"], "alpha"),
        (["theory", "capacity", "--margin", "-0.5"], "--margin"),
        // Margins far beyond 1e6 overflowed κ² (Gardner's α_c printed as NA with status ok).
        (["theory", "capacity", "--weights", "spherical", "--margin", "1e300"], "[0, 1e6]"),
        (["theory", "storage", "--alpha", "1", "--margin", "1e7"], "[0, 1e6]"),
    ])
    func badInput(arguments: [String], expected: String) throws {
        let r = try CLI.run(arguments)
        #expect(r.status == 2, "\(r.stderr)")
        #expect(r.stdout.isEmpty && r.stderr.split(separator: "\n").count == 1 && r.stderr.contains(expected),
                "\(r.stderr)")
    }

    /// Ranges whose count overflows Int are refused (not trapped) by the 100000-value cap, and a rejected
    /// grid says what is accepted: one line on stderr naming the option and the accepted form, exit 2,
    /// nothing on stdout.
    @Test(arguments: [
        (["theory", "storage", "--alpha", "0:1e19:1"], "--alpha"),
        (["theory", "storage", "--alpha", "0:1e300:1e-300"], "--alpha"),
        (["theory", "storage", "--alpha", "0.1:1e300:1e-10"], "--alpha"),
        (["theory", "storage", "--alpha=-1e308:1e308:1"], "--alpha"),
        (["theory", "storage", "--alpha", "0.1:0.2:0"], "--alpha"),
        (["theory", "storage", "--alpha", "0:1000000:1"], "--alpha"),
        (["theory", "storage", "--alpha", "0.1,,0.2"], "--alpha"),
        (["theory", "teacher", "--alpha", "1:2"], "--alpha"),
        (["theory", "capacity", "--margin", "nan"], "--margin"),
        (["measure", "no-such-file.json", "--local-energy", "0:1e300:1e-300"], "--local-energy"),
        (["solve", "--solver", "sa", "--lambdas", "1:0:1"], "--lambdas"),
    ])
    func badGrid(arguments: [String], option: String) throws {
        let r = try CLI.run(arguments)
        #expect(r.status == 2, "\(r.stderr)")
        #expect(r.stdout.isEmpty && r.stderr.split(separator: "\n").count == 1, "\(r.stderr)")
        #expect(r.stderr.contains(option) && r.stderr.contains("at most 100000 values")
                && r.stderr.contains("start:stop:step"), "\(r.stderr)")
    }

    /// Ranges are inclusive and free of binary rounding (0.1 + 2·0.1 is printed as 0.3); --help shows a
    /// grid's default as given ("default: 0", not "Grid(values: [0.0], text: \"0\")").
    @Test func gridValuesAndDefault() throws {
        let r = try CLI.run(["theory", "capacity", "--weights", "spherical", "--margin", "0:0.3:0.1", "--format",
                             "json"])
        let margins = try r.stdout.split(separator: "\n").map { try CLI.json($0)["margin"] as? Double }
        #expect(margins == [0, 0.1, 0.2, 0.3], "\(r.stdout)")
        let help = try CLI.run(["theory", "capacity", "--help"])
        #expect(help.stdout.contains("(default: 0)") && !help.stdout.contains("Grid("), "\(help.stdout)")
    }

    /// Regression: α → 0 printed a null entropy labelled "far above capacity"; it is log 2 there.
    @Test func storageAtTinyLoad() throws {
        let r = try CLI.run(["theory", "storage", "--alpha", "1e-15,1e-300", "--format", "json"])
        #expect(r.status == 0, "\(r.stderr)")
        for line in r.stdout.split(separator: "\n") {
            let record = try CLI.json(line)
            #expect(abs((record["entropy"] as? Double ?? 0) - log(2)) < 1e-14 && record["status"] as? String == "ok",
                    "\(line)")
        }
    }

    /// The teacher at α ≤ 1e−6 must not print q = 1 and zero errors, nor a Gaussian teacher at large α
    /// exact zeros; every row has a status.
    @Test func teacherRowsAtTheEnds() throws {
        for prior in ["binary", "gaussian"] {
            let r = try CLI.run(["theory", "teacher", "--prior", prior, "--alpha", "1e-7,1e6,1e200", "--format",
                                 "json"])
            #expect(r.status == 0, "\(r.stderr)")
            let rows = try r.stdout.split(separator: "\n").map { try CLI.json($0) }
            #expect(rows.count == 3)
            let tiny = try #require(rows.first)
            #expect((tiny["q"] as? Double ?? 1) < 1e-7 && (tiny["gibbs_error"] as? Double ?? 0) > 0.4999
                    && tiny["status"] as? String == "ok")
            if prior == "gaussian" {
                #expect((rows[1]["bayes_error"] as? Double ?? 0) > 4e-7 && rows[1]["status"] as? String == "ok")
                #expect(rows[2]["q"] is NSNull && (rows[2]["status"] as? String)?.contains("1e-300") == true)
            } else {
                #expect(rows[1]["q"] as? Double == 1 && rows[1]["status"] as? String == "ok")
            }
        }
    }

    /// The binary capacity is a number (or says why not) at large margins, κ ≥ 2.5 included.
    @Test func capacityAtLargeMargin() throws {
        let r = try CLI.run(["theory", "capacity", "--margin", "2.5,5", "--format", "json"])
        let rows = try r.stdout.split(separator: "\n").map { try CLI.json($0) }
        #expect(rows.count == 2)
        for row in rows { #expect((row["alpha_c"] as? Double ?? 0) > 0 && row["status"] as? String == "ok", "\(row)") }
    }

    /// Regression: a spherical grid through α_c exited 1 with "GSL error 4" and printed nothing. Every
    /// point is computed on its own; at or above capacity it says so.
    @Test func sphericalGridThroughCapacity() throws {
        for (margin, alphas) in [("0", "1.9,2,2.1"), ("1", "0.5,0.519572,0.5195723,0.6")] {
            let r = try CLI.run(["theory", "storage", "--weights", "spherical", "--margin", margin, "--alpha", alphas,
                                 "--format", "json"])
            #expect(r.status == 0 && r.stderr.isEmpty, "\(r.stderr)")
            let rows = try r.stdout.split(separator: "\n").map { try CLI.json($0) }
            #expect(rows.count == alphas.split(separator: ",").count)
            #expect(rows.first?["status"] as? String == "ok" && rows.first?["entropy"] is Double)
            #expect((rows.last?["status"] as? String)?.hasPrefix("at or above capacity") == true
                    && rows.last?["entropy"] is NSNull)
        }
    }
}

@Suite struct MeasureCLITests {
    @Test func measuresAddCurves() throws {
        let r = try CLI.run(["solve", "--solver", "sa", "-N", "201", "--alpha", "0.2",
                             "--measure", "local-energy,local-entropy",
                             "--perturbations", "0.01,0.05", "--samples", "20", "--lambdas", "3,1", "--format", "json"])
        #expect(r.status == 0, "\(r.stderr)")
        let record = try CLI.json(try #require(r.stdout.split(separator: "\n").first))
        #expect((record["local_energy"] as? [Any])?.count == 2)
        #expect((record["local_entropy_curve"] as? [Any])?.count == 2)
        #expect(record["measure_seconds"] != nil)
    }

    @Test(arguments: [
        (["--measure", "hessian-trace"], "--measure"),
        (["--measure", "local-energy", "--samples", "1"], "--samples"),
        (["--measure", "local-energy", "--perturbations", "-0.1"], "--perturbations"),
        (["--measure", "local-energy", "--perturbations", "1.5"], "--perturbations"),
        (["--weights", "spherical", "--measure", "cone-volume", "--angles", "2"], "--angles"),
        (["--weights", "spherical", "--measure", "cone-volume", "--angles", "0"], "--angles"),
        (["--measure", "cone-volume"], "spherical"),
        (["--weights", "spherical", "--measure", "local-entropy"], "binary"),
        (["--measure", "hessian", "--lanczos-steps", "1"], "--lanczos-steps"),
    ])
    func badMeasures(arguments: [String], expected: String) throws {
        let r = try CLI.run(["solve", "-N", "101", "--alpha", "0.2"] + arguments)
        #expect(r.status == 2, "\(r.stderr)")
        #expect(r.stdout.isEmpty && r.stderr.split(separator: "\n").count == 1 && r.stderr.contains(expected),
                "\(r.stderr)")
    }
}

@Suite struct SaveMeasureCLITests {
    /// A saved configuration regenerates its instance exactly: `measure` on the file gives the very
    /// curves `solve --measure` gave (same solver seed, same measure stream).
    @Test func measureReproducesSolve() throws {
        let path = FileManager.default.temporaryDirectory
            .appendingPathComponent("flatminima-\(UUID().uuidString).jsonl").path
        let solve = try CLI.run(["solve", "--solver", "sa", "-N", "201", "--alpha", "0.2", "--instances", "2",
                                 "--save-weights", path, "--measure", "local-energy", "--samples", "20",
                                 "--format", "json"])
        #expect(solve.status == 0, "\(solve.stderr)")
        let measure = try CLI.run(["measure", path, "--measure", "local-energy", "--samples", "20", "--format", "json"])
        #expect(measure.status == 0, "\(measure.stderr)")
        let a = solve.stdout.split(separator: "\n"), b = measure.stdout.split(separator: "\n")
        #expect(a.count == 2 && b.count == 2)
        for (x, y) in zip(a, b) {
            let rx = try CLI.json(x), ry = try CLI.json(y)
            #expect((rx["local_energy"] as? [NSNumber]) == (ry["local_energy"] as? [NSNumber]))
            #expect(rx["instance_seed"] as? Int == ry["instance_seed"] as? Int)
        }
        // A tampered instance description is refused.
        let text = try String(contentsOfFile: path, encoding: .utf8)
        try text.replacingOccurrences(of: "\"instanceSeed\":1", with: "\"instanceSeed\":7").write(toFile: path,
                atomically: true, encoding: .utf8)
        let tampered = try CLI.run(["measure", path, "--measure", "local-energy"])
        #expect(tampered.status == 1 && tampered.stderr.contains("differs"), "\(tampered.stderr)")
    }
}

@Suite struct CurvesCLITests {
    @Test func curvesTable() throws {
        let path = FileManager.default.temporaryDirectory
            .appendingPathComponent("flatminima-\(UUID().uuidString).tsv").path
        let r = try CLI.run(["solve", "--solver", "sa", "-N", "201", "--alpha", "0.2",
                             "--measure", "local-energy,local-entropy,hessian",
                             "--perturbations", "0.01,0.05", "--samples", "10", "--lambdas", "3,1",
                             "--curves", path, "--format", "json"])
        #expect(r.status == 0, "\(r.stderr)")
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
        let header = ["solver", "N", "alpha", "instance_seed", "seed", "measure", "parameter", "distance", "value",
                      "se", "ceiling", "converged"].joined(separator: "\t")
        #expect(lines.first.map(String.init) == header)
        // 2 local-energy points (error and loss), 2 local-entropy points, 3 eigenvalues, 1 trace.
        #expect(lines.count == 1 + 2 * 2 + 2 + 3 + 1)
        #expect(lines.dropFirst().allSatisfy { $0.split(separator: "\t",
                                                        omittingEmptySubsequences: false).count == 12 })
    }
}

@Suite struct MeasureFlagsCLITests {
    /// The spelling: `measure FILE --local-energy GRID --local-entropy GRID --hessian`.
    @Test func flagSpelling() throws {
        let path = FileManager.default.temporaryDirectory
            .appendingPathComponent("flatminima-\(UUID().uuidString).jsonl").path
        #expect(try CLI.run(["solve", "--solver", "sa", "-N", "201", "--alpha", "0.2", "--save-weights", path,
                             "--format", "json"]).status == 0)
        let r = try CLI.run(["measure", path, "--local-energy", "0.01,0.02", "--local-entropy", "4:1:-1", "--hessian",
                             "--samples", "10", "--format", "json"])
        #expect(r.status == 0, "\(r.stderr)")
        let record = try CLI.json(try #require(r.stdout.split(separator: "\n").first))
        #expect((record["local_energy"] as? [Any])?.count == 2)
        #expect((record["local_entropy_lambda"] as? [NSNumber])?.map(\.doubleValue) == [4, 3, 2, 1])
        #expect(record["hessian_trace"] != nil)
        let twice = try CLI.run(["measure", path, "--local-energy", "0.01", "--perturbations", "0.02"])
        #expect(twice.status == 2 && twice.stderr.contains("--local-energy"))
        let none = try CLI.run(["measure", path])
        #expect(none.status == 2 && none.stderr.contains("--measure"))
    }
}
