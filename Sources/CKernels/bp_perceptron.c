// BP for the binary perceptron on ±1 inputs (CKernels.h, PerceptronBP.swift): bp_perceptron.h's kernel
// for AVX2 + FMA (four doubles, eight floats per instruction) and AVX-512 (eight and sixteen).
#include "internal.h"

#if FM_X86
#define FM_W 4
#define FM_HALF_LOG_H_RATIO fm_half_log_h_ratio8_f32
#include "bp_perceptron.h"
#undef FM_HALF_LOG_H_RATIO
#undef FM_W
#define FM_W 8
#define FM_HALF_LOG_H_RATIO fm_half_log_h_ratio16_f32
#include "bp_perceptron.h"
#undef FM_HALF_LOG_H_RATIO
#undef FM_W
#endif
