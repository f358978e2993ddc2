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

/// GSL's version string, through a function so that Swift does not read the C global itself.
static inline const char *cgsl_version(void) { return gsl_version; }

/// Gauss–Hermite fixed quadrature: weight |x − a|^α e^{−b (x − a)²} on the real line.
static inline const gsl_integration_fixed_type *cgsl_integration_fixed_hermite(void) {
    return gsl_integration_fixed_hermite;
}

/// Root solver types for bracketing searches.
static inline const gsl_root_fsolver_type *cgsl_root_brent(void) { return gsl_root_fsolver_brent; }

#endif
