// The one header through which FlatMinima reaches GNU GSL.
//
// GSL exposes its generator types as mutable C globals (`gsl_rng_mt19937`, ...). Swift 6 with strict
// concurrency refuses to read such globals, so each one is reached through a `static inline` accessor
// that returns the pointer by value.
#ifndef FLATMINIMA_CGSL_SHIM_H
#define FLATMINIMA_CGSL_SHIM_H

#include <gsl/gsl_errno.h>
#include <gsl/gsl_version.h>
#include <gsl/gsl_rng.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_math.h>
#include <gsl/gsl_sf_erf.h>
#include <gsl/gsl_sf_log.h>
#include <gsl/gsl_sf_exp.h>
#include <gsl/gsl_integration.h>
#include <gsl/gsl_roots.h>
#include <gsl/gsl_eigen.h>
#include <gsl/gsl_matrix.h>
#include <gsl/gsl_vector.h>

/// The Mersenne Twister MT19937 generator type (GSL's default).
static inline const gsl_rng_type *cgsl_rng_type_mt19937(void) { return gsl_rng_mt19937; }
/// L'Ecuyer's maximally equidistributed combined Tausworthe generator (fast, period 2^113).
static inline const gsl_rng_type *cgsl_rng_type_taus2(void) { return gsl_rng_taus2; }
/// RANLXD level 2: slow, but of the highest statistical quality GSL has.
static inline const gsl_rng_type *cgsl_rng_type_ranlxd2(void) { return gsl_rng_ranlxd2; }

/// GSL's version string, through a function so that Swift does not read the C global itself.
static inline const char *cgsl_version(void) { return gsl_version; }

/// Gauss–Hermite fixed quadrature: weight |x − a|^α e^{−b (x − a)²} on the real line.
static inline const gsl_integration_fixed_type *cgsl_integration_fixed_hermite(void) { return gsl_integration_fixed_hermite; }

/// Root solver types for bracketing searches.
static inline const gsl_root_fsolver_type *cgsl_root_brent(void) { return gsl_root_fsolver_brent; }

#include <stdint.h>

/// Σ_j popcount(a_j ⊕ b_j) over `words` 64-bit words: the forward pass of a binary perceptron on
/// bit-packed ±1 vectors (w·ξ = n − 2·this). The portable x86-64 baseline has no POPCNT instruction
/// (Swift's `nonzeroBitCount` becomes a dozen bit operations per word), so this version is compiled for
/// POPCNT and called only when `cgsl_has_popcnt()` says the CPU has it.
#if defined(__x86_64__) || defined(__i386__)
__attribute__((target("popcnt")))
#endif
static inline long cgsl_xor_popcount(const uint64_t *a, const uint64_t *b, long words) {
    long total = 0;
    for (long j = 0; j < words; j++) total += __builtin_popcountll(a[j] ^ b[j]);
    return total;
}

/// Whether the CPU has the POPCNT instruction (always true off x86, where the builtin is native).
static inline int cgsl_has_popcnt(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_cpu_init();
    return __builtin_cpu_supports("popcnt");
#else
    return 1;
#endif
}

/// A spin-wait hint (x86 `pause`, ARM `yield`): lets the sibling hardware thread run and saves power
/// while a thread polls an atomic (LockstepWorker).
static inline void cgsl_cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield");
#endif
}

#endif
