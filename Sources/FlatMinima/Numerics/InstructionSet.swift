import CKernels
import Foundation

/// The vector instructions the fast paths may use: the one dispatch point of the C kernels (CKernels).
///
/// The levels form a ladder, each including the ones below it. `current` is read once, from cpuid
/// (`fm_cpu_has_*`) and the environment, and engines take the value as a parameter (defaulting to
/// `current`), so that a test can run a kernel at every level `hardware` reaches and compare it with the
/// portable Swift loop, which is its reference and oracle. The environment lowers the level:
/// `FLATMINIMA_PORTABLE=1` keeps the portable loops, `FLATMINIMA_AVX512=0` stops below AVX-512.
///
/// Every kernel but BP's gives the same bits at every level; BP's (from `.avx2FMA`) computes its messages
/// in single precision and agrees with the portable loop within a few 1e−7 (VectorKernelTests).
enum InstructionSet: Int, Comparable, CaseIterable, Sendable, CustomStringConvertible {
    /// The x86-64 baseline (or any other CPU): the portable Swift loops.
    case portable
    /// POPCNT: the XOR-popcount of bit-packed ±1 patterns (`fm_xor_popcount`).
    case popcount
    /// AVX2: dense products, rsgd's fused pass, AMP's look-up products and rounds (same bits as portable).
    case avx2
    /// AVX2 and FMA: BP's pattern (perceptron) and hidden-unit (committee) kernels.
    case avx2FMA
    /// AVX-512 F and BW: AMP's look-up products on two blocks of rows at a time.
    case avx512BW
    /// AVX-512 F, BW, DQ, VL and VBMI: look-up tables a word at a time, AMP's rounds and BP's kernels on
    /// eight doubles, rsgd's pass on sixteen floats.
    case avx512VBMI

    /// The highest level this CPU (and its OS) supports, whatever the environment says.
    static let hardware: InstructionSet = {
        let checks: [(InstructionSet, () -> Bool)] = [
            (.popcount, { fm_cpu_has_popcnt() != 0 }),
            (.avx2, { fm_cpu_has_avx2() != 0 }),
            (.avx2FMA, { fm_cpu_has_avx2_fma() != 0 }),
            (.avx512BW, { fm_cpu_has_avx512bw() != 0 }),
            (.avx512VBMI, { fm_cpu_has_avx512vbmi() != 0 }),
        ]
        var level = InstructionSet.portable
        for (next, supported) in checks {
            guard supported() else { break }
            level = next
        }
        return level
    }()

    /// The level the fast paths use: `hardware` lowered by the environment (see the type's comment).
    static let current = hardware.limited(by: ProcessInfo.processInfo.environment)

    /// Every level up to `hardware`: what tests run each kernel at.
    static var available: [InstructionSet] { allCases.filter { $0 <= hardware } }

    /// This level lowered by `FLATMINIMA_PORTABLE=1` (to `.portable`) and `FLATMINIMA_AVX512=0` (below
    /// AVX-512).
    func limited(by environment: [String: String]) -> InstructionSet {
        if environment["FLATMINIMA_PORTABLE"] == "1" { return .portable }
        if environment["FLATMINIMA_AVX512"] == "0" { return min(self, .avx2FMA) }
        return self
    }

    static func < (a: InstructionSet, b: InstructionSet) -> Bool { a.rawValue < b.rawValue }

    var hasPopcount: Bool { self >= .popcount }
    var hasAVX2: Bool { self >= .avx2 }
    var hasFMA: Bool { self >= .avx2FMA }
    var hasAVX512BW: Bool { self >= .avx512BW }
    var hasAVX512VBMI: Bool { self >= .avx512VBMI }

    var description: String {
        switch self {
        case .portable: "portable"
        case .popcount: "popcnt"
        case .avx2: "avx2"
        case .avx2FMA: "avx2+fma"
        case .avx512BW: "avx512bw"
        case .avx512VBMI: "avx512vbmi"
        }
    }
}
