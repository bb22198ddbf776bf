// SPDX-License-Identifier: GPL-2.0
/*
 * map_bench: IOMMU_IOAS_MAP / IOMMU_IOAS_UNMAP throughput and bookkeeping.
 *
 *   map_bench [-d /dev/node] [-s size_MiB] [-r rounds] [-b backing,...]
 *
 * For each backing (4k: anonymous memory in 4 KiB pages, thp: anonymous
 * memory with MADV_HUGEPAGE, hugetlb: MAP_HUGETLB 2 MiB pages) it maps the
 * whole buffer in one IOMMU_IOAS_MAP, unmaps it in one IOMMU_IOAS_UNMAP, and
 * repeats.  Output, one line per metric, machine readable:
 *
 *   BENCH impl=<node> backing=<b> metric=<m> value=<v> unit=<u>
 *
 * metrics: map_gbps, unmap_gbps (best and median of the rounds are both
 * printed, as map_gbps_best etc.), kernel_bytes_per_page (growth of Slab +
 * VmallocUsed + PageTables in /proc/meminfo while the buffer is mapped,
 * divided by the pages pinned).  Numbers, not verdicts: nothing here fails
 * on a slow machine.
 */
#include <stdint.h>
#include <sys/mman.h>
#include <time.h>

#include "ifd2_util.h"

#define SZ_2M (2UL << 20)

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static long meminfo_kb(const char *key)
{
	char line[256];
	size_t len = strlen(key);
	long val = -1;
	FILE *f = fopen("/proc/meminfo", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, len) && line[len] == ':')
			val = strtol(line + len + 1, NULL, 10);
	fclose(f);
	return val;
}

static long kernel_kb(void)
{
	return meminfo_kb("Slab") + meminfo_kb("VmallocUsed") +
	       meminfo_kb("PageTables");
}

static void set_hugepages(long n)
{
	FILE *f = fopen("/proc/sys/vm/nr_hugepages", "w");

	if (f) {
		fprintf(f, "%ld\n", n);
		fclose(f);
	}
}

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

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void report(const char *node, const char *backing, const char *metric,
		   double value, const char *unit)
{
	printf("BENCH impl=%s backing=%s metric=%s value=%.3f unit=%s\n", node,
	       backing, metric, value, unit);
}

static int run(const char *node, const char *backing, size_t len, int rounds)
{
	double *map_s = calloc(rounds, sizeof(double));
	double *unmap_s = calloc(rounds, sizeof(double));
	double gb = len / 1e9, t0;
	long before, during = 0;
	size_t raw_len;
	char *buf;
	void *raw;
	__u32 ioas;
	int fd, i;

	buf = get_buffer(backing, len, &raw, &raw_len);
	if (!buf || !map_s || !unmap_s) {
		printf("# %s: no memory for a %zu MiB buffer, skipped\n",
		       backing, len >> 20);
		return 0;
	}
	memset(buf, 0x11, len);
	fd = open(node, O_RDWR);
	if (fd < 0 || ifd2_ioas_alloc(fd, &ioas)) {
		perror(node);
		return 1;
	}
	for (i = 0; i < rounds; i++) {
		__u64 iova = 0;

		before = kernel_kb();
		t0 = now();
		if (ifd2_map(fd, ioas, buf, len, &iova, IFD2_RW)) {
			perror("IOMMU_IOAS_MAP");
			return 1;
		}
		map_s[i] = now() - t0;
		if (!i)
			during = kernel_kb() - before;
		t0 = now();
		if (ifd2_unmap(fd, ioas, iova, len, NULL)) {
			perror("IOMMU_IOAS_UNMAP");
			return 1;
		}
		unmap_s[i] = now() - t0;
	}
	close(fd);
	munmap(raw, raw_len);
	if (!strcmp(backing, "hugetlb"))
		set_hugepages(0);

	qsort(map_s, rounds, sizeof(double), cmp_double);
	qsort(unmap_s, rounds, sizeof(double), cmp_double);
	report(node, backing, "map_gbps", gb / map_s[rounds / 2], "GB/s");
	report(node, backing, "map_gbps_best", gb / map_s[0], "GB/s");
	report(node, backing, "unmap_gbps", gb / unmap_s[rounds / 2], "GB/s");
	report(node, backing, "unmap_gbps_best", gb / unmap_s[0], "GB/s");
	report(node, backing, "kernel_bytes_per_page",
	       during * 1024.0 / (len / 4096), "B");
	free(map_s);
	free(unmap_s);
	return 0;
}

int main(int argc, char **argv)
{
	const char *node = IFD2_DEV, *backings = "4k,thp,hugetlb";
	size_t mib = 1024;
	int rounds = 5, opt, rc = 0;
	char *list, *b;

	while ((opt = getopt(argc, argv, "d:s:r:b:")) != -1) {
		switch (opt) {
		case 'd': node = optarg; break;
		case 's': mib = strtoul(optarg, NULL, 0); break;
		case 'r': rounds = atoi(optarg); break;
		case 'b': backings = optarg; break;
		default:
			fprintf(stderr, "usage: %s [-d node] [-s MiB] [-r rounds] [-b 4k,thp,hugetlb]\n",
				argv[0]);
			return 2;
		}
	}
	if (rounds < 1)
		rounds = 1;
	printf("# map_bench: %s, %zu MiB, %d rounds\n", node, mib, rounds);
	list = strdup(backings);
	for (b = strtok(list, ","); b; b = strtok(NULL, ","))
		rc |= run(node, b, mib << 20, rounds);
	free(list);
	return rc;
}
