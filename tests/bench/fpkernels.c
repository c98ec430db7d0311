/*
 * fpkernels.c - the floating-point workloads of `make bench`, in double
 * precision, compiled four times from this one file: for the guest and for
 * the host, each once with SSE2 arithmetic (-mfpmath=sse) and once with
 * x87 arithmetic (-mfpmath=387 -mno-sse, BENCH_FP_X87 defined), so the two
 * variants run the same algorithm through the two floating-point units.
 *
 *   matmul   dense 96x96 matrix product (i-k-j order, so the inner loop
 *            is a multiply-add over a row: mulsd/addsd or mulpd/addpd with
 *            SSE2, fmul/fadd with x87), one product per repetition with one
 *            input element changed between repetitions.
 *   nbody    five gravitating bodies (the classic Jovian planets set-up)
 *            advanced by a fixed time step: multiplies, adds, a division
 *            and a square root per pair and step.
 *
 * Every result is hashed by its bit pattern, so the checksum changes with
 * the last bit of any value. The x87 variant starts with FNINIT (64-bit
 * precision, round to nearest, exceptions masked: the state Linux gives a
 * process), the SSE2 variant with MXCSR 0x1f80 (the reset value), so guest
 * and host compute the same bits. No double crosses a function boundary
 * that is not inlined: with -mno-sse the x86-64 ABI has no register to
 * pass one in.
 */
#include "kernels.h"

#ifdef BENCH_FP_X87
#define FPK(name) name##_x87
#else
#define FPK(name) name##_sse2
#endif

#define HASH_BASIS 0x811c9dc5u
#define HASH_PRIME 0x01000193u

static uint32_t fp_hash(uint32_t h, uint32_t v)
{
    h ^= v;
    h *= HASH_PRIME;
    h ^= h >> 15;
    return h;
}

/* Hashes the bit pattern of a double held in memory. */
static uint32_t fp_hash_bits(uint32_t h, const double *d)
{
    const uint32_t *w = (const uint32_t *)d;

    return fp_hash(fp_hash(h, w[0]), w[1]);
}

static uint32_t fp_rand(uint32_t *state)
{
    uint32_t x = *state;

    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    *state = x;
    return x;
}

static void fp_start(void)
{
#ifdef BENCH_FP_X87
    __asm__ volatile("fninit");
#else
    uint32_t mxcsr = 0x1f80;
    __asm__ volatile("ldmxcsr %0" : : "m"(mxcsr));
#endif
}

/* ---- matrix multiply ------------------------------------------------- */

#define MM_N 96

static void mm_fill(double *m, uint32_t *state)
{
    for (uint32_t i = 0; i < MM_N * MM_N; i++) {
        /* multiples of 1/4096 in [-8, 8): exact, with full mantissas
           once multiplied */
        m[i] = (double)((int32_t)(fp_rand(state) & 0xffff) - 0x8000) /
               4096.0;
    }
}

__attribute__((noipa)) static void mm_product(double *c, const double *a,
                                              const double *b)
{
    for (uint32_t i = 0; i < MM_N; i++) {
        double *ci = c + i * MM_N;
        for (uint32_t j = 0; j < MM_N; j++) {
            ci[j] = 0.0;
        }
        for (uint32_t k = 0; k < MM_N; k++) {
            double aik = a[i * MM_N + k];
            const double *bk = b + k * MM_N;
            for (uint32_t j = 0; j < MM_N; j++) {
                ci[j] += aik * bk[j];
            }
        }
    }
}

uint32_t FPK(bench_matmul)(uint8_t *work, size_t size, uint32_t scale)
{
    double *a = (double *)work;
    double *b = a + MM_N * MM_N;
    double *c = b + MM_N * MM_N;
    uint32_t state = 0x2545f491;
    uint32_t h = HASH_BASIS;

    if (size < 3 * MM_N * MM_N * sizeof(double)) {
        return 0;
    }
    fp_start();
    mm_fill(a, &state);
    mm_fill(b, &state);
    for (uint32_t rep = 0; rep < scale; rep++) {
        mm_product(c, a, b);
        for (uint32_t i = 0; i < MM_N * MM_N; i += 7) {
            h = fp_hash_bits(h, &c[i]);
        }
        a[(rep * 131u) % (MM_N * MM_N)] += 0.3;
    }
    return h;
}

/* ---- n-body ------------------------------------------------------------ */

#define NB_BODIES 5
#define NB_PI 3.141592653589793
#define NB_MASS (4 * NB_PI * NB_PI)
#define NB_YEAR 365.24
#define NB_STEPS 1000u

typedef struct Body {
    double x, y, z, vx, vy, vz, mass;
} Body;

static const Body nb_init[NB_BODIES] = {
    { 0, 0, 0, 0, 0, 0, NB_MASS },
    { 4.84143144246472090e+00, -1.16032004402742839e+00,
      -1.03622044471123109e-01, 1.66007664274403694e-03 * NB_YEAR,
      7.69901118419740425e-03 * NB_YEAR, -6.90460016972063023e-05 * NB_YEAR,
      9.54791938424326609e-04 * NB_MASS },
    { 8.34336671824457987e+00, 4.12479856412430479e+00,
      -4.03523417114321381e-01, -2.76742510726862411e-03 * NB_YEAR,
      4.99852801234917238e-03 * NB_YEAR, 2.30417297573763929e-05 * NB_YEAR,
      2.85885980666130812e-04 * NB_MASS },
    { 1.28943695621391310e+01, -1.51111514016986312e+01,
      -2.23307578892655734e-01, 2.96460137564761618e-03 * NB_YEAR,
      2.37847173959480950e-03 * NB_YEAR, -2.96589568540237556e-05 * NB_YEAR,
      4.36624404335156298e-05 * NB_MASS },
    { 1.53796971148509165e+01, -2.59193146099879641e+01,
      1.79258772950371181e-01, 2.68067772490389322e-03 * NB_YEAR,
      1.62824170038242295e-03 * NB_YEAR, -9.51592254519715870e-05 * NB_YEAR,
      5.15138902046611451e-05 * NB_MASS },
};

/* GCC calls the library's sqrt for x87 code (FSQRT rounds to 64 bits of
   mantissa first), so the x87 variant names the instruction itself; a
   macro, as even an inlined function may not return a double there. */
#ifdef BENCH_FP_X87
#define nb_sqrt(x) ({ double r_; __asm__("fsqrt" : "=t"(r_) : "0"(x)); r_; })
#else
#define nb_sqrt(x) __builtin_sqrt(x)
#endif

__attribute__((noipa)) static void nb_advance(Body *b, const double *dt,
                                              uint32_t steps)
{
    for (uint32_t s = 0; s < steps; s++) {
        for (int i = 0; i < NB_BODIES; i++) {
            for (int j = i + 1; j < NB_BODIES; j++) {
                double dx = b[i].x - b[j].x;
                double dy = b[i].y - b[j].y;
                double dz = b[i].z - b[j].z;
                double d2 = dx * dx + dy * dy + dz * dz;
                double mag = *dt / (d2 * nb_sqrt(d2));
                b[i].vx -= dx * b[j].mass * mag;
                b[i].vy -= dy * b[j].mass * mag;
                b[i].vz -= dz * b[j].mass * mag;
                b[j].vx += dx * b[i].mass * mag;
                b[j].vy += dy * b[i].mass * mag;
                b[j].vz += dz * b[i].mass * mag;
            }
        }
        for (int i = 0; i < NB_BODIES; i++) {
            b[i].x += *dt * b[i].vx;
            b[i].y += *dt * b[i].vy;
            b[i].z += *dt * b[i].vz;
        }
    }
}

__attribute__((noipa)) static void nb_energy(const Body *b, double *e)
{
    double sum = 0.0;

    for (int i = 0; i < NB_BODIES; i++) {
        sum += 0.5 * b[i].mass *
               (b[i].vx * b[i].vx + b[i].vy * b[i].vy + b[i].vz * b[i].vz);
        for (int j = i + 1; j < NB_BODIES; j++) {
            double dx = b[i].x - b[j].x;
            double dy = b[i].y - b[j].y;
            double dz = b[i].z - b[j].z;
            sum -= b[i].mass * b[j].mass /
                   nb_sqrt(dx * dx + dy * dy + dz * dz);
        }
    }
    *e = sum;
}

uint32_t FPK(bench_nbody)(uint8_t *work, size_t size, uint32_t scale)
{
    Body *b = (Body *)work;
    double dt = 0.01, e;
    uint32_t h = HASH_BASIS;

    if (size < sizeof(nb_init)) {
        return 0;
    }
    fp_start();
    for (int i = 0; i < NB_BODIES; i++) {
        b[i] = nb_init[i];
    }
    for (uint32_t rep = 0; rep < scale; rep++) {
        nb_advance(b, &dt, NB_STEPS);
        nb_energy(b, &e);
        h = fp_hash_bits(h, &e);
    }
    for (int i = 0; i < NB_BODIES; i++) {
        h = fp_hash_bits(h, &b[i].x);
        h = fp_hash_bits(h, &b[i].vz);
    }
    return h;
}
