// Replicated SGD's fused pull-and-sign pass (CKernels.h, PackedReplicas.swift): rsgd_pass.h's kernel for
// AVX2 (eight sites per step) and AVX-512 (sixteen).
#include "internal.h"

#if FM_X86
#define FM_W 8
#include "rsgd_pass.h"
#undef FM_W
#define FM_W 16
#include "rsgd_pass.h"
#undef FM_W
#endif
