import Foundation

/// AMP's iteration on ±1 patterns, where F²_{μi} = 1/N, so V_μ = mean(v) for every μ and
/// A_i = −Σ_μ ∂g_μ/N for every i. The two matrix products Σ_i x_μi m_i and Σ_μ x_μi C_μ (C_μ = g_μ/√N)
/// are exact integer sums by table look-up (`SignLookupMatrix`): m and C are rounded to `planeCount`·7 − 3
/// bits of their largest entry (`SignLookupTables`), and the sums are the same on every CPU and for any
/// number of threads. Per iteration, on the state's team: the tables of m (groups split over the cores);
/// the rows (the dot products and the output channel ω, g, ∂g, with Σ ∂g and max|C| per block of 16
/// patterns; CKernels `fm_amp_rows`); the tables of C; the columns (Σ_μ x_μi C_μ, A_i, B_i and, for the
/// binary prior, the update of m_i and v_i, with Σ v, Σ (1 − m²) and max|m| per block of 16 inputs,
/// which the next iteration and `AMPState.isPolarized` use; CKernels `fm_amp_columns`). Every sum is
/// taken per block and then over the blocks in order, so no rounding depends on the split.
///
/// This type owns the sign indices of the patterns (rows μ) and of their transpose (rows i), the
/// fixed-point tables of m and C, and the per-block sums, all made once.
final class AMPSignProducts: @unchecked Sendable {
    /// Σ v, max|m| and Σ (1 − m²) of a state; `finite` is false when an entry of m or v is not.
    typealias Summary = (vSum: Double, mLargest: Double, polarization: Double, finite: Bool)

    let rows: SignLookupMatrix
    let columns: SignLookupMatrix
    let mTables: SignLookupTables
    let cTables: SignLookupTables
    /// C_μ = g_μ/√N.
    private let coefficients: UnsafeMutablePointer<Double>
    /// Per block of 16 patterns: Σ ∂g and max|C| (NaN when an entry is not finite).
    private let dgSums: UnsafeMutablePointer<Double>
    private let cLargest: UnsafeMutablePointer<Double>
    /// Per block of 16 inputs: Σ v, max|m|, Σ (1 − m²).
    private let vSums: UnsafeMutablePointer<Double>
    private let mLargest: UnsafeMutablePointer<Double>
    private let polarizations: UnsafeMutablePointer<Double>
    /// Per block of 16 inputs: the column kernel's four results.
    private let results: UnsafeMutablePointer<Double>
    /// Per worker: the largest change of a mean.
    private let changes: UnsafeMutablePointer<Double>
    /// The constants of the row kernel (6) and of the column kernel (3).
    private let rowConstants: UnsafeMutablePointer<Double>
    private let columnConstants: UnsafeMutablePointer<Double>

    init(_ x: UnsafePointer<Int8>, patterns p: Int, inputs n: Int, planeCount: Int, workers: Int) {
        rows = SignLookupMatrix(x, rows: p, columns: n, rowStride: n, columnStride: 1, workers: workers)
        columns = SignLookupMatrix(x, rows: n, columns: p, rowStride: 1, columnStride: n, workers: workers)
        mTables = SignLookupTables(columns: n, planeCount: planeCount)
        cTables = SignLookupTables(columns: p, planeCount: planeCount)
        coefficients = .allocate(count: p, filledWith: 0)
        dgSums = .allocate(capacity: rows.blocks)
        cLargest = .allocate(capacity: rows.blocks)
        vSums = .allocate(capacity: columns.blocks)
        mLargest = .allocate(capacity: columns.blocks)
        polarizations = .allocate(capacity: columns.blocks)
        results = .allocate(capacity: 4 * columns.blocks)
        changes = .allocate(capacity: workers)
        rowConstants = .allocate(capacity: 6)
        columnConstants = .allocate(capacity: 3)
    }

    deinit {
        for buffer in [coefficients, dgSums, cLargest, vSums, mLargest, polarizations, results, changes,
                       rowConstants, columnConstants] {
            buffer.deallocate()
        }
    }

    /// Bits of the products (of the largest entry).
    var bits: Int { mTables.bits }

    /// One iteration of `state`; returns the largest change of a mean.
    func iterate(_ state: AMPState) -> Double {
        let n = state.n, p = state.p, scale = 1 / Double(n).squareRoot(), invN = 1 / Double(n)
        let blockRows = SignLookupMatrix.blockRows
        // Σ v and max|m| from the previous column round (or computed here the same way), in blocks of 16
        // so that the rounding does not depend on the number of cores.
        let summary = state.inputSummary ?? AMPSignProducts.summarize(state.m, state.v, count: n)
        state.inputSummary = nil
        guard summary.finite else { return .nan }
        let variance = max(summary.vSum * invN, 1e-300), s = variance.squareRoot()
        let workers = state.workers, team = state.team
        clearBlockSums(workers: workers)
        mTables.prepare(largest: summary.mLargest)
        AMPSignProducts.buildTables(mTables, state.m, count: n, team, workers)
        let constants = rowConstants
        constants[0] = mTables.unit
        constants[1] = scale
        constants[2] = variance
        constants[3] = state.margin
        constants[4] = 1 / s
        constants[5] = 1 / variance
        // Rows: ω_μ = Σ_i x_μi m_i/√N − V g_μ(previous) and the output channel, blocks of 16 patterns.
        AMPState.parallel(team, workers) { w in
            self.rows.shareProducts(self.mTables, worker: w, of: workers) { dots, part, mu in
                // The channel, 16 patterns per block (CKernels, vectorised).
                let count = min(p, part.upperBound * blockRows) - mu
                Kernels.ampRows(dots, state.g + mu, state.labels + mu, count: count, self.rowConstants,
                                omega: state.omega + mu, g: state.nextG + mu, dg: state.dg + mu,
                                c: self.coefficients + mu, dgSums: self.dgSums + part.lowerBound,
                                cLargest: self.cLargest + part.lowerBound)
            }
        }
        state.acceptNextG()
        state.uniformVariance = variance
        var largestC = 0.0
        for block in 0..<rows.blocks {
            largestC = largestC.isNaN || cLargest[block].isNaN ? .nan : max(largestC, cLargest[block])
        }
        guard largestC.isFinite else { return .nan }
        cTables.prepare(largest: largestC)
        AMPSignProducts.buildTables(cTables, coefficients, count: p, team, workers)
        let cUnit = cTables.unit
        // Columns: T_i = Σ_μ x_μi C_μ, then A_i, B_i and, for the binary prior without a cone, the prior's
        // update of m_i and v_i (with the next iteration's Σ v and max|m|), blocks of 16 inputs.
        var dgTotal = 0.0
        for block in 0..<rows.blocks { dgTotal += dgSums[block] }
        let aAll = max(-dgTotal * invN, 0)
        let localPrior = state.prior.isBinary
        columnConstants[0] = aAll
        columnConstants[1] = cUnit
        columnConstants[2] = state.damping
        AMPState.parallel(team, workers) { w in
            self.columns.shareProducts(self.cTables, worker: w, of: workers) { totals, part, i0 in
                let count = min(n, part.upperBound * blockRows) - i0
                guard localPrior else {
                    for i in i0 ..< i0 + count {
                        state.a[i] = aAll
                        state.b[i] = aAll * state.m[i] + Double(totals[i - i0]) * cUnit
                    }
                    return
                }
                // B, tanh B and the damped update, 16 inputs per block (CKernels, vectorised).
                let results = self.results + 4 * part.lowerBound
                Kernels.ampColumns(totals, count: count, self.columnConstants, a: state.a + i0, b: state.b + i0,
                                   m: state.m + i0, v: state.v + i0, results: results)
                var change = 0.0
                for (j, block) in part.enumerated() {
                    let out = results + 4 * j
                    change = out[0].isNaN || change.isNaN ? .nan : max(change, out[0])
                    self.vSums[block] = out[1]
                    self.polarizations[block] = out[2]
                    self.mLargest[block] = out[3]
                }
                self.changes[w] = change
            }
        }
        guard localPrior else { return state.applyPrior() }
        var largestM = 0.0, vTotal = 0.0, polarization = 0.0, finite = true
        for block in 0..<columns.blocks {
            largestM = largestM.isNaN || mLargest[block].isNaN ? .nan : max(largestM, mLargest[block])
            vTotal += vSums[block]
            polarization += polarizations[block]
            finite = finite && vSums[block].isFinite
        }
        state.inputSummary = (vTotal, largestM, polarization, largestM.isFinite && finite)
        var change = 0.0, sawNaN = false
        for w in 0..<workers {
            if changes[w].isNaN { sawNaN = true }
            change = max(change, changes[w])
        }
        return sawNaN ? .nan : change
    }

    /// Zeroes the per-block sums and the workers' changes (a worker without blocks leaves its entries).
    private func clearBlockSums(workers: Int) {
        for buffer in [dgSums, cLargest] { buffer.update(repeating: 0, count: rows.blocks) }
        for buffer in [vSums, mLargest, polarizations] { buffer.update(repeating: 0, count: columns.blocks) }
        changes.update(repeating: 0, count: workers)
    }

    /// Σ v, Σ (1 − m²) and max|m| as the column round leaves them (`fm_amp_columns`): per block of 16
    /// entries in four lanes (entry i in lane i mod 4, in order), the lanes added in order, then the blocks
    /// in order — so the first iteration rounds like the others. `finite` is false when an entry of m or v
    /// is not finite.
    static func summarize(_ m: UnsafePointer<Double>, _ v: UnsafePointer<Double>, count: Int) -> Summary {
        var total = 0.0, largest = 0.0, polarization = 0.0, finite = true
        var start = 0
        while start < count {
            var sum = SIMD4<Double>(), blockPolarization = SIMD4<Double>()
            for i in start ..< min(count, start + SignLookupMatrix.blockRows) {
                sum[(i - start) & 3] += v[i]
                blockPolarization[(i - start) & 3] += 1 - m[i] * m[i]
                largest = max(largest, abs(m[i]))
                finite = finite && m[i].isFinite && v[i].isFinite
            }
            total += ((sum[0] + sum[1]) + sum[2]) + sum[3]
            let lanes = blockPolarization
            polarization += ((lanes[0] + lanes[1]) + lanes[2]) + lanes[3]
            start += SignLookupMatrix.blockRows
        }
        return (total, largest, polarization, finite)
    }

    /// Builds `tables` from `values` (after `prepare`), the groups split over the workers.
    private static func buildTables(_ tables: SignLookupTables, _ values: UnsafePointer<Double>, count: Int,
                                    _ team: LockstepTeam?, _ workers: Int) {
        nonisolated(unsafe) let buffer = UnsafeBufferPointer(start: values, count: count)
        let groups = 4 * tables.words
        if workers == 1 { tables.build(buffer, groups: 0..<groups); return }
        AMPState.parallel(team, workers) { w in
            tables.build(buffer, groups: (w * groups / workers) ..< ((w + 1) * groups / workers))
        }
    }
}
