import CKernels
import Foundation

/// Dense kernels on ±1 patterns stored as Int8, vectorised with SIMD8 (8 Doubles): AMP's per-row dot
/// product and axpy, the gradient solvers' directions, and rsgd's batch sums. Where the CPU has AVX2 the
/// C versions in CKernels run instead, with the same lanes and rounding.
enum Kernels {
    /// Whether the AVX2 versions (CKernels; same results to the last bit) replace the portable loops.
    /// `FLATMINIMA_PORTABLE=1` in the environment keeps the portable loops (for tests and comparisons).
    static let avx2 = fm_cpu_has_avx2() != 0 && ProcessInfo.processInfo.environment["FLATMINIMA_PORTABLE"] != "1"
    /// Whether BP's AVX2 + FMA pattern kernel (its message in single precision: equal to the portable
    /// loop's within a few 1e−7, not to the bit) replaces the portable loop; `FLATMINIMA_PORTABLE=1`
    /// keeps the portable one.
    static let avx2fma = avx2 && fm_cpu_has_avx2_fma() != 0

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

    /// The dot products of four rows x + r·stride (r = 0…3) with m: each equal to the bit to `dot` of that
    /// row (the AVX2 kernel keeps every row's lanes and only interleaves the rows, sharing the loads of m).
    @inline(__always)
    static func dot4(_ x: UnsafePointer<Int8>, stride: Int, _ m: UnsafePointer<Double>, count n: Int) -> SIMD4<Double> {
        guard avx2 else {
            return SIMD4(dot(x, m, count: n), dot(x + stride, m, count: n), dot(x + 2 * stride, m, count: n),
                         dot(x + 3 * stride, m, count: n))
        }
        var lanes = (SIMD8<Double>(), SIMD8<Double>(), SIMD8<Double>(), SIMD8<Double>())
        let done = withUnsafeMutableBytes(of: &lanes) {
            fm_dot4_i8_f64_avx2(x, stride, m, n, $0.baseAddress!.assumingMemoryBound(to: Double.self))
        }
        var totals = SIMD4(lanes.0.sum(), lanes.1.sum(), lanes.2.sum(), lanes.3.sum())
        for r in 0..<4 {
            let row = x + r * stride
            for i in done..<n { totals[r] += Double(row[i]) * m[i] }
        }
        return totals
    }

    /// b_i += g_r · x_{r,i} for the four rows x + r·stride in order r = 0…3: four `axpy` calls, to the bit.
    @inline(__always)
    static func axpy4(_ b: UnsafeMutablePointer<Double>, _ x: UnsafePointer<Int8>, stride: Int, _ g: SIMD4<Double>, count n: Int) {
        guard avx2 else {
            for r in 0..<4 { axpy(b, x + r * stride, g[r], count: n) }
            return
        }
        withUnsafeBytes(of: g) { fm_axpy4_i8_f64_avx2(b, x, stride, $0.baseAddress!.assumingMemoryBound(to: Double.self), n) }
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
