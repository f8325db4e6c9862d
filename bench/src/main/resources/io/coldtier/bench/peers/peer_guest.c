/* Guest workload for `coldtier bench peers`: anonymous memory, hot/cold access pattern, per-access timing.
 * Usage: peer_guest <guest-bytes> <seconds> <hot-percent> <hot-access-percent> <slow-ns>
 * Waits for a line on stdin before allocating (so the parent can move it into a cgroup), prints its
 * figures as "key value" lines, then waits for another line (so the parent can read memory.stat) and exits. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <sys/mman.h>
#include <sys/resource.h>

#define PAGE 4096UL
#define MAX_SLOW 4000000

static inline uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static inline uint64_t xorshift(uint64_t *s) {
    uint64_t x = *s;
    x ^= x << 13; x ^= x >> 7; x ^= x << 17;
    return *s = x;
}

static int cmp_u32(const void *a, const void *b) {
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

static long status_kb(const char *key) {
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long v = -1;
    size_t n = strlen(key);
    if (!f) return -1;
    while (fgets(line, sizeof line, f)) {
        if (strncmp(line, key, n) == 0 && line[n] == ':') { v = atol(line + n + 1); break; }
    }
    fclose(f);
    return v;
}

int main(int argc, char **argv) {
    if (argc != 6) { fprintf(stderr, "usage: %s bytes seconds hot%% hot-access%% slow-ns\n", argv[0]); return 2; }
    uint64_t bytes = strtoull(argv[1], 0, 10);
    double seconds = atof(argv[2]);
    uint64_t hot_pct = strtoull(argv[3], 0, 10), hot_acc = strtoull(argv[4], 0, 10);
    uint64_t slow_ns = strtoull(argv[5], 0, 10);
    char buf[64];
    if (!fgets(buf, sizeof buf, stdin)) return 3;

    uint64_t pages = bytes / PAGE, hot = pages * hot_pct / 100;
    if (hot == 0) hot = 1;
    unsigned char *mem = mmap(0, pages * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (mem == MAP_FAILED) { perror("mmap"); return 4; }
    madvise(mem, pages * PAGE, MADV_NOHUGEPAGE);
    /* Populate: first 1 KiB of each page pseudo-random, the rest zero (compresses about 4:1, never same-filled). */
    uint64_t seed = 0x9e3779b97f4a7c15ULL;
    uint64_t t0 = now_ns();
    for (uint64_t p = 0; p < pages; p++) {
        uint64_t *w = (uint64_t *)(mem + p * PAGE);
        for (int i = 0; i < 128; i++) w[i] = xorshift(&seed); /* the other 3 KiB stay zero */
    }
    uint64_t populate_ns = now_ns() - t0;

    uint32_t *slow = malloc(sizeof(uint32_t) * MAX_SLOW);
    uint64_t nslow = 0, ops = 0, sum = 0;
    struct rusage r0, r1;
    getrusage(RUSAGE_SELF, &r0);
    uint64_t start = now_ns(), end = start + (uint64_t)(seconds * 1e9), t = start;
    while (t < end) {
        for (int k = 0; k < 64; k++) {
            uint64_t r = xorshift(&seed);
            uint64_t page = (r % 100 < hot_acc) ? (r >> 8) % hot : (r >> 8) % pages;
            volatile uint64_t *line = (volatile uint64_t *)(mem + page * PAGE + ((r >> 40) & 31) * 64);
            uint64_t a = now_ns();
            uint64_t v = *line;
            *line = v + 1;
            t = now_ns();
            sum += v;
            if (t - a > slow_ns && nslow < MAX_SLOW) slow[nslow++] = (uint32_t)((t - a) > 0xffffffffULL ? 0xffffffffULL : (t - a));
        }
        ops += 64;
    }
    getrusage(RUSAGE_SELF, &r1);
    double elapsed = (t - start) / 1e9;
    qsort(slow, nslow, sizeof(uint32_t), cmp_u32);
    printf("pages %llu\n", (unsigned long long)pages);
    printf("populate_ms %.1f\n", populate_ns / 1e6);
    printf("ops %llu\n", (unsigned long long)ops);
    printf("elapsed_s %.3f\n", elapsed);
    printf("ops_per_s %.0f\n", ops / elapsed);
    printf("slow %llu\n", (unsigned long long)nslow);
    printf("slow_p50_ns %u\n", nslow ? slow[nslow / 2] : 0);
    printf("slow_p99_ns %u\n", nslow ? slow[(nslow * 99) / 100] : 0);
    printf("utime_ms %.1f\n", ((r1.ru_utime.tv_sec - r0.ru_utime.tv_sec) * 1e6 + (r1.ru_utime.tv_usec - r0.ru_utime.tv_usec)) / 1e3);
    printf("stime_ms %.1f\n", ((r1.ru_stime.tv_sec - r0.ru_stime.tv_sec) * 1e6 + (r1.ru_stime.tv_usec - r0.ru_stime.tv_usec)) / 1e3);
    printf("majflt %ld\n", r1.ru_majflt - r0.ru_majflt);
    printf("vmrss_kb %ld\n", status_kb("VmRSS"));
    printf("vmswap_kb %ld\n", status_kb("VmSwap"));
    printf("checksum %llu\n", (unsigned long long)(sum & 0xff));
    printf("ready\n");
    fflush(stdout);
    fgets(buf, sizeof buf, stdin);
    return 0;
}
