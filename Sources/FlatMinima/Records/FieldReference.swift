/// The reference of every record field: what `solve`, `measure`, `sweep` and `theory` write, with the
/// type and meaning of each value. `flatminima fields` prints it and docs/FIELDS.md is generated from
/// it; the test suite runs every solver and measure and fails on any field missing here, so the
/// reference cannot drift from the records.
public struct FieldDoc: Sendable, Hashable {
    /// The kind of value: `integer`, `number`, `text`, `0/1` or `numbers` (a curve: a JSON array, a
    /// comma-separated TSV cell).
    public let name: String
    public let type: String
    public let meaning: String
    /// Written only in some runs (the condition is in `meaning`).
    public let conditional: Bool

    public init(_ name: String, _ type: String, _ meaning: String, conditional: Bool = false) {
        self.name = name
        self.type = type
        self.meaning = meaning
        self.conditional = conditional
    }
}

public enum FieldReference {
    /// A group of fields: the common ones, a solver's, a measure's, a sweep's.
    public struct Group: Sendable {
        public let name: String
        public let summary: String
        public let fields: [FieldDoc]
    }

    /// Fields of every solve record, in record order (`Run.commonFields`, then the conditional ones).
    public static let common: [FieldDoc] = [
        FieldDoc("model", "text", "perceptron | committee"),
        FieldDoc("weights", "text", "binary (±1) | spherical (|w|² = N per unit)"),
        FieldDoc("arch", "text", "committee architecture: tree | full; none for a perceptron"),
        FieldDoc("K", "integer", "hidden units (1 for a perceptron)"),
        FieldDoc("N", "integer", "inputs per hidden unit (the perceptron's weights)"),
        FieldDoc("P", "integer", "training patterns"),
        FieldDoc("alpha", "number", "the requested load (--alpha); P/N when P was given or set by a data file"),
        FieldDoc("alpha_actual", "number",
                 "the realised load: P over the number of weights (P/N, or P/(K·N) fully connected)"),
        FieldDoc("task", "text", "storage | teacher | data"),
        FieldDoc("inputs", "text", "pm1 | gaussian | data"),
        FieldDoc("margin", "number", "margin κ of the constraints y·w·x/√N > κ"),
        FieldDoc("solver", "text", "the solver's name (flatminima solvers)"),
        FieldDoc("instance_seed", "integer", "seed of the instance: patterns, labels, teacher, data split"),
        FieldDoc("seed", "integer", "seed of the solver's randomness"),
        FieldDoc("solved", "0/1", "1 when the returned weights make no training error (margin included)"),
        FieldDoc("train_errors", "integer", "training patterns violated by the returned weights"),
        FieldDoc("train_error_rate", "number", "train_errors / P"),
        FieldDoc("test_error", "number",
                 "error on fresh patterns (teacher) or the held-out split (data); NA for storage"),
        FieldDoc("iterations", "integer", "the solver's iterations: sweeps, epochs or message-passing steps"),
        FieldDoc("converged", "0/1", "1 when the solver reached its stopping rule; 0 with a reason otherwise"),
        FieldDoc("seconds", "number", "wall-clock time of the solve (set-up included, measures excluded)"),
        FieldDoc("version", "text", "FlatMinima's version"),
        FieldDoc("commit", "text", "git commit the binary was built from (+dirty with local changes; unknown "
                 + "outside a checkout)"),
        FieldDoc("teacher", "text", "teacher task: the teacher's prior, binary | gaussian", conditional: true),
        FieldDoc("teacher_overlap", "number", "teacher task: normalised overlap R of the weights with the teacher",
                 conditional: true),
        FieldDoc("generalization_arccos", "number",
                 "teacher task, Gaussian inputs, perceptron: arccos(R)/π, the generalisation error at N → ∞",
                 conditional: true),
        FieldDoc("test_patterns", "integer", "teacher task: fresh patterns behind test_error", conditional: true),
        FieldDoc("data", "text", "data task: the CSV file", conditional: true),
        FieldDoc("test_fraction", "number", "data task: fraction of the rows held out", conditional: true),
        FieldDoc("header", "text", "data task: the --header choice (yes | no | auto)",
                 conditional: true),
        FieldDoc("reason", "text", "why converged is 0 (limit reached, NaN, no solution ...)", conditional: true),
        FieldDoc("measure_seconds", "number", "time spent in the width measures", conditional: true),
    ]

    /// Fields a sweep adds in front of each record, and the error column of a failed run.
    public static let sweep: [FieldDoc] = [
        FieldDoc("run_id", "text", "hash of the run's definition (problem, solver options, seeds, measures)"),
        FieldDoc("run", "integer", "index of the run in the spec's order"),
        FieldDoc("sweep", "text", "hash identifying the sweep (also in the sidecar)"),
        FieldDoc("error", "text", "a run that failed: its one-line error (its other results are NA)",
                 conditional: true),
    ]

    /// The result fields each solver adds after its `opt_*` parameters.
    static let solverResults: [String: [FieldDoc]] = [
        "sa": [FieldDoc("acceptance_rate", "number", "fraction of accepted Metropolis proposals"),
               FieldDoc("final_beta", "number", "inverse temperature β at the end")],
        "perceptron": [FieldDoc("updates", "integer", "weight updates made")],
        "bp": [FieldDoc("free_entropy", "number", "Bethe free entropy per weight (storage: entropy of solutions)"),
               FieldDoc("q", "number", "mean squared magnetisation (1/N) Σ m_i²"),
               FieldDoc("max_change", "number", "largest message change in the last iteration")],
        "rbp": [FieldDoc("final_r", "number", "reinforcement r at the end"),
                FieldDoc("max_change", "number", "largest message change in the last iteration")],
        "fbp": [FieldDoc("protocol", "text", "the focusing protocol used"),
                FieldDoc("protocol_steps", "integer", "protocol steps (γ, y) visited"),
                FieldDoc("final_gamma", "number", "coupling γ at the end"),
                FieldDoc("final_y", "number", "number of replicas y at the end"),
                FieldDoc("overlap", "number", "overlap of the solution with the traced-out reference"),
                FieldDoc("free_entropy", "number", "free entropy of the robust ensemble at the last step"),
                FieldDoc("local_entropy", "number", "local entropy at the last step")],
        "amp": [FieldDoc("free_entropy", "number", "Bethe free entropy per weight (spherical: the Gardner volume)"),
                FieldDoc("q", "number", "mean squared posterior mean (1/N) Σ m_i²"),
                FieldDoc("max_change", "number", "largest change of a mean in the last iteration"),
                FieldDoc("product_bits", "integer", "fixed-point bits of the exact ±1 matrix products",
                         conditional: true),
                FieldDoc("teacher_mean_overlap", "number", "teacher task: m·w*/N", conditional: true),
                FieldDoc("bayes_error", "number", "teacher task: test error of the Bayes predictor sign(m·x)",
                         conditional: true)],
        "sgd": [FieldDoc("final_beta", "number", "cross-entropy scale β at the end"),
                FieldDoc("final_lr", "number", "learning rate at the end"),
                FieldDoc("final_norm2", "number", "squared norm of the latent weights per weight at the end")],
        "esgd": [FieldDoc("final_beta", "number", "cross-entropy scale β at the end"),
                 FieldDoc("final_gamma", "number", "coupling γ at the end"),
                 FieldDoc("outer_steps", "integer", "outer (Entropy-SGD) steps made")],
        "rsgd": [FieldDoc("returned", "text", "which configuration was returned: center | replica"),
                 FieldDoc("center_errors", "integer", "training errors of the centre at the end"),
                 FieldDoc("best_center_errors", "integer", "fewest training errors of the centre seen"),
                 FieldDoc("best_replica_errors", "integer", "fewest training errors of a replica at the end"),
                 FieldDoc("mean_distance", "number", "mean replica–centre distance at the end"),
                 FieldDoc("final_gamma", "number", "coupling γ at the end"),
                 FieldDoc("final_beta", "number", "cross-entropy scale β at the end")],
        "cpr": [FieldDoc("ps_used", "number", "reinforcement probability used (ps=auto resolved)"),
                FieldDoc("updates", "integer", "weight updates made"),
                FieldDoc("reinforcements", "integer", "stochastic reinforcements made"),
                FieldDoc("mean_abs_hidden", "number", "mean |h| of the hidden states at the end")],
    ]

    /// The fields of each width measure (lists hold one value per curve point).
    public static let measures: [Group] = [
        Group(name: "local-energy", summary: "training error after random flips (relative noise if spherical)",
              fields: [
                FieldDoc("local_energy_perturbation", "numbers", "flip probability p (relative noise if spherical)"),
                FieldDoc("local_energy", "numbers", "mean training error rate of the perturbed weights minus the "
                         + "solution's own"),
                FieldDoc("local_energy_se", "numbers", "its standard error"),
                FieldDoc("local_energy_loss", "numbers", "mean cross-entropy loss change per pattern"),
                FieldDoc("local_energy_loss_se", "numbers", "its standard error"),
                FieldDoc("local_energy_loss_beta", "number", "β of that loss"),
                FieldDoc("local_energy_samples", "integer", "perturbations drawn per point"),
              ]),
        Group(name: "local-entropy",
              summary: "Franz–Parisi local entropy S(d) by BP with a field λ towards the solution",
              fields: [
                FieldDoc("local_entropy_lambda", "numbers", "coupling λ of each point"),
                FieldDoc("local_entropy_phi", "numbers", "free entropy φ(λ) of the coupled BP"),
                FieldDoc("local_entropy_q", "numbers", "overlap with the solution"),
                FieldDoc("local_entropy_d", "numbers", "distance d = (1 − q)/2"),
                FieldDoc("local_entropy_curve", "numbers", "local entropy S(d) = φ − λ·q"),
                FieldDoc("local_entropy_ceiling", "numbers", "−d log d − (1 − d) log(1 − d), every configuration"),
                FieldDoc("local_entropy_converged", "numbers", "1 where BP converged"),
              ]),
        Group(name: "cone-volume", summary: "log volume of solutions within an angle (spherical perceptron, AMP)",
              fields: [
                FieldDoc("cone_angle", "numbers", "angle θ (radians)"),
                FieldDoc("cone_volume", "numbers", "log volume V(θ) of solutions within θ"),
                FieldDoc("cone_ceiling", "numbers", "log sin θ, the whole cone"),
                FieldDoc("cone_converged", "numbers", "1 where AMP converged"),
              ]),
        Group(name: "hessian", summary: "Hessian of the cross-entropy loss at the configuration",
              fields: [
                FieldDoc("hessian_top", "numbers", "top eigenvalues (Lanczos)"),
                FieldDoc("hessian_trace", "number", "trace (Hutchinson)"),
                FieldDoc("hessian_trace_se", "number", "its standard error"),
                FieldDoc("hessian_beta", "number", "β of the loss"),
              ]),
    ]

    /// A solver's fields: its parameters as used (`opt_NAME`, from its declaration) and its results.
    public static func solver(_ entry: SolverEntry) -> Group {
        let options = entry.parameters.map { p in
            FieldDoc("opt_" + p.name, p.isNumeric ? "number" : "text", p.help + " (as used)")
        }
        return Group(name: entry.name, summary: entry.summary, fields: options + (solverResults[entry.name] ?? []))
    }

    /// Every group in the order of a record: common, each solver, each measure, the sweep's.
    public static var all: [Group] {
        [Group(name: "common", summary: "every record", fields: common)]
            + SolverRegistry.all.map(solver)
            + measures.map { Group(name: "measure " + $0.name, summary: $0.summary, fields: $0.fields) }
            + [Group(name: "sweep", summary: "added by flatminima sweep", fields: sweep)]
    }

    /// The documentation of `name` for a record of `solver`, if any.
    public static func lookup(_ name: String, solver: String) -> FieldDoc? {
        let own = SolverRegistry.all.first { $0.name == solver }.map { Self.solver($0).fields } ?? []
        return (common + own + measures.flatMap(\.fields) + sweep).first { $0.name == name }
    }
}
