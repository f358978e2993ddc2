// Kernels that need instructions beyond the portable x86-64 baseline (POPCNT, AVX2), compiled with
// per-function target attributes and chosen at run time, so that the package keeps no unsafe flags and
// its binaries run on any x86-64 CPU. Every kernel has a portable Swift twin that gives the same
// result to the last bit (tests compare them); FlatMinima calls these only when `fm_cpu_has_*` says so
// (InstructionSet.swift reads them once). Grouped by the file that defines them; stubs.c holds stand-ins
// for other CPUs, which never call them.
#ifndef FLATMINIMA_CKERNELS_H
#define FLATMINIMA_CKERNELS_H

#include <stdint.h>

// ---- cpu.c: run-time checks ----------------------------------------------------------------------

/// 1 when the CPU (and the OS) support POPCNT / AVX2, 0 otherwise; always 0 off x86-64.
int fm_cpu_has_popcnt(void);
int fm_cpu_has_avx2(void);
/// 1 when the CPU and OS support AVX2 and FMA.
int fm_cpu_has_avx2_fma(void);
/// AVX-512 F and BW: the look-up products on two blocks.
int fm_cpu_has_avx512bw(void);
/// AVX-512 F, BW, DQ, VL and VBMI (Ice Lake and later): the look-up tables, AMP's rounds, BP and rsgd.
int fm_cpu_has_avx512vbmi(void);

/// A spin-wait hint (x86 `pause`, ARM `yield`) for threads polling an atomic.
void fm_cpu_relax(void);

// ---- dense.c: ±1 rows against bits, doubles and Int8 ------------------------------------------------

/// Σ_j popcount(a_j ⊕ b_j) over `words` words, with the POPCNT instruction: the forward pass of a binary
/// perceptron on bit-packed ±1 vectors is w·ξ = n − 2·this. Call only when fm_cpu_has_popcnt().
long fm_xor_popcount(const uint64_t *a, const uint64_t *b, long words);

/// s_i = Σ_j x[rows_j · stride + i] for i < n, in wrapping Int8 arithmetic (the caller keeps
/// count ≤ 127 for ±1 rows; count ≥ 1). AVX2: call only when fm_cpu_has_avx2().
void fm_sum_rows_avx2(int8_t *s, const int8_t *x, long stride, const long *rows, long count, long n);

/// The eight partial sums p_r = Σ_{i ≡ r (mod 8), i < 8⌊n/8⌋} x_i m_i of a dot product of ±1 (Int8) and
/// Double vectors, multiplications and additions rounded separately — the same lanes, in the same order,
/// as the portable SIMD8 loop of Kernels.dot, so that the total is the same to the last bit. Returns the
/// number of elements consumed (8⌊n/8⌋). AVX2: call only when fm_cpu_has_avx2().
long fm_dot_i8_f64_avx2(const int8_t *x, const double *m, long n, double *partial);

/// b_i += g · x_i for i < n, x ∈ Int8 (rounded like Kernels.axpy: one product, one sum). AVX2.
void fm_axpy_i8_f64_avx2(double *b, const int8_t *x, double g, long n);

// ---- rsgd.c: replicated SGD's fused pass ----------------------------------------------------------

/// Replicated SGD's fused pass over the sites [lo, hi) of one binary replica (PackedReplicas.swift has
/// the equations; Baldassi et al., PNAS 113, E7655, 2016):
///     h_i += λ (t_i − w_i);  h_i += η s_i (when η ≠ 0);  h_i = clamp(h_i, ±clip) (when clip > 0);
///     w_i = sign(h_i); on a flip c_i ± 1, t_i = table[c_i] and bit i of `bits` toggles.
/// Single precision, multiplications and additions rounded separately (no FMA), in the same order as
/// the Swift twin. `lo` must be a multiple of 64. `table` holds `entries` = y + 1 values; with at most
/// 16 entries it is read by register permutes and must have 64 readable bytes. AVX2: call only when
/// fm_cpu_has_avx2().
void fm_rsgd_pull_sign_avx2(float *h, float *w, int32_t *counts, float *targets, const float *table,
                            long entries, uint64_t *bits, const int8_t *sums, long lo, long hi,
                            float rate, float pull, float clip);

/// The same pass, sixteen sites per step with AVX-512 (F, BW, VL; the same bits as the AVX2 pass); with
/// at most 32 entries `table` is read by register permutes and must have 128 readable bytes. Call only
/// when fm_cpu_has_avx512vbmi() (which implies F, BW and VL).
void fm_rsgd_pull_sign_avx512(float *h, float *w, int32_t *counts, float *targets, const float *table,
                              long entries, uint64_t *bits, const int8_t *sums, long lo, long hi,
                              float rate, float pull, float clip);

// ---- lookup.c: exact products of ±1 matrices by table look-up ----------------------------------------

/// AMP on ±1 patterns (SignLookup.swift, AMP.swift): exact products by table look-up — one block of 16
/// rows (AVX2), the sign indices of a matrix, and the tables of a fixed-point vector (the AVX2 builder
/// writes the same planes as the portable one and skips `wide`, which only the portable products read).
void fm_lookup16_avx2(const uint8_t *index, long first, long last, const uint8_t *planes, long planeCount,
                      int64_t *out);
/// Two consecutive blocks (32 rows; the second block's words at index + 32·words) with AVX-512BW: the same
/// sums as two fm_lookup16_avx2 calls. Call only when fm_cpu_has_avx512bw().
void fm_lookup32_avx512(const uint8_t *index, long words, long first, long last, const uint8_t *planes, long planeCount,
                        int64_t *out);
void fm_sign_index(const int8_t *x, long rows, long columns, long rowStride, long columnStride, long words,
                   long firstBlock, long lastBlock, uint8_t *out);
void fm_lookup_tables(const double *values, long columns, long firstGroup, long lastGroup, double scale, long bits,
                      long planeCount, uint8_t *planes, int64_t *wide);
void fm_lookup_tables_avx2(const double *values, long columns, long firstGroup, long lastGroup, double scale, long bits,
                           long planeCount, uint8_t *planes, int64_t *wide);
/// The same planes with AVX-512 (F, BW, DQ, VBMI), whole words at a time. Call only when fm_cpu_has_avx512vbmi().
void fm_lookup_tables_avx512(const double *values, long columns, long firstGroup, long lastGroup, double scale,
                             long bits,
                             long planeCount, uint8_t *planes, int64_t *wide);
// ---- amp.c: AMP's special functions and rounds (special_v4.h) -----------------------------------------

/// AMP's special functions and the blocks of its two rounds on ±1 patterns (special_v4.h): one source on
/// four-lane vectors compiled for the baseline, for AVX2 and for AVX-512 (F, VL, DQ; G/H and tanh on eight
/// lanes), the same bits. The array versions of G/H and tanh are there for the tests. AVX-512: call only
/// when fm_cpu_has_avx512vbmi().
void fm_goverh_array(const double *in, double *out, long n, const double *table);
void fm_goverh_array_avx2(const double *in, double *out, long n, const double *table);
void fm_tanh_array(const double *in, double *out, long n);
void fm_tanh_array_avx2(const double *in, double *out, long n);
void fm_amp_rows(const int64_t *dots, const double *oldG, const double *labels, long count, const double *k,
                 const double *table, double *omega, double *g, double *dg, double *c, double *dgSums,
                         double *cLargest);
void fm_amp_rows_avx2(const int64_t *dots, const double *oldG, const double *labels, long count, const double *k,
                      const double *table, double *omega, double *g, double *dg, double *c, double *dgSums,
                              double *cLargest);
void fm_amp_columns(const int64_t *totals, long count, const double *k, double *a, double *b, double *m, double *v,
                    double *results);
void fm_amp_columns_avx2(const int64_t *totals, long count, const double *k, double *a, double *b, double *m, double *v,
                         double *results);
void fm_goverh_array_avx512(const double *in, double *out, long n, const double *table);
void fm_tanh_array_avx512(const double *in, double *out, long n);
void fm_amp_rows_avx512(const int64_t *dots, const double *oldG, const double *labels, long count, const double *k,
                        const double *table, double *omega, double *g, double *dg, double *c, double *dgSums,
                                double *cLargest);
void fm_amp_columns_avx512(const int64_t *totals, long count, const double *k, double *a, double *b, double *m,
                           double *v,
                           double *results);

// ---- bp_perceptron.c: BP for the binary perceptron (bp_perceptron.h, bp_lanes.h) -----------------------

/// One pattern's BP update for the binary perceptron on ±1 inputs (PerceptronBP.swift has the equations;
/// Braunstein & Zecchina, PRL 96, 2006): with the row ξ (Int8, labels absorbed), the pattern's messages u
/// (Float) and the total fields h,
///     m_i = tanh(h_i − u_i),  v_i = 1 − m_i²,  M = Σ ξ_i m_i,  V = Σ v_i,
///     fresh_i = clamp(½ [log H((κ√N − M_i − ξ_i)/√V_i) − log H((κ√N − M_i + ξ_i)/√V_i)], ±30)
/// with the cavity sums M_i = M − ξ_i m_i, V_i = max(V − v_i, 1e-12); u_i ← float(d u_i + (1 − d) fresh_i).
/// New messages are added to `sum` when it is not NULL, else their changes to `cavity` and `h`.
/// `m` and `v` are scratch arrays of n doubles. m, v, M, V, the cavity sums and the arguments are
/// computed in double (four sites per instruction, vector e^x within a few ulps); the message itself in
/// single precision, eight sites per instruction, from the erfcx series' coefficients 0…5 as floats
/// (`table`: coefficient j of piece k at 16 j + k; Special.erfcxTableSingle): within a few 1e−7 of the
/// double-precision Special.halfLogHRatio (VectorKernelTests), so results agree with the portable Swift
/// loop to that accuracy, not to the bit. Returns the largest |change| of a message (NaN when a message
/// is NaN). AVX2 + FMA: call only when fm_cpu_has_avx2_fma().
double fm_bp_pattern_f32_avx2(const int8_t *xi, float *u, double *h, double *cavity, double *sum,
                              double *m, double *v, long n, double threshold, double damping, const float *table);
/// Its message ½ [log H(a) − log H(b)], eight pairs at a time (for tests).
void fm_half_log_h_ratio8_f32_avx2(const double *a, const double *b, float *out, const float *table);
/// The same update with AVX-512 (F, BW, DQ, VL; eight doubles and sixteen floats per instruction), from
/// the same source (bp_perceptron.h): the same operations lane by lane; M and V are summed over eight
/// lanes, so results agree with the AVX2 kernel's to rounding, not to the bit. Call only when
/// fm_cpu_has_avx512vbmi().
double fm_bp_pattern_f32_avx512(const int8_t *xi, float *u, double *h, double *cavity, double *sum,
                                double *m, double *v, long n, double threshold, double damping, const float *table);
/// Its message, sixteen pairs at a time (for tests).
void fm_half_log_h_ratio16_f32_avx512(const double *a, const double *b, float *out, const float *table);

// ---- bp_committee.c: BP for committee machines (bp_committee.h, bp_lanes.h) ---------------------------

/// Committee machines (CommitteeBP.swift), one hidden unit's `fan` edges of one pattern, AVX2 + FMA, in
/// double precision: the first pass (m = tanh(h − u), v = x²(1 − m²), M = Σ x m, V = Σ v), and the new
/// messages ½ log[(c + 2t H(A_i))/(c + 2t H(B_i))] (clamped to ±30) with A, B = (θ − M_i ∓ x_i)/√V_i,
/// t = tanh U, c = 1 − tanh U, damped and stored as Float; added to `sum` when not NULL, else their changes
/// to `cavity` and `h`. `table`: Special.erfcxTable padded to 12 coefficients per row
/// (Special.erfcxTablePadded). Returns the largest |change| (NaN when a message is NaN). Results agree
/// with the portable loop to rounding (vector e^x and log x within a few ulps), not to the bit.
void fm_committee_unit_sums_avx2(const int8_t *x, const double *h, const float *u, double *m, double *v,
                                 long fan, double *bigM, double *bigV);
double fm_committee_unit_messages_avx2(const int8_t *x, float *u, const double *m, const double *v, long fan,
                                       double bigM, double bigV, double theta, double t, double c,
                                       double damping, double *sum, double *cavity, double *h, const double *table);
/// The same two kernels eight edges per instruction with AVX-512 (F, BW, DQ, VL + FMA), from the same
/// source (bp_committee.h): equal to the AVX2 ones to rounding (the sums M, V over eight lanes), not to
/// the bit. `transposed`: the 16 × 10 table with
/// coefficient j of piece k at 16 j + k (`Special.erfcxTableTransposed`). Call only when
/// fm_cpu_has_avx512vbmi() and fm_cpu_has_avx2_fma().
void fm_committee_unit_sums_avx512(const int8_t *x, const double *h, const float *u, double *m, double *v,
                                   long fan, double *bigM, double *bigV);
double fm_committee_unit_messages_avx512(const int8_t *x, float *u, const double *m, const double *v, long fan,
                                         double bigM, double bigV, double theta, double t, double c,
                                         double damping, double *sum, double *cavity, double *h,
                                                 const double *transposed);

/// The kernels' vectorised e^x and log x, four (AVX2 + FMA) or eight (AVX-512) values at a time
/// (for tests): out_i = f(in_i).
void fm_exp4_avx2(const double *in, double *out);
void fm_log4_avx2(const double *in, double *out);

void fm_exp8_avx512(const double *in, double *out);
void fm_log8_avx512(const double *in, double *out);

#endif
