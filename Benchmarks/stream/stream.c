// Streams an Int8 P x N matrix twice with T threads (rows split), summing bytes with SSE2, and prints the best
// of 20 timings: the floor AMP is compared with in BENCHMARKS.md (thread start-up included).
//   cc -O2 -o /tmp/stream Benchmarks/stream/stream.c -lpthread && /tmp/stream 20001 0.6 2
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <pthread.h>
#include <time.h>
#include <emmintrin.h>
static int8_t *X; static long P, N; static int T; static volatile long sink;
static void *work(void *arg) {
    long w = (long)arg, lo = w * P / T, hi = (w + 1) * P / T; __m128i acc = _mm_setzero_si128();
    for (int pass = 0; pass < 2; pass++)
        for (long r = lo; r < hi; r++) { const int8_t *row = X + r * N; long i = 0;
            for (; i + 16 <= N; i += 16) acc = _mm_add_epi8(acc, _mm_loadu_si128((const __m128i *)(row + i))); }
    sink += _mm_cvtsi128_si32(acc); return NULL;
}
static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec + 1e-9 * t.tv_nsec; }
int main(int argc, char **argv) {
    N = atol(argv[1]); P = (long)(atof(argv[2]) * N + 0.5); T = atoi(argv[3]);
    X = aligned_alloc(64, ((P * N + 63) / 64) * 64); for (long i = 0; i < P * N; i++) X[i] = (i * 2654435761u >> 7) & 1 ? 1 : -1;
    double best = 1e9;
    for (int rep = 0; rep < 20; rep++) { pthread_t th[8]; double t0 = now();
        for (long w = 0; w < T; w++) pthread_create(&th[w], 0, work, (void *)w);
        for (int w = 0; w < T; w++) pthread_join(th[w], 0);
        double dt = now() - t0; if (dt < best) best = dt; }
    printf("N=%ld P=%ld threads=%d: stream twice %.1f us (best of 20)\n", N, P, T, best * 1e6); return 0;
}
