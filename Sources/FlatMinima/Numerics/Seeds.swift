/// Deterministic seed derivation.
///
/// Every random stream in FlatMinima is identified by a base seed (the user's `--instance-seed` or
/// `--seed`) and a stream index; `Seeds.derive(base, stream)` mixes the two with the SplitMix64
/// finaliser (Steele, Lea, Flood, *Fast splittable pseudorandom number generators*, OOPSLA 2014), so
/// that neighbouring bases and neighbouring streams give unrelated 64-bit seeds. The result does not
/// depend on thread scheduling, sharding or the order in which runs are executed.
enum Seeds {
    /// The SplitMix64 output function: a bijective avalanche mix of 64 bits.
    @inlinable
    static func mix(_ value: UInt64) -> UInt64 {
        var z = value &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// The seed of stream `stream` under base seed `base`.
    @inlinable
    static func derive(_ base: UInt64, _ stream: UInt64) -> UInt64 {
        mix(mix(base) ^ mix(stream &* 0xD1B5_4A32_D192_ED03 &+ 0x632B_E59B_D9B4_E019))
    }

    /// Streams of an instance: one per kind of randomness, so that adding test patterns, say, never
    /// changes the training patterns.
    enum InstanceStream: UInt64, Sendable {
        case patterns = 1, labels = 2, teacher = 3, testPatterns = 4, dataSplit = 5
    }

    /// Streams of a solver run.
    enum SolverStream: UInt64, Sendable {
        case solver = 101, measure = 102
    }
}
