/*
 * The C floor of the tracking engine's per-operation costs (issue #8, `coldtier bench peers`):
 * the same syscalls the engine makes, on the same kind of region (memfd, MAP_SHARED, fully
 * fallocate()d, uffd registered MISSING|WP as the zap backend does), with no JVM and no engine
 * bookkeeping. Built and run by EngineFloor (gcc -O2 -pthread -o engine_floor engine_floor.c).
 *
 *   arm        MADV_DONTNEED over the region, every page present (MADV_POPULATE_WRITE before)
 *   hot scan   PAGEMAP_SCAN(PAGE_IS_PRESENT) after an arm + a write to a random 10 % of pages
 *   freeze     UFFDIO_WRITEPROTECT of zapped (non-present) pages, 1-page calls and 256-page calls
 *   punch      fallocate(PUNCH_HOLE|KEEP_SIZE) of frozen, zapped pages, 1-page and 256-page calls
 *   refault    a toucher reads 8 bytes of a punched + zapped page; a handler thread (poll + read
 *              uffd_msg + UFFDIO_COPY from an in-memory copy) resolves it; both pinned to CPU0
 *
 * Output: one line per figure, "name value unit"; medians of the repetitions after warm-up
 * (refault: percentiles over every timed refault).
 * Usage: engine_floor [--quick] [--size BYTES]   (default 256 MiB, --quick 64 MiB and fewer reps)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

/* Defined here: Debian 12's linux-libc-dev (6.1) predates PAGEMAP_SCAN (Linux 6.7, linux/fs.h). */
struct pm_scan_arg {
	uint64_t size, flags, start, end, walk_end, vec, vec_len, max_pages;
	uint64_t category_inverted, category_mask, category_anyof_mask, return_mask;
};
struct page_region {
	uint64_t start, end, categories;
};
_Static_assert(sizeof(struct pm_scan_arg) == 96, "pm_scan_arg is 12 u64");
_Static_assert(sizeof(struct page_region) == 24, "page_region is 3 u64");

#define PAGEMAP_SCAN 0xC0606610UL /* _IOWR('f', 16, struct pm_scan_arg) */
#define PAGE_IS_PRESENT (1UL << 3)
#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif
#define SYS_USERFAULTFD 323
#define PAGE 4096UL
#define VEC_LEN 4096 /* same as PagemapScan.self() */
#define RUN 256      /* EvictionExecutor.Config.defaults().batchPages() */
#define STRIDE 64    /* 1-page calls: every 64th page */
#define MSG_BATCH 64 /* FaultLoop.Config.defaults().batch() */

static unsigned long region_bytes;
static unsigned long npages;
static int memfd, uffd, pagemap;
static uint8_t *base;
static struct page_region *vec;

static void die(const char *what)
{
	fprintf(stderr, "engine_floor: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void fail(const char *msg, long a, long b)
{
	fprintf(stderr, "engine_floor: %s (%ld, expected %ld)\n", msg, a, b);
	exit(1);
}

static double now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static uint64_t rng = 0x9E3779B97F4A7C15ULL;
static uint64_t next_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	qsort(v, n, sizeof *v, cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static void pin(int cpu)
{
	cpu_set_t set;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof set, &set))
		die("sched_setaffinity");
}

/* count distinct random pages of [0, npages), shuffled (partial Fisher-Yates). */
static uint32_t *random_pages(unsigned long count)
{
	uint32_t *all = malloc(npages * sizeof *all);
	if (!all)
		die("malloc");
	for (unsigned long i = 0; i < npages; i++)
		all[i] = i;
	for (unsigned long i = 0; i < count; i++) {
		unsigned long j = i + next_rand() % (npages - i);
		uint32_t t = all[i];
		all[i] = all[j];
		all[j] = t;
	}
	return all;
}

static void region_open(void)
{
	memfd = memfd_create("coldtier-engine-floor", MFD_CLOEXEC);
	if (memfd < 0)
		die("memfd_create");
	if (ftruncate(memfd, region_bytes) || fallocate(memfd, 0, 0, region_bytes))
		die("ftruncate/fallocate");
	base = mmap(NULL, region_bytes, PROT_READ | PROT_WRITE, MAP_SHARED, memfd, 0);
	if (base == MAP_FAILED)
		die("mmap");
	uffd = syscall(SYS_USERFAULTFD, O_CLOEXEC | O_NONBLOCK);
	if (uffd < 0)
		die("userfaultfd");
	struct uffdio_api api = { .api = UFFD_API, .features = 0 };
	if (ioctl(uffd, UFFDIO_API, &api))
		die("UFFDIO_API");
	struct uffdio_register reg = {
		.range = { .start = (uintptr_t)base, .len = region_bytes },
		.mode = UFFDIO_REGISTER_MODE_MISSING | UFFDIO_REGISTER_MODE_WP,
	};
	if (ioctl(uffd, UFFDIO_REGISTER, &reg))
		die("UFFDIO_REGISTER");
	pagemap = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	if (pagemap < 0)
		die("open(/proc/self/pagemap)");
	vec = calloc(VEC_LEN, sizeof *vec);
	if (!vec)
		die("calloc");
}

/* Present pages; walk_end is stale on 6.18 past 512 regions (stock-kernel-tracking.md §0). */
static long scan_present(void)
{
	uint64_t from = (uintptr_t)base, end = from + region_bytes;
	long pages = 0;
	while (from < end) {
		struct pm_scan_arg a = {
			.size = sizeof a, .start = from, .end = end,
			.vec = (uintptr_t)vec, .vec_len = VEC_LEN,
			.category_mask = PAGE_IS_PRESENT, .return_mask = PAGE_IS_PRESENT,
		};
		long n = ioctl(pagemap, PAGEMAP_SCAN, &a);
		if (n < 0)
			die("PAGEMAP_SCAN");
		for (long i = 0; i < n; i++)
			pages += (vec[i].end - vec[i].start) / PAGE;
		if (n < VEC_LEN)
			break;
		uint64_t next = a.walk_end > vec[n - 1].end ? a.walk_end : vec[n - 1].end;
		if (next <= from)
			fail("PAGEMAP_SCAN made no progress", (long)from, (long)end);
		from = next;
	}
	return pages;
}

static void zap(void)
{
	if (madvise(base, region_bytes, MADV_DONTNEED))
		die("madvise(MADV_DONTNEED)");
}

static void writeprotect(unsigned long first, unsigned long count, int protect)
{
	struct uffdio_writeprotect wp = {
		.range = { .start = (uintptr_t)(base + first * PAGE), .len = count * PAGE },
		.mode = protect ? UFFDIO_WRITEPROTECT_MODE_WP : 0,
	};
	if (ioctl(uffd, UFFDIO_WRITEPROTECT, &wp))
		die("UFFDIO_WRITEPROTECT");
}

static void punch(unsigned long first, unsigned long count)
{
	if (fallocate(memfd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, first * PAGE, count * PAGE))
		die("fallocate(PUNCH_HOLE|KEEP_SIZE)");
}

/* 1. arm: every page present (dirty PTEs), time MADV_DONTNEED. 2. hot scan after a 10 % write. */
static void bench_arm_scan(int warm, int reps)
{
	double arm[64], scan[64];
	unsigned long tenth = npages / 10;
	uint32_t *pages = random_pages(tenth);
	double gib = (double)(1UL << 30) / region_bytes;
	for (int rep = -warm; rep < reps; rep++) {
		if (madvise(base, region_bytes, MADV_POPULATE_WRITE))
			die("madvise(MADV_POPULATE_WRITE)");
		long present = scan_present();
		if (present != (long)npages)
			fail("populate left pages unmapped", present, npages);
		double t0 = now_ns();
		zap();
		double ta = now_ns() - t0;
		if ((present = scan_present()) != 0)
			fail("arm left pages present", present, 0);
		volatile uint8_t *p = base;
		for (unsigned long i = 0; i < tenth; i++)
			p[(unsigned long)pages[i] * PAGE] = 0x5a;
		t0 = now_ns();
		present = scan_present();
		double ts = now_ns() - t0;
		if (present != (long)tenth)
			fail("hot scan found a wrong page count", present, tenth);
		if (rep >= 0) {
			arm[rep] = ta * gib / 1e6;
			scan[rep] = ts * gib / 1e6;
		}
	}
	zap();
	free(pages);
	printf("arm %.3f ms/GiB\n", median(arm, reps));
	printf("hotScan %.3f ms/GiB\n", median(scan, reps));
}

/* 3. freeze: zapped pages, WP on (timed), WP off (untimed). 4. punch: zapped + frozen pages. */
static void bench_freeze_punch(int warm, int reps)
{
	double f1[64], f256[64], p1[64], p256[64];
	unsigned long calls1 = npages / STRIDE, calls256 = npages / RUN;
	zap();
	for (int rep = -warm; rep < reps; rep++) {
		double t0 = now_ns();
		for (unsigned long c = 0; c < calls1; c++)
			writeprotect(c * STRIDE, 1, 1);
		double a = now_ns() - t0;
		for (unsigned long c = 0; c < calls1; c++)
			writeprotect(c * STRIDE, 1, 0);
		t0 = now_ns();
		for (unsigned long c = 0; c < calls256; c++)
			writeprotect(c * RUN, RUN, 1);
		double b = now_ns() - t0;
		writeprotect(0, npages, 0);

		writeprotect(0, npages, 1);
		t0 = now_ns();
		for (unsigned long c = 0; c < calls1; c++)
			punch(c * STRIDE, 1);
		double c1 = now_ns() - t0;
		if (fallocate(memfd, 0, 0, region_bytes))
			die("fallocate");
		t0 = now_ns();
		for (unsigned long c = 0; c < calls256; c++)
			punch(c * RUN, RUN);
		double c2 = now_ns() - t0;
		writeprotect(0, npages, 0);
		if (fallocate(memfd, 0, 0, region_bytes))
			die("fallocate");
		if (rep >= 0) {
			f1[rep] = a / calls1 / 1e3;
			f256[rep] = b / npages / 1e3;
			p1[rep] = c1 / calls1 / 1e3;
			p256[rep] = c2 / npages / 1e3;
		}
	}
	printf("freeze1 %.3f us/call\n", median(f1, reps));
	printf("freeze256 %.4f us/page\n", median(f256, reps));
	printf("punch1 %.3f us/call\n", median(p1, reps));
	printf("punch256 %.4f us/page\n", median(p256, reps));
}

/* 5. refault: the handler thread. */
static uint8_t *tier;          /* page p's evicted copy at tier + p * PAGE */
static volatile int handler_stop;
static long handler_copies;

static void *handler(void *arg)
{
	(void)arg;
	pin(0);
	struct uffd_msg msgs[MSG_BATCH];
	struct pollfd pfd = { .fd = uffd, .events = POLLIN };
	while (!handler_stop) {
		int r = poll(&pfd, 1, 50);
		if (r < 0 && errno != EINTR)
			die("poll");
		if (r <= 0)
			continue;
		ssize_t n = read(uffd, msgs, sizeof msgs);
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				continue;
			die("read(uffd)");
		}
		for (long i = 0; i < n / (long)sizeof msgs[0]; i++) {
			if (msgs[i].event != UFFD_EVENT_PAGEFAULT)
				continue;
			uint64_t addr = msgs[i].arg.pagefault.address & ~(PAGE - 1);
			unsigned long p = (addr - (uintptr_t)base) / PAGE;
			struct uffdio_copy c = { .dst = addr, .src = (uintptr_t)(tier + p * PAGE), .len = PAGE, .mode = 0 };
			if (ioctl(uffd, UFFDIO_COPY, &c)) {
				if (errno != EEXIST)
					die("UFFDIO_COPY");
				struct uffdio_range w = { .start = addr, .len = PAGE };
				ioctl(uffd, UFFDIO_WAKE, &w);
			}
			handler_copies++;
		}
	}
	return NULL;
}

static void bench_refault(unsigned long warm, unsigned long timed)
{
	unsigned long n = warm + timed;
	if (n > npages / 2)
		fail("region too small for the refault set", npages, 2 * n);
	uint32_t *order = random_pages(n); /* first n: shuffled, distinct */
	uint32_t *sorted = malloc(n * sizeof *sorted);
	double *lat = malloc(timed * sizeof *lat);
	if (!sorted || !lat)
		die("malloc");
	memcpy(sorted, order, n * sizeof *sorted);
	qsort(sorted, n, sizeof *sorted, cmp_u32);
	/* fill (pages present), copy out to the in-memory tier, punch, zap */
	for (unsigned long i = 0; i < n; i++) {
		unsigned long p = sorted[i];
		memset(base + p * PAGE, (int)(1 + p % 251), PAGE);
	}
	/* The in-memory tier, indexed by page; only the evicted pages' slots are ever touched. */
	tier = mmap(NULL, region_bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (tier == MAP_FAILED)
		die("mmap(tier)");
	for (unsigned long i = 0; i < n; i++) {
		unsigned long p = sorted[i];
		if (pread(memfd, tier + p * PAGE, PAGE, p * PAGE) != (ssize_t)PAGE)
			die("pread");
		punch(p, 1);
	}
	zap();
	long present = scan_present();
	if (present != 0)
		fail("evicted region still has present pages", present, 0);

	pthread_t th;
	if (pthread_create(&th, NULL, handler, NULL))
		die("pthread_create");
	pin(0);
	long wrong = 0;
	for (unsigned long i = 0; i < n; i++) {
		unsigned long p = order[i];
		uint64_t v;
		double t0 = now_ns();
		v = *(volatile uint64_t *)(base + p * PAGE);
		double dt = now_ns() - t0;
		if ((uint8_t)v != (uint8_t)(1 + p % 251))
			wrong++;
		if (i >= warm)
			lat[i - warm] = dt;
	}
	handler_stop = 1;
	pthread_join(th, NULL);
	if (wrong)
		fail("refaulted pages with wrong contents", wrong, 0);
	if (handler_copies != (long)n)
		fail("UFFDIO_COPY count differs from touches", handler_copies, n);
	qsort(lat, timed, sizeof *lat, cmp_double);
	printf("refaultP50 %.3f us\n", lat[timed / 2] / 1e3);
	printf("refaultP99 %.3f us\n", lat[(unsigned long)(timed * 0.99)] / 1e3);
	printf("refaults %lu count\n", timed);
	munmap(tier, region_bytes);
	free(order);
	free(sorted);
	free(lat);
	if (fallocate(memfd, 0, 0, region_bytes))
		die("fallocate");
}

int main(int argc, char **argv)
{
	int quick = 0;
	region_bytes = 256UL << 20;
	int size_given = 0;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--quick") == 0)
			quick = 1;
		else if (strcmp(argv[i], "--size") == 0 && i + 1 < argc) {
			region_bytes = strtoul(argv[++i], NULL, 0);
			size_given = 1;
		} else {
			fprintf(stderr, "usage: engine_floor [--quick] [--size BYTES]\n");
			return 2;
		}
	}
	if (quick && !size_given)
		region_bytes = 64UL << 20;
	if (region_bytes < (16UL << 20) || region_bytes % (RUN * PAGE)) {
		fprintf(stderr, "engine_floor: --size must be a multiple of 1 MiB, at least 16 MiB\n");
		return 2;
	}
	npages = region_bytes / PAGE;
	setvbuf(stdout, NULL, _IOLBF, 0);
	region_open();
	int warm = 2, reps = quick ? 5 : 7;
	bench_arm_scan(warm, reps);
	bench_freeze_punch(warm, reps);
	unsigned long timed = quick ? 5000 : 20000, rwarm = quick ? 1000 : 2000;
	if (timed + rwarm > npages / 2) {
		timed = npages / 2 * 10 / 11;
		rwarm = npages / 2 - timed;
	}
	bench_refault(rwarm, timed);
	close(uffd);
	munmap(base, region_bytes);
	close(memfd);
	close(pagemap);
	free(vec);
	return 0;
}
