import CKernels
import Foundation
/// Dense kernels on ±1 patterns stored as Int8, vectorised with SIMD8 (8 Doubles, two AVX registers):
/// the two passes over the pattern matrix that AMP makes per iteration.
enum Kernels {
    /// Whether the AVX2 versions (CKernels; same results to the last bit) replace the portable loops.
    /// `FLATMINIMA_PORTABLE=1` in the environment keeps the portable loops (for tests and comparisons).
    static let avx2 = fm_cpu_has_avx2() != 0 && ProcessInfo.processInfo.environment["FLATMINIMA_PORTABLE"] != "1"
    /// Whether BP's AVX2 + FMA pattern kernel (vector exp/log: equal to the portable loop to rounding,
    /// not to the bit) replaces the portable loop; `FLATMINIMA_PORTABLE=1` keeps the portable one.
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
    /// h_i += a·d_i + b·(t_i − w_i), four lanes at a time (replicated SGD's step and pull).
    @inline(__always)
    static func stepAndPull(_ h: UnsafeMutablePointer<Double>, _ d: UnsafePointer<Double>, _ t: UnsafePointer<Double>,
                            _ w: UnsafePointer<Double>, _ a: Double, _ b: Double, count n: Int) {
        let av = SIMD4<Double>(repeating: a), bv = SIMD4<Double>(repeating: b)
        var i = 0
        while i + 4 <= n {
            let hs = UnsafeRawPointer(h + i).loadUnaligned(as: SIMD4<Double>.self)
            let ds = UnsafeRawPointer(d + i).loadUnaligned(as: SIMD4<Double>.self)
            let ts = UnsafeRawPointer(t + i).loadUnaligned(as: SIMD4<Double>.self)
            let ws = UnsafeRawPointer(w + i).loadUnaligned(as: SIMD4<Double>.self)
            UnsafeMutableRawPointer(h + i).storeBytes(of: hs + (av * ds + bv * (ts - ws)), as: SIMD4<Double>.self)
            i += 4
        }
        while i < n { h[i] += a * d[i] + b * (t[i] - w[i]); i += 1 }
    }
}

extension Kernels {
    /// Replicated SGD's sign update for one binary replica: for every site whose latent field h_i changed
    /// sign, w_i ← sign(h_i), and the centre of mass follows — `sum_i` (Σ_a w_a) by ±2, `plus_i` (replicas
    /// at +1) by ±1, the target t_i ← table[plus_i], and the packed sign bit (when `bits` is given).
    /// Chunks of four sites are tested with one SIMD compare; chunks with a change are updated without
    /// branches (a tenth of the weights flip per step early on: branches would be mispredicted).
    @inline(__always)
    static func applySignChanges(_ h: UnsafePointer<Double>, _ w: UnsafeMutablePointer<Double>,
                                 sum: UnsafeMutablePointer<Double>, plus: UnsafeMutablePointer<Int32>,
                                 targets: UnsafeMutablePointer<Double>, table: UnsafePointer<Double>,
                                 bits: UnsafeMutablePointer<UInt64>?, count n: Int) {
        @inline(__always) func site(_ i: Int) {
            let nw: Double = h[i] > 0 ? 1 : -1
            let difference = nw - w[i]                       // 0 or ±2
            let step = Int32(truncatingIfNeeded: Int(difference) >> 1)   // 0 or ±1
            w[i] = nw
            sum[i] += difference
            plus[i] &+= step
            targets[i] = table[Int(plus[i])]
            if let bits { bits[i >> 6] ^= UInt64(truncatingIfNeeded: step & 1) << UInt64(i & 63) }
        }
        let zero = SIMD4<Double>(repeating: 0)
        var i = 0
        while i + 4 <= n {
            let hs = UnsafeRawPointer(h + i).loadUnaligned(as: SIMD4<Double>.self)
            let ws = UnsafeRawPointer(w + i).loadUnaligned(as: SIMD4<Double>.self)
            if any((hs .> zero) .!= (ws .> zero)) {
                site(i); site(i + 1); site(i + 2); site(i + 3)
            }
            i += 4
        }
        while i < n { site(i); i += 1 }
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
