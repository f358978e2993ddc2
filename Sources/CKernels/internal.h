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
#endif
