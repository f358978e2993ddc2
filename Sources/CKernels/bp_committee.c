// BP for committee machines, one hidden unit of one pattern (CKernels.h, CommitteeBP.swift):
// bp_committee.h's kernels for AVX2 + FMA (four doubles per instruction) and AVX-512 (eight).
#include "internal.h"

#if FM_X86
#define FM_W 4
#define FM_EXP_LANES fm_exp4
#define FM_LOG_LANES fm_log4
#include "bp_committee.h"
#undef FM_EXP_LANES
#undef FM_LOG_LANES
#undef FM_W
#define FM_W 8
#define FM_EXP_LANES fm_exp8
#define FM_LOG_LANES fm_log8
#include "bp_committee.h"
#undef FM_EXP_LANES
#undef FM_LOG_LANES
#undef FM_W
#endif
