// Streams an Int8 P x N matrix twice with two threads (rows split, as AMP splits them), summing bytes with
// 32-byte AVX2 loads (and again with 64-byte AVX-512 loads where the CPU has AVX-512BW), and prints the
// best and the median of 400 repetitions of each: the floor AMP's iteration is compared with in
// BENCHMARKS.md (the faster of the two). The threads are started once and meet at a spinning barrier per
// repetition (AMP's helper thread spins the same way), so no thread start-up is timed.
//   cc -O2 -o /tmp/amp-stream Benchmarks/stream/stream.c -lpthread && /tmp/amp-stream 2001 0.6
#include <immintrin.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

enum { REPS = 400, THREADS = 2 };
static int8_t *X;
static long P, N;
static volatile long sink;
static atomic_int go, done;
static atomic_int wide; // 1: the AVX-512 pass

static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec + 1e-9 * t.tv_nsec; }

__attribute__((target("avx512bw"))) static void pass512(long w) {
    const long lo = w * P / THREADS, hi = (w + 1) * P / THREADS;
    __m512i a0 = _mm512_setzero_si512(), a1 = a0, a2 = a0, a3 = a0;
    for (int twice = 0; twice < 2; twice++)
        for (long r = lo; r < hi; r++) {
            const int8_t *row = X + r * N;
            long i = 0;
            for (; i + 256 <= N; i += 256) {
                a0 = _mm512_add_epi8(a0, _mm512_loadu_si512((const void *)(row + i)));
                a1 = _mm512_add_epi8(a1, _mm512_loadu_si512((const void *)(row + i + 64)));
                a2 = _mm512_add_epi8(a2, _mm512_loadu_si512((const void *)(row + i + 128)));
                a3 = _mm512_add_epi8(a3, _mm512_loadu_si512((const void *)(row + i + 192)));
            }
            for (; i + 64 <= N; i += 64) a0 = _mm512_add_epi8(a0, _mm512_loadu_si512((const void *)(row + i)));
        }
    const __m512i a = _mm512_add_epi8(_mm512_add_epi8(a0, a1), _mm512_add_epi8(a2, a3));
    sink += _mm_extract_epi32(_mm512_castsi512_si128(a), 0);
}

__attribute__((target("avx2"))) static void pass256(long w) {
    const long lo = w * P / THREADS, hi = (w + 1) * P / THREADS;
    // (Four accumulators, 128 bytes per step: the loop's speed then does not hinge on its alignment, which
    // moved a one-load loop between 35 and 60 µs at N = 2001.)
    __m256i a0 = _mm256_setzero_si256(), a1 = a0, a2 = a0, a3 = a0;
    for (int twice = 0; twice < 2; twice++)
        for (long r = lo; r < hi; r++) {
            const int8_t *row = X + r * N;
            long i = 0;
            for (; i + 128 <= N; i += 128) {
                a0 = _mm256_add_epi8(a0, _mm256_loadu_si256((const __m256i *)(row + i)));
                a1 = _mm256_add_epi8(a1, _mm256_loadu_si256((const __m256i *)(row + i + 32)));
                a2 = _mm256_add_epi8(a2, _mm256_loadu_si256((const __m256i *)(row + i + 64)));
                a3 = _mm256_add_epi8(a3, _mm256_loadu_si256((const __m256i *)(row + i + 96)));
            }
            for (; i + 32 <= N; i += 32) a0 = _mm256_add_epi8(a0, _mm256_loadu_si256((const __m256i *)(row + i)));
        }
    sink += _mm256_extract_epi32(_mm256_add_epi8(_mm256_add_epi8(a0, a1), _mm256_add_epi8(a2, a3)), 0);
}

static void pass(long w) { if (wide) pass512(w); else pass256(w); }

static void *helper(void *unused) {
    (void)unused;
    const int rounds = __builtin_cpu_supports("avx512bw") ? 2 * REPS : REPS;
    for (int k = 1; k <= rounds; k++) {
        while (atomic_load(&go) < k) {}
        pass(1);
        atomic_fetch_add(&done, 1);
    }
    return NULL;
}

static int compare(const void *a, const void *b) {
    const double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv) {
    if (argc != 3) { fprintf(stderr, "usage: stream N ALPHA\n"); return 2; }
    N = atol(argv[1]);
    P = (long)(atof(argv[2]) * N + 0.5);
    X = aligned_alloc(64, ((P * N + 63) / 64) * 64);
    for (long i = 0; i < P * N; i++) X[i] = (i * 2654435761u >> 7) & 1 ? 1 : -1;
    pthread_t thread;
    pthread_create(&thread, NULL, helper, NULL);
    double times[REPS];
    for (wide = 0; wide < 2; wide++) {
        for (int k = 1; k <= REPS; k++) {
            const double start = now();
            atomic_store(&go, wide * REPS + k);
            pass(0);
            while (atomic_load(&done) < wide * REPS + k) {}
            times[k - 1] = now() - start;
        }
        qsort(times, REPS, sizeof(double), compare);
        if (wide == 0 || __builtin_cpu_supports("avx512bw"))
            printf("N=%ld P=%ld: streaming the Int8 matrix twice on 2 threads (%s): best %.1f us, median %.1f us\n",
                   N, P, wide ? "AVX-512" : "AVX2", times[0] * 1e6, times[REPS / 2] * 1e6);
        if (!__builtin_cpu_supports("avx512bw")) { wide = 1; break; }
    }
    pthread_join(thread, NULL);
    return 0;
}
