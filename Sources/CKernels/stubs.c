// Stand-ins off x86-64: the vector kernels are never called there (every fm_cpu_has_* returns 0),
// but Swift links against them.
#include "internal.h"

#if !FM_X86
void fm_rsgd_pull_sign_avx2(float *h, float *w, int32_t *counts, float *targets, const float *table,
                            long entries, uint64_t *bits, const int8_t *sums, long lo, long hi,
                            float rate, float pull, float clip) {
    (void)h; (void)w; (void)counts; (void)targets; (void)table; (void)entries; (void)bits; (void)sums;
    (void)lo; (void)hi; (void)rate; (void)pull; (void)clip;
    __builtin_trap();   // unreachable: fm_cpu_has_avx2() is 0 here
}

void fm_rsgd_pull_sign_avx512(float *h, float *w, int32_t *counts, float *targets, const float *table,
                              long entries, uint64_t *bits, const int8_t *sums, long lo, long hi,
                              float rate, float pull, float clip) {
    (void)h; (void)w; (void)counts; (void)targets; (void)table; (void)entries; (void)bits; (void)sums;
    (void)lo; (void)hi; (void)rate; (void)pull; (void)clip;
    __builtin_trap();   // unreachable: fm_cpu_has_avx512vbmi() is 0 here
}

void fm_sum_rows_avx2(int8_t *s, const int8_t *x, long stride, const long *rows, long count, long n) {
    (void)s; (void)x; (void)stride; (void)rows; (void)count; (void)n;
    __builtin_trap();
}

long fm_dot_i8_f64_avx2(const int8_t *x, const double *m, long n, double *partial) {
    (void)x; (void)m; (void)n; (void)partial;
    __builtin_trap();
}

void fm_axpy_i8_f64_avx2(double *b, const int8_t *x, double g, long n) {
    (void)b; (void)x; (void)g; (void)n;
    __builtin_trap();
}

void fm_lookup16_avx2(const uint8_t *index, long first, long last, const uint8_t *planes, long planeCount,
                      int64_t *out) {
    (void)index; (void)first; (void)last; (void)planes; (void)planeCount; (void)out; __builtin_trap();
}

int fm_cpu_has_avx2_fma(void) { return 0; }
int fm_cpu_has_avx512bw(void) { return 0; }
void fm_lookup32_avx512(const uint8_t *index, long words, long first, long last, const uint8_t *planes, long planeCount,
                        int64_t *out) {
    (void)index; (void)words; (void)first; (void)last; (void)planes; (void)planeCount; (void)out; __builtin_trap();
}
void fm_log4_avx2(const double *in, double *out) { (void)in; (void)out; __builtin_trap(); }
void fm_committee_unit_sums_avx2(const int8_t *x, const double *h, const float *u, double *m, double *v,
                                 long fan, double *bigM, double *bigV) {
    (void)x; (void)h; (void)u; (void)m; (void)v; (void)fan; (void)bigM; (void)bigV; __builtin_trap();
}
double fm_committee_unit_messages_avx2(const int8_t *x, float *u, const double *m, const double *v, long fan,
                                       double bigM, double bigV, double theta, double t, double c,
                                       double damping, double *sum, double *cavity, double *h, const double *table) {
    (void)x; (void)u; (void)m; (void)v; (void)fan; (void)bigM; (void)bigV; (void)theta; (void)t; (void)c;
    (void)damping; (void)sum; (void)cavity; (void)h; (void)table; __builtin_trap();
}
double fm_bp_pattern_f32_avx2(const int8_t *xi, float *u, double *h, double *cavity, double *sum,
                              double *m, double *v, long n, double threshold, double damping, const float *table) {
    (void)xi; (void)u; (void)h; (void)cavity; (void)sum; (void)m; (void)v; (void)n; (void)threshold; (void)damping;
    (void)table;
    __builtin_trap();
}
void fm_half_log_h_ratio8_f32_avx2(const double *a, const double *b, float *out, const float *table) {
    (void)a; (void)b; (void)out; (void)table; __builtin_trap();
}
void fm_exp4_avx2(const double *in, double *out) { (void)in; (void)out; __builtin_trap(); }
void fm_exp8_avx512(const double *in, double *out) { (void)in; (void)out; __builtin_trap(); }
void fm_log8_avx512(const double *in, double *out) { (void)in; (void)out; __builtin_trap(); }
double fm_bp_pattern_f32_avx512(const int8_t *xi, float *u, double *h, double *cavity, double *sum,
                                double *m, double *v, long n, double threshold, double damping, const float *table) {
    (void)xi; (void)u; (void)h; (void)cavity; (void)sum; (void)m; (void)v; (void)n; (void)threshold; (void)damping;
    (void)table;
    __builtin_trap();
}
void fm_committee_unit_sums_avx512(const int8_t *x, const double *h, const float *u, double *m, double *v,
                                   long fan, double *bigM, double *bigV) {
    (void)x; (void)h; (void)u; (void)m; (void)v; (void)fan; (void)bigM; (void)bigV;
    __builtin_trap();
}
double fm_committee_unit_messages_avx512(const int8_t *x, float *u, const double *m, const double *v, long fan,
                                         double bigM, double bigV, double theta, double t, double c,
                                         double damping, double *sum, double *cavity, double *h,
                                         const double *transposed) {
    (void)x; (void)u; (void)m; (void)v; (void)fan; (void)bigM; (void)bigV; (void)theta; (void)t; (void)c;
    (void)damping; (void)sum; (void)cavity; (void)h; (void)transposed;
    __builtin_trap();
}
void fm_half_log_h_ratio16_f32_avx512(const double *a, const double *b, float *out, const float *table) {
    (void)a; (void)b; (void)out; (void)table; __builtin_trap();
}
void fm_lookup_tables_avx2(const double *values, long columns, long firstGroup, long lastGroup, double scale, long bits,
                           long planeCount, uint8_t *planes, int64_t *wide) {
    (void)values; (void)columns; (void)firstGroup; (void)lastGroup; (void)scale; (void)bits; (void)planeCount;
    (void)planes; (void)wide;
    __builtin_trap();
}
void fm_lookup_tables_avx512(const double *values, long columns, long firstGroup, long lastGroup, double scale,
                             long bits,
                             long planeCount, uint8_t *planes, int64_t *wide) {
    (void)values; (void)columns; (void)firstGroup; (void)lastGroup; (void)scale; (void)bits; (void)planeCount;
    (void)planes; (void)wide;
    __builtin_trap();
}
int fm_cpu_has_avx512vbmi(void) { return 0; }
void fm_goverh_array_avx2(const double *in, double *out, long n,
                          const double *table) { (void)in; (void)out; (void)n; (void)table; __builtin_trap(); }
void fm_tanh_array_avx2(const double *in, double *out, long n) { (void)in; (void)out; (void)n; __builtin_trap(); }
void fm_amp_rows_avx2(const int64_t *dots, const double *oldG, const double *labels, long count, const double *k,
                      const double *table, double *omega, double *g, double *dg, double *c, double *dgSums,
                              double *cLargest) {
    (void)dots; (void)oldG; (void)labels; (void)count; (void)k; (void)table; (void)omega; (void)g; (void)dg; (void)c;
    (void)dgSums;
    (void)cLargest;
    __builtin_trap();
}
void fm_amp_columns_avx2(const int64_t *totals, long count, const double *k, double *a, double *b, double *m, double *v,
                         double *results) {
    (void)totals; (void)count; (void)k; (void)a; (void)b; (void)m; (void)v; (void)results; __builtin_trap();
}
void fm_goverh_array_avx512(const double *in, double *out, long n,
                            const double *table) { (void)in; (void)out; (void)n; (void)table; __builtin_trap(); }
void fm_tanh_array_avx512(const double *in, double *out, long n) { (void)in; (void)out; (void)n; __builtin_trap(); }
void fm_amp_rows_avx512(const int64_t *dots, const double *oldG, const double *labels, long count, const double *k,
                        const double *table, double *omega, double *g, double *dg, double *c, double *dgSums,
                                double *cLargest) {
    (void)dots; (void)oldG; (void)labels; (void)count; (void)k; (void)table; (void)omega; (void)g; (void)dg; (void)c;
    (void)dgSums;
    (void)cLargest;
    __builtin_trap();
}
void fm_amp_columns_avx512(const int64_t *totals, long count, const double *k, double *a, double *b, double *m,
                           double *v,
                           double *results) {
    (void)totals; (void)count; (void)k; (void)a; (void)b; (void)m; (void)v; (void)results; __builtin_trap();
}
#endif
