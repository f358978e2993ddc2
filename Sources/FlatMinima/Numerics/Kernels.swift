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

    /// out[i] = G/H(in[i]) for i < n (AMP's output channel; CKernels `fm_goverh_array`): the algorithm of
    /// `Special.GoverHFast` on four lanes at a time with its own e^x, so within a few ulps of it; the AVX2
    /// and the portable builds give the same bits.
    static func goverH(_ input: UnsafePointer<Double>, _ output: UnsafeMutablePointer<Double>, count n: Int) {
        if avx2 { fm_goverh_array_avx2(input, output, n, Special.erfcxTablePadded) } else {
            fm_goverh_array(input, output, n, Special.erfcxTablePadded)
        }
    }

    /// out[i] = tanh(in[i]) for i < n as sign(x)(1 − e^{−2|x|})/(1 + e^{−2|x|}) (AMP's binary prior;
    /// CKernels `fm_tanh_array`): within ~2e−16 absolutely, the same bits with AVX2 or without.
    static func tanh(_ input: UnsafePointer<Double>, _ output: UnsafeMutablePointer<Double>, count n: Int) {
        if avx2 { fm_tanh_array_avx2(input, output, n) } else { fm_tanh_array(input, output, n) }
    }

    /// AMP's row round on ±1 patterns for `count` patterns in blocks of 16 (CKernels `fm_amp_rows`, which
    /// has the equations; dgSums and cLargest get one entry per block): the same bits with AVX2 or without.
    static func ampRows(_ dots: UnsafePointer<Int64>, _ oldG: UnsafePointer<Double>, _ labels: UnsafePointer<Double>,
                        count: Int, _ constants: UnsafePointer<Double>, omega: UnsafeMutablePointer<Double>,
                        g: UnsafeMutablePointer<Double>, dg: UnsafeMutablePointer<Double>, c: UnsafeMutablePointer<Double>,
                        dgSums: UnsafeMutablePointer<Double>, cLargest: UnsafeMutablePointer<Double>) {
        if avx2 {
            fm_amp_rows_avx2(dots, oldG, labels, count, constants, Special.erfcxTablePadded, omega, g, dg, c, dgSums, cLargest)
        } else {
            fm_amp_rows(dots, oldG, labels, count, constants, Special.erfcxTablePadded, omega, g, dg, c, dgSums, cLargest)
        }
    }

    /// AMP's column round with the binary prior for `count` inputs in blocks of 16 (CKernels
    /// `fm_amp_columns`; four results per block): the same bits with AVX2 or without.
    static func ampColumns(_ totals: UnsafePointer<Int64>, count: Int, _ constants: UnsafePointer<Double>,
                           a: UnsafeMutablePointer<Double>, b: UnsafeMutablePointer<Double>, m: UnsafeMutablePointer<Double>,
                           v: UnsafeMutablePointer<Double>, results: UnsafeMutablePointer<Double>) {
        if avx2 { fm_amp_columns_avx2(totals, count, constants, a, b, m, v, results) } else {
            fm_amp_columns(totals, count, constants, a, b, m, v, results)
        }
    }

    /// The exact integer products of four ±1 rows x + r·stride (r = 0…3; the portable loop relies on
    /// x ∈ {±1}, which `PatternSet`'s Int8 storage guarantees) with the three limbs of a
    /// fixed-point vector: sums[3r + k] = Σ_{i<n} x_ri L_ki (see `FixedPointVector`). The AVX2 kernel and
    /// the portable loop compute the same integers, so every caller's result is the same to the bit.
    @inline(__always)
    static func dot4Fixed(_ x: UnsafePointer<Int8>, stride: Int, _ limbs: UnsafePointer<Int16>, limbStride: Int,
                          count n: Int, into sums: UnsafeMutablePointer<Int64>) {
        if avx2 { fm_dot4_q16_avx2(x, stride, limbs, limbStride, n, sums); return }
        for r in 0..<4 { dot1Fixed(x + r * stride, limbs, limbStride: limbStride, count: n, into: sums + 3 * r) }
    }

    /// One row's `dot4Fixed`: sums[k] = Σ_{i<n} x_i L_ki (portable, exact).
    static func dot1Fixed(_ x: UnsafePointer<Int8>, _ limbs: UnsafePointer<Int16>, limbStride: Int, count n: Int,
                          into sums: UnsafeMutablePointer<Int64>) {
        let l0 = limbs, l1 = limbs + limbStride, l2 = limbs + 2 * limbStride
        var t0: Int64 = 0, t1: Int64 = 0, t2: Int64 = 0, i = 0
        // Int32 lanes grow by at most 2^15 per step: folded into the Int64 totals every 2^15 steps.
        while i + 8 <= n {
            var a0 = SIMD8<Int32>(), a1 = a0, a2 = a0
            let stop = min(n, i + 8 << 15)
            while i + 8 <= stop {
                // x·L for x = ±1 without a multiplication (the x86-64 baseline has no 32-bit vector
                // multiply): with s = x >> 1 (0 or −1), (L ⊕ s) − s.
                let sign = SIMD8<Int32>(truncatingIfNeeded: UnsafeRawPointer(x + i).loadUnaligned(as: SIMD8<Int8>.self)) &>> 1
                a0 &+= (SIMD8<Int32>(truncatingIfNeeded: UnsafeRawPointer(l0 + i).loadUnaligned(as: SIMD8<Int16>.self)) ^ sign) &- sign
                a1 &+= (SIMD8<Int32>(truncatingIfNeeded: UnsafeRawPointer(l1 + i).loadUnaligned(as: SIMD8<Int16>.self)) ^ sign) &- sign
                a2 &+= (SIMD8<Int32>(truncatingIfNeeded: UnsafeRawPointer(l2 + i).loadUnaligned(as: SIMD8<Int16>.self)) ^ sign) &- sign
                i += 8
            }
            for j in 0..<8 { t0 += Int64(a0[j]); t1 += Int64(a1[j]); t2 += Int64(a2[j]) }
        }
        while i < n {
            let xi = Int64(x[i])
            t0 += xi * Int64(l0[i]); t1 += xi * Int64(l1[i]); t2 += xi * Int64(l2[i])
            i += 1
        }
        sums[0] = t0
        sums[1] = t1
        sums[2] = t2
    }

    /// acc[k·accStride + i] += Σ_{r<4} x_ri C_kr for i < n, k = 0, 1, 2, exactly (C_kr = coefficients[4k + r],
    /// the three limbs of four rows' fixed-point coefficients). Each call adds at most 2^17 in magnitude
    /// to an accumulator: the caller folds them into Int64 before 2^13 calls.
    @inline(__always)
    static func axpy4Fixed(_ acc: UnsafeMutablePointer<Int32>, accStride: Int, _ x: UnsafePointer<Int8>, stride: Int,
                           _ coefficients: UnsafePointer<Int16>, count n: Int) {
        if avx2 { fm_axpy4_q16_avx2(acc, accStride, x, stride, coefficients, n); return }
        var c = (SIMD4<Int32>(), SIMD4<Int32>(), SIMD4<Int32>())
        for r in 0..<4 {
            c.0[r] = Int32(coefficients[r]); c.1[r] = Int32(coefficients[4 + r]); c.2[r] = Int32(coefficients[8 + r])
        }
        let a0 = acc, a1 = acc + accStride, a2 = acc + 2 * accStride
        var i = 0
        while i + 8 <= n {
            var s0 = UnsafeRawPointer(a0 + i).loadUnaligned(as: SIMD8<Int32>.self)
            var s1 = UnsafeRawPointer(a1 + i).loadUnaligned(as: SIMD8<Int32>.self)
            var s2 = UnsafeRawPointer(a2 + i).loadUnaligned(as: SIMD8<Int32>.self)
            for r in 0..<4 {
                // x·C for x = ±1 as (C ⊕ s) − s with s = x >> 1 (no vector multiply in the baseline).
                let sign = SIMD8<Int32>(truncatingIfNeeded: UnsafeRawPointer(x + r * stride + i).loadUnaligned(as: SIMD8<Int8>.self)) &>> 1
                s0 &+= (SIMD8(repeating: c.0[r]) ^ sign) &- sign
                s1 &+= (SIMD8(repeating: c.1[r]) ^ sign) &- sign
                s2 &+= (SIMD8(repeating: c.2[r]) ^ sign) &- sign
            }
            UnsafeMutableRawPointer(a0 + i).storeBytes(of: s0, as: SIMD8<Int32>.self)
            UnsafeMutableRawPointer(a1 + i).storeBytes(of: s1, as: SIMD8<Int32>.self)
            UnsafeMutableRawPointer(a2 + i).storeBytes(of: s2, as: SIMD8<Int32>.self)
            i += 8
        }
        while i < n {
            for r in 0..<4 {
                let xi = Int32(x[r * stride + i])
                a0[i] &+= xi &* c.0[r]; a1[i] &+= xi &* c.1[r]; a2[i] &+= xi &* c.2[r]
            }
            i += 1
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


/// A vector in AMP's fixed point: v_i ≈ (L_0i + 2^16 L_1i + 2^32 L_2i) · 2^(E − 46) with Int16 limbs (the
/// lower two balanced, in [−2^15, 2^15)) and one exponent E for the whole vector, 2^E > max|v|. Every
/// entry is rounded to the nearest multiple of 2^(E−46), an error ≤ 2^−47 max|v| (7e−15 relative to the
/// largest entry). Products with ±1 patterns are then sums of integers — exact, independent of their
/// order, of the number of threads and of the instruction set — done with 16-bit multiply-adds that
/// handle 16 entries per AVX2 instruction (`Kernels.dot4Fixed`, `axpy4Fixed`).
struct FixedPointVector {
    /// limbs[k·count + i] = L_ki.
    private(set) var limbs: [Int16]
    let count: Int
    /// 2^(E − 46), the value of one unit of the lowest limb.
    private(set) var unit = 0.0

    init(count: Int) {
        self.count = count
        limbs = [Int16](repeating: 0, count: 3 * count)
    }

    /// Rounds `values` (count entries) into the limbs; false (limbs unchanged) when one is not finite.
    mutating func quantize(_ values: UnsafeBufferPointer<Double>) -> Bool {
        // max|v|, and Σ (v − v), which is NaN as soon as one entry is NaN or infinite (max(·, NaN) would
        // drop a NaN).
        var largest = 0.0, check = 0.0
        for v in values {
            largest = max(largest, abs(v))
            check += v - v
        }
        guard largest.isFinite, !check.isNaN else { return false }
        // Entries all below 2^−960 (g of a fully satisfied storage problem, say) count as zero: their
        // products would stay below 1e−280.
        if largest < 0x1p-960 { largest = 0 }
        // E with 2^E > max|v|: values are the integers times 2^(E − 46).
        let exponent = largest > 0 ? Int(largest.exponent) + 1 : 0
        let scale = largest > 0 ? Double(sign: .plus, exponent: 46 - exponent, significand: 1) : 0
        unit = Double(sign: .plus, exponent: exponent - 46, significand: 1)
        let n = count
        limbs.withUnsafeMutableBufferPointer { l in
            for i in 0..<n {
                (l[i], l[n + i], l[2 * n + i]) = Self.limbs(values[i] * scale)
            }
        }
        return true
    }

    /// The limbs (L_0, L_1, L_2) of the integer nearest to y, |y| ≤ 2^46: adding and subtracting 1.5·2^52
    /// rounds y (ties to even) in two exact additions; L_0 and L_1 are balanced, |L_2| ≤ 2^14 + 1.
    @inline(__always)
    static func limbs(_ y: Double) -> (Int16, Int16, Int16) {
        let whole = Int64((y + 0x1.8p52) - 0x1.8p52)
        let l0 = Int16(truncatingIfNeeded: whole)
        let rest = (whole - Int64(l0)) >> 16
        let l1 = Int16(truncatingIfNeeded: rest)
        return (l0, l1, Int16(truncatingIfNeeded: (rest - Int64(l1)) >> 16))
    }

    /// The value (Σ_k 2^{16k} S_k) · 2^(E − 46) of limb sums S_0, S_1, S_2 (exact integers).
    @inline(__always)
    func value(_ s0: Int64, _ s1: Int64, _ s2: Int64) -> Double { Self.value(s0, s1, s2, unit: unit) }

    /// `value` for a vector whose unit is `unit`.
    @inline(__always)
    static func value(_ s0: Int64, _ s1: Int64, _ s2: Int64, unit: Double) -> Double {
        ((Double(s2) * 4_294_967_296 + Double(s1) * 65536) + Double(s0)) * unit
    }
}
