/// Dense kernels on ±1 patterns stored as Int8, vectorised with SIMD8 (8 Doubles, two AVX registers):
/// the two passes over the pattern matrix that AMP makes per iteration.
enum Kernels {
    /// Σ_i x_i m_i with x ∈ {±1} as Int8 (8 independent partial sums: the order of additions differs
    /// from a sequential loop by rounding only).
    @inline(__always)
    static func dot(_ x: UnsafePointer<Int8>, _ m: UnsafePointer<Double>, count n: Int) -> Double {
        var accumulator = SIMD8<Double>(repeating: 0)
        var i = 0
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

