/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Pinned memory: the pages behind one IOMMU_IOAS_MAP or _MAP_FILE.
 *
 * A struct ifd_pages pins its whole range at most once and unpins it once,
 * when its last reference goes.  Mappings (areas) hold references: the one
 * IOMMU_IOAS_MAP made, and any IOMMU_IOAS_COPY made from it, so a copied
 * page is pinned and charged once however many IOASes map it.
 *
 * A memfd range is pinned when it is created.  A range of user memory is
 * pinned (and charged) lazily, by ifd_pages_pin(), the first time a domain
 * or an emulated access needs its pages: until then it only records the
 * address space it came from (its payer's mm), so mapping memory that
 * is not backed yet is not an error while no device uses the IOAS, and a
 * range whose process has exited can no longer be pinned (-EFAULT).  Once
 * pinned, it stays pinned until its last reference goes.
 *
 * The physical pages are kept as runs of contiguous PFNs, one u64 each
 * (PFN in the high bits, length - 1 in the low IFD_RUN_LEN_BITS), so a huge
 * page or any physically contiguous stretch costs 8 bytes per 16 MiB and can
 * be handed to iommu_map() in one call; scattered 4 KiB pages cost 8 bytes
 * each.
 *
 * A dma-buf's range (src/dmabuf.c) is a pages object too, with @dmabuf set:
 * its runs describe the exporter's memory, which is neither pinned nor
 * charged, and it is mapped into domains only through ifd_dmabuf_map(),
 * since the exporter can revoke it.
 */
#ifndef IOMMUFD2_PAGES_H
#define IOMMUFD2_PAGES_H

#include <linux/bits.h>
#include <linux/kref.h>
#include <linux/mutex.h>
#include <linux/types.h>

#include "iommufd2/account.h"
#include "iommufd2/iova_map.h"

struct device;
struct dma_buf;
struct ifd_ctx;
struct ifd_dmabuf;
struct iommu_domain;
struct mm_struct;

#define IFD_RUN_LEN_BITS	12
#define IFD_RUN_MAX_PAGES	BIT(IFD_RUN_LEN_BITS)

static inline unsigned long ifd_run_pfn(u64 run)
{
	return run >> IFD_RUN_LEN_BITS;
}

static inline unsigned long ifd_run_npages(u64 run)
{
	return (run & (IFD_RUN_MAX_PAGES - 1)) + 1;
}

/**
 * struct ifd_pages - a pinned range of user memory or of a memfd
 * @kref: one per mapping using the pages, plus transient users (copy)
 * @runs: the pinned pages, in order, as PFN runs
 * @nr_runs: entries used in @runs
 * @run_inline: @runs of a range that is one run (a small map allocates
 *	no array)
 * @runs_cap: entries allocated in @runs; it grows as pages are pinned,
 *	never to the worst case up front
 * @npages: number of pinned pages
 * @offset: byte offset of the range's start in its first page
 * @length: bytes in the range
 * @writable: pinned for device writes; pages are dirtied on unpin
 * @is_file: pinned from a memfd (IOMMU_IOAS_MAP_FILE)
 * @source: user VA or file offset of the range's first byte; automatic
 *	IOVA placement aligns to it
 * @owner: who is charged for the pins
 * @tally: the context's count of pinned pages, kept up to date
 * @dmabuf: the dma-buf the range belongs to, or NULL for pinned memory
 * @pin_lock: serialises ifd_pages_pin() of a user range
 * @populated: @runs describes the pages (set once, with release ordering;
 *	only then may @runs, @nr_runs be read without @pin_lock)
 * @area: memory for the area of the map that made the pages, so that an
 *	IOMMU_IOAS_MAP allocates one object, not two (see ifd_area @in_pages)
 */
struct ifd_pages {
	struct kref kref;
	u64 *runs;
	unsigned long nr_runs;
	u64 run_inline;
	unsigned long runs_cap;
	unsigned long npages;
	unsigned long offset;
	unsigned long length;
	bool writable;
	bool is_file;
	unsigned long source;
	struct ifd_owner owner;
	atomic_long_t *tally;
	struct ifd_dmabuf *dmabuf;
	struct mutex pin_lock;	/* see above */
	bool populated;
	struct ifd_area area;
};

int ifd_pages_cache_init(void);
void ifd_pages_cache_exit(void);
struct ifd_pages *ifd_pages_desc_alloc(void);
void ifd_pages_desc_free(struct ifd_pages *pages);

struct ifd_pages *ifd_pages_user(unsigned long uaddr, unsigned long length,
				 bool writable, struct ifd_ctx *ctx);
int ifd_pages_pin(struct ifd_pages *pages);
struct ifd_pages *ifd_pages_pin_file(int fd, unsigned long start,
				     unsigned long length, bool writable,
				     struct ifd_ctx *ctx);

struct ifd_pages *ifd_pages_from_dmabuf(struct dma_buf *dmabuf,
					struct device *dev,
					unsigned long start,
					unsigned long length, bool writable);
void ifd_dmabuf_release(struct ifd_pages *pages);
int ifd_dmabuf_map(struct ifd_pages *pages, struct iommu_domain *domain,
		   unsigned long iova, unsigned long first,
		   unsigned long npages, int prot);
void ifd_dmabuf_unmap(struct ifd_pages *pages, struct iommu_domain *domain,
		      unsigned long iova);

static inline void ifd_pages_get(struct ifd_pages *pages)
{
	kref_get(&pages->kref);
}

void ifd_pages_put(struct ifd_pages *pages);

/**
 * struct ifd_pages_reaper - the accounting of released pages, gathered
 * @payer: who was charged for the pages gathered so far (NULL: none yet)
 * @mode: in which limit
 * @tally: the context count they were added to
 * @npages: pinned pages released, still charged and counted
 * @nr_runs: their runs, still counted
 * @refs: references on @payer that released owners left to drop
 *
 * Unmapping many mappings at once releases many descriptors, usually all
 * paid by one process: each is unpinned at once, but its charge, its
 * counters and its reference on the payer are returned in one step per
 * payer by ifd_pages_reap_flush().  Lives on the caller's stack; the
 * caller flushes it before returning.
 */
struct ifd_pages_reaper {
	struct ifd_payer *payer;
	enum ifd_account_mode mode;
	atomic_long_t *tally;
	unsigned long npages;
	unsigned long nr_runs;
	unsigned int refs;
};

void ifd_pages_put_reaped(struct ifd_pages *pages,
			  struct ifd_pages_reaper *reaper);
void ifd_pages_reap_flush(struct ifd_pages_reaper *reaper);

/**
 * struct ifd_pfn_cursor - walks the PFN runs of a page range
 * @pages: the pages walked
 * @run: index of the current run
 * @skip: pages of the current run already consumed
 * @left: pages of the range still to walk
 */
struct ifd_pfn_cursor {
	const struct ifd_pages *pages;
	unsigned long run;
	unsigned long skip;
	unsigned long left;
};

void ifd_pfn_cursor_init(struct ifd_pfn_cursor *cur,
			 const struct ifd_pages *pages, unsigned long first,
			 unsigned long npages);
bool ifd_pfn_cursor_next(struct ifd_pfn_cursor *cur, unsigned long *pfn,
			 unsigned long *npages);

#endif /* IOMMUFD2_PAGES_H */
