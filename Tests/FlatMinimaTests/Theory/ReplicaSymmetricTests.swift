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
    @Test func bayesOptimalTeacher() throws {
        let binary = try ReplicaSymmetric.bayesOptimalTeacher(alpha: 1, prior: .binary)
        #expect(abs(binary.q - 0.56071) < 1e-4)
        #expect(abs(binary.bayesError - acos(binary.q.squareRoot()) / Double.pi) < 1e-15)
        let gaussian = try ReplicaSymmetric.bayesOptimalTeacher(alpha: 1, prior: .gaussian)
        #expect(gaussian.q > 0 && gaussian.q < binary.q)
        // Above the transition the binary teacher is learnt perfectly; a Gaussian one never is.
        let perfect = try ReplicaSymmetric.bayesOptimalTeacher(alpha: 1.3, prior: .binary)
        #expect(perfect.q == 1 && perfect.bayesError == 0 && perfect.branchQ != nil)
        #expect(try ReplicaSymmetric.bayesOptimalTeacher(alpha: 1.6, prior: .binary).branchQ == nil)
        #expect(try ReplicaSymmetric.bayesOptimalTeacher(alpha: 3, prior: .gaussian).q < 1)
    }

    /// The theory checks: binary capacity 0.833 ± 0.001; spherical α_c(0) = 2 ± 1e−6; the
    /// binary teacher's transition 1.245 and spinodal 1.493 ± 0.005 (Györgyi 1990; Sompolinsky,
    /// Tishby, Seung 1990).
    @Test func capacitiesAndTransitions() throws {
        #expect(abs(try ReplicaSymmetric.binaryCapacity() - 0.833) < 0.001)
        #expect(abs(ReplicaSymmetric.sphericalCapacity(margin: 0) - 2) < 1e-6)
        let (transition, spinodal) = try ReplicaSymmetric.binaryTeacherTransitions()
        #expect(abs(transition - 1.245) < 0.005, "transition \(transition)")
        #expect(abs(spinodal - 1.493) < 0.005, "spinodal \(spinodal)")
    }

    /// Gardner's closed form against GSL adaptive quadrature of ∫_{−κ}^∞ Dt (t + κ)², and the
    /// spherical storage saddle point approaching q → 1 as α → α_c(κ).
    @Test(arguments: [0.0, 0.5, 1.0, 2.0])
    func gardnerCapacity(margin: Double) throws {
        let integral = try Quadrature.upperTail(from: -margin) { t in Special.G(t) * (t + margin) * (t + margin) }
        #expect(abs(ReplicaSymmetric.sphericalCapacity(margin: margin) - 1 / integral) < 1e-9)
        let alphaC = ReplicaSymmetric.sphericalCapacity(margin: margin)
        let near = try ReplicaSymmetric.sphericalStorage(alpha: 0.98 * alphaC, margin: margin)
        let far = try ReplicaSymmetric.sphericalStorage(alpha: 0.5 * alphaC, margin: margin)
        #expect(near.q > far.q && near.q > 0.9)
        #expect(near.entropy < far.entropy && far.entropy < 0)
    }

    /// The binary capacity with a margin against an independent NumPy/SciPy evaluation of the same
    /// saddle point (200-node Gauss–Hermite, smallest root by brentq, scipy.special.log_ndtr):
    /// α_c(0.5) = 0.4556645646, α_c(1) = 0.2707000933. Every value falls with κ, stays below the
    /// annealed bound log 2 / (−log H(κ)) (the fraction of random binary vectors storing one pattern)
    /// and below Gardner's spherical capacity. (A bracket over the whole α range once returned a spurious
    /// α_c(0.5) = 0.614, above the annealed bound 0.589; this test would have caught it.)
    @Test func binaryCapacityWithMargin() throws {
        #expect(abs(try ReplicaSymmetric.binaryCapacity(margin: 0.5) - 0.4556645646) < 1e-6)
        #expect(abs(try ReplicaSymmetric.binaryCapacity(margin: 1) - 0.2707000933) < 1e-6)
        var previous = Double.infinity
        for margin in stride(from: 0.0, through: 2.0, by: 0.05) {
            let alphaC = try ReplicaSymmetric.binaryCapacity(margin: margin)
            #expect(alphaC < previous, "margin \(margin)")
            #expect(alphaC < log(2) / -Special.logH(margin), "margin \(margin)")
            #expect(alphaC < ReplicaSymmetric.sphericalCapacity(margin: margin), "margin \(margin)")
            previous = alphaC
        }
    }

    /// Far above the capacity the q < 1 saddle point does not exist (at κ = 0.5 from α ≈ 0.55): the
    /// storage entropy is NaN there rather than the meaningless value of an iteration run to q → 1.
    @Test func binaryStorageWithoutSaddlePoint() {
        #expect(ReplicaSymmetric.binaryStorage(alpha: 0.54, margin: 0.5).entropy < 0)
        #expect(ReplicaSymmetric.binaryStorage(alpha: 0.6, margin: 0.5).entropy.isNaN)
    }
}
