// SPDX-License-Identifier: GPL-2.0
/*
 * map_bench: iommufd2 against upstream iommufd and the physical limit, in
 * one VM, on the same memory, interleaved round by round.
 *
 *   map_bench [-s size_MiB] [-r rounds] [-b backing,...] [-t target,...]
 *             [-n live] [-p part,...] [-d depth]
 *
 * Targets (each used if it is there, "-" in the table if not):
 *   upstream  /dev/iommu, its own iommu-testdev through vfio-pci's cdev
 *   iommufd2  /dev/iommufd2, its own iommu-testdev through iommufd2_pci
 *   limit     /dev/iommufd2-limit (tests/limit): pin_user_pages_fast() and
 *             one iommu_map() per contiguous run, no bookkeeping
 * The iommufd targets map into an IOAS with their device attached, so every
 * IOMMU_IOAS_MAP pins and fills a real paging domain, as the limit does.
 *
 * Backings: 4k (anonymous memory, MADV_NOHUGEPAGE), thp (MADV_HUGEPAGE),
 * hugetlb (MAP_HUGETLB, 2 MiB).  For each, every round maps the whole buffer
 * with each target in turn and unmaps it.  Also: IOAS alloc+destroy rate
 * and each phase's latency (OBJ_ROUNDS rounds of OBJ_LOOPS live at once per
 * target, the targets taking turns every OBJ_CHUNK operations), device attach
 * latency (detached -> HWPT) and replace latency (HWPT -> HWPT).
 *
 * Churn (many small mappings, as a vIOMMU in caching mode or DPDK make
 * them): map+unmap pairs per second of 4 KiB, 64 KiB (4 KiB pages) and
 * 2 MiB (hugetlb) at a kernel-chosen and at a fixed IOVA, with 0, live/10
 * and live (-n, default 10^5) other 4 KiB mappings in the IOAS, each its
 * own IOMMU_IOAS_MAP of its own page, packed from IOVA 4 KiB up, where
 * both kernels place mappings of their own choice (so a kernel-chosen IOVA
 * is found past all of them).  Each target's turn runs CHURN_PAIRS pairs
 * or CHURN_TURN_S seconds, whichever ends first.  Building the live
 * mappings one by one: time and kernel memory (as bookkeeping below) per
 * mapping; unmapping all of them with one IOMMU_IOAS_UNMAP; BUILD_ROUNDS
 * samples of each.  IOMMU_IOAS_COPY of the -s buffer (4 KiB pages) into a
 * second IOAS with a domain of the target's device.  The limit maps its
 * ranges with LIMIT_MAP_RANGE at the same IOVAs; it has no IOVA allocator
 * and no IOAS: "n/a" in those rows.  -p picks the parts to run: map
 * (the -b rows), churn, copy, objects (IOAS rate, attach, replace), and,
 * not by default, trace (where a 4 KiB pair's time goes: function_graph
 * from each target's ioctl entry down -d calls, default 5), pairs
 * (rounds x PROFILE_PAIRS 4 KiB pairs at a fixed IOVA per target and
 * nothing else, to run under a sampling profiler: the bench's
 * IOMMUFD2_PERF=1) and pairs-2m (the same with one 2 MiB hugetlb page).
 *
 * Output:
 * one "BENCH impl=... metric=... value=... unit=..." line per measurement,
 * then the table
 *
 *   metric | upstream | iommufd2 | limit | iommufd2/upstream | iommufd2/limit
 *
 * Bookkeeping is the growth of Slab + VmallocUsed + PageTables in
 * /proc/meminfo while a buffer is mapped that its unmap gives back, per
 * 4 KiB page (the IOMMU's page tables, the same for all, are not in it).
 * Medians of the rounds.  Numbers, not verdicts: nothing fails on a slow or
 * noisy machine.
 */
#include <ctype.h>
#include <math.h>
#include <stdint.h>
#include <sys/mman.h>
#include <time.h>

#include "ifd2_side.h"
#include "../limit/limit_uapi.h"

#define SZ_2M (2UL << 20)
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define BENCH_IOVA (1ULL << 32)
#define OBJ_LOOPS 10000
#define OBJ_ROUNDS 21
#define OBJ_CHUNK 250
#define ATTACH_LOOPS 100
#define MAX_ROUNDS 64
#define SZ_4K 4096UL
#define SZ_64K (64UL << 10)
/* The fixed IOVA of the churn pairs, above any live set. */
#define PAIR_IOVA (1ULL << 36)
/* Where the live set starts: the lowest IOVA either kernel chooses. */
#define LIVE_IOVA SZ_4K
#define LIVE_DEFAULT 100000
#define LIVE_LEVELS 3
#define CHURN_PAIRS 256
#define CHURN_TURN_S 0.05
#define BUILD_ROUNDS 3

enum { T_UPSTREAM, T_IOMMUFD2, T_LIMIT, NR_TARGETS };

/**
 * struct target - one implementation under measurement
 * @name: as printed
 * @side: the iommufd side (not for the limit)
 * @fd: its iommufd (or limit) node, -1 if unavailable
 * @devfd: its device's node
 * @devid: the device's ID in @fd
 * @ioas: the IOAS the device is attached to
 * @hwpt: two HWPTs of that IOAS for the attach/replace measurements; the
 *	second is made after the maps, which fill one domain, as the limit's
 */
struct target {
	const char *name;
	struct ifd2_side side;
	int fd;
	int devfd;
	__u32 devid;
	__u32 ioas;
	__u32 hwpt[2];
};

static struct target targets[NR_TARGETS] = {
	[T_UPSTREAM] = { "upstream", IFD2_SIDE_UPSTREAM, -1, -1 },
	[T_IOMMUFD2] = { "iommufd2", IFD2_SIDE_IOMMUFD2, -1, -1 },
	[T_LIMIT] = { "limit", {}, -1, -1 },
};

/* What a row's ratio should be: the goal, or none for a reference row. */
enum row_goal { LOWER_BETTER, HIGHER_BETTER, NO_GOAL };

/*
 * One row of the table: a value per target, NAN where not measured; @na
 * has bit t set where target t cannot do what the row measures.
 */
struct row {
	char metric[64];
	double v[NR_TARGETS];
	enum row_goal goal;
	unsigned int na;
};

static struct row rows[80];
static int nr_rows;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/*
 * The @i-th target to run in round @r: the order alternates from round to
 * round so that none always runs on caches the previous one warmed.
 */
static int in_turn(int r, int i, int n)
{
	return r % 2 ? n - 1 - i : i;
}

static double median(double *v, int n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return v[n / 2];
}

static struct row *new_row(const char *metric, enum row_goal goal)
{
	static struct row spare;
	struct row *r = nr_rows < ARRAY_SIZE(rows) ? &rows[nr_rows++] : &spare;
	int t;

	snprintf(r->metric, sizeof(r->metric), "%s", metric);
	for (t = 0; t < NR_TARGETS; t++)
		r->v[t] = NAN;
	r->goal = goal;
	r->na = 0;
	return r;
}

static void report(struct row *r, int t, const char *key, double value,
		   const char *unit)
{
	r->v[t] = value;
	printf("BENCH impl=%s metric=%s value=%.3f unit=%s\n", targets[t].name,
	       key, value, unit);
	fflush(stdout);
}

/* Kernel memory that bookkeeping would grow (not the IOMMU's page tables). */
static long kernel_kb(void)
{
	return ifd2_file_kb("/proc/meminfo", "Slab") +
	       ifd2_file_kb("/proc/meminfo", "VmallocUsed") +
	       ifd2_file_kb("/proc/meminfo", "PageTables");
}

static void set_hugepages(long n)
{
	FILE *f = fopen("/proc/sys/vm/nr_hugepages", "w");

	if (f) {
		fprintf(f, "%ld\n", n);
		fclose(f);
	}
}

/* ---- targets ---------------------------------------------------------- */

static int iommufd_setup(struct target *t)
{
	__u32 pt;
	int rc;

	rc = ifd2_side_claim(&t->side);
	if (!rc)
		rc = ifd2_side_open(&t->side, &t->fd, &t->devfd);
	if (rc) {
		t->fd = -1;
		return rc;
	}
	rc = ifd2_side_bind(t->fd, t->devfd, &t->devid);
	if (!rc)
		rc = ifd2_ioas_alloc(t->fd, &t->ioas);
	if (!rc)
		rc = ifd2_hwpt_alloc(t->fd, t->devid, t->ioas, 0, &t->hwpt[0]);
	pt = t->hwpt[0];
	if (!rc)
		rc = ifd2_dev_attach(t->devfd, &pt);
	if (rc) {
		close(t->devfd);
		close(t->fd);
		t->fd = -1;
	}
	return rc;
}

static int target_setup(int i)
{
	struct target *t = &targets[i];

	if (i != T_LIMIT)
		return iommufd_setup(t);
	t->fd = open(LIMIT_NODE, O_RDWR | O_CLOEXEC);
	return t->fd < 0 ? errno : 0;
}

static int target_map(int i, void *buf, size_t len)
{
	struct target *t = &targets[i];
	struct limit_map lm = {
		.uaddr = (uintptr_t)buf,
		.length = len,
		.iova = BENCH_IOVA,
	};
	__u64 iova = BENCH_IOVA;

	if (i == T_LIMIT)
		return ifd2_ioctl(t->fd, LIMIT_MAP, &lm);
	return ifd2_map(t->fd, t->ioas, buf, len, &iova, IFD2_FIXED);
}

static int target_unmap(int i, size_t len)
{
	struct target *t = &targets[i];

	if (i == T_LIMIT)
		return ifd2_ioctl(t->fd, LIMIT_UNMAP, NULL);
	return ifd2_unmap(t->fd, t->ioas, BENCH_IOVA, len, NULL);
}

/* ---- measurements ----------------------------------------------------- */

static char *get_buffer(const char *backing, size_t len, void **raw,
			size_t *raw_len)
{
	char *p;

	if (!strcmp(backing, "hugetlb")) {
		set_hugepages(len / SZ_2M + 8);
		*raw_len = len;
		p = mmap(NULL, len, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB, -1, 0);
		*raw = p;
		return p == MAP_FAILED ? NULL : p;
	}
	*raw_len = len + SZ_2M;
	p = mmap(NULL, *raw_len, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	*raw = p;
	p = (char *)(((uintptr_t)p + SZ_2M - 1) & ~(SZ_2M - 1));
	madvise(p, len, strcmp(backing, "thp") ? MADV_NOHUGEPAGE :
						 MADV_HUGEPAGE);
	return p;
}

/* One present 2 MiB hugetlb page, or NULL (munmap @raw, @raw_len). */
static char *huge_page(void **raw, size_t *raw_len)
{
	char *p = get_buffer("hugetlb", SZ_2M, raw, raw_len);

	if (p)
		memset(p, 0x33, SZ_2M);
	return p;
}

/* Map and unmap @len bytes of @backing, each target in turn per round. */
static int bench_map(const char *backing, size_t len, int rounds,
		     const int *use)
{
	static double map_s[NR_TARGETS][MAX_ROUNDS];
	static double unmap_s[NR_TARGETS][MAX_ROUNDS];
	static double bytes[NR_TARGETS][MAX_ROUNDS];
	double gb = len / 1e9, t0;
	struct row *map_row, *unmap_row, *bytes_row;
	char name[64];
	size_t raw_len;
	int r, i, t, rc = 0;
	char *buf;
	void *raw;

	buf = get_buffer(backing, len, &raw, &raw_len);
	if (!buf) {
		printf("# %s: no memory for a %zu MiB buffer, skipped\n",
		       backing, len >> 20);
		return 0;
	}
	memset(buf, 0x11, len);
	for (r = 0; r < rounds && !rc; r++) {
		for (i = 0; i < NR_TARGETS && !rc; i++) {
			long during;

			t = in_turn(r, i, NR_TARGETS);
			if (!use[t])
				continue;
			t0 = now();
			rc = target_map(t, buf, len);
			map_s[t][r] = now() - t0;
			if (rc) {
				printf("# %s: map: %s\n", targets[t].name,
				       strerror(rc));
				break;
			}
			during = kernel_kb();
			t0 = now();
			rc = target_unmap(t, len);
			unmap_s[t][r] = now() - t0;
			/*
			 * What the mapping held and its unmap gave back:
			 * caches grown once and kept do not count.
			 */
			bytes[t][r] = (during - kernel_kb()) * 1024.0 /
				      (len / 4096);
			if (rc)
				printf("# %s: unmap: %s\n", targets[t].name,
				       strerror(rc));
		}
	}
	munmap(raw, raw_len);
	if (!strcmp(backing, "hugetlb"))
		set_hugepages(0);
	if (rc)
		return 1;

	snprintf(name, sizeof(name), "map GB/s, %s", backing);
	map_row = new_row(name, HIGHER_BETTER);
	snprintf(name, sizeof(name), "unmap GB/s, %s", backing);
	unmap_row = new_row(name, HIGHER_BETTER);
	snprintf(name, sizeof(name), "bookkeeping B/page, %s", backing);
	bytes_row = new_row(name, LOWER_BETTER);
	for (t = 0; t < NR_TARGETS; t++) {
		if (!use[t])
			continue;
		snprintf(name, sizeof(name), "%s_map_gbps", backing);
		report(map_row, t, name, gb / median(map_s[t], rounds), "GB/s");
		snprintf(name, sizeof(name), "%s_unmap_gbps", backing);
		report(unmap_row, t, name, gb / median(unmap_s[t], rounds),
		       "GB/s");
		snprintf(name, sizeof(name), "%s_bytes_per_page", backing);
		report(bytes_row, t, name, median(bytes[t], rounds), "B");
	}
	return 0;
}

/* ---- churn ------------------------------------------------------------ */

/* The IOVA of each target's live mappings, and how many there are. */
static __u64 *live_iova[NR_TARGETS];
static long nr_live[NR_TARGETS];

/* Map page @i of @base as live mapping @i of target @t. */
static int live_map_one(int t, char *base, long i)
{
	struct target *tg = &targets[t];
	struct limit_map lm = {
		.uaddr = (uintptr_t)(base + i * SZ_4K),
		.length = SZ_4K,
		.iova = LIVE_IOVA + i * SZ_4K,
	};
	__u64 iova = lm.iova;
	int rc;

	if (t == T_LIMIT)
		rc = ifd2_ioctl(tg->fd, LIMIT_MAP_RANGE, &lm);
	else
		rc = ifd2_map(tg->fd, tg->ioas, base + i * SZ_4K, SZ_4K,
			      &iova, IFD2_FIXED);
	if (!rc)
		live_iova[t][i] = iova;
	return rc;
}

/*
 * Grow @t's live set to @n mappings; adds the seconds taken and the kernel
 * memory grown (kB) to @s and @kb.
 */
static int live_grow(int t, char *base, long n, double *s, double *kb)
{
	long before = kernel_kb(), i;
	double t0 = now();
	int rc = 0;

	for (i = nr_live[t]; i < n && !rc; i++) {
		rc = live_map_one(t, base, i);
		if (!rc)
			nr_live[t] = i + 1;
	}
	*s += now() - t0;
	*kb += kernel_kb() - before;
	if (rc)
		printf("# %s: live mapping %ld: %s\n", targets[t].name, i - 1,
		       strerror(rc));
	return rc;
}

/* Unmap all of @t's live set in one call; seconds taken, NAN on error. */
static double live_unmap_all(int t)
{
	struct target *tg = &targets[t];
	__u64 first = LIVE_IOVA, len = nr_live[t] * SZ_4K, unmapped = 0;
	struct limit_map lm = { .iova = first, .length = len };
	double t0, s;
	int rc;

	if (!nr_live[t])
		return NAN;
	t0 = now();
	if (t == T_LIMIT) {
		rc = ifd2_ioctl(tg->fd, LIMIT_UNMAP_RANGE, &lm);
		unmapped = len;
	} else {
		rc = ifd2_unmap(tg->fd, tg->ioas, first, len, &unmapped);
	}
	s = now() - t0;
	if (!rc && unmapped != len)
		rc = EIO;
	if (rc) {
		printf("# %s: unmap of all live mappings: %s\n", tg->name,
		       strerror(rc));
		return NAN;
	}
	nr_live[t] = 0;
	return s;
}

/* One map+unmap pair of @len bytes at @buf; @fixed at PAIR_IOVA. */
static int churn_pair(int t, void *buf, size_t len, int fixed)
{
	struct target *tg = &targets[t];
	struct limit_map lm = {
		.uaddr = (uintptr_t)buf,
		.length = len,
		.iova = PAIR_IOVA,
	};
	__u64 iova = PAIR_IOVA;
	int rc;

	if (t == T_LIMIT) {
		rc = ifd2_ioctl(tg->fd, LIMIT_MAP_RANGE, &lm);
		lm.uaddr = 0;
		return rc ?: ifd2_ioctl(tg->fd, LIMIT_UNMAP_RANGE, &lm);
	}
	rc = ifd2_map(tg->fd, tg->ioas, buf, len, &iova,
		      fixed ? IFD2_FIXED : IFD2_RW);
	return rc ?: ifd2_unmap(tg->fd, tg->ioas, iova, len, NULL);
}

/* A kind of churn pair: its size, backing and IOVA choice. */
struct churn_kind {
	const char *name;
	const char *key;
	size_t len;
	int hugetlb;
	int fixed;
};

static const struct churn_kind churn_kinds[] = {
	{ "4k", "4k", SZ_4K, 0, 0 },
	{ "4k", "4k", SZ_4K, 0, 1 },
	{ "64k", "64k", SZ_64K, 0, 0 },
	{ "64k", "64k", SZ_64K, 0, 1 },
	{ "2M hugetlb", "2m_hugetlb", SZ_2M, 1, 0 },
	{ "2M hugetlb", "2m_hugetlb", SZ_2M, 1, 1 },
};

/* "0", "10^5" or the number. */
static void count_name(char *buf, size_t len, long n)
{
	long p = 1;
	int e = 0;

	while (p < n && e < 18) {
		p *= 10;
		e++;
	}
	if (n >= 10 && p == n)
		snprintf(buf, len, "10^%d", e);
	else
		snprintf(buf, len, "%ld", n);
}

/*
 * Pairs per second of one kind at the current live level: each round gives
 * each target in turn CHURN_PAIRS pairs or CHURN_TURN_S seconds.
 */
static void churn_rate(const struct churn_kind *k, void *buf, long live,
		       int rounds, int *use)
{
	static double rate[NR_TARGETS][MAX_ROUNDS];
	char name[64], lv[16];
	struct row *row;
	int r, i, t, n, rc;
	double t0, s;

	count_name(lv, sizeof(lv), live);
	snprintf(name, sizeof(name), "pair/s %s %s, %s live", k->name,
		 k->fixed ? "fixed" : "auto", lv);
	row = new_row(name, HIGHER_BETTER);
	if (!k->fixed)
		row->na |= 1u << T_LIMIT;
	if (!buf)
		return;
	for (r = 0; r < rounds; r++) {
		for (i = 0; i < NR_TARGETS; i++) {
			t = in_turn(r, i, NR_TARGETS);
			if (!use[t] || (row->na & (1u << t)))
				continue;
			t0 = now();
			n = 0;
			do {
				rc = churn_pair(t, buf, k->len, k->fixed);
				s = now() - t0;
			} while (!rc && ++n < CHURN_PAIRS &&
				 (n < 4 || s < CHURN_TURN_S));
			if (rc) {
				printf("# %s: %s: %s\n", targets[t].name, name,
				       strerror(rc));
				use[t] = 0;
				continue;
			}
			rate[t][r] = n / s;
		}
	}
	for (t = 0; t < NR_TARGETS; t++) {
		if (!use[t] || (row->na & (1u << t)))
			continue;
		snprintf(name, sizeof(name), "pair_%s_%s_live%ld_per_s",
			 k->key, k->fixed ? "fixed" : "auto", live);
		report(row, t, name, median(rate[t], rounds), "1/s");
	}
}

/* Anonymous memory of 4 KiB pages, 2 MiB aligned and present, or NULL. */
static char *small_pages(size_t len, void **raw, size_t *raw_len)
{
	char *p = get_buffer("4k", len, raw, raw_len);

	if (p)
		memset(p, 0x22, len);
	return p;
}

/*
 * The churn rows.  The live set grows 0 -> live/10 -> live, every kind of
 * pair measured at each level; then it is unmapped in one call, built and
 * unmapped again until BUILD_ROUNDS samples of each.
 */
static int bench_churn(long live, int rounds, const int *want)
{
	static double build_s[NR_TARGETS][BUILD_ROUNDS];
	static double build_kb[NR_TARGETS][BUILD_ROUNDS];
	static double unmap_s[NR_TARGETS][BUILD_ROUNDS];
	long levels[LIVE_LEVELS] = { 0, live / 10, live };
	void *live_raw, *small_raw, *huge_raw;
	struct row *build_row, *kb_row, *unmap_row;
	size_t live_len, small_len, huge_len;
	char *live_buf, *small_buf, *huge;
	int use[NR_TARGETS];
	char name[64], lv[16];
	int lvl, k, r, i, t;

	memcpy(use, want, sizeof(use));
	live_buf = small_pages(live ? live * SZ_4K : SZ_4K, &live_raw,
			       &live_len);
	small_buf = small_pages(SZ_64K, &small_raw, &small_len);
	if (!live_buf || !small_buf) {
		printf("# churn: no memory for %ld live pages, skipped\n", live);
		return 0;
	}
	huge = huge_page(&huge_raw, &huge_len);
	if (!huge)
		printf("# churn: no hugetlb page, 2M rows skipped\n");
	for (t = 0; t < NR_TARGETS; t++) {
		live_iova[t] = calloc(live + 1, sizeof(*live_iova[t]));
		nr_live[t] = 0;
		memset(build_s[t], 0, sizeof(build_s[t]));
		memset(build_kb[t], 0, sizeof(build_kb[t]));
		if (!live_iova[t])
			use[t] = 0;
	}

	for (lvl = 0; lvl < LIVE_LEVELS; lvl++) {
		for (i = 0; i < NR_TARGETS; i++) {
			t = in_turn(lvl, i, NR_TARGETS);
			if (use[t] && live_grow(t, live_buf, levels[lvl],
						&build_s[t][0],
						&build_kb[t][0]))
				use[t] = 0;
		}
		for (k = 0; k < ARRAY_SIZE(churn_kinds); k++)
			churn_rate(&churn_kinds[k],
				   churn_kinds[k].hugetlb ? huge : small_buf,
				   levels[lvl], rounds, use);
	}
	for (r = 0; r < BUILD_ROUNDS; r++) {
		for (i = 0; i < NR_TARGETS; i++) {
			t = in_turn(r, i, NR_TARGETS);
			if (use[t] && r && live_grow(t, live_buf, live,
						     &build_s[t][r],
						     &build_kb[t][r]))
				use[t] = 0;
		}
		for (i = 0; i < NR_TARGETS; i++) {
			t = in_turn(r, i, NR_TARGETS);
			unmap_s[t][r] = use[t] ? live_unmap_all(t) : NAN;
		}
	}

	count_name(lv, sizeof(lv), live);
	snprintf(name, sizeof(name), "build %s x 4k, us/map", lv);
	build_row = new_row(name, LOWER_BETTER);
	kb_row = new_row("kernel B per live 4k map", LOWER_BETTER);
	snprintf(name, sizeof(name), "unmap %s x 4k in one, ms", lv);
	unmap_row = new_row(name, LOWER_BETTER);
	for (t = 0; t < NR_TARGETS; t++) {
		if (!use[t] || !live)
			continue;
		for (r = 0; r < BUILD_ROUNDS; r++) {
			build_s[t][r] *= 1e6 / live;
			build_kb[t][r] *= 1024.0 / live;
			unmap_s[t][r] *= 1e3;
		}
		report(build_row, t, "live_build_us_per_map",
		       median(build_s[t], BUILD_ROUNDS), "us");
		report(kb_row, t, "live_kernel_bytes_per_map",
		       median(build_kb[t], BUILD_ROUNDS), "B");
		report(unmap_row, t, "live_unmap_all_ms",
		       median(unmap_s[t], BUILD_ROUNDS), "ms");
	}

	for (t = 0; t < NR_TARGETS; t++) {
		if (nr_live[t])
			live_unmap_all(t);
		free(live_iova[t]);
	}
	if (huge)
		munmap(huge_raw, huge_len);
	set_hugepages(0);
	munmap(small_raw, small_len);
	munmap(live_raw, live_len);
	return 0;
}

/*
 * IOMMU_IOAS_COPY of @len bytes of 4 KiB pages, mapped once in each
 * target's IOAS, into a second IOAS whose HWPT (a domain of the target's
 * device, not attached) each copy fills; the copy is unmapped between
 * rounds.
 */
static int bench_copy(size_t len, int rounds, const int *want)
{
	static double copy_s[NR_TARGETS][MAX_ROUNDS];
	__u32 dst[NR_TARGETS] = {}, hwpt[NR_TARGETS] = {};
	struct iommu_ioas_copy cmd = {
		.size = sizeof(cmd),
		.flags = IFD2_FIXED,
		.length = len,
		.dst_iova = BENCH_IOVA,
		.src_iova = BENCH_IOVA,
	};
	int use[NR_TARGETS] = {}, r, i, t, rc;
	struct row *row;
	size_t raw_len;
	char name[64];
	double t0;
	void *raw;
	char *buf;

	snprintf(name, sizeof(name), "IOAS_COPY GB/s, %zu MiB 4k", len >> 20);
	row = new_row(name, HIGHER_BETTER);
	row->na |= 1u << T_LIMIT;
	buf = small_pages(len, &raw, &raw_len);
	if (!buf) {
		printf("# copy: no memory for %zu MiB, skipped\n", len >> 20);
		return 0;
	}
	for (t = 0; t < T_LIMIT; t++) {
		struct target *tg = &targets[t];

		if (!want[t])
			continue;
		rc = ifd2_ioas_alloc(tg->fd, &dst[t]);
		if (!rc)
			rc = ifd2_hwpt_alloc(tg->fd, tg->devid, dst[t], 0,
					     &hwpt[t]);
		if (!rc)
			rc = target_map(t, buf, len);
		if (rc)
			printf("# %s: copy setup: %s\n", tg->name,
			       strerror(rc));
		use[t] = !rc;
	}
	for (r = 0; r < rounds; r++) {
		for (i = 0; i < T_LIMIT; i++) {
			t = in_turn(r, i, T_LIMIT);
			if (!use[t])
				continue;
			cmd.src_ioas_id = targets[t].ioas;
			cmd.dst_ioas_id = dst[t];
			t0 = now();
			rc = ifd2_ioctl(targets[t].fd, IOMMU_IOAS_COPY, &cmd);
			copy_s[t][r] = now() - t0;
			if (!rc)
				rc = ifd2_unmap(targets[t].fd, dst[t],
						BENCH_IOVA, len, NULL);
			if (rc) {
				printf("# %s: copy: %s\n", targets[t].name,
				       strerror(rc));
				use[t] = 0;
				target_unmap(t, len);
			}
		}
	}
	for (t = 0; t < T_LIMIT; t++) {
		if (use[t]) {
			report(row, t, "copy_4k_gbps",
			       len / 1e9 / median(copy_s[t], rounds), "GB/s");
			target_unmap(t, len);
		}
		if (hwpt[t])
			ifd2_destroy(targets[t].fd, hwpt[t]);
		if (dst[t])
			ifd2_destroy(targets[t].fd, dst[t]);
	}
	munmap(raw, raw_len);
	return 0;
}

/* ---- where a pair's time goes ----------------------------------------- */

#define TRACING "/sys/kernel/debug/tracing/"
#define TRACE_PAIRS 64
#define TRACE_FUNCS 4096	/* a power of two */

static int trace_set(const char *file, const char *val)
{
	char path[128];
	FILE *f;
	int rc;

	snprintf(path, sizeof(path), TRACING "%s", file);
	f = fopen(path, "w");
	if (!f)
		return errno;
	rc = fputs(val, f) < 0 ? EIO : 0;
	return fclose(f) ? errno : rc;
}

/* Time spent in one function at one call depth, over the traced pairs. */
struct trace_fn {
	char name[64];
	int depth;
	long calls;
	double us;
};

static int cmp_trace_fn(const void *a, const void *b)
{
	const struct trace_fn *x = a, *y = b;

	if (x->depth != y->depth)
		return x->depth - y->depth;
	return x->us < y->us ? 1 : x->us > y->us ? -1 : 0;
}

/*
 * Sum the function_graph trace by function and depth: a leaf line
 * "1.234 us | name();" or a closing one "5.678 us | } /+ name +/" (with
 * funcgraph-tail) carries the duration of the call.
 */
static int trace_sum(struct trace_fn *fns)
{
	char line[512], name[64], *bar, *p;
	int n = 0, i, depth;
	unsigned int h;
	double us;
	FILE *f;

	memset(fns, 0, TRACE_FUNCS * sizeof(*fns));
	f = fopen(TRACING "trace", "r");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		bar = strchr(line, '|');
		if (!bar || line[0] == '#')
			continue;
		for (p = line; p < bar && !isdigit((unsigned char)*p); p++)
			;
		/* The CPU column "1)" comes first: skip it. */
		while (p < bar && *p != ')')
			p++;
		for (; p < bar && !isdigit((unsigned char)*p); p++)
			;
		if (p >= bar || sscanf(p, "%lf", &us) != 1)
			continue;
		for (p = bar + 1, depth = 0; *p == ' '; p++)
			depth++;
		if (*p == '}') {
			if (sscanf(p, "} /* %63[^ *] */", name) != 1)
				continue;
		} else if (sscanf(p, "%63[^( ]", name) != 1) {
			continue;
		}
		/* "|  " then two spaces a level. */
		depth = depth < 2 ? 0 : depth / 2 - 1;
		/* Open addressing on the name's hash and the depth. */
		for (h = depth, p = name; *p; p++)
			h = h * 31 + (unsigned char)*p;
		for (i = h % TRACE_FUNCS; fns[i].name[0]; i = (i + 1) % TRACE_FUNCS)
			if (fns[i].depth == depth && !strcmp(fns[i].name, name))
				break;
		if (!fns[i].name[0]) {
			if (++n == TRACE_FUNCS / 2)
				break;
			snprintf(fns[i].name, sizeof(fns[i].name), "%s", name);
			fns[i].depth = depth;
		}
		fns[i].calls++;
		fns[i].us += us;
	}
	fclose(f);
	/* Used slots to the front, then by depth and time. */
	for (i = 0, n = 0; i < TRACE_FUNCS; i++)
		if (fns[i].name[0])
			fns[n++] = fns[i];
	qsort(fns, n, sizeof(*fns), cmp_trace_fn);
	return n;
}

#define PROFILE_PAIRS 20000

/*
 * @rounds x PROFILE_PAIRS fixed-IOVA pairs of @len bytes (4 KiB pages, or
 * one 2 MiB hugetlb page), one target after the other, for a profile: a
 * few seconds per target at the default 11 rounds, some thousands of
 * samples at the bench's 2 kHz.
 */
static void bench_pairs(const int *use, size_t len, int hugetlb, int rounds)
{
	char *buf;
	void *raw;
	size_t raw_len;
	int t, n, rc = 0;
	double t0;

	buf = hugetlb ? huge_page(&raw, &raw_len) :
			small_pages(len, &raw, &raw_len);
	if (!buf) {
		printf("# pairs: no memory for %zu bytes\n", len);
		return;
	}
	for (t = 0; t < NR_TARGETS; t++) {
		if (!use[t])
			continue;
		t0 = now();
		for (n = 0; n < PROFILE_PAIRS * rounds; n++) {
			rc = churn_pair(t, buf, len, 1);
			if (rc)
				break;
		}
		printf("# %s: %d %s fixed pairs, %.0f/s%s%s\n",
		       targets[t].name, n, hugetlb ? "2M hugetlb" : "4k",
		       n / (now() - t0), rc ? ", stopped: " : "",
		       rc ? strerror(rc) : "");
		rc = 0;
	}
	munmap(raw, raw_len);
	if (hugetlb)
		set_hugepages(0);
}

/* Is @name one of the comma-separated @parts? */
static int has_part(const char *parts, const char *name)
{
	size_t n = strlen(name);
	const char *p;

	for (p = parts; (p = strstr(p, name)); p += n)
		if ((p == parts || p[-1] == ',') && (!p[n] || p[n] == ','))
			return 1;
	return 0;
}

/*
 * TRACE_PAIRS 4 KiB fixed-IOVA pairs per target under the function_graph
 * tracer, from the target's ioctl entry down to @depth calls: the time
 * per pair of every function that takes at least 1 % of it.  The tracer's
 * own cost is in every number; read them as shares.
 */
static void bench_trace(int depth, const int *use)
{
	static const char *const entry[NR_TARGETS] = {
		[T_UPSTREAM] = "iommufd_fops_ioctl",
		[T_IOMMUFD2] = "ifd_fops_ioctl",
		[T_LIMIT] = "limit_ioctl",
	};
	static struct trace_fn fns[TRACE_FUNCS];
	void *raw, *buf;
	size_t raw_len;
	char val[16];
	double top;
	int t, i, n;

	buf = small_pages(SZ_4K, &raw, &raw_len);
	if (!buf || trace_set("current_tracer", "nop")) {
		printf("# trace: no tracefs at " TRACING "\n");
		return;
	}
	snprintf(val, sizeof(val), "%d", depth);
	for (t = 0; t < NR_TARGETS; t++) {
		if (!use[t])
			continue;
		trace_set("tracing_on", "0");
		trace_set("current_tracer", "nop");
		if (trace_set("set_graph_function", entry[t]) ||
		    trace_set("max_graph_depth", val) ||
		    trace_set("current_tracer", "function_graph") ||
		    trace_set("options/funcgraph-tail", "1")) {
			printf("# trace: %s: cannot trace %s\n",
			       targets[t].name, entry[t]);
			continue;
		}
		trace_set("buffer_size_kb", "65536");
		trace_set("trace", "");
		trace_set("tracing_on", "1");
		for (i = 0; i < TRACE_PAIRS; i++)
			if (churn_pair(t, buf, SZ_4K, 1))
				break;
		trace_set("tracing_on", "0");
		n = trace_sum(fns);
		top = 0;
		for (i = 0; i < n; i++)
			if (!fns[i].depth)
				top += fns[i].us;
		printf("# trace %s: %.1f us per pair at the ioctl entries (traced)\n",
		       targets[t].name, top / TRACE_PAIRS);
		for (i = 0; i < n; i++)
			if (fns[i].us >= top / 100)
				printf("# trace %s: %*s%-40s %6.2f calls %8.2f us\n",
				       targets[t].name, 2 * fns[i].depth, "",
				       fns[i].name,
				       (double)fns[i].calls / TRACE_PAIRS,
				       fns[i].us / TRACE_PAIRS);
	}
	trace_set("current_tracer", "nop");
	trace_set("set_graph_function", "");
	munmap(raw, raw_len);
}

/* What a chunk of the object rounds does. */
enum obj_op { OBJ_ALLOC, OBJ_DESTROY, OBJ_MISS, NR_OBJ_OPS };

/*
 * OBJ_CHUNK operations @op on @t's IOASes @ids; microseconds taken.
 * OBJ_MISS destroys an ID that names nothing: an ioctl's fixed cost.
 */
static double object_chunk(struct target *t, __u32 *ids, enum obj_op op)
{
	double t0 = now();
	int i, rc;

	for (i = 0; i < OBJ_CHUNK; i++) {
		switch (op) {
		case OBJ_ALLOC:
			rc = ifd2_ioas_alloc(t->fd, &ids[i]);
			break;
		case OBJ_DESTROY:
			rc = ifd2_destroy(t->fd, ids[i]);
			break;
		default:
			rc = ifd2_destroy(t->fd, UINT32_MAX) != ENOENT;
		}
		if (rc)
			return NAN;
	}
	return (now() - t0) * 1e6;
}

/*
 * One round of IOAS objects for every target in @use: OBJ_LOOPS
 * allocations each, then their destruction, then as many IOMMU_DESTROYs of
 * an unknown ID, in chunks of OBJ_CHUNK that take turns between the
 * targets, so both see the same moments of a noisy host.  Fills @us[op]
 * (microseconds per operation) for each target.
 */
static void object_round(int r, const int *use,
			 double us[NR_OBJ_OPS][T_LIMIT])
{
	static __u32 ids[T_LIMIT][OBJ_LOOPS];
	int op, c, k, t;

	memset(us, 0, sizeof(double[NR_OBJ_OPS][T_LIMIT]));
	for (op = 0; op < NR_OBJ_OPS; op++)
		for (c = 0; c < OBJ_LOOPS; c += OBJ_CHUNK)
			for (k = 0; k < T_LIMIT; k++) {
				t = in_turn(r + c / OBJ_CHUNK, k, T_LIMIT);
				if (use[t])
					us[op][t] += object_chunk(&targets[t],
								  &ids[t][c],
								  op) /
						     OBJ_LOOPS;
			}
}

/*
 * Median microseconds of attaching the device, detached, to a HWPT
 * (@replace false) or of replacing one HWPT with the other.  The device is
 * attached to hwpt[0] before and after.
 */
static double attach_us(struct target *t, int replace)
{
	double us[ATTACH_LOOPS], t0;
	__u32 pt;
	int i;

	for (i = 0; i < ATTACH_LOOPS; i++) {
		pt = t->hwpt[(i + 1) % 2];
		if (!replace) {
			if (ifd2_dev_detach(t->devfd))
				return NAN;
			pt = t->hwpt[0];
		}
		t0 = now();
		if (ifd2_dev_attach(t->devfd, &pt))
			return NAN;
		us[i] = (now() - t0) * 1e6;
	}
	pt = t->hwpt[0];
	if (ifd2_dev_attach(t->devfd, &pt))
		return NAN;
	return median(us, ATTACH_LOOPS);
}

static void bench_objects(int rounds, const int *use)
{
	static double rate[NR_TARGETS][OBJ_ROUNDS];
	static double alloc[NR_TARGETS][OBJ_ROUNDS];
	static double destroy[NR_TARGETS][OBJ_ROUNDS];
	static double miss[NR_TARGETS][OBJ_ROUNDS];
	static double att[NR_TARGETS][MAX_ROUNDS];
	static double rep[NR_TARGETS][MAX_ROUNDS];
	struct row *rate_row = new_row("IOAS alloc+destroy /s", HIGHER_BETTER);
	struct row *alloc_row = new_row("IOAS alloc latency us", LOWER_BETTER);
	struct row *destroy_row = new_row("IOAS destroy latency us",
					  LOWER_BETTER);
	struct row *miss_row = new_row("ioctl floor (ENOENT) us", NO_GOAL);
	struct row *att_row = new_row("attach latency us", LOWER_BETTER);
	struct row *rep_row = new_row("replace latency us", LOWER_BETTER);
	int can_attach[T_LIMIT];
	int r, i, t;

	/* Cheap enough for many more rounds than the maps get. */
	for (r = 0; r < OBJ_ROUNDS; r++) {
		double us[NR_OBJ_OPS][T_LIMIT];

		object_round(r, use, us);
		for (t = 0; t < T_LIMIT; t++) {
			alloc[t][r] = us[OBJ_ALLOC][t];
			destroy[t][r] = us[OBJ_DESTROY][t];
			miss[t][r] = us[OBJ_MISS][t];
			rate[t][r] = 1e6 / (alloc[t][r] + destroy[t][r]);
		}
	}
	/* The second HWPT, to replace with. */
	for (t = 0; t < T_LIMIT; t++)
		can_attach[t] = use[t] &&
				!ifd2_hwpt_alloc(targets[t].fd, targets[t].devid,
						 targets[t].ioas, 0,
						 &targets[t].hwpt[1]);
	for (r = 0; r < rounds; r++)
		for (i = 0; i < T_LIMIT; i++) {
			t = in_turn(r, i, T_LIMIT);
			if (!use[t])
				continue;
			att[t][r] = can_attach[t] ?
				    attach_us(&targets[t], 0) : NAN;
			rep[t][r] = can_attach[t] ?
				    attach_us(&targets[t], 1) : NAN;
		}
	for (t = 0; t < T_LIMIT; t++) {
		if (!use[t])
			continue;
		report(rate_row, t, "ioas_alloc_destroy_rate",
		       median(rate[t], OBJ_ROUNDS), "1/s");
		report(alloc_row, t, "ioas_alloc_us",
		       median(alloc[t], OBJ_ROUNDS), "us");
		report(destroy_row, t, "ioas_destroy_us",
		       median(destroy[t], OBJ_ROUNDS), "us");
		report(miss_row, t, "ioctl_floor_us",
		       median(miss[t], OBJ_ROUNDS), "us");
		report(att_row, t, "attach_us", median(att[t], rounds), "us");
		report(rep_row, t, "replace_us", median(rep[t], rounds), "us");
	}
}

static void print_cell(double v, int na)
{
	if (na)
		printf(" | %10s", "n/a");
	else if (isnan(v))
		printf(" | %10s", "-");
	else if (v >= 1000)
		printf(" | %10.0f", v);
	else
		printf(" | %10.3g", v);
}

/*
 * The table.  The ratio is iommufd2/upstream; "ok" marks a row where
 * iommufd2 is at least as good (higher throughput, lower cost).  A row
 * without a goal (the ioctl floor) is there to read the others by.  The
 * last column is iommufd2/limit, where the limit can do the row.
 */
static void print_table(void)
{
	double up, ours, lim;
	char ratio[32];
	int i;

	printf("\n%-34s | %10s | %10s | %10s | %-17s | %s\n", "metric",
	       "upstream", "iommufd2", "limit", "iommufd2/upstream",
	       "iommufd2/limit");
	for (i = 0; i < 114; i++)
		putchar('-');
	putchar('\n');
	for (i = 0; i < nr_rows; i++) {
		up = rows[i].v[T_UPSTREAM];
		ours = rows[i].v[T_IOMMUFD2];
		lim = rows[i].v[T_LIMIT];
		if (up > 0 && !isnan(ours) && rows[i].goal == NO_GOAL)
			snprintf(ratio, sizeof(ratio), "%.2f (no goal)",
				 ours / up);
		else if (up > 0 && !isnan(ours))
			snprintf(ratio, sizeof(ratio), "%.2f %s", ours / up,
				 (rows[i].goal == HIGHER_BETTER ? ours >= up :
								  ours <= up) ?
				 "ok" : "worse");
		else if (fabs(up - ours) < 0.05)
			snprintf(ratio, sizeof(ratio), "equal");
		else
			snprintf(ratio, sizeof(ratio), "-");
		printf("%-34s", rows[i].metric);
		print_cell(up, rows[i].na & (1u << T_UPSTREAM));
		print_cell(ours, rows[i].na & (1u << T_IOMMUFD2));
		print_cell(lim, rows[i].na & (1u << T_LIMIT));
		printf(" | %-17s", ratio);
		if (lim > 0 && !isnan(ours) && rows[i].goal != NO_GOAL)
			printf(" | %.2f\n", ours / lim);
		else
			printf(" | -\n");
	}
}

int main(int argc, char **argv)
{
	const char *backings = "4k,thp,hugetlb", *want = NULL;
	const char *parts = "map,churn,copy,objects";
	int rounds = 11, opt, rc = 0, use[NR_TARGETS] = {}, t, any = 0;
	long live = LIVE_DEFAULT;
	int depth = 5;
	size_t mib = 1024;
	char *list, *b;

	while ((opt = getopt(argc, argv, "s:r:b:t:n:p:d:")) != -1) {
		switch (opt) {
		case 's': mib = strtoul(optarg, NULL, 0); break;
		case 'r': rounds = atoi(optarg); break;
		case 'b': backings = optarg; break;
		case 't': want = optarg; break;
		case 'n': live = strtol(optarg, NULL, 0); break;
		case 'p': parts = optarg; break;
		case 'd': depth = atoi(optarg); break;
		default:
			fprintf(stderr, "usage: %s [-s MiB] [-r rounds] [-b 4k,thp,hugetlb] [-t upstream,iommufd2,limit] [-n live] [-p map,churn,copy,objects,trace,pairs,pairs-2m] [-d depth]\n",
				argv[0]);
			return 2;
		}
	}
	live = live < 0 ? 0 : live;
	rounds = rounds < 1 ? 1 : rounds > MAX_ROUNDS ? MAX_ROUNDS : rounds;
	printf("# map_bench: %zu MiB, %d rounds, %ld live, interleaved\n", mib,
	       rounds, live);
	for (t = 0; t < NR_TARGETS; t++) {
		if (want && !strstr(want, targets[t].name))
			continue;
		rc = target_setup(t);
		use[t] = !rc;
		any |= use[t];
		printf("# %-8s %s%s\n", targets[t].name,
		       rc ? "unavailable: " : "ready",
		       rc ? strerror(rc) : "");
	}
	if (!any)
		return 1;
	rc = 0;
	if (has_part(parts, "map")) {
		list = strdup(backings);
		for (b = strtok(list, ","); b; b = strtok(NULL, ","))
			rc |= bench_map(b, mib << 20, rounds, use);
		free(list);
	}
	if (has_part(parts, "churn"))
		rc |= bench_churn(live, rounds, use);
	if (has_part(parts, "copy"))
		rc |= bench_copy(mib << 20, rounds, use);
	if (has_part(parts, "trace"))
		bench_trace(depth, use);
	if (has_part(parts, "pairs"))
		bench_pairs(use, SZ_4K, 0, rounds);
	if (has_part(parts, "pairs-2m"))
		bench_pairs(use, SZ_2M, 1, rounds);
	if (has_part(parts, "objects"))
		bench_objects(rounds, use);
	print_table();
	return rc;
}
