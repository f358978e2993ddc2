import FlatMinima

/// `--curves FILE`: the measures' curves as one long TSV table, a row per point:
/// instance_seed, seed, solver, measure, parameter (p, σ, λ, θ or eigenvalue rank), distance (d for the
/// local entropy), value, error (standard error), ceiling (local entropy's or the cone's), converged.
enum Curves {
    static let header = ["instance_seed", "seed", "solver", "measure", "parameter", "distance", "value", "error",
                         "ceiling", "converged"]

    static func table(_ records: [Record]) -> String {
        var lines = [header.joined(separator: "\t")]
        func array(_ r: Record, _ key: String) -> [Double] {
            if case let .doubles(v)? = r[key] { return v }
            return []
        }
        func text(_ v: Double?) -> String { v.map { Record.Value.double($0).text } ?? "NA" }
        for r in records {
            let key = ["instance_seed", "seed", "solver"].map { r[$0]?.text ?? "NA" }
            func row(_ measure: String, _ parameter: Double?, _ distance: Double?, _ value: Double?, _ error: Double?,
                     _ ceiling: Double?, _ converged: Double?) {
                lines.append((key + [measure, text(parameter), text(distance), text(value), text(error), text(ceiling),
                                     text(converged)]).joined(separator: "\t"))
            }
            let p = array(r, "local_energy_perturbation"), e = array(r, "local_energy")
            let se = array(r, "local_energy_se")
            for i in p.indices where i < e.count && i < se.count {
                row("local_energy", p[i], nil, e[i], se[i], nil, nil)
            }
            let loss = array(r, "local_energy_loss"), lossSE = array(r, "local_energy_loss_se")
            for i in p.indices where i < loss.count && i < lossSE.count {
                row("local_energy_loss", p[i], nil, loss[i], lossSE[i], nil, nil)
            }
            let l = array(r, "local_entropy_lambda"), d = array(r, "local_entropy_d")
            let s = array(r, "local_entropy_curve")
            let c = array(r, "local_entropy_ceiling"), ok = array(r, "local_entropy_converged")
            for i in l.indices where i < d.count && i < s.count && i < c.count && i < ok.count {
                row("local_entropy", l[i], d[i], s[i], nil, c[i], ok[i])
            }
            let angles = array(r, "cone_angle"), volumes = array(r, "cone_volume")
            let coneCeiling = array(r, "cone_ceiling"), coneOK = array(r, "cone_converged")
            for i in angles.indices where i < volumes.count && i < coneCeiling.count && i < coneOK.count {
                row("cone_volume", angles[i], nil, volumes[i], nil, coneCeiling[i], coneOK[i])
            }
            for (rank, value) in array(r, "hessian_top").enumerated() {
                row("hessian_eigenvalue", Double(rank + 1), nil, value, nil, nil, nil)
            }
            if case let .double(trace)? = r["hessian_trace"], case let .double(error)? = r["hessian_trace_se"] {
                row("hessian_trace", nil, nil, trace, error, nil, nil)
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
