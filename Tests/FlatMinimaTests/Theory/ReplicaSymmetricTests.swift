import Foundation
import Testing
@_spi(Benchmarks) @testable import FlatMinima

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

    /// Far above the capacity the q < 1 saddle point does not exist (at κ = 0.5 from α ≈ 0.61): the
    /// storage entropy is NaN there rather than the meaningless value of an iteration run to q → 1.
    /// (With 200-node Gauss–Hermite for every integral the branch seemed to end near α ≈ 0.55; with the
    /// prior and channel integrals resolved it continues: at α = 0.6, q = 0.965580791832, s =
    /// −0.623321794509 from an independent SciPy evaluation with adaptive quadrature split at the kinks.)
    @Test func binaryStorageWithoutSaddlePoint() {
        #expect(ReplicaSymmetric.binaryStorage(alpha: 0.54, margin: 0.5).entropy < 0)
        let rs = ReplicaSymmetric.binaryStorage(alpha: 0.6, margin: 0.5)
        #expect(abs(rs.q - 0.965580791832) < 1e-9 && abs(rs.entropy + 0.623321794509) < 1e-9, "\(rs)")
        #expect(ReplicaSymmetric.binaryStorage(alpha: 0.65, margin: 0.5).entropy.isNaN)
    }

    /// Regression: at α = 10⁻¹⁵ the search for the saddle point started above the root q ≈ (2/π) α and
    /// found none (entropy NaN, "far above capacity"). As α → 0: q = q̂ ≈ α (G(κ)/H(κ))², s → log 2 +
    /// α log H(κ), down to α = 10⁻³⁰⁰ and into the subnormals (the limit itself).
    @Test(arguments: [1e-8, 1e-15, 1e-100, 1e-300, Double.leastNormalMagnitude / 1e4])
    func binaryStorageAtTinyLoad(alpha: Double) {
        for margin in [0.0, 1.0] {
            let rs = ReplicaSymmetric.binaryStorage(alpha: alpha, margin: margin)
            let ratio = Special.GoverH(margin), q0 = alpha * ratio * ratio
            #expect(abs(rs.q / q0 - 1) < 2 * q0 + 1e-9, "α \(alpha) κ \(margin): q \(rs.q)")
            #expect(abs(rs.entropy - (log(2) + alpha * Special.logH(margin))) < 1e-15, "α \(alpha) κ \(margin)")
        }
    }

    /// The binary prior's averages (t = s z forms beyond s = 1) against GSL adaptive quadrature of the
    /// integrals as written, split at the kink z = 0.
    @Test(arguments: [0.3, 1.0, 1.01, 2.0, 4.6, 30.0])
    func binaryPriorAverages(s: Double) throws {
        let tanh2 = try Quadrature.finite(from: -40, to: 0) { z in Special.G(z) * tanh(s * z) * tanh(s * z) } * 2
        let log2cosh = try Quadrature.finite(from: -40, to: 0) { z in Special.G(z) * Special.log2cosh(s * z) } * 2
        let fast = ReplicaSymmetric.binaryPriorAverages(s, measure: .standard)
        #expect(abs(fast.tanh2 - tanh2) < 1e-11 && abs(fast.log2cosh - log2cosh) < 1e-11,
                "\(fast) vs \(tanh2), \(log2cosh)")
    }

    /// Regression: `theory capacity --margin 2.5` (and above) gave no value: 200-node Gauss–Hermite on the
    /// prior's tanh²(√q̂ z) (q̂ ≈ 20 there) ended the saddle point before its entropy reached zero, and the
    /// scan in steps of 0.01 is too coarse at large κ. α_c(2.5) = 0.0826347 from an independent SciPy
    /// evaluation with adaptive quadrature; at every margin the value falls, stays below the annealed
    /// bound and below Gardner's spherical capacity.
    @Test func binaryCapacityAtLargeMargins() throws {
        #expect(abs(try ReplicaSymmetric.binaryCapacity(margin: 2.5) - 0.0826347) < 2e-7)
        var previous = Double.infinity
        for margin in [2.4, 2.5, 3, 4, 5, 7, 10] {
            let alphaC = try ReplicaSymmetric.binaryCapacity(margin: margin)
            #expect(alphaC > 0 && alphaC < previous, "margin \(margin)")
            #expect(alphaC < ReplicaSymmetric.annealedBinaryCapacity(margin: margin), "margin \(margin)")
            #expect(alphaC < ReplicaSymmetric.sphericalCapacity(margin: margin), "margin \(margin)")
            previous = alphaC
        }
    }

    /// Near Gardner's capacity the spherical saddle point (q → 1) is beyond 200-node Gauss–Hermite
    /// (which would give s(1.999) = −7.641 instead of −7.605), and at α = α_c no GSL error may escape.
    /// References from mpmath (30 digits, quadrature split at the kink, bisection in log(1 − q)).
    @Test(arguments: [(1.9, 0.0, 0.970874917455627, -3.14672372946), (1.999, 0.0, 0.99974632279627, -7.60459726519),
                      (0.5195, 1.0, 0.999903063351617, -6.59393156695), (0.03, 5.0, 0.786239674134952,
                                                                         -0.840630942667)])
    func sphericalStorageNearCapacity(alpha: Double, margin: Double, q: Double, entropy: Double) throws {
        let rs = try ReplicaSymmetric.sphericalStorage(alpha: alpha, margin: margin)
        #expect(abs(rs.q - q) < 1e-12 && abs(rs.oneMinusQ - (1 - q)) < 1e-12 * (1 - q) + 1e-15)
        #expect(abs(rs.entropy - entropy) < 1e-9, "\(rs.entropy)")
    }

    /// At or above capacity there is no saddle point: an error the command turns into a status; at tiny α,
    /// s ≈ α log H(κ).
    @Test func sphericalStorageAtTheEnds() throws {
        #expect(throws: GSLError.invalid) { try ReplicaSymmetric.sphericalStorage(alpha: 2, margin: 0) }
        let capacity = ReplicaSymmetric.sphericalCapacity(margin: 1)
        #expect(throws: GSLError.invalid) { try ReplicaSymmetric.sphericalStorage(alpha: capacity, margin: 1) }
        for alpha in [1e-10, 1e-300] {
            let rs = try ReplicaSymmetric.sphericalStorage(alpha: alpha, margin: 0)
            #expect(abs(rs.entropy / (alpha * -log(2)) - 1) < 1e-9, "\(rs.entropy)")
            #expect(abs(rs.q / (alpha * 2 / Double.pi) - 1) < 1e-9)
        }
    }

    /// The closed form of Ψ′(q) against a central difference of Ψ (the former implementation used a
    /// fixed step 10⁻⁶; here 10⁻⁴ min(q, 1 − q), so that it resolves Ψ′ ~ x^{−1/2} as x = 1 − q → 0).
    @Test(arguments: [0.01, 0.3, 0.7, 0.8, 0.81, 0.95, 0.999, 0.999999])
    func channelDerivative(q: Double) {
        let h = 1e-4 * min(q, 1 - q), measure = GaussianMeasure.standard
        let difference = (ReplicaSymmetric.channel(q + h, 1 - q - h, measure: measure)
            - ReplicaSymmetric.channel(q - h, 1 - q + h, measure: measure)) / (2 * h)
        let exact = ReplicaSymmetric.channelDerivative(q, 1 - q, measure: measure)
        #expect(abs(exact - difference) < 1e-7 * max(1, exact), "\(exact) vs \(difference)")
    }

    /// Regression: at α ≤ 10⁻⁶ the teacher's search started above the root q ≈ 2α/π and printed q = 1
    /// with zero errors; as α → 0 the errors → ½. A Gaussian teacher at large α printed q = 1 and zero
    /// errors: 1 − q ≈ 1/(2α K(∞))² is tiny but resolved, and the errors follow the known asymptotics
    /// ε_Bayes ≈ 0.442/α, ε_Gibbs ≈ 0.625/α (Opper & Haussler 1991).
    @Test func teacherAtTheEnds() throws {
        for prior in ReplicaSymmetric.Prior.allCases {
            for alpha in [1e-6, 1e-9, 1e-300] {
                let t = try ReplicaSymmetric.bayesOptimalTeacher(alpha: alpha, prior: prior)
                #expect(abs(t.q / (2 * alpha / Double.pi) - 1) < 1e-5, "\(prior) \(alpha): \(t.q)")
                #expect(abs(t.gibbsError - 0.5) < 1e-5 && abs(t.bayesError - 0.5) < 1e-3)
            }
        }
        for alpha in [1e4, 1e6, 1e9, 1e100] {
            let t = try ReplicaSymmetric.bayesOptimalTeacher(alpha: alpha, prior: .gaussian)
            #expect(t.oneMinusQ > 0 && abs(t.bayesError * alpha - 0.4417) < 1e-3
                        && abs(t.gibbsError * alpha - 0.6247) < 1e-3, "α \(alpha): \(t)")
        }
        #expect(throws: GSLError.underflow) { try ReplicaSymmetric.bayesOptimalTeacher(alpha: 1e160, prior: .gaussian) }
        // A binary teacher far above the transition is learnt perfectly: q = 1 and zero errors are right.
        let perfect = try ReplicaSymmetric.bayesOptimalTeacher(alpha: 1e5, prior: .binary)
        #expect(perfect.q == 1 && perfect.oneMinusQ == 0 && perfect.gibbsError == 0 && perfect.branchQ == nil)
    }
}
