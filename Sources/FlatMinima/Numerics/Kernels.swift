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

    /// Calls `changed(i)` for every i where sign(h_i) (h > 0 ↦ +1, else −1) differs from w_i ∈ {±1},
    /// testing four lanes at a time (changes are rare once training has settled).
    @inline(__always)
    static func forEachSignChange(_ h: UnsafePointer<Double>, _ w: UnsafePointer<Double>, count n: Int, _ changed: (Int) -> Void) {
        let zero = SIMD4<Double>(repeating: 0)
        var i = 0
        while i + 4 <= n {
            let hs = UnsafeRawPointer(h + i).loadUnaligned(as: SIMD4<Double>.self)
            let ws = UnsafeRawPointer(w + i).loadUnaligned(as: SIMD4<Double>.self)
            if any((hs .> zero) .!= (ws .> zero)) {
                for j in i ..< i + 4 where (h[j] > 0) != (w[j] > 0) { changed(j) }
            }
            i += 4
        }
        while i < n { if (h[i] > 0) != (w[i] > 0) { changed(i) }; i += 1 }
    }
}
