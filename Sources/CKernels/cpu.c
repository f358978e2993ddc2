// Run-time CPU checks (see include/CKernels.h) and the spin-wait hint.
#include "internal.h"

int fm_cpu_has_popcnt(void) {
#if FM_X86
    __builtin_cpu_init();
    return __builtin_cpu_supports("popcnt") ? 1 : 0;
#else
    return 0;
#endif
}

int fm_cpu_has_avx2(void) {
#if FM_X86
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") ? 1 : 0;
#else
    return 0;
#endif
}

void fm_cpu_relax(void) {
#if FM_X86
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield");
#endif
}

#if FM_X86
int fm_cpu_has_avx512bw(void) {
    __builtin_cpu_init();
    return (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw")) ? 1 : 0;
}

int fm_cpu_has_avx2_fma(void) {
    __builtin_cpu_init();
    return (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) ? 1 : 0;
}

int fm_cpu_has_avx512vbmi(void) {
    __builtin_cpu_init();
    return (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw")
            && __builtin_cpu_supports("avx512dq")
            && __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512vbmi")) ? 1 : 0;
}
#endif
