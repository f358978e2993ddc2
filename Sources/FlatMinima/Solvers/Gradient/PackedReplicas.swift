import CKernels
import Foundation

/// rsgd's engine for the case its speed target is about: the binary perceptron on ±1 inputs, replicas
/// coupled to their centre of mass (Baldassi et al., PNAS 113, E7655, 2016; SCIENCE.md §4). With the
/// labels absorbed, ξ^μ = σ^μ x^μ, replica a's mini-batch step is
///
///     h_a ← h_a + η Σ_{μ∈B_a} c^μ ξ^μ + λ (t − w_a),   w_a = sign(h_a),   t_i = tanh(γ (2 c_i − y)),
///
/// where c^μ is the loss's coefficient at the stability Δ^μ = ξ^μ·w_a/√n (`Loss.coefficient`)
/// and c_i the number of replicas at +1 on site i (γ y m_c = γ (2 c_i − y)).
///
/// Layout: latent fields and signs of all replicas in two y × n arrays, the signs also bit-packed (the
/// forward pass is n − 2·popcount(ξ ⊕ w)), the counts c_i and the targets t_i (one of y + 1 tabulated
/// values) per site.
///
/// A round (every replica takes one step, in a random order) has two phases:
/// 1. `plan`: the coefficients of every replica's batch, from its signs at the start of the round —
///    exact, because replica a's signs change only during a's own step;
/// 2. `step`: the replicas in the round's order, each adding its planned patterns and then pulling,
///    re-signing and updating c_i, t_i and the packed bit of every flipped site in one fused pass.
/// Phase 2 acts site by site, so `step(part:)` runs on disjoint site ranges (cut at 64-site word
/// boundaries) on different threads, replaying the same order: the result is the same, to the last bit,
/// for any number of threads.
///
/// It is the fast specialisation of `ReplicatedNetworks` (`ReplicaSystem`): the same trajectory, with
/// single-precision latent fields.
final class PackedReplicas: @unchecked Sendable {
    let n: Int, y: Int, words: Int
    let patterns: PackedSigns
    /// Pull step λ and clip of the latent fields (0: none).
    var pull = 0.0, clip = 0.0
    /// The model's margin κ, and the overlap threshold ⌊κ√n⌋ of an error (overlaps lie in [−n, n]: a
    /// larger threshold means the same as n).
    let margin: Double, threshold: Int
    /// Site ranges of the threads.
    let parts: [Range<Int>]
    /// The helper threads when there are several site ranges.
    let team: LockstepTeam?
    /// Whether the team is used only while measurably faster than one thread (`beginEpoch`).
    let adaptive: Bool
    /// The last epoch's time on one thread and on the team, and whether this epoch uses the team.
    private var seconds = [Double.infinity, .infinity], useTeam = false, started: UInt64 = 0

    private let xi: UnsafeMutablePointer<Int8>          // P × n, labels absorbed
    private let h: UnsafeMutablePointer<Float>          // y × n
    private let w: UnsafeMutablePointer<Float>          // y × n
    private let bits: UnsafeMutablePointer<UInt64>      // y × words
    private let plus: UnsafeMutablePointer<Int32>       // n: replicas at +1
    private let sums: UnsafeMutablePointer<Int8>        // n: Σ_μ ξ^μ of the stepping replica's batch
    private let targets: UnsafeMutablePointer<Float>    // n: t_i = table[plus_i]
    private let table: UnsafeMutablePointer<Float>      // y + 1
    // The round's plan: replica order, and for the k-th replica its patterns with c ≠ 0 and η c.
    private let capacity: Int
    private let order: UnsafeMutablePointer<Int>
    private let planned: UnsafeMutablePointer<Int>
    private let gains: UnsafeMutablePointer<Double>
    private let plannedCount: UnsafeMutablePointer<Int>
    /// Row strides of the latent fields / signs (floats) and of the packed signs (words).
    private let stride: Int, rowWords: Int
    private let blocks: [UnsafeMutableRawPointer]

    /// The instructions of the batch sums and the fused pass: from AVX2 the CKernels versions (eight, or
    /// with AVX-512 sixteen, sites per step) replace the portable Swift passes, with the same bits.
    let instructions: InstructionSet

    /// - Parameters: `xi` the P × n patterns with labels absorbed, `latent` the common starting fields,
    ///   `batch` the largest batch size, `margin` the model's κ, `threads` how many site ranges to cut,
    ///   `adaptive` to use the threads only while faster, `instructions` the kernels' level (`.portable`
    ///   keeps the Swift passes).
    init(xi values: [Int8], count p: Int, dimension n: Int, latent: [Double], replicas y: Int, batch: Int,
         margin: Double, threads: Int, adaptive: Bool, instructions: InstructionSet = .current) {
        self.instructions = instructions
        self.n = n
        self.y = y
        self.margin = margin
        threshold = Int(min((margin * Double(n).squareRoot()).rounded(.down), Double(n)))
        self.adaptive = adaptive
        words = (n + 63) / 64
        patterns = PackedSigns(values, count: p, dimension: n)
        // Rows padded to 64 bytes and every array 64-byte aligned: the threads' site ranges (cut at
        // multiples of 64 sites) then never share a cache line.
        stride = (n + 15) / 16 * 16
        rowWords = (words + 7) / 8 * 8
        var blocks: [UnsafeMutableRawPointer] = []
        func zeroed<T>(_ count: Int, _: T.Type) -> UnsafeMutablePointer<T> {
            let bytes = max(64, (count * MemoryLayout<T>.stride + 63) / 64 * 64)
            let raw = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 64)
            raw.initializeMemory(as: UInt8.self, repeating: 0, count: bytes)
            blocks.append(raw)
            return raw.bindMemory(to: T.self, capacity: count)
        }
        xi = zeroed(p * n, Int8.self)
        xi.update(from: values, count: p * n)
        h = zeroed(y * stride, Float.self)
        w = zeroed(y * stride, Float.self)
        bits = zeroed(y * rowWords, UInt64.self)
        plus = zeroed(n, Int32.self)
        sums = zeroed(n, Int8.self)
        targets = zeroed(n, Float.self)
        table = zeroed(max(y + 1, 32), Float.self)   // the vector passes read 16 (AVX2) or 32 (AVX-512) floats
        capacity = batch
        order = zeroed(y, Int.self)
        planned = zeroed(y * batch, Int.self)
        gains = zeroed(y * batch, Double.self)
        plannedCount = zeroed(y, Int.self)
        self.blocks = blocks
        for a in 0..<y {
            for i in 0..<n {
                h[a * stride + i] = Float(latent[i])
                w[a * stride + i] = latent[i] > 0 ? 1 : -1
                if latent[i] > 0 { bits[a * rowWords + (i >> 6)] |= 1 << UInt64(i & 63) }
            }
        }
        for i in 0..<n { plus[i] = latent[i] > 0 ? Int32(y) : 0 }
        // Cut at word boundaries so that no two threads write the same packed word.
        // Equal shares: giving the calling thread (which also plans every round) fewer sites measured
        // slower at N = 1001 (42.9 against 41.6 ms for 40 epochs with weights 0.7 and 1).
        let words = self.words, cuts = max(1, min(threads, words))
        parts = (0..<cuts).map { k in min(n, (k * words / cuts) * 64) ..< min(n, ((k + 1) * words / cuts) * 64) }
        team = parts.count > 1 ? LockstepTeam(size: parts.count) : nil
    }

    deinit {
        team?.stop()
        for block in blocks { block.deallocate() }
    }

    /// Tabulates t(c) = tanh(γ (2c − y)) (its limit sign(2c − y) at γ = ∞) and re-targets every site.
    func setCoupling(_ gamma: Double) {
        for (c, t) in ReplicatedSGD.centerTargets(gamma: gamma, replicas: y).enumerated() { table[c] = Float(t) }
        for i in 0..<n { targets[i] = table[Int(plus[i])] }
    }

    /// Plans the k-th step of the round: replica a on `batch` with learning rate η. Returns the batch's
    /// patterns that a's current signs do not satisfy at the model's margin (the online errors).
    func plan(_ k: Int, replica a: Int, batch: ArraySlice<Int>, kernel: DirectionKernel, rate: Double) -> Int {
        order[k] = a
        let scale = 1 / Double(n).squareRoot()
        var errors = 0, count = 0
        for mu in batch {
            let delta = Double(patterns.overlap(mu, bits + a * rowWords)) * scale
            if delta <= margin { errors += 1 }
            let c = kernel.loss.coefficient(delta)
            if c != 0 {
                planned[k * capacity + count] = mu
                gains[k * capacity + count] = rate * c
                count += 1
            }
        }
        plannedCount[k] = count
        return errors
    }

    /// Phase 2 of the round on the sites of `parts[part]`.
    func step(part: Int) {
        let lo = parts[part].lowerBound, hi = parts[part].upperBound
        guard lo < hi else { return }
        for k in 0..<y {
            let a = order[k], count = plannedCount[k], base = k * capacity
            let ha = h + a * stride
            // Rules with c ∈ {0, 1} (least action, hinge) add η Σ_μ ξ^μ: the sum is formed in Int8, 16
            // sites per instruction, and enters the fused pass below; other rules add η c^μ ξ^μ one by one.
            var uniform = count > 0 && count <= Int(Int8.max)
            if uniform { for j in 1..<count where gains[base + j] != gains[base] { uniform = false } }
            if uniform {
                if instructions.hasAVX2 {
                    fm_sum_rows_avx2(sums + lo, xi + lo, n, planned + base, count, hi - lo)
                } else {
                    Kernels.sumRows(into: sums + lo, xi + lo, stride: n, rows: planned + base, count: count,
                                    length: hi - lo)
                }
                pullAndSign(a, lo, hi, rate: Float(gains[base]))
            } else {
                for j in 0..<count {
                    Kernels.axpy(ha + lo, xi + planned[base + j] * n + lo, Float(gains[base + j]), count: hi - lo)
                }
                pullAndSign(a, lo, hi, rate: 0)
            }
        }
    }

    /// h_a,i += η s_i + λ (t_i − w_a,i) with s the Int8 batch sum (skipped when η = 0), clipped when
    /// asked; then w_a,i = sign(h_a,i) with the bookkeeping of every flip: c_i ± 1, t_i = table[c_i] and
    /// the packed bit. Four sites per step; a chunk with a flip is updated with SIMD selects, without
    /// branches per site (early on a tenth of the weights flip per step: branches would be mispredicted).
    @inline(__always)
    private func pullAndSign(_ a: Int, _ lo: Int, _ hi: Int, rate: Float) {
        typealias V = SIMD8<Float>
        let ha = h + a * stride, wa = w + a * stride, ba = bits + a * rowWords
        if Kernels.rsgdPullSign(h: ha, w: wa, counts: plus, targets: targets, table: table, entries: y + 1,
                                bits: ba, sums: sums, sites: lo..<hi, rate: rate, pull: Float(pull),
                                clip: Float(clip), instructions: instructions) {
            return
        }
        let pullV = V(repeating: Float(pull)), rateV = V(repeating: rate)
        let zero = V(repeating: 0), one = V(repeating: 1)
        let clipping = clip > 0, upper = V(repeating: Float(clip)), lower = -upper
        let stepping = rate != 0
        let bitValues = SIMD8<Int32>(1, 2, 4, 8, 16, 32, 64, 128)
        var i = lo
        while i + 8 <= hi {
            let ws = UnsafeRawPointer(wa + i).loadUnaligned(as: V.self)
            let ts = UnsafeRawPointer(targets + i).loadUnaligned(as: V.self)
            var hs = UnsafeRawPointer(ha + i).loadUnaligned(as: V.self)
            hs += pullV * (ts - ws)
            if stepping { hs += rateV * V(UnsafeRawPointer(sums + i).loadUnaligned(as: SIMD8<Int8>.self)) }
            if clipping { hs = hs.clamped(lowerBound: lower, upperBound: upper) }
            UnsafeMutableRawPointer(ha + i).storeBytes(of: hs, as: V.self)
            let positive = hs .> zero
            let changed = positive .!= (ws .> zero)
            UnsafeMutableRawPointer(wa + i).storeBytes(of: (-one).replacing(with: one, where: positive), as: V.self)
            var counts = UnsafeRawPointer(plus + i).loadUnaligned(as: SIMD8<Int32>.self)
            let delta = SIMD8<Int32>(repeating: -1).replacing(with: 1, where: positive)
            counts &+= SIMD8<Int32>(repeating: 0).replacing(with: delta, where: changed)
            UnsafeMutableRawPointer(plus + i).storeBytes(of: counts, as: SIMD8<Int32>.self)
            var t = V()
            for lane in 0..<8 { t[lane] = table[Int(counts[lane])] }
            UnsafeMutableRawPointer(targets + i).storeBytes(of: t, as: V.self)
            let flips = SIMD8<Int32>(repeating: 0).replacing(with: bitValues, where: changed).wrappedSum()
            ba[i >> 6] ^= UInt64(UInt32(bitPattern: flips)) << UInt64(i & 63)
            i += 8
        }
        while i < hi {
            var v = ha[i] + Float(pull) * (targets[i] - wa[i])
            if stepping { v += rate * Float(sums[i]) }
            if clipping { v = min(Float(clip), max(-Float(clip), v)) }
            ha[i] = v
            let nw: Float = v > 0 ? 1 : -1
            if nw != wa[i] {
                wa[i] = nw
                plus[i] += v > 0 ? 1 : -1
                targets[i] = table[Int(plus[i])]
                ba[i >> 6] ^= 1 << UInt64(i & 63)
            }
            i += 1
        }
    }

    // MARK: Read-out (between rounds)

    /// Replica a's weights (±1).
    func weights(_ a: Int) -> [Double] { (0..<n).map { Double(w[a * stride + $0]) } }

    /// The centre: the majority sign of every site, ties to +1 (the sign of the centre of mass).
    func centerWeights() -> [Double] { (0..<n).map { 2 * Int(plus[$0]) >= y ? 1 : -1 } }

    private func centerBits() -> [UInt64] {
        var row = [UInt64](repeating: 0, count: words)
        for i in 0..<n where 2 * Int(plus[i]) >= y { row[i >> 6] |= 1 << UInt64(i & 63) }
        return row
    }

    /// Training errors (overlap ≤ `threshold`, i.e. Δ ≤ κ) of replica a.
    func errors(_ a: Int) -> Int {
        patterns.count(atMost: threshold, bits + a * rowWords)
    }

    /// Training errors of the centre.
    func centerErrors() -> Int {
        centerBits().withUnsafeBufferPointer { patterns.count(atMost: threshold, $0.baseAddress!) }
    }

    /// Mean replica–centre distance d = (1 − q)/2, the fraction of differing signs.
    func meanDistance() -> Double {
        let c = centerBits()
        var differ = 0
        for a in 0..<y { for j in 0..<words { differ += (bits[a * rowWords + j] ^ c[j]).nonzeroBitCount } }
        return Double(differ) / Double(n * y)
    }

    var isFinite: Bool { (0..<y).allSatisfy { a in (0..<n).allSatisfy { h[a * stride + $0].isFinite } } }
}

extension PackedReplicas: ReplicaSystem {
    /// With automatic threads the team is used only while it is measurably faster: a lockstep round
    /// lasts microseconds, and when the cores do not really run side by side (a busy machine, virtual
    /// CPUs sharing a physical core) one thread is faster (BENCHMARKS.md). Results do not depend on it,
    /// so the run measures: epoch 1 on one thread, epoch 2 on the team, then the faster of the two,
    /// trying the other again every 32 epochs. Explicit threads always use the team.
    func beginEpoch(_ completed: Int) {
        useTeam = team != nil
        if team != nil, adaptive {
            let faster = seconds[1] < seconds[0]
            switch completed {
            case 0: useTeam = false
            case 1: useTeam = true
            default: useTeam = completed % 32 == 0 ? !faster : faster
            }
        }
        started = DispatchTime.now().uptimeNanoseconds
    }

    func move(_ k: Int, replica a: Int, batch: ArraySlice<Int>, kernel: DirectionKernel, rate: Double) -> Int {
        plan(k, replica: a, batch: batch, kernel: kernel, rate: rate)
    }

    /// Phase 2 of the round, on the team or on this thread.
    func finishRound() {
        if useTeam, let team {
            team.run { self.step(part: $0) }
        } else {
            for part in parts.indices { step(part: part) }
        }
    }

    func endEpoch() {
        seconds[useTeam ? 1 : 0] = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
    }
}
