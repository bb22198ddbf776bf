// SPDX-License-Identifier: GPL-2.0
/*
 * An unmap does the whole job by the time it returns: QEMU's iommu-testdev
 * (attached to the IOAS through its auto HWPT) DMAs to every IOVA it
 * probes before the unmap (so its IOTLB holds them), and right after the
 * unmap returns each DMA faults, nothing lands in the memory, and the
 * pages are unpinned (VmPin, the pinned_pages and pinned_runs counters).
 * For each backing (4 KiB pages, THP, hugetlb) the probes are the first, a
 * middle and the last 4 KiB page of every 2 MiB page of a large mapping;
 * for the churn paths, many separate 4 KiB mappings unmapped one by one
 * (their neighbours still reachable) and all at once.
 */
#include <sys/mman.h>

#include "kselftest_harness.h"
#include "ifd2_dev.h"

#define PAGE		4096UL
#define SZ_2M		(2UL << 20)
#define BIG_PAGES	16		/* 2 MiB pages in the large mapping */
#define BIG_LEN		(BIG_PAGES * SZ_2M)
#define BIG_IOVA	0x40000000ULL	/* 2 MiB aligned, fixed */
#define CHURN_MAPS	512
#define CHURN_IOVA	0x80000000ULL

struct probe_dev {
	char bdf[256];
	int iommufd;
	int devfd;
	volatile __u32 *bar;
	size_t bar_len;
	__u32 ioas;
};

/* 0, or -1 if there is no testdev; asserts the rest. */
static int probe_dev_open(struct __test_metadata *_metadata,
			  struct probe_dev *d)
{
	__u32 devid, pt;

	d->iommufd = -1;
	d->devfd = -1;
	d->bar = MAP_FAILED;
	if (ifd2_find_pci(TESTDEV_ID, d->bdf, sizeof(d->bdf)))
		return -1;
	ASSERT_EQ(0, ifd2_pci_bind_driver(d->bdf));
	d->iommufd = ifd2_open();
	ASSERT_LE(0, d->iommufd);
	d->devfd = ifd2_pci_open(d->bdf);
	ASSERT_LE(0, d->devfd);
	ASSERT_EQ(0, ifd2_dev_bind(d->devfd, d->iommufd, &devid));
	d->bar = ifd2_map_bar(d->devfd, 0, &d->bar_len);
	ASSERT_NE(MAP_FAILED, d->bar);
	ASSERT_EQ(0, ifd2_ioas_alloc(d->iommufd, &d->ioas));
	pt = d->ioas;
	ASSERT_EQ(0, ifd2_dev_attach(d->devfd, &pt));
	return 0;
}

static void probe_dev_close(struct probe_dev *d)
{
	if (d->bar != MAP_FAILED)
		munmap((void *)d->bar, d->bar_len);
	if (d->devfd >= 0)
		close(d->devfd);
	if (d->iommufd >= 0)
		close(d->iommufd);
}

/* A 4 KiB page of a mapping the device reaches at @iova. */
struct probe {
	__u64 iova;
	__u32 *va;
	__u64 gpa;
};

static void probe_init(struct __test_metadata *_metadata, struct probe *p,
		       __u64 iova, void *va)
{
	p->iova = iova;
	p->va = va;
	p->gpa = ifd2_gpa(va);
	ASSERT_NE(0, p->gpa);
}

/*
 * The device's DMA to @p: with @mapped it must land (the destination is
 * cleared first, so the pattern is this DMA's), else fault and leave the
 * page as it was.
 */
static void probe_dma(struct __test_metadata *_metadata,
		      struct probe_dev *d, struct probe *p, bool mapped)
{
	p->va[0] = 0;
	if (mapped) {
		EXPECT_EQ(TESTDEV_OK, testdev_dma(d->bar, p->iova, 4, p->gpa));
		EXPECT_EQ(TESTDEV_PATTERN, p->va[0]);
	} else {
		EXPECT_EQ(TESTDEV_FAULT, testdev_dma(d->bar, p->iova, 4,
						     p->gpa));
		EXPECT_EQ(0, p->va[0]);
	}
}

/* What is pinned: the module's counters and this process's VmPin. */
struct pinned {
	long pages;
	long runs;
	long vmpin_kb;
};

static void pinned_now(struct pinned *p)
{
	p->pages = ifd2_counter("pinned_pages");
	p->runs = ifd2_counter("pinned_runs");
	p->vmpin_kb = ifd2_proc_kb(getpid(), "VmPin");
}

/* The pins are @npages more than @base (and as many runs, or more). */
static void expect_pinned(struct __test_metadata *_metadata,
			  const struct pinned *base, long npages)
{
	struct pinned now;

	pinned_now(&now);
	EXPECT_EQ(base->pages + npages, now.pages);
	EXPECT_EQ(base->vmpin_kb + npages * (long)(PAGE / 1024), now.vmpin_kb);
	if (npages) {
		EXPECT_LT(base->runs, now.runs);
	} else {
		EXPECT_EQ(base->runs, now.runs);
	}
}

enum backing { B_4K, B_THP, B_HUGETLB };

FIXTURE(unmap_dma) {
	struct probe_dev d;
	char *raw;
	size_t raw_len;
	char *buf;
	long hugepages;
};

FIXTURE_VARIANT(unmap_dma) {
	enum backing backing;
};

FIXTURE_VARIANT_ADD(unmap_dma, pages_4k) {
	.backing = B_4K,
};

FIXTURE_VARIANT_ADD(unmap_dma, thp) {
	.backing = B_THP,
};

FIXTURE_VARIANT_ADD(unmap_dma, hugetlb) {
	.backing = B_HUGETLB,
};

static long read_hugepages(void)
{
	char buf[32];

	if (ifd2_read_file("/proc/sys/vm/nr_hugepages", buf, sizeof(buf)))
		return -1;
	return atol(buf);
}

static void write_hugepages(long n)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%ld\n", n);
	ifd2_write_file("/proc/sys/vm/nr_hugepages", buf);
}

FIXTURE_SETUP(unmap_dma)
{
	int flags = MAP_PRIVATE | MAP_ANONYMOUS;

	self->raw = MAP_FAILED;
	self->hugepages = -1;
	if (probe_dev_open(_metadata, &self->d))
		SKIP(return, "no iommu-testdev on this machine");
	if (variant->backing == B_HUGETLB) {
		self->hugepages = read_hugepages();
		write_hugepages(self->hugepages + BIG_PAGES);
		flags |= MAP_HUGETLB;
		self->raw_len = BIG_LEN;
	} else {
		self->raw_len = BIG_LEN + SZ_2M;
	}
	self->raw = mmap(NULL, self->raw_len, PROT_READ | PROT_WRITE, flags,
			 -1, 0);
	if (self->raw == MAP_FAILED)
		SKIP(return, "no memory of this backing");
	self->buf = (char *)(((uintptr_t)self->raw + SZ_2M - 1) &
			     ~(SZ_2M - 1));
	if (variant->backing == B_4K)
		ASSERT_EQ(0, madvise(self->buf, BIG_LEN, MADV_NOHUGEPAGE));
	if (variant->backing == B_THP &&
	    madvise(self->buf, BIG_LEN, MADV_HUGEPAGE))
		SKIP(return, "no THP");
	memset(self->buf, 0, BIG_LEN);
	if (variant->backing == B_THP &&
	    ifd2_file_kb("/proc/self/smaps_rollup", "AnonHugePages") <
	    (long)(BIG_LEN / 1024))
		SKIP(return, "THP did not back the buffer");
}

FIXTURE_TEARDOWN(unmap_dma)
{
	if (self->raw != MAP_FAILED)
		munmap(self->raw, self->raw_len);
	if (self->hugepages >= 0)
		write_hugepages(self->hugepages);
	probe_dev_close(&self->d);
}

/*
 * Map the buffer, reach the first, a middle and the last 4 KiB page of
 * each 2 MiB page, unmap it all: each probe faults at once, every pin is
 * gone.
 */
TEST_F(unmap_dma, large_mapping_unmapped_whole)
{
	static const unsigned long at[] = { 0, SZ_2M / 2, SZ_2M - PAGE };
	struct probe probes[BIG_PAGES][3];
	__u64 iova = BIG_IOVA, unmapped = 0;
	struct pinned base;
	int i, j;

	pinned_now(&base);
	ASSERT_EQ(0, ifd2_map(self->d.iommufd, self->d.ioas, self->buf,
			      BIG_LEN, &iova, IFD2_FIXED));
	expect_pinned(_metadata, &base, BIG_LEN / PAGE);
	/* At most one run per 2 MiB page of the large backings. */
	if (variant->backing != B_4K) {
		EXPECT_GE(base.runs + BIG_PAGES, ifd2_counter("pinned_runs"));
	}
	for (i = 0; i < BIG_PAGES; i++)
		for (j = 0; j < 3; j++) {
			probe_init(_metadata, &probes[i][j],
				   BIG_IOVA + i * SZ_2M + at[j],
				   self->buf + i * SZ_2M + at[j]);
			probe_dma(_metadata, &self->d, &probes[i][j], true);
		}

	ASSERT_EQ(0, ifd2_unmap(self->d.iommufd, self->d.ioas, BIG_IOVA,
				BIG_LEN, &unmapped));
	EXPECT_EQ(BIG_LEN, unmapped);
	expect_pinned(_metadata, &base, 0);
	for (i = 0; i < BIG_PAGES; i++)
		for (j = 0; j < 3; j++)
			probe_dma(_metadata, &self->d, &probes[i][j], false);
}

/*
 * The same through IOMMU_IOAS_UNMAP of everything (length ~0): the path
 * that takes every mapping of the IOAS at once.
 */
TEST_F(unmap_dma, large_mapping_unmapped_by_unmap_all)
{
	struct probe first, last;
	__u64 iova = BIG_IOVA;
	struct pinned base;

	pinned_now(&base);
	ASSERT_EQ(0, ifd2_map(self->d.iommufd, self->d.ioas, self->buf,
			      BIG_LEN, &iova, IFD2_FIXED));
	probe_init(_metadata, &first, BIG_IOVA, self->buf);
	probe_init(_metadata, &last, BIG_IOVA + BIG_LEN - PAGE,
		   self->buf + BIG_LEN - PAGE);
	probe_dma(_metadata, &self->d, &first, true);
	probe_dma(_metadata, &self->d, &last, true);
	ASSERT_EQ(0, ifd2_unmap(self->d.iommufd, self->d.ioas, 0, UINT64_MAX,
				NULL));
	expect_pinned(_metadata, &base, 0);
	probe_dma(_metadata, &self->d, &first, false);
	probe_dma(_metadata, &self->d, &last, false);
}

FIXTURE(churn_dma) {
	struct probe_dev d;
	char *buf;
	struct probe probes[CHURN_MAPS];
	struct pinned base;
};

FIXTURE_SETUP(churn_dma)
{
	int i;

	self->buf = MAP_FAILED;
	if (probe_dev_open(_metadata, &self->d))
		SKIP(return, "no iommu-testdev on this machine");
	self->buf = mmap(NULL, CHURN_MAPS * PAGE, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, self->buf);
	ASSERT_EQ(0, madvise(self->buf, CHURN_MAPS * PAGE, MADV_NOHUGEPAGE));
	memset(self->buf, 0, CHURN_MAPS * PAGE);
	pinned_now(&self->base);
	/* Each page its own mapping, back to back in IOVA. */
	for (i = 0; i < CHURN_MAPS; i++) {
		__u64 iova = CHURN_IOVA + i * PAGE;

		ASSERT_EQ(0, ifd2_map(self->d.iommufd, self->d.ioas,
				      self->buf + i * PAGE, PAGE, &iova,
				      IFD2_FIXED));
		probe_init(_metadata, &self->probes[i], iova,
			   self->buf + i * PAGE);
	}
	expect_pinned(_metadata, &self->base, CHURN_MAPS);
	for (i = 0; i < CHURN_MAPS; i++)
		probe_dma(_metadata, &self->d, &self->probes[i], true);
}

FIXTURE_TEARDOWN(churn_dma)
{
	if (self->buf != MAP_FAILED)
		munmap(self->buf, CHURN_MAPS * PAGE);
	probe_dev_close(&self->d);
}

/* All the small mappings in one IOMMU_IOAS_UNMAP of their whole range. */
TEST_F(churn_dma, many_small_unmapped_in_one)
{
	__u64 unmapped = 0;
	int i;

	ASSERT_EQ(0, ifd2_unmap(self->d.iommufd, self->d.ioas, CHURN_IOVA,
				CHURN_MAPS * PAGE, &unmapped));
	EXPECT_EQ(CHURN_MAPS * PAGE, unmapped);
	expect_pinned(_metadata, &self->base, 0);
	for (i = 0; i < CHURN_MAPS; i++)
		probe_dma(_metadata, &self->d, &self->probes[i], false);
}

/*
 * One by one, every other one first: each faults as soon as its unmap
 * returns, its pin is gone, and its neighbours are still reachable.
 */
TEST_F(churn_dma, small_unmapped_one_by_one)
{
	int i, pass;

	for (pass = 0; pass < 2; pass++)
		for (i = pass; i < CHURN_MAPS; i += 2) {
			ASSERT_EQ(0, ifd2_unmap(self->d.iommufd, self->d.ioas,
						self->probes[i].iova, PAGE,
						NULL));
			probe_dma(_metadata, &self->d, &self->probes[i], false);
			EXPECT_EQ(self->base.pages + CHURN_MAPS -
				  (pass ? CHURN_MAPS / 2 + i / 2 + 1 :
					  i / 2 + 1),
				  ifd2_counter("pinned_pages"));
			if (i + 1 < CHURN_MAPS && !pass) {
				probe_dma(_metadata, &self->d,
					  &self->probes[i + 1], true);
			}
		}
	expect_pinned(_metadata, &self->base, 0);
}

/*
 * Map and unmap one page again and again at one IOVA among the others
 * (the vIOMMU's pattern): each unmap leaves that IOVA faulting and the
 * pin count where it was.
 */
TEST_F(churn_dma, pairs_among_live)
{
	char *page = self->buf + (CHURN_MAPS / 2) * PAGE;
	struct probe p;
	int i;

	ASSERT_EQ(0, ifd2_unmap(self->d.iommufd, self->d.ioas,
				CHURN_IOVA + (CHURN_MAPS / 2) * PAGE, PAGE,
				NULL));
	probe_init(_metadata, &p, CHURN_IOVA + (CHURN_MAPS / 2) * PAGE, page);
	for (i = 0; i < 64; i++) {
		__u64 iova = p.iova;

		ASSERT_EQ(0, ifd2_map(self->d.iommufd, self->d.ioas, page,
				      PAGE, &iova, IFD2_FIXED));
		probe_dma(_metadata, &self->d, &p, true);
		ASSERT_EQ(0, ifd2_unmap(self->d.iommufd, self->d.ioas, p.iova,
					PAGE, NULL));
		probe_dma(_metadata, &self->d, &p, false);
		expect_pinned(_metadata, &self->base, CHURN_MAPS - 1);
	}
	probe_dma(_metadata, &self->d, &self->probes[CHURN_MAPS / 2 - 1],
		  true);
	probe_dma(_metadata, &self->d, &self->probes[CHURN_MAPS / 2 + 1],
		  true);
}

TEST_HARNESS_MAIN
