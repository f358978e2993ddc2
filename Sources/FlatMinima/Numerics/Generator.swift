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
        let words = 624
        if let state = GSL.stateBytes(rng),
            state.count >= MemoryLayout<UInt>.stride * words + MemoryLayout<Int32>.size {
            let mt = state.baseAddress!.bindMemory(to: UInt.self, capacity: words + 1)
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

extension Generator: RandomNumberGenerator {
    /// 64 random bits from two 32-bit MT19937 outputs (lets Swift's `shuffled(using:)` etc. run on it).
    public func next() -> UInt64 {
        (UInt64(bits32()) << 32) | UInt64(bits32())
    }
}
