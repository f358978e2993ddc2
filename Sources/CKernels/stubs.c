// Stand-ins off x86-64: the vector kernels are never called there (every fm_cpu_has_* returns 0, so no
// InstructionSet above .portable is chosen), but Swift links against them. Each traps; its
// parameters are named only to repeat CKernels.h's prototype, which the compiler checks it against.
#include "internal.h"

#if !FM_X86
#pragma GCC diagnostic ignored "-Wunused-parameter"

// One stand-in: the return type, the name and the parameters of the kernel.
#define FM_UNREACHABLE(type, name, ...) type name(__VA_ARGS__) { __builtin_trap(); }
// The AVX2 and the AVX-512 stand-in of a kernel whose two widths share their parameters.
#define FM_UNREACHABLE_WIDTHS(type, name, ...) \
    FM_UNREACHABLE(type, name##_avx2, __VA_ARGS__) \
    FM_UNREACHABLE(type, name##_avx512, __VA_ARGS__)

// dense.c
FM_UNREACHABLE(void, fm_sum_rows_avx2, int8_t *s, const int8_t *x, long stride, const long *rows, long count, long n)
FM_UNREACHABLE(long, fm_dot_i8_f64_avx2, const int8_t *x, const double *m, long n, double *partial)
FM_UNREACHABLE(void, fm_axpy_i8_f64_avx2, double *b, const int8_t *x, double g, long n)

// rsgd.c
FM_UNREACHABLE_WIDTHS(void, fm_rsgd_pull_sign, float *h, float *w, int32_t *counts, float *targets,
                      const float *table, long entries, uint64_t *bits, const int8_t *sums, long lo, long hi,
                      float rate, float pull, float clip)

// lookup.c
FM_UNREACHABLE(void, fm_lookup16_avx2, const uint8_t *index, long first, long last, const uint8_t *planes,
               long planeCount, int64_t *out)
FM_UNREACHABLE(void, fm_lookup32_avx512, const uint8_t *index, long words, long first, long last,
               const uint8_t *planes, long planeCount, int64_t *out)
FM_UNREACHABLE_WIDTHS(void, fm_lookup_tables, const double *values, long columns, long firstGroup, long lastGroup,
                      double scale, long bits, long planeCount, uint8_t *planes, int64_t *wide)

// amp.c
FM_UNREACHABLE_WIDTHS(void, fm_goverh_array, const double *in, double *out, long n, const double *table)
FM_UNREACHABLE_WIDTHS(void, fm_tanh_array, const double *in, double *out, long n)
FM_UNREACHABLE_WIDTHS(void, fm_amp_rows, const int64_t *dots, const double *oldG, const double *labels, long count,
                      const double *k, const double *table, double *omega, double *g, double *dg, double *c,
                      double *dgSums, double *cLargest)
FM_UNREACHABLE_WIDTHS(void, fm_amp_columns, const int64_t *totals, long count, const double *k, double *a,
                      double *b, double *m, double *v, double *results)

// bp_perceptron.c and bp_committee.c
FM_UNREACHABLE_WIDTHS(double, fm_bp_pattern_f32, const int8_t *xi, float *u, double *h, double *cavity,
                      double *sum, double *m, double *v, long n, double threshold, double damping,
                      const float *table)
FM_UNREACHABLE(void, fm_half_log_h_ratio8_f32_avx2, const double *a, const double *b, float *out,
               const float *table)
FM_UNREACHABLE(void, fm_half_log_h_ratio16_f32_avx512, const double *a, const double *b, float *out,
               const float *table)
FM_UNREACHABLE_WIDTHS(void, fm_committee_unit_sums, const int8_t *x, const double *h, const float *u, double *m,
                      double *v, long fan, double *bigM, double *bigV)
FM_UNREACHABLE_WIDTHS(double, fm_committee_unit_messages, const int8_t *x, float *u, const double *m,
                      const double *v, long fan, double bigM, double bigV, double theta, double t, double c,
                      double damping, double *sum, double *cavity, double *h, const double *table)
FM_UNREACHABLE(void, fm_exp4_avx2, const double *in, double *out)
FM_UNREACHABLE(void, fm_log4_avx2, const double *in, double *out)
FM_UNREACHABLE(void, fm_exp8_avx512, const double *in, double *out)
FM_UNREACHABLE(void, fm_log8_avx512, const double *in, double *out)
#endif
