// Benchmarks of FlatMinima's kernels. Run with `make bench` from the repository root; results and
// the machine they were measured on are in BENCHMARKS.md.
import Benchmark
import Foundation
@_spi(Benchmarks) import FlatMinima

/// 1000 arguments spread over [−40, 40].
let arguments = (0..<1000).map { -40 + 80 * Double($0) / 999 }

func storage(_ n: Int, alpha: Double) -> Problem {
    let model = Model(kind: .perceptron, weights: .binary, inputs: n)
    // Valid by construction (odd N, α > 0).
    return try! Problem(ProblemSpec(model: model, patterns: ProblemSpec.patterns(alpha: alpha, model: model),
                                    instanceSeed: 1))
}

func solver(_ name: String, _ options: [String: String]) -> (any Solver, SolverEntry) {
    let entry = try! SolverRegistry.entry(named: name)
    return (try! entry.build(options).0, entry)
}

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(metrics: [.wallClock, .throughput], maxDuration: .seconds(3))

    // Special functions: 1000 calls per iteration.
    let functions: [(String, @Sendable (Double) -> Double)] = [
        ("logH (GSL)", Special.logH), ("logHFast", Special.logHFast), ("GoverH (GSL)", Special.GoverH),
        ("GoverHFast", Special.GoverHFast),
        ("atanhErf", Special.atanhErf), ("log2cosh", Special.log2cosh),
    ]
    for (name, f) in functions {
        Benchmark("special/\(name) x1000") { benchmark in
            for _ in benchmark.scaledIterations {
                var total = 0.0
                for x in arguments { total += f(x) }
                blackHole(total)
            }
        }
    }
    Benchmark("special/halfLogHRatio x1000") { benchmark in
        for _ in benchmark.scaledIterations {
            var total = 0.0
            for x in arguments { total += Special.halfLogHRatio(x - 0.03, x + 0.03) }
            blackHole(total)
        }
    }

    // Instance generation, N = 1001, α = 0.5.
    Benchmark("problem/generate N=1001 alpha=0.5") { benchmark in
        for _ in benchmark.scaledIterations { blackHole(storage(1001, alpha: 0.5)) }
    }

    // ΔE of every single-weight flip, N = 1001, α = 0.3: one SA sweep's worth of proposals.
    let small = storage(1001, alpha: 0.3)
    Benchmark("flipcache/deltaEnergy all N weights, N=1001 alpha=0.3") { benchmark in
        let g = Generator(seed: 1)
        let cache = FlipCache(model: small.model, patterns: small.train,
                              weights: (0..<1001).map { _ in g.sign() })
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            var total = 0
            for j in 0..<1001 { total &+= cache.deltaEnergy(flipping: j) }
            blackHole(total)
        }
    }

    // Forward pass of a binary perceptron on ±1 inputs, 601 patterns of N = 1001: Int8 × Double SIMD
    // dot products against popcount on bit-packed signs (the kernel rsgd and cpr use).
    let signs: [Int8] = { let g = Generator(seed: 3); return (0..<601 * 1001).map { _ in Int8(g.sign()) } }()
    let weights: [Double] = { let g = Generator(seed: 4); return (0..<1001).map { _ in g.sign() } }()
    let packed = PackedSigns(signs, count: 601, dimension: 1001)
    let row = PackedSigns.Row(signs: weights.map { $0 > 0 }, words: packed.words)
    let kernelModel = Model(kind: .perceptron, weights: .binary, inputs: 1001)
    let kernelSet = PatternSet(count: 601, dimension: 1001, storage: .signs(signs),
                               labels: [Double](repeating: 1, count: 601))
    // A least-action rule with margin −∞ never updates: only the forward passes (and zeroing d) remain.
    let forward = DirectionKernel(model: kernelModel, loss: .leastAction(margin: -.infinity))
    let all = ArraySlice(0..<601)
    Benchmark("kernels/forward 601 patterns N=1001, Int8 SIMD dot") { benchmark in
        var d = [Double](repeating: 0, count: 1001)
        for _ in benchmark.scaledIterations {
            blackHole(kernelSet.direction(forward, batch: all, weights: weights, into: &d))
        }
    }
    Benchmark("kernels/forward 601 patterns N=1001, popcount") { benchmark in
        var d = [Double](repeating: 0, count: 1001)
        for _ in benchmark.scaledIterations {
            blackHole(signs.withUnsafeBufferPointer { xi in
                d.withUnsafeMutableBufferPointer {
                    forward.packedDirection(packed, xi: xi.baseAddress!, batch: all, signs: row, into: $0)
                }
            })
        }
    }

    // The floor for AMP's iteration at N = 2001, α = 0.6: reading the 1201 × 2001 Int8 pattern matrix
    // twice (16-byte SIMD sums, the rows split over the two cores like AMP's).
    let matrix: [Int8] = { let g = Generator(seed: 5); return (0..<1201 * 2001).map { _ in Int8(g.sign()) } }()
    Benchmark("kernels/stream the 1201 x 2001 Int8 matrix twice, 2 cores",
              configuration: .init(metrics: [.wallClock], timeUnits: .microseconds,
                                   maxDuration: .seconds(3))) { benchmark in
        for _ in benchmark.scaledIterations {
            matrix.withUnsafeBufferPointer { m in
                nonisolated(unsafe) let base = m.baseAddress!
                let count = m.count
                DispatchQueue.concurrentPerform(iterations: 2) { w in
                    var total = SIMD16<Int8>()
                    for _ in 0..<2 {
                        var i = (w * count / 2) & ~15
                        let end = ((w + 1) * count / 2) & ~15
                        while i < end {
                            total &+= UnsafeRawPointer(base + i).loadUnaligned(as: SIMD16<Int8>.self)
                            i += 16
                        }
                    }
                    blackHole(total)
                }
            }
        }
    }

    // Solvers for a fixed number of iterations on N = 1001, α = 0.5/0.6 (neither stops early).
    let half = storage(1001, alpha: 0.5), six = storage(1001, alpha: 0.6), big = storage(2001, alpha: 0.6)
    let runs: [(String, String, [String: String], Problem)] = [
        ("sa 50 sweeps, N=1001 alpha=0.5", "sa", ["max_iters": "50"], half),
        ("bp 10 iterations, N=1001 alpha=0.6", "bp", ["max_iters": "10", "tol": "1e-15"], six),
        ("bp 10 iterations, N=2001 alpha=0.6", "bp", ["max_iters": "10", "tol": "1e-15"], big),
        // (tol=1e-15 keeps AMP from stopping, and would ask for 46-bit products: bits=32 is the default
        // precision, the one at tol = 1e-6.)
        ("amp 10 iterations, N=2001 alpha=0.6", "amp", ["max_iters": "10", "tol": "1e-15", "bits": "32"], big),
        ("amp 10 iterations 46 bits, N=2001 alpha=0.6", "amp", ["max_iters": "10", "tol": "1e-15", "bits": "46"], big),
        // The gradient-solvers issue's case: y = 5 replicas, N = 1001, α = 0.6 (unsolved in 21 epochs).
        // Per epoch = (21 epochs − 1 epoch) / 20, which removes the set-up (packing the patterns).
        ("rsgd 1 epoch y=5, N=1001 alpha=0.6", "rsgd", ["max_iters": "1", "wait_center": "yes"], six),
        ("rsgd 21 epochs y=5, N=1001 alpha=0.6", "rsgd", ["max_iters": "21", "wait_center": "yes"], six),
        ("rsgd 21 epochs y=5 threads=1, N=1001 alpha=0.6", "rsgd",
         ["max_iters": "21", "wait_center": "yes", "threads": "1"], six),
        ("rsgd 21 epochs y=5 portable (no AVX2), N=1001 alpha=0.6", "rsgd",
         ["max_iters": "21", "wait_center": "yes", "engine": "portable"], six),
        ("sgd 20 epochs, N=1001 alpha=0.6", "sgd", ["max_iters": "20"], six),
        ("cpr 20 epochs, N=1001 alpha=0.6", "cpr", ["max_iters": "20", "ps": "0"], six),
    ]
    for (title, name, options, problem) in runs {
        let (s, _) = solver(name, options)
        let configuration = Benchmark.Configuration(metrics: [.wallClock], timeUnits: .microseconds,
                                                    maxDuration: .seconds(5))
        Benchmark("solver/\(title)", configuration: configuration) { benchmark in
            for _ in benchmark.scaledIterations {
                blackHole(try! s.solve(problem, generator: Generator(seed: 1), observer: NullObserver()))
            }
        }
    }

    // Width measures around an fbp solution, N = 1001, α = 0.5: a 20-point local-entropy curve and a
    // 4-point local-energy curve with 100 samples per point.
    let measured = storage(1001, alpha: 0.5)
    let (fbp, _) = solver("fbp", [:])
    let solution = try! fbp.solve(measured, generator: Generator(seed: 1), observer: NullObserver()).weights
    let lambdas = (1...20).map { 10.5 - 0.5 * Double($0) }
    Benchmark("measure/local entropy 20 lambdas, N=1001 alpha=0.5",
              configuration: .init(metrics: [.wallClock], maxDuration: .seconds(10))) { benchmark in
        let entropy = try! LocalEntropy(lambdas: lambdas, options: MessagePassingOptions())
        for _ in benchmark.scaledIterations {
            blackHole(try! entropy.curve(around: solution, problem: measured, generator: Generator(seed: 2)))
        }
    }
    Benchmark("measure/local energy 4 x 100 samples, N=1001 alpha=0.5",
              configuration: .init(metrics: [.wallClock], maxDuration: .seconds(5))) { benchmark in
        let energy = try! LocalEnergy(strengths: [0.005, 0.01, 0.02, 0.05], samples: 100)
        for _ in benchmark.scaledIterations {
            blackHole(try! energy.curve(solution, problem: measured, generator: Generator(seed: 3)))
        }
    }
}
