import CKernels
import Foundation

/// Dense kernels on ±1 patterns stored as Int8, vectorised with SIMD8 (8 Doubles): the gradient solvers'
/// dot products, directions and rsgd's batch sums; and the dispatch of AMP's per-block rounds (CKernels).
/// Where the CPU has AVX2 the C versions in CKernels run instead, with the same lanes and rounding.
enum Kernels {
    /// Whether the AVX2 versions (CKernels; same results to the last bit) replace the portable loops.
    /// `FLATMINIMA_PORTABLE=1` in the environment keeps the portable loops (for tests and comparisons).
    static let avx2 = fm_cpu_has_avx2() != 0 && ProcessInfo.processInfo.environment["FLATMINIMA_PORTABLE"] != "1"
    /// Whether BP's AVX2 + FMA pattern kernel (its message in single precision: equal to the portable
    /// loop's within a few 1e−7, not to the bit) replaces the portable loop; `FLATMINIMA_PORTABLE=1`
    /// keeps the portable one.
    static let avx2fma = avx2 && fm_cpu_has_avx2_fma() != 0
    /// Whether AMP's look-up products (`SignLookupMatrix`) take two blocks at a time with AVX-512BW (the
    /// same exact integers); `FLATMINIMA_PORTABLE=1` or `FLATMINIMA_AVX512=0` keeps the AVX2 kernel.
    static let avx512 = avx2 && fm_cpu_has_avx512bw() != 0 && ProcessInfo.processInfo.environment["FLATMINIMA_AVX512"] != "0"
    /// Whether AMP's look-up tables (`SignLookupTables.build`) are built a word at a time and its rounds
    /// (`ampRows`, `ampColumns`) run G/H and tanh on eight lanes with AVX-512 (F, BW, DQ, VL, VBMI; the same
    /// bytes and bits), and rsgd's fused pass (`PackedReplicas`) sixteen sites at a time (the same bits);
    /// `FLATMINIMA_AVX512=0` keeps the AVX2 versions.
    static let avx512vbmi = avx512 && fm_cpu_has_avx512vbmi() != 0
    /// Whether BP's pattern kernel runs its AVX-512 version (`fm_bp_pattern_f32_avx512`: the AVX2 + FMA
    /// kernel's equations on twice the lanes, equal to it within its accuracy, not to the bit);
    /// `FLATMINIMA_AVX512=0` keeps the AVX2 one.
    static let avx512bp = avx2fma && avx512vbmi

    /// Σ_i x_i m_i with x ∈ {±1} as Int8 (8 independent partial sums: the order of additions differs
    /// from a sequential loop by rounding only).
    @inline(__always)
    static func dot(_ x: UnsafePointer<Int8>, _ m: UnsafePointer<Double>, count n: Int) -> Double {
        var accumulator = SIMD8<Double>(repeating: 0)
        var i = 0
        if avx2 {
            // The same eight lanes in AVX2 registers (CKernels): the same total, to the last bit.
            i = withUnsafeMutableBytes(of: &accumulator) { fm_dot_i8_f64_avx2(x, m, n, $0.baseAddress!.assumingMemoryBound(to: Double.self)) }
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
    /// has the equations; dgSums and cLargest get one entry per block): the same bits with AVX-512, AVX2 or neither.
    static func ampRows(_ dots: UnsafePointer<Int64>, _ oldG: UnsafePointer<Double>, _ labels: UnsafePointer<Double>,
                        count: Int, _ constants: UnsafePointer<Double>, omega: UnsafeMutablePointer<Double>,
                        g: UnsafeMutablePointer<Double>, dg: UnsafeMutablePointer<Double>, c: UnsafeMutablePointer<Double>,
                        dgSums: UnsafeMutablePointer<Double>, cLargest: UnsafeMutablePointer<Double>) {
        if avx512vbmi {
            fm_amp_rows_avx512(dots, oldG, labels, count, constants, Special.erfcxTablePadded, omega, g, dg, c, dgSums, cLargest)
        } else if avx2 {
            fm_amp_rows_avx2(dots, oldG, labels, count, constants, Special.erfcxTablePadded, omega, g, dg, c, dgSums, cLargest)
        } else {
            fm_amp_rows(dots, oldG, labels, count, constants, Special.erfcxTablePadded, omega, g, dg, c, dgSums, cLargest)
        }
    }

    /// AMP's column round with the binary prior for `count` inputs in blocks of 16 (CKernels
    /// `fm_amp_columns`; four results per block): the same bits with AVX-512, AVX2 or neither.
    static func ampColumns(_ totals: UnsafePointer<Int64>, count: Int, _ constants: UnsafePointer<Double>,
                           a: UnsafeMutablePointer<Double>, b: UnsafeMutablePointer<Double>, m: UnsafeMutablePointer<Double>,
                           v: UnsafeMutablePointer<Double>, results: UnsafeMutablePointer<Double>) {
        if avx512vbmi { fm_amp_columns_avx512(totals, count, constants, a, b, m, v, results) } else if avx2 {
            fm_amp_columns_avx2(totals, count, constants, a, b, m, v, results)
        } else {
            fm_amp_columns(totals, count, constants, a, b, m, v, results)
        }
    }

    /// b_i += g · x_i with x ∈ {±1} as Int8.
    @inline(__always)
    static func axpy(_ b: UnsafeMutablePointer<Double>, _ x: UnsafePointer<Int8>, _ g: Double, count n: Int) {
        if avx2 { fm_axpy_i8_f64_avx2(b, x, g, n); return }
        let gs = SIMD8<Double>(repeating: g)
        var i = 0
        while i + 8 <= n {
            let xs = UnsafeRawPointer(x + i).loadUnaligned(as: SIMD8<Int8>.self)
            var bs = UnsafeRawPointer(b + i).loadUnaligned(as: SIMD8<Double>.self)
            bs += SIMD8<Double>(xs) * gs
            UnsafeMutableRawPointer(b + i).storeBytes(of: bs, as: SIMD8<Double>.self)
            i += 8
        }
        while i < n {
            b[i] += g * Double(x[i])
            i += 1
        }
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
        let gs = SIMD8<Float>(repeating: g)
        var i = 0
        while i + 8 <= n {
            let xs = UnsafeRawPointer(x + i).loadUnaligned(as: SIMD8<Int8>.self)
            var bs = UnsafeRawPointer(b + i).loadUnaligned(as: SIMD8<Float>.self)
            bs += SIMD8<Float>(xs) * gs
            UnsafeMutableRawPointer(b + i).storeBytes(of: bs, as: SIMD8<Float>.self)
            i += 8
        }
        while i < n {
            b[i] += g * Float(x[i])
            i += 1
        }
    }
}
