/* The FMA peak of one core, for reading benchmark results against: ten independent chains of
 * 256-bit fused multiply-adds (more than latency x throughput, so the FMA units never wait),
 * with nothing else in the loop. Also times a chain of dependent integer adds (one per cycle)
 * to estimate the running clock. Built and run by scripts/machine-peak.sh. */
#include <stdio.h>
#include <time.h>

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

int main(void) {
    const long iters = 200000000;
    long x = 0;
    double t0, ghz = 0;
    for (int rep = 0; rep < 5; rep++) {
        t0 = now();
        for (long i = 0; i < iters / 4; i++)
            __asm__ volatile("add $1, %0\n\tadd $1, %0\n\tadd $1, %0\n\tadd $1, %0" : "+r"(x));
        double g = 4.0 * (iters / 4) / (now() - t0) / 1e9;
        if (g > ghz) ghz = g;
    }
    /* Start every register at 1.0 so no input is a denormal. */
    __asm__ volatile("vpcmpeqd %%ymm0, %%ymm0, %%ymm0\n\tvpsrld $25, %%ymm0, %%ymm0\n\t"
                     "vpslld $23, %%ymm0, %%ymm0\n\t"
                     "vmovaps %%ymm0, %%ymm1\n\tvmovaps %%ymm0, %%ymm2\n\tvmovaps %%ymm0, %%ymm3\n\t"
                     "vmovaps %%ymm0, %%ymm4\n\tvmovaps %%ymm0, %%ymm5\n\tvmovaps %%ymm0, %%ymm6\n\t"
                     "vmovaps %%ymm0, %%ymm7\n\tvmovaps %%ymm0, %%ymm8\n\tvmovaps %%ymm0, %%ymm9\n\t"
                     "vxorps %%ymm10, %%ymm10, %%ymm10\n\tvxorps %%ymm11, %%ymm11, %%ymm11"
                     ::: "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8",
                         "xmm9", "xmm10", "xmm11");
    double best = 0;
    for (int rep = 0; rep < 5; rep++) {
        t0 = now();
        for (long k = 0; k < iters / 4; k++)
            __asm__ volatile(
                "vfmadd231ps %%ymm10, %%ymm11, %%ymm0\n\tvfmadd231ps %%ymm10, %%ymm11, %%ymm1\n\t"
                "vfmadd231ps %%ymm10, %%ymm11, %%ymm2\n\tvfmadd231ps %%ymm10, %%ymm11, %%ymm3\n\t"
                "vfmadd231ps %%ymm10, %%ymm11, %%ymm4\n\tvfmadd231ps %%ymm10, %%ymm11, %%ymm5\n\t"
                "vfmadd231ps %%ymm10, %%ymm11, %%ymm6\n\tvfmadd231ps %%ymm10, %%ymm11, %%ymm7\n\t"
                "vfmadd231ps %%ymm10, %%ymm11, %%ymm8\n\tvfmadd231ps %%ymm10, %%ymm11, %%ymm9"
                ::: "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8",
                    "xmm9");
        double gflops = (iters / 4) * 10.0 * 16 / (now() - t0) / 1e9;
        if (gflops > best) best = gflops;
    }
    printf("clock (dependent integer adds, best of 5): %.2f GHz\n", ghz);
    printf("f32 FMA peak, 256-bit (best of 5): %.1f GFLOP/s = %.1f FLOP per cycle\n", best,
           best / ghz);
    return (int)(x & 1);
}
