import Foundation

/// The prior of AMP's weights and what AMP needs of it (SCIENCE.md §3; Krzakala et al., J. Stat. Mech.
/// 2014; for the cone, the Franz–Parisi construction of Baldassi et al., PRL 123, 2019): the damped
/// update of the means and variances from the fields A_i, B_i, and the log-normaliser log Z_0(A_i, B_i)
/// of the TAP free entropy.
///
/// - binary, w = ±1: m = tanh B, v = 1 − m², log Z_0 = log 2cosh B − A/2;
/// - Gaussian, w ~ N(0, 1): m = B/(1 + A), v = 1/(1 + A), log Z_0 = B²/(2(1 + A)) − ½ log(1 + A);
/// - the sphere |w|² = N: m = B/(ρ + A), v = 1/(ρ + A), with the precision ρ such that
///   (1/N) Σ_i (m_i² + v_i) = 1 (`sphericalPrecision`), log Z_0 = B²/(2(ρ + A)) − ½ log(ρ + A) + (ρ − 1)/2;
/// - the cone |w|² = N, w·w̃ = N q around a reference w̃ (|w̃|² = N): a Gaussian of precision ρ tilted by
///   λ w̃, m = (B + λ w̃)/(ρ + A), v = 1/(ρ + A), with ρ and λ chosen at every step so that |w|²/N = 1 and
///   w·w̃/N = q (in closed form, A replaced by its mean: exact for ±1 inputs where A is uniform), and
///   log Z_0 = ½ log(2π/(ρ + A)) + (B + λ w̃)²/(2(ρ + A)); the log volume of the cone is the Legendre
///   transform V = φ + ρ/2 − λ q − ½ log(2πe) of the TAP free entropy φ (`coneVolume`).
struct AMPPrior {
    enum Kind {
        case binary
        case gaussian
        case sphere
        case cone(reference: [Double], overlap: Double)
    }

    var kind: Kind
    /// ρ: 1 for the plain Gaussian; solved at every step on the sphere and in the cone.
    private(set) var precision = 1.0
    /// λ: the cone's tilt (0 otherwise).
    private(set) var tilt = 0.0

    init(_ kind: Kind) { self.kind = kind }

    var isBinary: Bool {
        if case .binary = kind { return true }
        return false
    }

    /// Solves the precision ρ (sphere, cone) and the tilt λ (cone) from the current A and B.
    mutating func fit(a: UnsafeBufferPointer<Double>, b: UnsafeBufferPointer<Double>) {
        switch kind {
        case let .cone(reference, q):
            // With Ā the mean of A and c = ρ + Ā: λ = q c − b̄ and (1 − q²) c² − c − (‖B‖² − b̄²) = 0,
            // b̄ = B·w̃/N, ‖B‖² = B·B/N (|w̃|² = N).
            let invN = 1 / Double(a.count)
            let meanA = a.reduce(0, +) * invN
            let bRef = zip(b, reference).reduce(0) { $0 + $1.0 * $1.1 } * invN
            let bSquare = b.reduce(0) { $0 + $1 * $1 } * invN
            let spread = max(0, bSquare - bRef * bRef), oneMinus = 1 - q * q
            let c = (1 + (1 + 4 * oneMinus * spread).squareRoot()) / (2 * oneMinus)
            precision = c - meanA
            tilt = q * c - bRef
        case .sphere:
            precision = AMPPrior.sphericalPrecision(a: a, b: b)
        case .binary, .gaussian:
            break
        }
    }

    /// The damped update m ← d·m + (1−d)·m_new, v ← d·v + (1−d)·v_new of every site from A and B (after
    /// `fit`); returns the largest |Δm|.
    func update(a: UnsafePointer<Double>, b: UnsafePointer<Double>, m: UnsafeMutablePointer<Double>,
                v: UnsafeMutablePointer<Double>, count n: Int, damping: Double) -> Double {
        var change = 0.0
        if isBinary {
            for i in 0..<n { change = Field.largest(change, AMPPrior.binary(b[i], &m[i], &v[i], damping: damping)) }
            return change
        }
        let rho = precision
        var reference: [Double]? = nil
        if case let .cone(w, _) = kind { reference = w }
        for i in 0..<n {
            let field = b[i] + tilt * (reference?[i] ?? 0)
            let newM = field / (rho + a[i]), newV = 1 / (rho + a[i])
            let dampedM = damping * m[i] + (1 - damping) * newM
            change = Field.largest(change, abs(dampedM - m[i]))
            m[i] = dampedM
            v[i] = damping * v[i] + (1 - damping) * newV
        }
        return change
    }

    /// log Z_0(A, B) of site i (see the type's documentation).
    func logNormalizer(a: Double, b: Double, site i: Int) -> Double {
        switch kind {
        case .binary:
            return Special.log2cosh(b) - 0.5 * a
        case let .cone(reference, _):
            // Unnormalised Gaussian of precision ρ tilted by λ w̃_i: ∫dw e^{−(ρ+A)w²/2 + (B+λw̃)w}.
            let field = b + tilt * reference[i]
            return 0.5 * log(2 * Double.pi / (precision + a)) + field * field / (2 * (precision + a))
        case .sphere:
            // The sphere: extr_ρ [ρ/2 + (1/N) Σ_i (B_i²/(2(ρ + A_i)) − ½ log(ρ + A_i))] − ½ (0 at A = B = 0).
            return b * b / (2 * (precision + a)) - 0.5 * log(precision + a) + 0.5 * (precision - 1)
        case .gaussian:
            return b * b / (2 * (1 + a)) - 0.5 * log1p(a)
        }
    }

    /// The cone's log volume (1/N) log [Area{cone ∩ solutions}/Area{sphere}] from the TAP free entropy φ
    /// at the fixed point: V = φ + ρ/2 − λ q − ½ log(2πe). NaN for the other priors.
    func coneVolume(freeEntropy phi: Double) -> Double {
        guard case let .cone(_, q) = kind else { return .nan }
        return phi + precision / 2 - tilt * q - 0.5 * log(2 * Double.pi * M_E)
    }

    /// The precision ρ of the spherical prior: the root of f(ρ) = (1/N) Σ_i [B_i²/(ρ + A_i)² + 1/(ρ + A_i)] − 1
    /// on ρ > −min A (f decreases from +∞ to −1 there), so that the means and variances m = B/(ρ + A),
    /// v = 1/(ρ + A) keep mean(m² + v) = 1. Newton's method from the left of the root (f convex: the
    /// iterates increase monotonically to it), started at the root for uniform A (c² − c − ‖B‖² = 0,
    /// c = ρ + Ā; 1 past the pole if that is not past it), moved halfway to the pole while right of the root.
    static func sphericalPrecision(a: UnsafeBufferPointer<Double>, b: UnsafeBufferPointer<Double>) -> Double {
        let n = Double(a.count)
        let pole = -(a.min() ?? 0)
        func f(_ rho: Double) -> (value: Double, slope: Double) {
            var value = 0.0, slope = 0.0
            for i in a.indices {
                let r = 1 / (rho + a[i]), b2 = b[i] * b[i]
                value += b2 * r * r + r
                slope -= 2 * b2 * r * r * r + r * r
            }
            return (value / n - 1, slope / n)
        }
        let meanA = a.reduce(0, +) / n, bSquare = b.reduce(0) { $0 + $1 * $1 } / n
        var rho = (1 + (1 + 4 * bSquare).squareRoot()) / 2 - meanA
        guard rho.isFinite, pole.isFinite else { return .nan }
        if !(rho > pole) { rho = pole + 1 }
        var step = 0
        while f(rho).value < 0, step < 200 { rho = pole + (rho - pole) / 2; step += 1 }
        for _ in 0..<100 {
            let (value, slope) = f(rho)
            guard value.isFinite, slope.isFinite, slope < 0 else { break }
            let next = rho - value / slope
            guard next.isFinite else { break }
            if next - rho <= 1e-15 * max(1, abs(rho)) { rho = max(rho, next); break }
            rho = next
        }
        return rho
    }

    /// The binary prior's damped update of one site from its field B: m ← d·m + (1−d)·tanh B,
    /// v ← d·v + (1−d)(1 − tanh² B); returns |Δm|.
    @inline(__always)
    static func binary(_ field: Double, _ m: inout Double, _ v: inout Double, damping: Double) -> Double {
        let newM = tanh(field), newV = 1 - newM * newM
        let dampedM = damping * m + (1 - damping) * newM
        let change = abs(dampedM - m)
        m = dampedM
        v = damping * v + (1 - damping) * newV
        return change
    }
}
