/// A pseudo-random generator owning one GSL `gsl_rng` (MT19937).
///
/// One generator per task, never shared across threads: it is a non-`Sendable` reference type, so the
/// compiler refuses to send it to another concurrency domain. Its full 64-bit seed matters: GSL's
/// `gsl_rng_set` keeps only 32 bits of an MT19937 seed (so two derived seeds would collide after ~65 000
/// streams), so the 624-word state is instead filled from the seed by SplitMix64, the initialisation
/// recommended for 64-bit seeds by the PCG and xoshiro authors. Should GSL's state layout ever change,
/// it falls back to `gsl_rng_set`.
public final class Generator {
    @usableFromInline let rng: GSL.RandomState
    /// GSL's MT19937 state words `mt[0..<624]`, followed in memory by `int mti`; nil when the layout check
    /// failed, in which case bulk draws go through `sign()` one at a time.
    private let stateWords: UnsafeMutablePointer<UInt>?
    /// The 64-bit seed this generator was started from (written into output records).
    public let seed: UInt64

    /// A generator for stream `stream` of base seed `base` (see `Seeds.derive`).
    public convenience init(base: UInt64, stream: UInt64) {
        self.init(seed: Seeds.derive(base, stream))
    }

    /// A generator started from exactly `seed`.
    public init(seed: UInt64) {
        GSL.initialize()
        guard let rng = GSL.allocateMT19937() else {
            fatalError("gsl_rng_alloc failed: out of memory")
        }
        self.rng = rng
        self.seed = seed
        // MT19937's state in GSL: `unsigned long mt[624]; int mti;`.
        let words = MT19937.n
        if let state = GSL.stateBytes(rng),
            state.count >= MemoryLayout<UInt>.stride * words + MemoryLayout<Int32>.size {
            let mt = state.baseAddress!.bindMemory(to: UInt.self, capacity: words + 1)
            self.stateWords = mt
            var s = seed
            var nonZero = false
            for k in 0..<words {
                s = s &+ 0x9E37_79B9_7F4A_7C15
                let value = UInt(truncatingIfNeeded: Seeds.mix(s) & 0xFFFF_FFFF)
                mt[k] = value
                nonZero = nonZero || value != 0
            }
            if !nonZero { mt[0] = 0x8000_0000 }
            // mti = 624 forces a full regeneration of the state on the first draw.
            let mti = UnsafeMutableRawPointer(mt + words).assumingMemoryBound(to: Int32.self)
            mti.pointee = Int32(words)
        } else {
            self.stateWords = nil
            GSL.seed(rng, UInt(truncatingIfNeeded: seed))
        }
    }

    deinit { GSL.free(rng) }

    /// Uniform on [0, 1).
    @inlinable public func uniform() -> Double { GSL.uniform(rng) }

    /// Uniform on (0, 1).
    @inlinable public func uniformPositive() -> Double { GSL.uniformPositive(rng) }

    /// Standard normal deviate (GSL's ziggurat).
    @inlinable public func gaussian() -> Double { GSL.gaussian(rng) }

    /// +1 or -1 with equal probability.
    @inlinable public func sign() -> Double { (GSL.next(rng) & 1) == 0 ? 1.0 : -1.0 }

    /// Fills `buffer` with ±1, element i equal to the i-th of `buffer.count` successive `sign()` calls; the
    /// generator then continues exactly as after those calls. The words are produced here in one loop over
    /// GSL's state (see `MT19937`) rather than by one indirect `gsl_rng_get` call each.
    public func fillSigns(_ buffer: UnsafeMutableBufferPointer<Int8>) { fill(buffer, plus: 1, minus: -1) }

    /// Fills `buffer` with ±1.0, the same stream as `buffer.count` successive `sign()` calls.
    public func fillSigns(_ buffer: UnsafeMutableBufferPointer<Double>) { fill(buffer, plus: 1, minus: -1) }

    /// `count` successive `sign()` draws as an array.
    public func signs(_ count: Int) -> [Double] {
        [Double](unsafeUninitializedCapacity: count) { buffer, initialized in
            fillSigns(buffer)
            initialized = count
        }
    }

    /// Reads `mti` and the state words GSL keeps, produces the outputs `gsl_rng_get` would return in a tight
    /// loop (twisting whenever the 624 words are used up, lazily, as GSL does) and writes `mti` back.
    @inline(__always)
    private func fill<T>(_ buffer: UnsafeMutableBufferPointer<T>, plus: T, minus: T) {
        guard let mt = stateWords, let out = buffer.baseAddress else {
            for i in buffer.indices { buffer[i] = sign() > 0 ? plus : minus }
            return
        }
        let n = MT19937.n
        let index = UnsafeMutableRawPointer(mt + n).assumingMemoryBound(to: Int32.self)
        var mti = Int(index.pointee), done = 0
        while done < buffer.count {
            if mti >= n {
                MT19937.twist(mt)
                mti = 0
            }
            let take = min(n - mti, buffer.count - done)
            // Offset pointers: the inner loop indexes without overflow-checked additions.
            let words = mt + mti, signs = out + done
            for j in 0..<take { signs[j] = MT19937.temper(words[j]) & 1 == 0 ? plus : minus }
            mti += take
            done += take
        }
        index.pointee = Int32(mti)
    }

    /// Uniform integer in 0..<n (n > 0).
    @inlinable public func index(below n: Int) -> Int {
        precondition(n > 0)
        return Int(GSL.uniformInteger(rng, below: UInt(n)))
    }

    /// 32 uniformly random bits.
    @inlinable public func bits32() -> UInt32 { UInt32(truncatingIfNeeded: GSL.next(rng)) }

    /// A uniformly random permutation of 0..<n (Fisher–Yates).
    public func permutation(_ n: Int) -> [Int] {
        var order = Array(0..<n)
        shuffle(&order)
        return order
    }

    /// Shuffles `array` in place (Fisher–Yates).
    public func shuffle<T>(_ array: inout [T]) {
        guard array.count > 1 else { return }
        for i in stride(from: array.count - 1, to: 0, by: -1) {
            array.swapAt(i, index(below: i + 1))
        }
    }
}

/// The Mersenne Twister MT19937 of Matsumoto & Nishimura, "Mersenne Twister: a 623-dimensionally
/// equidistributed uniform pseudo-random number generator", ACM TOMACS 8, 3 (1998), on GSL's state
/// (32-bit words held in `unsigned long`), so that `Generator.fillSigns` can draw many words per call.
///
/// With n = 624, m = 397, the state x_0 … x_{n−1} advances by the linear recurrence
///     x_{k+n} = x_{k+m} ⊕ (y_k ≫ 1) ⊕ (y_k mod 2) · a,
///     y_k = (x_k ∧ 0x8000_0000) ∨ (x_{k+1} ∧ 0x7FFF_FFFF),
/// with a = 0x9908_B0DF (the last row of the companion matrix A), computed in place for all n words at once
/// (`twist`). Each word x is output tempered: z = x ⊕ (x ≫ 11); z ⊕= (z ≪ 7) ∧ 0x9D2C_5680;
/// z ⊕= (z ≪ 15) ∧ 0xEFC6_0000; z ⊕= z ≫ 18.
enum MT19937 {
    static let n = 624
    static let m = 397

    /// Replaces the n words of `mt` by the next n of the recurrence (in place: x_{k+n} overwrites x_k).
    @inline(__always)
    static func twist(_ mt: UnsafeMutablePointer<UInt>) {
        @inline(__always) func next(_ k: Int, _ k1: Int, _ km: Int) -> UInt {
            let y = (mt[k] & 0x8000_0000) | (mt[k1] & 0x7FFF_FFFF)
            return mt[km] ^ (y >> 1) ^ ((0 &- (y & 1)) & 0x9908_B0DF)
        }
        for k in 0..<(n - m) { mt[k] = next(k, k &+ 1, k &+ m) }
        for k in (n - m)..<(n - 1) { mt[k] = next(k, k &+ 1, k &+ (m - n)) }
        mt[n - 1] = next(n - 1, 0, m - 1)
    }

    /// The tempered output of state word `x`.
    @inline(__always)
    static func temper(_ x: UInt) -> UInt {
        var z = x ^ (x >> 11)
        z ^= (z << 7) & 0x9D2C_5680
        z ^= (z << 15) & 0xEFC6_0000
        return z ^ (z >> 18)
    }
}

extension Generator: RandomNumberGenerator {
    /// 64 random bits from two 32-bit MT19937 outputs (lets Swift's `shuffled(using:)` etc. run on it).
    public func next() -> UInt64 {
        (UInt64(bits32()) << 32) | UInt64(bits32())
    }
}
