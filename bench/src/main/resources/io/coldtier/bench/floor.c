/*
 * The C floor for NativeBenchmarks: the same operations with raw syscalls, no JVM, so the
 * Java/C ratio shows what FFM adds. Built and run by NativeBench (gcc -O2 -o floor floor.c).
 *
 * Output: one line per benchmark, "name value unit" (mean per operation after warm-up).
 * Usage: floor [--quick]   (--quick: fewer repetitions, for a smoke run)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/userfaultfd.h>
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
#define REGION (1UL << 30)
#define PAGE 4096UL
/* Same vector length as PagemapScan.self(), so both sides make the same number of ioctls. */
#define VEC_LEN 4096

struct reps {
	long abs_calls, getpid_calls;
	int warm, wp, scan;
};

struct region {
	int memfd, uffd, pagemap;
	uint8_t *base;
	struct page_region *vec;
};

static void die(const char *what)
{
	fprintf(stderr, "floor: %s: %s\n", what, strerror(errno));
	exit(1);
}

static double now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

/* The floor of a call: an indirect call the compiler can neither inline nor hoist. */
static void bench_abs(long n)
{
	int (*volatile fp)(int) = abs;
	long sum = 0;
	for (long i = 0; i < n / 10; i++)
		sum += fp((int)i - 7);
	double t0 = now_ns();
	for (long i = 0; i < n; i++)
		sum += fp((int)i - 7);
	double dt = now_ns() - t0;
	printf("trivialDowncall %.3f ns\n", dt / n);
	if (sum == 42) /* keeps sum alive */
		fputs("", stderr);
}

/* syscall(SYS_getpid), not getpid(): older glibc cached the pid and never entered the kernel. */
static void bench_getpid(long n)
{
	long sum = 0;
	for (long i = 0; i < n / 10; i++)
		sum += syscall(SYS_getpid);
	double t0 = now_ns();
	for (long i = 0; i < n; i++)
		sum += syscall(SYS_getpid);
	double dt = now_ns() - t0;
	printf("getpid %.3f ns\n", dt / n);
	if (sum == 42)
		fputs("", stderr);
}

static void writeprotect(struct region *r, int protect)
{
	struct uffdio_writeprotect wp = {
		.range = { .start = (uintptr_t)r->base, .len = REGION },
		.mode = protect ? UFFDIO_WRITEPROTECT_MODE_WP : 0,
	};
	if (ioctl(r->uffd, UFFDIO_WRITEPROTECT, &wp))
		die("UFFDIO_WRITEPROTECT");
}

/* Same setup as NativeBenchmarks' Region: fallocate + MADV_POPULATE_WRITE, then MISSING|WP. */
static void region_open(struct region *r)
{
	r->memfd = memfd_create("coldtier-floor", MFD_CLOEXEC);
	if (r->memfd < 0)
		die("memfd_create");
	if (ftruncate(r->memfd, REGION) || fallocate(r->memfd, 0, 0, REGION))
		die("ftruncate/fallocate");
	r->base = mmap(NULL, REGION, PROT_READ | PROT_WRITE, MAP_SHARED, r->memfd, 0);
	if (r->base == MAP_FAILED)
		die("mmap");
	if (madvise(r->base, REGION, MADV_POPULATE_WRITE))
		die("madvise(MADV_POPULATE_WRITE)");
	r->uffd = syscall(SYS_USERFAULTFD, O_CLOEXEC | O_NONBLOCK);
	if (r->uffd < 0)
		die("userfaultfd");
	struct uffdio_api api = { .api = UFFD_API, .features = 0 };
	if (ioctl(r->uffd, UFFDIO_API, &api))
		die("UFFDIO_API");
	struct uffdio_register reg = {
		.range = { .start = (uintptr_t)r->base, .len = REGION },
		.mode = UFFDIO_REGISTER_MODE_MISSING | UFFDIO_REGISTER_MODE_WP,
	};
	if (ioctl(r->uffd, UFFDIO_REGISTER, &reg))
		die("UFFDIO_REGISTER");
	r->pagemap = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	if (r->pagemap < 0)
		die("open(/proc/self/pagemap)");
	r->vec = calloc(VEC_LEN, sizeof(struct page_region));
	if (!r->vec)
		die("calloc");
}

/*
 * Counts present runs. walk_end is stale on 6.18 once a walk passes 512 regions, so the walk is
 * complete only when a call returns fewer than vec_len entries; otherwise resume at
 * max(walk_end, last.end) (stock-kernel-tracking.md §0).
 */
static long scan_present(struct region *r)
{
	uint64_t from = (uintptr_t)r->base, end = from + REGION;
	long runs = 0;
	while (from < end) {
		struct pm_scan_arg a = {
			.size = sizeof a, .start = from, .end = end,
			.vec = (uintptr_t)r->vec, .vec_len = VEC_LEN,
			.category_mask = PAGE_IS_PRESENT, .return_mask = PAGE_IS_PRESENT,
		};
		long n = ioctl(r->pagemap, PAGEMAP_SCAN, &a);
		if (n < 0)
			die("PAGEMAP_SCAN");
		runs += n;
		if (n < VEC_LEN)
			break;
		uint64_t next = a.walk_end > r->vec[n - 1].end ? a.walk_end : r->vec[n - 1].end;
		if (next <= from) {
			fprintf(stderr, "floor: PAGEMAP_SCAN made no progress at %#lx\n", (unsigned long)from);
			exit(1);
		}
		from = next;
	}
	return runs;
}

/* Protect and unprotect alternate, so each is timed from the opposite state, as in JMH. */
static void bench_writeprotect(struct region *r, const struct reps *n)
{
	double on = 0, off = 0;
	for (int i = -n->warm; i < n->wp; i++) {
		double t0 = now_ns();
		writeprotect(r, 1);
		double t1 = now_ns();
		writeprotect(r, 0);
		double t2 = now_ns();
		if (i >= 0) {
			on += t1 - t0;
			off += t2 - t1;
		}
	}
	printf("writeProtect1GiB %.3f ms\n", on / n->wp / 1e6);
	printf("writeUnprotect1GiB %.3f ms\n", off / n->wp / 1e6);
}

static void bench_scan(struct region *r, const struct reps *n, const char *name, long expect)
{
	double total = 0;
	for (int i = -n->warm; i < n->scan; i++) {
		double t0 = now_ns();
		long runs = scan_present(r);
		double dt = now_ns() - t0;
		if (runs != expect) {
			fprintf(stderr, "floor: %s found %ld runs, expected %ld\n", name, runs, expect);
			exit(1);
		}
		if (i >= 0)
			total += dt;
	}
	printf("%s %.3f ms\n", name, total / n->scan / 1e6);
}

/* Zap everything, then write one byte into every other page: REGION / PAGE / 2 one-page runs. */
static void make_half_present(struct region *r)
{
	if (madvise(r->base, REGION, MADV_DONTNEED))
		die("madvise(MADV_DONTNEED)");
	volatile uint8_t *p = r->base;
	for (unsigned long off = 0; off < REGION; off += 2 * PAGE)
		p[off] = 1;
}

int main(int argc, char **argv)
{
	int quick = argc > 1 && strcmp(argv[1], "--quick") == 0;
	struct reps n = quick ? (struct reps){ 10000000, 100000, 1, 5, 5 }
			      : (struct reps){ 100000000, 1000000, 3, 20, 20 };
	setvbuf(stdout, NULL, _IOLBF, 0);

	bench_abs(n.abs_calls);
	bench_getpid(n.getpid_calls);

	struct region r;
	region_open(&r);
	bench_writeprotect(&r, &n);
	bench_scan(&r, &n, "pagemapScan1GiB_allPresent", 1);
	make_half_present(&r);
	bench_scan(&r, &n, "pagemapScan1GiB_halfPresent", REGION / PAGE / 2);

	close(r.uffd);
	munmap(r.base, REGION);
	close(r.memfd);
	close(r.pagemap);
	free(r.vec);
	return 0;
}
