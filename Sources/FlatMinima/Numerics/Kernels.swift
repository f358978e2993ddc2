import CKernels
import Foundation

/// Dense kernels on ±1 patterns stored as Int8, vectorised with SIMD8 (8 Doubles): the gradient solvers'
/// dot products, directions and rsgd's batch sums; and the dispatch of AMP's per-block rounds (CKernels).
/// Where the CPU has AVX2 the C versions in CKernels run instead, with the same lanes and rounding.
enum Kernels {
    /// Σ_i x_i m_i with x ∈ {±1} as Int8 (8 independent partial sums: the order of additions differs
    /// from a sequential loop by rounding only).
    @inline(__always)
    static func dot(_ x: UnsafePointer<Int8>, _ m: UnsafePointer<Double>, count n: Int,
                    instructions: InstructionSet = .current) -> Double {
        var accumulator = SIMD8<Double>(repeating: 0)
        var i = 0
        if instructions.hasAVX2 {
            // The same eight lanes in AVX2 registers (CKernels): the same total, to the last bit.
            i = withUnsafeMutableBytes(of: &accumulator) {
                fm_dot_i8_f64_avx2(x, m, n, $0.baseAddress!.assumingMemoryBound(to: Double.self))
            }
        }
        while i + 8 <= n {
            let xs = UnsafeRawPointer(x + i).loadUnaligned(as: SIMD8<Int8>.self)
            let ms = UnsafeRawPointer(m + i).loadUnaligned(as: SIMD8<Double>.self)
            accumulator += SIMD8<Double>(xs) * ms
            i += 8
        }
        var total = accumulator.sum()
        while i < n {
            total += Double(x[i]) * m[i]
            i += 1
        }
        return total
    }

    /// AMP's row round on ±1 patterns for `count` patterns in blocks of 16 (CKernels `fm_amp_rows`, which
    /// has the equations; dgSums and cLargest get one entry per block): the same bits at every level.
    static func ampRows(_ dots: UnsafePointer<Int64>, _ oldG: UnsafePointer<Double>, _ labels: UnsafePointer<Double>,
                        count: Int, _ constants: UnsafePointer<Double>, omega: UnsafeMutablePointer<Double>,
                        g: UnsafeMutablePointer<Double>, dg: UnsafeMutablePointer<Double>,
                        c: UnsafeMutablePointer<Double>, dgSums: UnsafeMutablePointer<Double>,
                        cLargest: UnsafeMutablePointer<Double>, instructions: InstructionSet = .current) {
        let rows = instructions.hasAVX512VBMI ? fm_amp_rows_avx512
            : instructions.hasAVX2 ? fm_amp_rows_avx2 : fm_amp_rows
        rows(dots, oldG, labels, count, constants, Special.erfcxTablePadded, omega, g, dg, c, dgSums, cLargest)
    }

    /// AMP's column round with the binary prior for `count` inputs in blocks of 16 (CKernels
    /// `fm_amp_columns`; four results per block): the same bits at every level.
    static func ampColumns(_ totals: UnsafePointer<Int64>, count: Int, _ constants: UnsafePointer<Double>,
                           a: UnsafeMutablePointer<Double>, b: UnsafeMutablePointer<Double>,
                           m: UnsafeMutablePointer<Double>, v: UnsafeMutablePointer<Double>,
                           results: UnsafeMutablePointer<Double>, instructions: InstructionSet = .current) {
        let columns = instructions.hasAVX512VBMI ? fm_amp_columns_avx512
            : instructions.hasAVX2 ? fm_amp_columns_avx2 : fm_amp_columns
        columns(totals, count, constants, a, b, m, v, results)
    }

    /// b_i += g · x_i with x ∈ {±1} as Int8.
    @inline(__always)
    static func axpy(_ b: UnsafeMutablePointer<Double>, _ x: UnsafePointer<Int8>, _ g: Double, count n: Int,
                     instructions: InstructionSet = .current) {
        if instructions.hasAVX2 { fm_axpy_i8_f64_avx2(b, x, g, n); return }
        axpyLanes(b, x, g, count: n)
    }
}


extension Kernels {
    /// s_i = Σ_{j<count} x^{r_j}_i for Int8 rows x^r = x + r·stride (wrapping: the caller keeps
    /// count ≤ 127 for ±1 rows), sixteen lanes per instruction.
    @inline(__always)
    static func sumRows(into s: UnsafeMutablePointer<Int8>, _ x: UnsafePointer<Int8>, stride: Int,
                        rows: UnsafePointer<Int>, count: Int, length n: Int) {
        var i = 0
        while i + 16 <= n {
            var acc = UnsafeRawPointer(x + rows[0] * stride + i).loadUnaligned(as: SIMD16<Int8>.self)
            for j in 1..<max(count, 1) {
                acc &+= UnsafeRawPointer(x + rows[j] * stride + i).loadUnaligned(as: SIMD16<Int8>.self)
            }
            UnsafeMutableRawPointer(s + i).storeBytes(of: acc, as: SIMD16<Int8>.self)
            i += 16
        }
        while i < n {
            var acc: Int8 = 0
            for j in 0..<count { acc &+= x[rows[j] * stride + i] }
            s[i] = acc
            i += 1
        }
    }
}

extension Kernels {
    /// b_i += g · x_i in single precision, x ∈ {±1} as Int8.
    @inline(__always)
    static func axpy(_ b: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Int8>, _ g: Float, count n: Int) {
        axpyLanes(b, x, g, count: n)
    }

    /// b_i += g · x_i with x ∈ {±1} as Int8, eight lanes per step: the one Swift loop of both precisions,
    /// and the reference of `fm_axpy_i8_f64_avx2` (each element one product and one sum, rounded
    /// separately, so lanes and tail give the same bits). Always inlined, hence specialised per precision.
    @inline(__always)
    static func axpyLanes<Scalar: BinaryFloatingPoint & SIMDScalar>(_ b: UnsafeMutablePointer<Scalar>,
                                                                     _ x: UnsafePointer<Int8>, _ g: Scalar,
                                                                     count n: Int) {
        let gs = SIMD8<Scalar>(repeating: g)
        var i = 0
        while i + 8 <= n {
            let xs = UnsafeRawPointer(x + i).loadUnaligned(as: SIMD8<Int8>.self)
            var bs = UnsafeRawPointer(b + i).loadUnaligned(as: SIMD8<Scalar>.self)
            bs += SIMD8<Scalar>(xs) * gs
            UnsafeMutableRawPointer(b + i).storeBytes(of: bs, as: SIMD8<Scalar>.self)
            i += 8
        }
        while i < n {
            b[i] += g * Scalar(x[i])
            i += 1
        }
    }
}

/// The vector kernels of BP and replicated SGD (CKernels), chosen by instruction set. Each returns nil
/// (and does nothing) where `instructions` has no vector version: the caller then runs its Swift loop,
/// the reference the kernel is tested against.
extension Kernels {
    /// One pattern's BP update for the binary perceptron on ±1 inputs (`fm_bp_pattern_f32_avx2` has the
    /// equations): the largest |change| of a message, or nil below `.avx2FMA`.
    static func perceptronPattern(_ xi: UnsafePointer<Int8>, _ u: UnsafeMutablePointer<Float>,
                                  h: UnsafeMutablePointer<Double>, cavity: UnsafeMutablePointer<Double>?,
                                  sum: UnsafeMutablePointer<Double>?, m: UnsafeMutablePointer<Double>,
                                  v: UnsafeMutablePointer<Double>, count n: Int, threshold: Double, damping: Double,
                                  instructions: InstructionSet = .current) -> Double? {
        guard instructions.hasFMA else { return nil }
        let pattern = instructions.hasAVX512VBMI ? fm_bp_pattern_f32_avx512 : fm_bp_pattern_f32_avx2
        return pattern(xi, u, h, cavity, sum, m, v, n, threshold, damping, Special.erfcxTableSingle)
    }

    /// A committee unit's first pass (`fm_committee_unit_sums_avx2`): (M, V), or nil below `.avx2FMA`.
    static func committeeUnitSums(_ x: UnsafePointer<Int8>, h: UnsafePointer<Double>, u: UnsafePointer<Float>,
                                  m: UnsafeMutablePointer<Double>, v: UnsafeMutablePointer<Double>, fan: Int,
                                  instructions: InstructionSet = .current) -> (bigM: Double, bigV: Double)? {
        guard instructions.hasFMA else { return nil }
        var bigM = 0.0, bigV = 0.0
        let sums = instructions.hasAVX512VBMI ? fm_committee_unit_sums_avx512 : fm_committee_unit_sums_avx2
        sums(x, h, u, m, v, fan, &bigM, &bigV)
        return (bigM, bigV)
    }

    /// A committee unit's new messages (`fm_committee_unit_messages_avx2`): the largest |change|, or nil
    /// below `.avx2FMA`.
    static func committeeUnitMessages(_ x: UnsafePointer<Int8>, _ u: UnsafeMutablePointer<Float>,
                                      m: UnsafePointer<Double>, v: UnsafePointer<Double>, fan: Int,
                                      bigM: Double, bigV: Double, theta: Double, t: Double, c: Double,
                                      damping: Double, sum: UnsafeMutablePointer<Double>?,
                                      cavity: UnsafeMutablePointer<Double>?, h: UnsafeMutablePointer<Double>?,
                                      instructions: InstructionSet = .current) -> Double? {
        guard instructions.hasFMA else { return nil }
        let wide = instructions.hasAVX512VBMI
        let messages = wide ? fm_committee_unit_messages_avx512 : fm_committee_unit_messages_avx2
        return messages(x, u, m, v, fan, bigM, bigV, theta, t, c, damping, sum, cavity, h,
                        wide ? Special.erfcxTableTransposed : Special.erfcxTablePadded)
    }

    /// Replicated SGD's fused pass over sites [lo, hi) of one replica (`fm_rsgd_pull_sign_avx2` has the
    /// equations and the table's padding): false (nothing done) below `.avx2`.
    static func rsgdPullSign(h: UnsafeMutablePointer<Float>, w: UnsafeMutablePointer<Float>,
                             counts: UnsafeMutablePointer<Int32>, targets: UnsafeMutablePointer<Float>,
                             table: UnsafePointer<Float>, entries: Int, bits: UnsafeMutablePointer<UInt64>,
                             sums: UnsafePointer<Int8>, sites: Range<Int>, rate: Float, pull: Float, clip: Float,
                             instructions: InstructionSet = .current) -> Bool {
        guard instructions.hasAVX2 else { return false }
        let pass = instructions.hasAVX512VBMI ? fm_rsgd_pull_sign_avx512 : fm_rsgd_pull_sign_avx2
        pass(h, w, counts, targets, table, entries, bits, sums, sites.lowerBound, sites.upperBound, rate, pull, clip)
        return true
    }

    /// Σ_j popcount(a_j ⊕ b_j) over `words` words: POPCNT where `instructions` has it, else Swift's count.
    @inline(__always)
    static func xorPopcount(_ a: UnsafePointer<UInt64>, _ b: UnsafePointer<UInt64>, words: Int,
                            instructions: InstructionSet = .current) -> Int {
        if instructions.hasPopcount { return fm_xor_popcount(a, b, words) }
        var total = 0
        for j in 0..<words { total &+= (a[j] ^ b[j]).nonzeroBitCount }
        return total
    }
}
