import Foundation
import Testing
import FlatMinima

@Suite struct ReplicaSymmetricTests {
    /// s(0) = log 2 exactly (no constraint); the saddle point at α = 0 is q = q̂ = 0.
    @Test func entropyAtZeroLoadIsLog2() {
        let rs = ReplicaSymmetric.binaryStorage(alpha: 1e-9)
        #expect(abs(rs.entropy - log(2.0)) < 1e-6)
    }

    /// Krauth–Mézard: the binary perceptron's RS entropy vanishes at α_c ≈ 0.833 (κ = 0).
    @Test func binaryCapacityBracket() {
        #expect(ReplicaSymmetric.binaryStorage(alpha: 0.830).entropy > 0)
        #expect(ReplicaSymmetric.binaryStorage(alpha: 0.836).entropy < 0)
    }

    /// Values at α = 0.4 from an independent NumPy/SciPy evaluation of the same saddle point
    /// (200-node Gauss–Hermite, scipy.special.log_ndtr): q = 0.255843, s = 0.396455.
    @Test func binaryStorageAtPointFour() {
        let rs = ReplicaSymmetric.binaryStorage(alpha: 0.4)
        #expect(abs(rs.q - 0.255843) < 1e-5)
        #expect(abs(rs.entropy - 0.396455) < 1e-5)
    }

    /// Bayes-optimal binary teacher at α = 1: q = 0.56071 (same independent evaluation); the Gaussian
    /// prior's q is below the binary one (less prior information).
    @Test func bayesOptimalTeacher() {
        let binary = ReplicaSymmetric.bayesOptimalTeacher(alpha: 1, prior: .binary)
        #expect(abs(binary.q - 0.56071) < 1e-4)
        let gaussian = ReplicaSymmetric.bayesOptimalTeacher(alpha: 1, prior: .gaussian)
        #expect(gaussian.q > 0 && gaussian.q < binary.q)
    }
}
