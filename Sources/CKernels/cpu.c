// Run-time CPU checks (see include/CKernels.h) and the spin-wait hint. Off x86-64 every check returns 0.
#include "internal.h"

#if FM_X86
// Whether the CPU has `feature` (a string literal), after the once-only initialisation of the check.
#define FM_SUPPORTS(feature) (__builtin_cpu_init(), __builtin_cpu_supports(feature))
#else
#define FM_SUPPORTS(feature) 0
#endif

int fm_cpu_has_popcnt(void) { return FM_SUPPORTS("popcnt") ? 1 : 0; }

int fm_cpu_has_avx2(void) { return FM_SUPPORTS("avx2") ? 1 : 0; }

int fm_cpu_has_avx2_fma(void) { return FM_SUPPORTS("avx2") && FM_SUPPORTS("fma") ? 1 : 0; }

int fm_cpu_has_avx512bw(void) { return FM_SUPPORTS("avx512f") && FM_SUPPORTS("avx512bw") ? 1 : 0; }

int fm_cpu_has_avx512vbmi(void) {
    return FM_SUPPORTS("avx512f") && FM_SUPPORTS("avx512bw") && FM_SUPPORTS("avx512dq") && FM_SUPPORTS("avx512vl")
        && FM_SUPPORTS("avx512vbmi") ? 1 : 0;
}

void fm_cpu_relax(void) {
#if FM_X86
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield");
#endif
}
