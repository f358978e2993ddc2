// Private to the C kernels: the public header and the x86 intrinsics where they exist.
#ifndef FLATMINIMA_CKERNELS_INTERNAL_H
#define FLATMINIMA_CKERNELS_INTERNAL_H
#include "CKernels.h"
#include <stddef.h>

#if defined(__x86_64__)
#include <immintrin.h>
#define FM_X86 1
#else
#define FM_X86 0
#endif

// Vectors of the compiler's vector extension (AMP's special_v4.h, BP's bp_lanes.h): doubles, 64-bit and
// 32-bit integers, floats and bytes, by lane count.
typedef double fm_v4d __attribute__((ext_vector_type(4)));
typedef long fm_v4l __attribute__((ext_vector_type(4)));
typedef int fm_v4i __attribute__((ext_vector_type(4)));
typedef float fm_v4f __attribute__((ext_vector_type(4)));
typedef signed char fm_v4c __attribute__((ext_vector_type(4)));
typedef double fm_v8d __attribute__((ext_vector_type(8)));
typedef long fm_v8l __attribute__((ext_vector_type(8)));
typedef int fm_v8i __attribute__((ext_vector_type(8)));
typedef float fm_v8f __attribute__((ext_vector_type(8)));
typedef signed char fm_v8c __attribute__((ext_vector_type(8)));
typedef int fm_v16i __attribute__((ext_vector_type(16)));
typedef signed char fm_v16c __attribute__((ext_vector_type(16)));
typedef float fm_v16f __attribute__((ext_vector_type(16)));
#endif
