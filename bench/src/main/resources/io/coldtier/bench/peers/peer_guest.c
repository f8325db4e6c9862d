/* Guest workload for `coldtier bench peers`: the same memory, pattern, seed and timing under every configuration.
 *
 * Usage: peer_guest <guest-bytes> <seconds> <warmup-seconds> <hot-percent> <hot-access-ppm> <slow-ns>
 *                   [<hand-over-socket> <vm-id>]
 *
 * Guest memory is one memfd mapped MAP_SHARED (as a VMM backs guest RAM), 4 KiB pages, THP off. hot-percent of the
 * pages take hot-access-ppm parts per million of the accesses; the rest are uniform over all pages. Every access is
 * one timed 8-byte read-modify-write.
 *
 * Protocol with the parent (PeerGuest.java): wait for a line on stdin before allocating (so the parent can move the
 * process into a cgroup first); populate; with a socket, hand the uffd and the memfd over to the coldtier agent
 * (hand-over protocol v1, handover/README.md) and serve its zap requests on a second thread; run warmup-seconds
 * untimed, then seconds timed; print "key value" lines and "ready"; wait for another line (so the parent can read
 * memory.stat while the memory is still held); with a socket, say goodbye "exiting" and wait for "detached". */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define PAGE 4096UL
#define MAX_SLOW 4000000
#define MAX_FRAME 65536

static unsigned char *mem;
static uint64_t mem_bytes;
static int sock = -1;
static pthread_mutex_t send_lock = PTHREAD_MUTEX_INITIALIZER;
static volatile long zaps, zap_failures;
static volatile int start_now; /* set when the parent writes "start": end the warm-up early */

/* Reads the parent's lines during the run: "start" ends the warm-up (the parent saw the tiering settle), and the
 * next line after the figures ("bye") ends the process. */
static pthread_mutex_t line_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t line_cond = PTHREAD_COND_INITIALIZER;
static int bye;

static void *read_parent(void *unused) {
    (void)unused;
    char buf[64];
    while (fgets(buf, sizeof buf, stdin)) {
        if (strncmp(buf, "start", 5) == 0) { start_now = 1; continue; }
        break;
    }
    pthread_mutex_lock(&line_lock);
    bye = 1;
    pthread_cond_signal(&line_cond);
    pthread_mutex_unlock(&line_lock);
    return NULL;
}

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

static void die(const char *what) {
    fprintf(stderr, "peer_guest: %s: %s\n", what, strerror(errno));
    exit(4);
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

/* Pages of guest memory in RAM: mincore reports page-cache residency of the memfd's pages whether they are mapped
 * or not, so it is the same measure for a zapped-but-kept page (resident), a punched page (not) and a page the
 * kernel swapped to zram (not, unless it sits in the swap cache). */
static uint64_t resident_pages(unsigned char *vec) {
    if (mincore(mem, mem_bytes, vec) != 0) die("mincore");
    uint64_t n = 0;
    for (uint64_t i = 0; i < mem_bytes / PAGE; i++) n += vec[i] & 1;
    return n;
}

static int write_all(const void *buf, size_t len) {
    const char *p = buf;
    while (len > 0) {
        ssize_t w = write(sock, p, len);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return -1;
        p += w; len -= (size_t)w;
    }
    return 0;
}

static int send_frame(const char *json) {
    uint32_t n = (uint32_t)strlen(json);
    unsigned char hdr[4] = {n >> 24, n >> 16, n >> 8, n};
    pthread_mutex_lock(&send_lock);
    int rc = write_all(hdr, 4) || write_all(json, n);
    pthread_mutex_unlock(&send_lock);
    return rc;
}

static int read_all(void *buf, size_t len) {
    char *p = buf;
    while (len > 0) {
        ssize_t r = read(sock, p, len);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) return -1;
        p += r; len -= (size_t)r;
    }
    return 0;
}

/* One frame's JSON into buf (NUL-terminated); -1 at end of stream. */
static int read_frame(char *buf) {
    unsigned char hdr[4];
    if (read_all(hdr, 4)) return -1;
    uint32_t n = (uint32_t)hdr[0] << 24 | (uint32_t)hdr[1] << 16 | (uint32_t)hdr[2] << 8 | hdr[3];
    if (n == 0 || n > MAX_FRAME) { fprintf(stderr, "peer_guest: bad frame length %u\n", n); return -1; }
    if (read_all(buf, n)) return -1;
    buf[n] = 0;
    return 0;
}

static int is_type(const char *json, const char *type) {
    char key[64];
    snprintf(key, sizeof key, "\"type\":\"%s\"", type);
    return strstr(json, key) != NULL;
}

/* The agent's zap requests: MADV_DONTNEED of each range after checking it lies in guest memory (the zap backend's
 * arm, done exactly by the VMM instead of a best-effort remote MADV_PAGEOUT). Ends at "detached" or end of stream. */
static void *serve_agent(void *unused) {
    (void)unused;
    static char buf[MAX_FRAME + 1];
    char reply[256];
    while (read_frame(buf) == 0) {
        if (is_type(buf, "detached")) break;
        if (!is_type(buf, "zap")) { fprintf(stderr, "peer_guest: ignoring %.80s\n", buf); continue; }
        const char *idp = strstr(buf, "\"id\":");
        unsigned long long id = idp ? strtoull(idp + 5, 0, 10) : 0;
        int ok = idp != NULL;
        for (const char *p = strstr(buf, "\"start\":"); p; p = strstr(p + 1, "\"start\":")) {
            uint64_t start = strtoull(p + 8, 0, 10);
            const char *lp = strstr(p, "\"len\":");
            uint64_t len = lp ? strtoull(lp + 6, 0, 10) : 0;
            if (start < (uint64_t)mem || start + len > (uint64_t)mem + mem_bytes || len == 0
                    || madvise((void *)start, len, MADV_DONTNEED) != 0) {
                ok = 0;
            }
        }
        zaps++;
        if (!ok) zap_failures++;
        snprintf(reply, sizeof reply, "{\"type\":\"zap_done\",\"id\":%llu,\"ok\":%s,\"message\":\"%s\"}", id,
                 ok ? "true" : "false", ok ? "" : "a range outside guest memory or madvise failed");
        if (send_frame(reply)) break;
    }
    return NULL;
}

/* Hand-over protocol v1: hello + SCM_RIGHTS [uffd, memfd] in one sendmsg, then the verdict. */
static void hand_over(const char *path, const char *vm_id, int memfd) {
    int uffd = (int)syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);
    if (uffd < 0) die("userfaultfd");
    struct uffdio_api api = {.api = UFFD_API, .features = 0};
    if (ioctl(uffd, UFFDIO_API, &api)) die("UFFDIO_API");
    sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    strncpy(addr.sun_path, path, sizeof addr.sun_path - 1);
    if (sock < 0 || connect(sock, (struct sockaddr *)&addr, sizeof addr)) die("connect to the agent");
    char json[1024];
    int n = snprintf(json, sizeof json, "{\"type\":\"hello\",\"protocol\":1,\"vm_id\":\"%s\",\"regions\":[{"
            "\"host_base\":%llu,\"size\":%llu,\"memfd_index\":0,\"memfd_offset\":0,\"page_size\":4096,"
            "\"guest_phys_addr\":0}],\"uffd_registered\":false,\"capabilities\":[\"zap\"]}", vm_id,
            (unsigned long long)(uint64_t)mem, (unsigned long long)mem_bytes);
    unsigned char frame[1028] = {n >> 24, n >> 16, n >> 8, n};
    memcpy(frame + 4, json, (size_t)n);
    struct iovec iov = {.iov_base = frame, .iov_len = (size_t)n + 4};
    union { char buf[CMSG_SPACE(2 * sizeof(int))]; struct cmsghdr align; } ctl;
    memset(&ctl, 0, sizeof ctl);
    struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.buf, .msg_controllen = sizeof ctl.buf};
    struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(2 * sizeof(int));
    int fds[2] = {uffd, memfd};
    memcpy(CMSG_DATA(c), fds, sizeof fds);
    if (sendmsg(sock, &msg, 0) != (ssize_t)iov.iov_len) die("sendmsg hello");
    static char verdict[MAX_FRAME + 1];
    if (read_frame(verdict)) { fprintf(stderr, "peer_guest: the agent closed the connection\n"); exit(5); }
    if (!is_type(verdict, "accepted")) { fprintf(stderr, "peer_guest: hand-over refused: %s\n", verdict); exit(5); }
    /* uffd and memfd stay open until exit: evicted pages must keep their userfaultfd (handover/README.md). */
}

int main(int argc, char **argv) {
    if (argc != 7 && argc != 9) {
        fprintf(stderr, "usage: %s bytes seconds warmup-seconds hot%% hot-access-ppm slow-ns [socket vm-id]\n",
                argv[0]);
        return 2;
    }
    mem_bytes = strtoull(argv[1], 0, 10) / PAGE * PAGE;
    double seconds = atof(argv[2]), warmup = atof(argv[3]);
    uint64_t hot_pct = strtoull(argv[4], 0, 10), hot_ppm = strtoull(argv[5], 0, 10);
    uint64_t slow_ns = strtoull(argv[6], 0, 10);
    char buf[64];
    if (!fgets(buf, sizeof buf, stdin)) return 3;

    uint64_t pages = mem_bytes / PAGE, hot = pages * hot_pct / 100;
    if (hot == 0) hot = 1;
    int memfd = memfd_create("peer-guest", MFD_CLOEXEC);
    if (memfd < 0 || ftruncate(memfd, (off_t)mem_bytes)) die("memfd");
    mem = mmap(0, mem_bytes, PROT_READ | PROT_WRITE, MAP_SHARED, memfd, 0);
    if (mem == MAP_FAILED) die("mmap");
    madvise(mem, mem_bytes, MADV_NOHUGEPAGE);
    /* Populate: first 1 KiB of each page pseudo-random, the rest zero (compresses about 4:1, never same-filled). */
    uint64_t seed = 0x9e3779b97f4a7c15ULL;
    uint64_t t0 = now_ns();
    for (uint64_t p = 0; p < pages; p++) {
        uint64_t *w = (uint64_t *)(mem + p * PAGE);
        for (int i = 0; i < 128; i++) w[i] = xorshift(&seed); /* the other 3 KiB stay zero */
    }
    uint64_t populate_ns = now_ns() - t0;

    pthread_t agent_thread, parent_thread;
    if (pthread_create(&parent_thread, 0, read_parent, 0)) die("pthread_create");
    if (argc == 9) {
        hand_over(argv[7], argv[8], memfd);
        if (pthread_create(&agent_thread, 0, serve_agent, 0)) die("pthread_create");
        printf("attached\n");
        fflush(stdout);
    }

    uint32_t *slow = malloc(sizeof(uint32_t) * MAX_SLOW);
    unsigned char *vec = malloc(pages);
    uint64_t words = (pages + 63) / 64;
    uint64_t *touched = calloc(words, 8), *touched5 = calloc(words, 8); /* pages touched this second / 5 seconds */
    if (!slow || !vec || !touched || !touched5) die("malloc");
    uint64_t ws5_sum = 0, ws5_windows = 0;
    uint64_t nslow = 0, slow_total = 0, ops = 0, sum = 0, samples = 0, resident_sum = 0, ws_sum = 0, ws_windows = 0;
    struct rusage r0, r1;
    uint64_t start = now_ns(), timed = start + (uint64_t)(warmup * 1e9), end = timed + (uint64_t)(seconds * 1e9);
    uint64_t t = start, next_sample = timed + 1000000000ULL;
    int timing = 0;
    uint64_t warmup_ops = 0;
    double warmup_s = 0;
    while (t < end) {
        if (!timing && (t >= timed || start_now)) {
            timing = 1;
            warmup_ops = ops;
            warmup_s = (t - start) / 1e9;
            end = t + (uint64_t)(seconds * 1e9);
            next_sample = t + 1000000000ULL;
            getrusage(RUSAGE_SELF, &r0);
            memset(touched, 0, words * 8);
            memset(touched5, 0, words * 8);
            ops = 0;
            start = t;
        }
        for (int k = 0; k < 64; k++) {
            uint64_t r = xorshift(&seed);
            uint64_t page = (r % 1000000 < hot_ppm) ? (r >> 20) % hot : (r >> 20) % pages;
            volatile uint64_t *line = (volatile uint64_t *)(mem + page * PAGE + ((r >> 50) & 31) * 64);
            uint64_t a = now_ns();
            uint64_t v = *line;
            *line = v + 1;
            t = now_ns();
            sum += v;
            if (timing) {
                touched[page >> 6] |= 1ULL << (page & 63);
                if (t - a > slow_ns) {
                    slow_total += t - a;
                    if (nslow < MAX_SLOW) slow[nslow++] = (uint32_t)((t - a) > 0xffffffffULL ? 0xffffffffULL : (t - a));
                }
            }
        }
        ops += 64;
        if (timing && t >= next_sample) {
            /* Once a second: the pages in RAM, and the ground-truth working set (distinct pages touched in the
             * last second). Not counted as accesses; takes well under a millisecond for 512 MiB. */
            uint64_t ws = 0;
            for (uint64_t i = 0; i < words; i++) {
                ws += (uint64_t)__builtin_popcountll(touched[i]);
                touched5[i] |= touched[i];
            }
            memset(touched, 0, words * 8);
            ws_sum += ws;
            ws_windows++;
            if (ws_windows % 5 == 0) { /* the 5 s window, the aggregation interval DAMON may use */
                uint64_t w5 = 0;
                for (uint64_t i = 0; i < words; i++) w5 += (uint64_t)__builtin_popcountll(touched5[i]);
                memset(touched5, 0, words * 8);
                ws5_sum += w5;
                ws5_windows++;
            }
            resident_sum += resident_pages(vec);
            samples++;
            next_sample += 1000000000ULL;
        }
    }
    getrusage(RUSAGE_SELF, &r1);
    double elapsed = (t - start) / 1e9;

    /* Refault probe: the latency of bringing back a page that is out, measured the same way in every row. Pick
     * random pages, keep those mincore says are not in RAM (punched by coldtier, swapped out by the kernel), and
     * time one 8-byte read of each. A page brought back by a neighbour's prefetch or swap readahead meanwhile is
     * simply resident by then and skipped. */
    uint32_t *probe = malloc(sizeof(uint32_t) * 2000);
    uint64_t nprobe = 0, tried = 0;
    while (probe && nprobe < 2000 && tried < 400000) {
        uint64_t page = (xorshift(&seed) >> 20) % pages;
        tried++;
        if (mincore(mem + page * PAGE, PAGE, vec)) die("mincore");
        if (vec[0] & 1) continue;
        uint64_t a = now_ns();
        sum += *(volatile uint64_t *)(mem + page * PAGE);
        uint64_t d = now_ns() - a;
        probe[nprobe++] = (uint32_t)(d > 0xffffffffULL ? 0xffffffffULL : d);
    }
    qsort(probe, nprobe, sizeof(uint32_t), cmp_u32);
    qsort(slow, nslow, sizeof(uint32_t), cmp_u32);
    printf("pages %llu\n", (unsigned long long)pages);
    printf("populate_ms %.1f\n", populate_ns / 1e6);
    printf("ops %llu\n", (unsigned long long)ops);
    printf("elapsed_s %.3f\n", elapsed);
    printf("elapsed_ms %.0f\n", elapsed * 1e3);
    printf("ops_per_s %.0f\n", ops / elapsed);
    printf("slow %llu\n", (unsigned long long)nslow);
    printf("slow_p50_ns %u\n", nslow ? slow[nslow / 2] : 0);
    printf("slow_p99_ns %u\n", nslow ? slow[(nslow * 99) / 100] : 0);
    printf("slow_max_ns %u\n", nslow ? slow[nslow - 1] : 0);
    printf("slow_total_ms %.1f\n", slow_total / 1e6);
    printf("probe_pages %llu\n", (unsigned long long)nprobe);
    printf("probe_p50_ns %u\n", nprobe ? probe[nprobe / 2] : 0);
    printf("probe_p99_ns %u\n", nprobe ? probe[(nprobe * 99) / 100] : 0);
    printf("warmup_ms %.0f\n", warmup_s * 1e3);
    printf("warmup_ops_per_s %.0f\n", warmup_s > 0 ? warmup_ops / warmup_s : 0);
    printf("utime_ms %.1f\n", ((r1.ru_utime.tv_sec - r0.ru_utime.tv_sec) * 1e6 + (r1.ru_utime.tv_usec - r0.ru_utime.tv_usec)) / 1e3);
    printf("stime_ms %.1f\n", ((r1.ru_stime.tv_sec - r0.ru_stime.tv_sec) * 1e6 + (r1.ru_stime.tv_usec - r0.ru_stime.tv_usec)) / 1e3);
    printf("majflt %ld\n", r1.ru_majflt - r0.ru_majflt);
    printf("vmrss_kb %ld\n", status_kb("VmRSS"));
    printf("resident_pages_end %llu\n", (unsigned long long)resident_pages(vec));
    printf("resident_pages_mean %llu\n", (unsigned long long)(samples ? resident_sum / samples : resident_pages(vec)));
    printf("ws_pages_mean %llu\n", (unsigned long long)(ws_windows ? ws_sum / ws_windows : 0));
    printf("ws5_pages_mean %llu\n", (unsigned long long)(ws5_windows ? ws5_sum / ws5_windows : 0));
    printf("zaps %ld\n", zaps);
    printf("zap_failures %ld\n", zap_failures);
    printf("checksum %llu\n", (unsigned long long)(sum & 0xff));
    printf("ready\n");
    fflush(stdout);
    pthread_mutex_lock(&line_lock);
    while (!bye) pthread_cond_wait(&line_cond, &line_lock);
    pthread_mutex_unlock(&line_lock);
    if (sock >= 0) {
        send_frame("{\"type\":\"goodbye\",\"reason\":\"exiting\"}");
        pthread_join(agent_thread, NULL);
    }
    return 0;
}
