// SPDX-License-Identifier: GPL-2.0
/*
 * The address space of an IOAS: placing, inserting and removing mappings,
 * and mirroring them into the attached IOMMU domains.  See
 * include/iommufd2/iova_map.h for the structure and its locking.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/iommu.h>
#include <linux/log2.h>
#include <linux/overflow.h>
#include <linux/pgtable.h>
#include <linux/scatterlist.h>
#include <linux/sizes.h>
#include <linux/slab.h>

#include "iommufd2/access.h"
#include "iommufd2/iova_map.h"
#include "iommufd2/pages.h"

/* Automatic placement stays clear of the first and last page. */
#define IFD_AUTO_FIRST	PAGE_SIZE
#define IFD_AUTO_LAST	(ULONG_MAX - PAGE_SIZE)
/* ... and aligns mappings at most to a PMD, the largest common page. */
#define IFD_AUTO_MAX_ALIGN	PMD_SIZE

/* A reserved range, tagged with who reserved it. */
struct ifd_reserved {
	struct interval_tree_node node;
	const void *owner;
};

/*
 * Areas come from a cache of their own: one per live mapping, so a VMM
 * with 10^5 small mappings keeps them at their size, not kmalloc's next
 * bucket's.
 */
static struct kmem_cache *ifd_area_cache;

/**
 * ifd_iova_map_cache_init() - create the cache of areas
 *
 * Return: 0 or -ENOMEM.
 */
int ifd_iova_map_cache_init(void)
{
	ifd_area_cache = KMEM_CACHE(ifd_area, SLAB_ACCOUNT);
	return ifd_area_cache ? 0 : -ENOMEM;
}

/**
 * ifd_iova_map_cache_exit() - destroy it; every area is freed by then
 */
void ifd_iova_map_cache_exit(void)
{
	kmem_cache_destroy(ifd_area_cache);
}

static struct ifd_area *ifd_area_alloc(void)
{
	return kmem_cache_zalloc(ifd_area_cache, GFP_KERNEL);
}

/* Before its pages' reference is dropped: an area may live in them. */
static void ifd_area_free(struct ifd_area *area)
{
	if (!area->in_pages)
		kmem_cache_free(ifd_area_cache, area);
}

/* A domain every mapping of the map is mirrored into. */
struct ifd_map_domain {
	struct list_head link;
	struct iommu_domain *domain;
};

static struct ifd_area *ifd_node_area(struct interval_tree_node *node)
{
	return node ? container_of(node, struct ifd_area, node) : NULL;
}

static struct ifd_area *ifd_area_first(struct ifd_iova_map *map,
				       unsigned long start, unsigned long last)
{
	return ifd_node_area(interval_tree_iter_first(&map->areas, start,
						      last));
}

static struct ifd_area *ifd_area_next(struct ifd_area *area,
				      unsigned long start, unsigned long last)
{
	return ifd_node_area(interval_tree_iter_next(&area->node, start,
						     last));
}

/* The inclusive end of [@iova, @iova + @length); empty or wrapping fails. */
static int ifd_range_last(unsigned long iova, unsigned long length,
			  unsigned long *last)
{
	if (!length)
		return -EINVAL;
	if (check_add_overflow(iova, length - 1, last))
		return -EOVERFLOW;
	return 0;
}

/**
 * ifd_iova_map_init() - an empty address space
 * @map: the map
 */
void ifd_iova_map_init(struct ifd_iova_map *map)
{
	init_rwsem(&map->lock);
	map->areas = RB_ROOT_CACHED;
	map->reserved = RB_ROOT_CACHED;
	map->access_pins = RB_ROOT_CACHED;
	map->unmapping = RB_ROOT_CACHED;
	INIT_LIST_HEAD(&map->domains);
	map->iova_alignment = 1;
	map->large_pages = true;
	map->busy_below = IFD_AUTO_FIRST;
}

/* The IOVA of the first byte of the area's first page. */
static unsigned long ifd_area_page_iova(struct ifd_area *area)
{
	return area->node.start - (area->start_byte & ~PAGE_MASK);
}

static unsigned long ifd_area_npages(struct ifd_area *area)
{
	unsigned long bytes = area->node.last - ifd_area_page_iova(area) + 1;

	return DIV_ROUND_UP(bytes, PAGE_SIZE);
}

/* The bytes the area maps: a domain holds it at its own IOVA. */
static size_t ifd_area_length(struct ifd_area *area)
{
	return area->node.last - area->node.start + 1;
}

/*
 * Whether the area's IOVA, end or offset in its pages is not page aligned:
 * only a domain whose smallest page is below PAGE_SIZE (the selftest
 * mock's 2 KiB granule) allows such areas.
 */
static bool ifd_area_sub_page(struct ifd_area *area)
{
	return (area->node.start | (area->node.last + 1) | area->start_byte) &
	       ~PAGE_MASK;
}

static void ifd_domain_unmap(struct iommu_domain *domain, unsigned long iova,
			     size_t len)
{
	if (len && iommu_unmap(domain, iova, len) != len)
		pr_err("domain kept part of IOVA 0x%lx+0x%zx\n", iova, len);
}

/* Take the area out of a domain that holds all of it. */
static void ifd_area_unmap_domain(struct ifd_area *area,
				  struct iommu_domain *domain)
{
	if (area->pages->dmabuf)
		ifd_dmabuf_unmap(area->pages, domain, ifd_area_page_iova(area));
	else
		ifd_domain_unmap(domain, area->node.start,
				 ifd_area_length(area));
}

/*
 * Pieces per iommu_map_sg() call, which syncs the IOTLB once for all of
 * them where iommu_map() would sync once per piece.
 */
#define IFD_MAP_SG_ENTRIES	128
/* Entries on the stack: a 64 KiB map of scattered 4 KiB pages. */
#define IFD_MAP_SG_STACK	16
/* A scatterlist entry's length is 32 bits; iommu_map_sg() rejoins them. */
#define IFD_MAP_SG_MAX_PAGES	(SZ_1G >> PAGE_SHIFT)

/*
 * The pieces of ifd_map_pieces() after the first (@pfn, @n): through
 * iommu_map_sg() in batches, from a scatterlist on the stack when they
 * are few.  Out of line, so that a map of one piece does not set up (with
 * CONFIG_INIT_STACK_ALL_ZERO, zero) a scatterlist it never uses.
 */
static noinline int ifd_map_sg_pieces(struct iommu_domain *domain,
				      struct ifd_pfn_cursor *cur,
				      unsigned long iova, unsigned long npages,
				      unsigned long pfn, unsigned long n,
				      int prot, unsigned long *done)
{
	struct scatterlist stack[IFD_MAP_SG_STACK], *sgl = stack;
	unsigned int nents, max = IFD_MAP_SG_STACK;
	unsigned long take, pages;
	ssize_t mapped;
	int rc = 0;

	if (npages > IFD_MAP_SG_STACK) {
		sgl = kmalloc_array(IFD_MAP_SG_ENTRIES, sizeof(*sgl),
				    GFP_KERNEL);
		if (!sgl)
			return -ENOMEM;
		max = IFD_MAP_SG_ENTRIES;
	}
	/* Only the first nents entries are read: one end mark will do. */
	sg_init_table(sgl, max);
	for (;;) {
		nents = 0;
		pages = 0;
		while (nents < max &&
		       (n || ifd_pfn_cursor_next(cur, &pfn, &n))) {
			take = min(n, IFD_MAP_SG_MAX_PAGES);
			sg_set_page(&sgl[nents++], pfn_to_page(pfn),
				    take << PAGE_SHIFT, 0);
			pages += take;
			pfn += take;
			n -= take;
		}
		if (!nents)
			break;
		/* Undoes its own part on failure. */
		mapped = iommu_map_sg(domain, iova + (*done << PAGE_SHIFT), sgl,
				      nents, prot, GFP_KERNEL_ACCOUNT);
		if (mapped < 0) {
			rc = mapped;
			break;
		}
		*done += pages;
	}
	if (sgl != stack)
		kfree(sgl);
	return rc;
}

/*
 * Map the cursor's @npages pages at @iova, each physically contiguous
 * piece whole so the IOMMU can use its largest pages.  One piece is one
 * iommu_map(); more go through ifd_map_sg_pieces().  @done counts the
 * pages mapped, which stay mapped on failure.
 */
static int ifd_map_pieces(struct iommu_domain *domain,
			  struct ifd_pfn_cursor *cur, unsigned long iova,
			  unsigned long npages, int prot, unsigned long *done)
{
	unsigned long pfn = 0, n = 0;
	int rc;

	if (!ifd_pfn_cursor_next(cur, &pfn, &n))
		return 0;
	if (n != npages)
		return ifd_map_sg_pieces(domain, cur, iova, npages, pfn, n,
					 prot, done);
	rc = iommu_map(domain, iova, PFN_PHYS(pfn), n << PAGE_SHIFT, prot,
		       GFP_KERNEL_ACCOUNT);
	if (!rc)
		*done = n;
	return rc;
}

/* Page by page, for maps whose large pages are disabled. */
static int ifd_map_small(struct iommu_domain *domain,
			 struct ifd_pfn_cursor *cur, unsigned long iova,
			 int prot, unsigned long *done)
{
	unsigned long pfn, n, i;
	int rc;

	while (ifd_pfn_cursor_next(cur, &pfn, &n)) {
		for (i = 0; i < n; i++) {
			rc = iommu_map(domain, iova + (*done << PAGE_SHIFT),
				       PFN_PHYS(pfn + i), PAGE_SIZE, prot,
				       GFP_KERNEL_ACCOUNT);
			if (rc)
				return rc;
			++*done;
		}
	}
	return 0;
}

/*
 * Map a sub-page area: each physically contiguous piece for the part of it
 * the area holds, from the area's offset in its first page.  Undoes its
 * own work on failure.
 */
static int ifd_map_sub_page(struct iommu_domain *domain,
			    struct ifd_area *area, struct ifd_pfn_cursor *cur)
{
	size_t off = area->start_byte & ~PAGE_MASK;
	size_t left = ifd_area_length(area), len;
	unsigned long iova = area->node.start, pfn, n;
	int rc;

	while (left && ifd_pfn_cursor_next(cur, &pfn, &n)) {
		len = min_t(size_t, left, (n << PAGE_SHIFT) - off);
		rc = iommu_map(domain, iova, PFN_PHYS(pfn) + off, len,
			       area->prot, GFP_KERNEL_ACCOUNT);
		if (rc) {
			ifd_domain_unmap(domain, area->node.start,
					 iova - area->node.start);
			return rc;
		}
		iova += len;
		left -= len;
		off = 0;
	}
	return 0;
}

/* Map the area into one domain; undoes its own partial work on failure. */
static int ifd_area_map_domain(struct ifd_iova_map *map,
			       struct ifd_area *area,
			       struct iommu_domain *domain)
{
	unsigned long iova = area->node.start, done = 0;
	struct ifd_pfn_cursor cur;
	int rc;

	rc = ifd_pages_pin(area->pages);
	if (rc)
		return rc;
	if (area->pages->dmabuf)
		return ifd_dmabuf_map(area->pages, domain,
				      ifd_area_page_iova(area),
				      area->start_byte >> PAGE_SHIFT,
				      ifd_area_npages(area), area->prot);
	ifd_pfn_cursor_init(&cur, area->pages, area->start_byte >> PAGE_SHIFT,
			    ifd_area_npages(area));
	if (ifd_area_sub_page(area))
		return ifd_map_sub_page(domain, area, &cur);
	if (map->large_pages)
		rc = ifd_map_pieces(domain, &cur, iova, ifd_area_npages(area),
				    area->prot, &done);
	else
		rc = ifd_map_small(domain, &cur, iova, area->prot, &done);
	if (rc)
		ifd_domain_unmap(domain, iova, done << PAGE_SHIFT);
	return rc;
}

/* Mirror a new area into every domain; all or nothing. */
static int ifd_area_map_domains(struct ifd_iova_map *map,
				struct ifd_area *area)
{
	struct ifd_map_domain *md, *undo;
	int rc;

	list_for_each_entry(md, &map->domains, link) {
		rc = ifd_area_map_domain(map, area, md->domain);
		if (!rc)
			continue;
		list_for_each_entry(undo, &map->domains, link) {
			if (undo == md)
				break;
			ifd_area_unmap_domain(area, undo->domain);
		}
		return rc;
	}
	return 0;
}

static void ifd_area_unmap_domains(struct ifd_iova_map *map,
				   struct ifd_area *area)
{
	struct ifd_map_domain *md;

	list_for_each_entry(md, &map->domains, link)
		ifd_area_unmap_domain(area, md->domain);
}

/* Unmap [@iova, @iova + @len) into @gather; nothing for an empty range. */
static void ifd_unmap_gathered(struct iommu_domain *domain, unsigned long iova,
			       size_t len, struct iommu_iotlb_gather *gather)
{
	if (len && iommu_unmap_fast(domain, iova, len, gather) != len)
		pr_err("domain kept part of IOVA 0x%lx+0x%zx\n", iova, len);
}

/*
 * Unmap the areas on @areas (linked by @link, in IOVA order) from every
 * domain, areas that follow each other in one call, gathering the IOTLB
 * invalidations: one sync per domain for all of them (or as many as the
 * driver needs for ranges far apart), not one per area.  The domains no
 * longer reach the pages when this returns.
 */
static void ifd_areas_unmap_domains(struct ifd_iova_map *map,
				    struct list_head *areas)
{
	struct iommu_iotlb_gather gather;
	unsigned long iova, start = 0;
	struct ifd_map_domain *md;
	struct ifd_area *area;
	bool gathered;
	size_t len;

	list_for_each_entry(md, &map->domains, link) {
		iommu_iotlb_gather_init(&gather);
		gathered = false;
		len = 0;
		list_for_each_entry(area, areas, link) {
			if (area->pages->dmabuf) {
				ifd_dmabuf_unmap(area->pages, md->domain,
						 ifd_area_page_iova(area));
				continue;
			}
			gathered = true;
			iova = area->node.start;
			if (len && iova == start + len) {
				len += ifd_area_length(area);
				continue;
			}
			ifd_unmap_gathered(md->domain, start, len, &gather);
			start = iova;
			len = ifd_area_length(area);
		}
		ifd_unmap_gathered(md->domain, start, len, &gather);
		if (gathered)
			iommu_iotlb_sync(md->domain, &gather);
	}
}

/* The first area or reserved range overlapping [start, last], if any. */
static struct interval_tree_node *ifd_busy(struct ifd_iova_map *map,
					   unsigned long start,
					   unsigned long last)
{
	struct interval_tree_node *node;

	node = interval_tree_iter_first(&map->areas, start, last);
	return node ?: interval_tree_iter_first(&map->reserved, start, last);
}

/*
 * Raise @busy_below past the areas and reserved ranges that start at it
 * or cover it, after [@start, @last] became busy.  An insertion that does
 * not cover @busy_below changes nothing at or below it, so it is left
 * where it is with no lookup: a fixed map away from the packed bottom
 * walks no tree here.  (It only has to be a lower bound of the first hole:
 * a search starting there steps over whatever is busy.)
 */
static void ifd_busy_below_raise(struct ifd_iova_map *map,
				 unsigned long start, unsigned long last)
{
	struct interval_tree_node *node;

	if (map->busy_below < start || map->busy_below > last)
		return;
	/* The new range is busy to @last; what follows it is looked up. */
	do {
		if (last >= IFD_AUTO_LAST) {
			map->busy_below = IFD_AUTO_LAST;
			return;
		}
		map->busy_below = last + 1;
		node = ifd_busy(map, map->busy_below, map->busy_below);
		if (node)
			last = node->last;
	} while (node);
}

/* [@start, ...] is free again: the first hole may start there now. */
static void ifd_busy_below_lower(struct ifd_iova_map *map,
				 unsigned long start)
{
	start = max(start, IFD_AUTO_FIRST);
	if (start < map->busy_below)
		map->busy_below = start;
}

/*
 * Lowest fit for @length bytes inside [lo, hi] at @align | @page_off.  No
 * fit starts below @busy_below: a page-aligned search starts there, which
 * finds what a walk from @lo would (a walk steps over each busy node, so
 * it is not the lowest fit when @page_off is not zero: that one walks).
 */
static bool ifd_fit_in(struct ifd_iova_map *map, unsigned long lo,
		       unsigned long hi, unsigned long length,
		       unsigned long align, unsigned long page_off,
		       unsigned long *iova)
{
	unsigned long cursor = lo, cand;
	struct interval_tree_node *node;

	if (!page_off)
		cursor = max(lo, map->busy_below);
	for (;;) {
		if (check_add_overflow(cursor, align - 1, &cand))
			return false;
		cand = (cand & ~(align - 1)) | page_off;
		if (cand > hi || hi - cand < length - 1)
			return false;
		node = ifd_busy(map, cand, cand + length - 1);
		if (!node) {
			*iova = cand;
			return true;
		}
		if (node->last >= hi)
			return false;
		cursor = node->last + 1;
	}
}

/*
 * Choose an IOVA for @length bytes whose data starts at user address (or
 * file offset) @addr: aligned like @addr up to the mapping's size (at most
 * a PMD) so that huge pages stay huge in the IOMMU, inside the allowed
 * ranges, clear of reserved ranges and other mappings.
 */
static int ifd_alloc_iova(struct ifd_iova_map *map, unsigned long addr,
			  unsigned long length, unsigned long *iova)
{
	unsigned long page_off = addr & ~PAGE_MASK, align, lo, hi;
	unsigned int i;

	if (length >= ULONG_MAX / 2)
		return -EOVERFLOW;
	align = roundup_pow_of_two(length);
	if (addr)
		align = min(align, 1UL << __ffs(addr));
	align = min_t(unsigned long, align, IFD_AUTO_MAX_ALIGN);
	if (align < map->iova_alignment)
		return -EINVAL;

	if (!map->nr_allowed)
		return ifd_fit_in(map, IFD_AUTO_FIRST, IFD_AUTO_LAST, length,
				  align, page_off, iova) ? 0 : -ENOSPC;
	for (i = 0; i < map->nr_allowed; i++) {
		lo = max(map->allowed[i].start, IFD_AUTO_FIRST);
		hi = min(map->allowed[i].last, IFD_AUTO_LAST);
		if (lo <= hi && ifd_fit_in(map, lo, hi, length, align,
					   page_off, iova))
			return 0;
	}
	return -ENOSPC;
}

static int ifd_check_fixed_iova(struct ifd_iova_map *map, unsigned long iova,
				unsigned long length)
{
	unsigned long last;

	if (iova & (map->iova_alignment - 1))
		return -EINVAL;
	if (check_add_overflow(iova, length - 1, &last))
		return -EOVERFLOW;
	if (interval_tree_iter_first(&map->reserved, iova, last))
		return -EINVAL;
	if (interval_tree_iter_first(&map->areas, iova, last))
		return -EEXIST;
	return 0;
}

/* Takes the areas of @added out of the map again (insert rollback). */
static void ifd_remove_new_areas(struct ifd_iova_map *map,
				 struct list_head *added, bool mapped)
{
	struct ifd_area *area, *tmp;

	list_for_each_entry_safe(area, tmp, added, link) {
		if (mapped)
			ifd_area_unmap_domains(map, area);
		interval_tree_remove(&area->node, &map->areas);
		ifd_busy_below_lower(map, area->node.start);
		list_del(&area->link);
		ifd_area_free(area);
	}
}

/**
 * ifd_iova_map_insert() - map a list of pinned pieces back to back
 * @map: the address space
 * @pieces: struct ifd_piece list; on success each piece's page reference
 *	moves into its new area (piece->pages becomes NULL)
 * @length: total bytes of @pieces
 * @iova: the IOVA to use if @fixed, else where the chosen one is returned
 * @prot: IOMMU_READ / IOMMU_WRITE / IOMMU_CACHE
 * @fixed: use *@iova as given
 *
 * Nothing changes on failure.
 *
 * Return: 0; -EINVAL (misaligned, or inside a reserved range), -EEXIST
 * (overlaps a mapping), -EOVERFLOW, -ENOSPC (no room for automatic
 * placement), -EPERM (writable mapping of read-only pinned pages),
 * -ENOMEM, or a domain's error.
 */
int ifd_iova_map_insert(struct ifd_iova_map *map, struct list_head *pieces,
			unsigned long length, unsigned long *iova, int prot,
			bool fixed)
{
	struct ifd_piece *first, *piece;
	struct ifd_area *area, *tmp;
	LIST_HEAD(added);
	LIST_HEAD(fresh);
	unsigned long cur;
	int rc = 0;

	first = list_first_entry(pieces, struct ifd_piece, link);
	list_for_each_entry(piece, pieces, link) {
		area = piece->area ?: ifd_area_alloc();
		if (!area) {
			rc = -ENOMEM;
			goto out_free;
		}
		area->in_pages = area == piece->area;
		list_add_tail(&area->link, &fresh);
	}

	down_write(&map->lock);
	if (!length || (length & (map->iova_alignment - 1)))
		rc = -EINVAL;
	else if (fixed)
		rc = ifd_check_fixed_iova(map, *iova, length);
	else
		rc = ifd_alloc_iova(map, first->pages->source -
				    first->pages->offset + first->start_byte,
				    length, iova);
	if (rc)
		goto out_unlock;

	/* Per piece, as upstream: permission, then the offset's alignment. */
	cur = *iova;
	list_for_each_entry(piece, pieces, link) {
		if ((prot & IOMMU_WRITE) && !piece->pages->writable) {
			rc = -EPERM;
			break;
		}
		if ((piece->start_byte & ~PAGE_MASK) &
		    (map->iova_alignment - 1)) {
			rc = -EINVAL;
			break;
		}
		area = list_first_entry(&fresh, struct ifd_area, link);
		list_move_tail(&area->link, &added);
		area->node.start = cur;
		area->node.last = cur + piece->length - 1;
		area->start_byte = piece->start_byte;
		area->pages = piece->pages;
		area->prot = prot;
		area->small_pages = !map->large_pages;
		interval_tree_insert(&area->node, &map->areas);
		cur += piece->length;
	}
	if (rc) {
		ifd_remove_new_areas(map, &added, false);
		goto out_unlock;
	}

	list_for_each_entry(area, &added, link) {
		rc = ifd_area_map_domains(map, area);
		if (!rc)
			continue;
		/* Unmap the areas before the failed one, drop all of them. */
		list_for_each_entry(tmp, &added, link) {
			if (tmp == area)
				break;
			ifd_area_unmap_domains(map, tmp);
		}
		ifd_remove_new_areas(map, &added, false);
		goto out_unlock;
	}
	/* The areas own the page references now. */
	list_for_each_entry(piece, pieces, link)
		piece->pages = NULL;
	list_for_each_entry_safe(area, tmp, &added, link)
		list_del_init(&area->link);
	ifd_busy_below_raise(map, *iova, *iova + length - 1);
out_unlock:
	up_write(&map->lock);
out_free:
	list_for_each_entry_safe(area, tmp, &fresh, link)
		ifd_area_free(area);
	return rc;
}

/**
 * ifd_pieces_free() - drop a piece list and the page references it holds
 * @pieces: the list
 */
void ifd_pieces_free(struct list_head *pieces)
{
	struct ifd_piece *piece, *tmp;

	list_for_each_entry_safe(piece, tmp, pieces, link) {
		if (piece->pages)
			ifd_pages_put(piece->pages);
		kfree(piece);
	}
	INIT_LIST_HEAD(pieces);
}

/*
 * Collect [@iova, @last] with the map's lock held, either side; every
 * mapping must allow @prot (0: any).  As upstream, a mapping lacking @prot
 * is EPERM even when a hole (ENOENT) follows it: the walk meets it first.
 */
static int ifd_collect_locked(struct ifd_iova_map *map, unsigned long iova,
			      unsigned long last, int prot,
			      struct list_head *pieces)
{
	unsigned long cur = iova;
	struct ifd_piece *piece;
	struct ifd_area *area;
	int rc = 0;

	lockdep_assert_held(&map->lock);
	for (;;) {
		area = ifd_area_first(map, cur, cur);
		if (!area) {
			rc = -ENOENT;
			break;
		}
		if ((area->prot & prot) != prot) {
			rc = -EPERM;
			break;
		}
		piece = kzalloc_obj(*piece, GFP_KERNEL_ACCOUNT);
		if (!piece) {
			rc = -ENOMEM;
			break;
		}
		piece->pages = area->pages;
		ifd_pages_get(piece->pages);
		piece->start_byte = area->start_byte + (cur - area->node.start);
		piece->length = min(last, area->node.last) - cur + 1;
		piece->prot = area->prot;
		list_add_tail(&piece->link, pieces);
		if (area->node.last >= last)
			break;
		cur = area->node.last + 1;
	}
	if (rc)
		ifd_pieces_free(pieces);
	return rc;
}

/**
 * ifd_iova_map_collect() - reference the pages behind an IOVA range
 * @map: the address space
 * @iova: start of the range
 * @length: bytes
 * @pieces: receives one struct ifd_piece per area the range crosses
 *
 * Return: 0, or -ENOENT if the range is not entirely mapped, -EINVAL for
 * an empty range, -EOVERFLOW, -ENOMEM.
 */
int ifd_iova_map_collect(struct ifd_iova_map *map, unsigned long iova,
			 unsigned long length, struct list_head *pieces)
{
	unsigned long last;
	int rc;

	rc = ifd_range_last(iova, length, &last);
	if (rc)
		return rc;

	down_read(&map->lock);
	rc = ifd_collect_locked(map, iova, last, 0, pieces);
	up_read(&map->lock);
	return rc;
}

/**
 * ifd_iova_map_covered_locked() - whether mappings cover [start, last]
 * without a hole
 * @map: the address space, locked by the caller
 * @start: first IOVA
 * @last: last IOVA (inclusive)
 *
 * Return: true if every IOVA of the range is mapped.
 */
bool ifd_iova_map_covered_locked(struct ifd_iova_map *map,
				 unsigned long start, unsigned long last)
{
	struct interval_tree_node *node;
	unsigned long next = start;

	lockdep_assert_held(&map->lock);
	for (node = interval_tree_iter_first(&map->areas, start, last); node;
	     node = interval_tree_iter_next(node, start, last)) {
		if (node->start > next)
			return false;
		if (node->last >= last)
			return true;
		next = node->last + 1;
	}
	return false;
}

/**
 * ifd_iova_map_covered() - ifd_iova_map_covered_locked(), taking the lock
 * @map: the address space
 * @start: first IOVA
 * @last: last IOVA
 *
 * Return: true if mappings cover every byte of [@start, @last].
 */
bool ifd_iova_map_covered(struct ifd_iova_map *map, unsigned long start,
			  unsigned long last)
{
	bool covered;

	down_read(&map->lock);
	covered = ifd_iova_map_covered_locked(map, start, last);
	up_read(&map->lock);
	return covered;
}

/* Split the area holding @iova so that a new one starts at @iova. */
static int ifd_cut_at_locked(struct ifd_iova_map *map, unsigned long iova)
{
	struct ifd_area *area = ifd_area_first(map, iova, iova), *right;

	if (!area || area->node.start == iova)
		return 0;
	/*
	 * Both halves must own whole pages, mapped page by page in every
	 * domain, or unmapping one would take the other's translations.
	 */
	if (!PAGE_ALIGNED(iova) || !area->small_pages || map->large_pages ||
	    area->pages->dmabuf)
		return -EINVAL;
	right = ifd_area_alloc();
	if (!right)
		return -ENOMEM;
	interval_tree_remove(&area->node, &map->areas);
	right->node.start = iova;
	right->node.last = area->node.last;
	right->start_byte = area->start_byte + (iova - area->node.start);
	right->prot = area->prot;
	right->small_pages = true;
	right->pages = area->pages;
	ifd_pages_get(right->pages);
	area->node.last = iova - 1;
	interval_tree_insert(&area->node, &map->areas);
	interval_tree_insert(&right->node, &map->areas);
	return 0;
}

/**
 * ifd_iova_map_cut() - split mappings at the edges of a range
 * @map: the address space (with large pages disabled)
 * @iova: first IOVA of the range
 * @length: its bytes
 *
 * Afterwards no mapping crosses @iova or @iova + @length, so the range can
 * be unmapped alone (VFIO type1 semantics).  The pages stay pinned until
 * every piece of the original mapping is unmapped.
 *
 * Return: 0; -EINVAL if an edge is not page aligned or the mapping there
 * uses large pages; -ENOMEM.
 */
int ifd_iova_map_cut(struct ifd_iova_map *map, unsigned long iova,
		     unsigned long length)
{
	unsigned long last;
	int rc;

	rc = ifd_range_last(iova, length, &last);
	if (rc)
		return rc;
	down_write(&map->lock);
	rc = ifd_cut_at_locked(map, iova);
	if (!rc && last != ULONG_MAX)
		rc = ifd_cut_at_locked(map, last + 1);
	up_write(&map->lock);
	return rc;
}

/* How often an unmap asks accesses to unpin before giving up. */
#define IFD_UNMAP_NOTIFY_TRIES	16
#define IFD_UNMAP_NOTIFY_BATCH	8

/*
 * Ask the accesses pinning inside [start, last] to let go.  Called with the
 * map locked for writing; drops the lock around the owners' callbacks.
 */
static void ifd_notify_accesses(struct ifd_iova_map *map, unsigned long start,
				unsigned long last)
{
	struct ifd_access *batch[IFD_UNMAP_NOTIFY_BATCH];
	struct interval_tree_node *node;
	unsigned int n = 0, i;

	lockdep_assert_held_write(&map->lock);
	for (node = interval_tree_iter_first(&map->access_pins, start, last);
	     node && n < ARRAY_SIZE(batch);
	     node = interval_tree_iter_next(node, start, last)) {
		struct ifd_access *access =
			container_of(node, struct ifd_access_pin, node)->access;

		for (i = 0; i < n && batch[i] != access; i++)
			;
		if (i == n && access && ifd_access_tryget(access))
			batch[n++] = access;
	}
	up_write(&map->lock);
	for (i = 0; i < n; i++) {
		ifd_access_notify_unmap(batch[i], start, last - start + 1);
		ifd_access_put(batch[i]);
	}
	down_write(&map->lock);
}

/* Whether a pin without an owner (a HW queue's) lies in [start, last]. */
static bool ifd_kernel_pinned(struct ifd_iova_map *map, unsigned long start,
			      unsigned long last)
{
	struct interval_tree_node *node;

	for (node = interval_tree_iter_first(&map->access_pins, start, last);
	     node; node = interval_tree_iter_next(node, start, last))
		if (!container_of(node, struct ifd_access_pin, node)->access)
			return true;
	return false;
}

/*
 * Put the areas inside [start, last] on @doomed, in IOVA order, leaving the
 * tree as it is.  An area crossing either end is skipped, or with @strict
 * makes the call fail with -ENOENT, @doomed empty again.  Areas do not
 * overlap, so none lies in the range past one that reaches @last: the walk
 * stops there without looking for a successor.
 */
static int ifd_unmap_collect(struct ifd_iova_map *map, unsigned long start,
			     unsigned long last, bool strict,
			     struct list_head *doomed)
{
	struct ifd_area *area, *tmp;

	for (area = ifd_area_first(map, start, last); area;
	     area = ifd_area_next(area, start, last)) {
		if (area->node.start >= start && area->node.last <= last)
			list_add_tail(&area->link, doomed);
		else if (strict)
			goto out_cross;
		if (area->node.last >= last)
			break;
	}
	return 0;

out_cross:
	list_for_each_entry_safe(area, tmp, doomed, link)
		list_del_init(&area->link);
	return -ENOENT;
}

/*
 * Take the areas on @doomed (in IOVA order, as collected) out of the tree;
 * returns their bytes.  When they are the whole tree (the first is its
 * leftmost area and the last its rightmost, and a collection holds every
 * area between the two) the tree is emptied at once instead of being
 * rebalanced for each area.
 */
static unsigned long ifd_areas_remove(struct ifd_iova_map *map,
				      struct list_head *doomed)
{
	struct ifd_area *first, *last, *area;
	unsigned long bytes = 0;
	bool whole;

	if (list_empty(doomed))
		return 0;
	first = list_first_entry(doomed, struct ifd_area, link);
	last = list_last_entry(doomed, struct ifd_area, link);
	whole = rb_first_cached(&map->areas) == &first->node.rb &&
		rb_last(&map->areas.rb_root) == &last->node.rb;
	list_for_each_entry(area, doomed, link) {
		if (!whole)
			interval_tree_remove(&area->node, &map->areas);
		bytes += ifd_area_length(area);
	}
	if (whole)
		map->areas = RB_ROOT_CACHED;
	ifd_busy_below_lower(map, first->node.start);
	return bytes;
}

/*
 * Have the accesses pinning inside [start, last] let go, fencing the range
 * so no new pin starts there meanwhile.  Called and returns with the map
 * locked for writing, which it drops while the owners are asked.
 *
 * Return: 0, or -EBUSY if a pin stays (a kernel pin, which has no owner to
 * ask, or an owner that does not let go).
 */
static int ifd_unmap_wait_accesses(struct ifd_iova_map *map,
				   unsigned long start, unsigned long last)
{
	struct interval_tree_node fence = { .start = start, .last = last };
	int tries = 0, rc = 0;

	interval_tree_insert(&fence, &map->unmapping);
	while (interval_tree_iter_first(&map->access_pins, start, last)) {
		if (ifd_kernel_pinned(map, start, last) ||
		    ++tries > IFD_UNMAP_NOTIFY_TRIES) {
			rc = -EBUSY;
			break;
		}
		ifd_notify_accesses(map, start, last);
		cond_resched();
	}
	interval_tree_remove(&fence, &map->unmapping);
	return rc;
}

/*
 * Remove every mapping inside [start, last].  Unless @all, a mapping that
 * crosses either end makes the whole call fail with -ENOENT and change
 * nothing: mappings are removed whole, never cut.  Ranges pinned by
 * emulated accesses are first handed back by their owners (-EBUSY if an
 * owner keeps them).  Without such pins, which is the common case, the
 * range is walked once.
 */
static int ifd_unmap_range(struct ifd_iova_map *map, unsigned long start,
			   unsigned long last, bool all,
			   unsigned long *unmapped)
{
	struct ifd_pages_reaper reaper = {};
	struct ifd_area *area, *next;
	LIST_HEAD(doomed);
	unsigned long bytes;
	int rc;

	down_write(&map->lock);
	rc = ifd_unmap_collect(map, start, last, !all, &doomed);
	if (rc)
		goto out_unlock;
	if (interval_tree_iter_first(&map->access_pins, start, last)) {
		list_for_each_entry_safe(area, next, &doomed, link)
			list_del_init(&area->link);
		rc = ifd_unmap_wait_accesses(map, start, last);
		if (rc)
			goto out_unlock;
		/*
		 * The lock was dropped: the areas are looked up again, and
		 * one a racing cut made cross an end is left alone.
		 */
		ifd_unmap_collect(map, start, last, false, &doomed);
	}
	bytes = ifd_areas_remove(map, &doomed);
	ifd_areas_unmap_domains(map, &doomed);
out_unlock:
	up_write(&map->lock);
	if (rc)
		return rc;

	/* Unpinning may be slow: out of the lock. */
	list_for_each_entry_safe(area, next, &doomed, link) {
		struct ifd_pages *pages = area->pages;

		ifd_area_free(area);
		ifd_pages_put_reaped(pages, &reaper);
		cond_resched();
	}
	ifd_pages_reap_flush(&reaper);
	*unmapped = bytes;
	return 0;
}

/**
 * ifd_iova_map_pin_for_access() - record an access's pin of an IOVA range
 * @map: the address space
 * @pin: the record; its pieces receive page references
 * @iova: start of the range
 * @length: bytes
 * @prot: IOMMU_READ and/or IOMMU_WRITE the access needs
 *
 * Return: 0, -ENOENT if the range is not entirely mapped (or is being
 * unmapped), -EPERM if a mapping lacks @prot, -EINVAL, -EOVERFLOW, -ENOMEM.
 */
int ifd_iova_map_pin_for_access(struct ifd_iova_map *map,
				struct ifd_access_pin *pin, unsigned long iova,
				unsigned long length, int prot)
{
	struct ifd_piece *piece;
	unsigned long last;
	int rc;

	rc = ifd_range_last(iova, length, &last);
	if (rc)
		return rc;
	INIT_LIST_HEAD(&pin->pieces);
	down_write(&map->lock);
	if (interval_tree_iter_first(&map->unmapping, iova, last)) {
		up_write(&map->lock);
		return -ENOENT;
	}
	rc = ifd_collect_locked(map, iova, last, prot, &pin->pieces);
	if (!rc) {
		list_for_each_entry(piece, &pin->pieces, link) {
			/* No struct pages for the CPU behind a dma-buf. */
			if (piece->pages->dmabuf)
				rc = -EINVAL;
			if (!rc)
				rc = ifd_pages_pin(piece->pages);
		}
		if (rc)
			ifd_pieces_free(&pin->pieces);
	}
	if (!rc) {
		pin->node.start = iova;
		pin->node.last = last;
		interval_tree_insert(&pin->node, &map->access_pins);
	}
	up_write(&map->lock);
	return rc;
}

/**
 * ifd_iova_map_unpin_for_access() - drop an access's pin
 * @map: the address space it was pinned in
 * @pin: the record; its page references are dropped
 */
void ifd_iova_map_unpin_for_access(struct ifd_iova_map *map,
				   struct ifd_access_pin *pin)
{
	down_write(&map->lock);
	interval_tree_remove(&pin->node, &map->access_pins);
	up_write(&map->lock);
	ifd_pieces_free(&pin->pieces);
}

/**
 * ifd_iova_unmap() - remove the mappings inside an IOVA range
 * @map: the address space
 * @iova: start of the range
 * @length: bytes
 * @unmapped: bytes actually unmapped (0 if nothing was mapped there)
 *
 * Return: 0; -ENOENT if a mapping crosses the range's ends (nothing is
 * removed then); -EINVAL for an empty range; -EOVERFLOW.
 */
int ifd_iova_unmap(struct ifd_iova_map *map, unsigned long iova,
		   unsigned long length, unsigned long *unmapped)
{
	unsigned long last;
	int rc;

	rc = ifd_range_last(iova, length, &last);
	if (rc)
		return rc;
	return ifd_unmap_range(map, iova, last, false, unmapped);
}

/**
 * ifd_iova_unmap_all() - remove every mapping
 * @map: the address space
 * @unmapped: bytes unmapped
 *
 * Return: 0.
 */
int ifd_iova_unmap_all(struct ifd_iova_map *map, unsigned long *unmapped)
{
	return ifd_unmap_range(map, 0, ULONG_MAX, true, unmapped);
}

/**
 * ifd_iova_map_usable_ranges() - report the IOVA ranges outside reserved ones
 * @map: the address space
 * @emit: called for each range in ascending order, under the map's lock
 *	(it may fault on user memory); a non-zero return stops the walk
 * @arg: passed to @emit
 *
 * Return: 0 or what @emit returned.
 */
int ifd_iova_map_usable_ranges(struct ifd_iova_map *map,
			       int (*emit)(void *arg, unsigned long start,
					   unsigned long last),
			       void *arg)
{
	struct interval_tree_node *node;
	unsigned long cursor = 0;
	int rc = 0;

	down_read(&map->lock);
	for (node = interval_tree_iter_first(&map->reserved, 0, ULONG_MAX);
	     node; node = interval_tree_iter_next(node, 0, ULONG_MAX)) {
		if (node->start > cursor) {
			rc = emit(arg, cursor, node->start - 1);
			if (rc)
				goto out;
		}
		if (node->last == ULONG_MAX)
			goto out;
		cursor = max(cursor, node->last + 1);
	}
	rc = emit(arg, cursor, ULONG_MAX);
out:
	up_read(&map->lock);
	return rc;
}

/**
 * ifd_iova_map_precheck() - cheap early rejection of a fixed-IOVA mapping
 * @map: the address space
 * @iova: the requested IOVA
 * @length: bytes
 *
 * Lets a doomed request fail before anything is pinned; the insert checks
 * again under the lock.
 *
 * Return: 0 or the error ifd_iova_map_insert() would give.
 */
int ifd_iova_map_precheck(struct ifd_iova_map *map, unsigned long iova,
			  unsigned long length)
{
	int rc;

	down_read(&map->lock);
	if (!length || (length & (map->iova_alignment - 1)))
		rc = -EINVAL;
	else
		rc = ifd_check_fixed_iova(map, iova, length);
	up_read(&map->lock);
	return rc;
}

/**
 * ifd_iova_map_set_allowed() - replace the ranges automatic placement uses
 * @map: the address space
 * @ranges: sorted, disjoint ranges (kvmalloc'd; the map takes it over on
 *	success), or NULL with @n 0 to lift the restriction
 * @n: number of ranges
 *
 * Return: 0, or -EADDRINUSE if a range overlaps a reserved one.
 */
int ifd_iova_map_set_allowed(struct ifd_iova_map *map,
			     struct ifd_range *ranges, unsigned int n)
{
	unsigned int i;

	down_write(&map->lock);
	for (i = 0; i < n; i++) {
		if (interval_tree_iter_first(&map->reserved, ranges[i].start,
					     ranges[i].last)) {
			up_write(&map->lock);
			return -EADDRINUSE;
		}
	}
	swap(map->allowed, ranges);
	map->nr_allowed = n;
	up_write(&map->lock);
	kvfree(ranges);
	return 0;
}

/**
 * ifd_iova_map_visit_pages() - visit the pages behind every mapping
 * @map: the address space; the caller holds its lock
 * @v: the visitor
 */
void ifd_iova_map_visit_pages(struct ifd_iova_map *map,
			      struct ifd_pages_visitor *v)
{
	struct ifd_area *area;

	lockdep_assert_held(&map->lock);
	for (area = ifd_area_first(map, 0, ULONG_MAX); area;
	     area = ifd_area_next(area, 0, ULONG_MAX))
		v->visit(v, area->pages);
}

/**
 * ifd_iova_map_destroy() - unmap and unpin everything, free the map
 * @map: the map; no domain may be attached any more, nor anyone else use it
 */
void ifd_iova_map_destroy(struct ifd_iova_map *map)
{
	struct interval_tree_node *node;
	unsigned long unmapped;

	WARN_ON(!list_empty(&map->domains));
	/* Ours alone: an empty map needs neither its lock nor an unmap. */
	if (!RB_EMPTY_ROOT(&map->areas.rb_root))
		ifd_iova_unmap_all(map, &unmapped);
	while ((node = interval_tree_iter_first(&map->reserved, 0,
						ULONG_MAX))) {
		interval_tree_remove(node, &map->reserved);
		kfree(container_of(node, struct ifd_reserved, node));
	}
	kvfree(map->allowed);
}

static int ifd_reserve_locked(struct ifd_iova_map *map, unsigned long start,
			      unsigned long last, const void *owner)
{
	struct ifd_reserved *resv;
	unsigned int i;

	lockdep_assert_held_write(&map->lock);
	if (interval_tree_iter_first(&map->areas, start, last))
		return -EADDRINUSE;
	for (i = 0; i < map->nr_allowed; i++)
		if (map->allowed[i].start <= last &&
		    map->allowed[i].last >= start)
			return -EADDRINUSE;
	resv = kzalloc_obj(*resv, GFP_KERNEL_ACCOUNT);
	if (!resv)
		return -ENOMEM;
	resv->node.start = start;
	resv->node.last = last;
	resv->owner = owner;
	interval_tree_insert(&resv->node, &map->reserved);
	ifd_busy_below_raise(map, start, last);
	return 0;
}

static void ifd_unreserve_locked(struct ifd_iova_map *map, const void *owner)
{
	struct interval_tree_node *node, *next;

	lockdep_assert_held_write(&map->lock);
	for (node = interval_tree_iter_first(&map->reserved, 0, ULONG_MAX);
	     node; node = next) {
		struct ifd_reserved *resv =
			container_of(node, struct ifd_reserved, node);

		next = interval_tree_iter_next(node, 0, ULONG_MAX);
		if (resv->owner != owner)
			continue;
		interval_tree_remove(node, &map->reserved);
		ifd_busy_below_lower(map, node->start);
		kfree(resv);
	}
}

/**
 * ifd_iova_map_reserve_device() - keep mappings out of a device's reserved
 * regions (MSI windows, firmware ranges)
 * @map: the address space
 * @dev: the device
 * @owner: tag to remove them by later (ifd_iova_map_unreserve())
 *
 * Return: 0; -EADDRINUSE if a mapping or an allowed range is already
 * inside one (nothing is reserved then); -ENOMEM.
 */
int ifd_iova_map_reserve_device(struct ifd_iova_map *map, struct device *dev,
				const void *owner)
{
	struct iommu_resv_region *resv;
	LIST_HEAD(regions);
	int rc = 0;

	iommu_get_resv_regions(dev, &regions);
	down_write(&map->lock);
	list_for_each_entry(resv, &regions, list) {
		/* Relaxable direct maps may be overridden (as upstream). */
		if (resv->type == IOMMU_RESV_DIRECT_RELAXABLE || !resv->length)
			continue;
		rc = ifd_reserve_locked(map, resv->start,
					resv->start + resv->length - 1, owner);
		if (rc) {
			ifd_unreserve_locked(map, owner);
			break;
		}
	}
	up_write(&map->lock);
	iommu_put_resv_regions(dev, &regions);
	return rc;
}

/**
 * ifd_iova_map_reserve() - keep mappings out of [@start, @last]
 * @map: the address space
 * @start: first IOVA
 * @last: last IOVA (inclusive)
 * @owner: tag to remove it by later
 *
 * Return: 0; -EADDRINUSE if a mapping or an allowed range is inside it;
 * -ENOMEM.
 */
int ifd_iova_map_reserve(struct ifd_iova_map *map, unsigned long start,
			 unsigned long last, const void *owner)
{
	int rc;

	down_write(&map->lock);
	rc = ifd_reserve_locked(map, start, last, owner);
	up_write(&map->lock);
	return rc;
}

/**
 * ifd_iova_map_unreserve() - drop every reserved range tagged @owner
 * @map: the address space
 * @owner: the tag
 */
void ifd_iova_map_unreserve(struct ifd_iova_map *map, const void *owner)
{
	down_write(&map->lock);
	ifd_unreserve_locked(map, owner);
	up_write(&map->lock);
}

static unsigned long ifd_domain_min_page(struct iommu_domain *domain)
{
	return 1UL << __ffs(domain->pgsize_bitmap);
}

/* The alignment the domains and the large-pages option ask for. */
static void ifd_update_alignment(struct ifd_iova_map *map)
{
	struct ifd_map_domain *md;
	unsigned long align = map->large_pages && !map->page_accesses ?
			      1 : PAGE_SIZE;

	list_for_each_entry(md, &map->domains, link)
		align = max(align, ifd_domain_min_page(md->domain));
	map->iova_alignment = align;
}

/* Every mapping's IOVA, length and offset in its pages are @align-aligned. */
static bool ifd_areas_aligned(struct ifd_iova_map *map, unsigned long align)
{
	struct ifd_area *area;

	lockdep_assert_held(&map->lock);
	for (area = ifd_area_first(map, 0, ULONG_MAX); area;
	     area = ifd_area_next(area, 0, ULONG_MAX))
		if ((area->node.start | (area->node.last + 1) |
		     area->start_byte) & (align - 1))
			return false;
	return true;
}

/**
 * ifd_iova_map_set_large_pages() - IOMMU_OPTION_HUGE_PAGES
 * @map: the address space
 * @on: whether domains may be filled with pages larger than PAGE_SIZE
 *
 * Turning large pages off makes PAGE_SIZE the smallest alignment of new
 * mappings, so that every mapping can later be cut at any IOVA it allows.
 * It is refused while domains already hold mappings (they may hold large
 * IOPTEs), or while a mapping is not PAGE_SIZE aligned.
 *
 * Return: 0; -EINVAL with domains and mappings; -EADDRINUSE for a
 * misaligned mapping.  Nothing changes on error.
 */
int ifd_iova_map_set_large_pages(struct ifd_iova_map *map, bool on)
{
	int rc = 0;

	down_write(&map->lock);
	if (!on && map->large_pages) {
		if (!list_empty(&map->domains) &&
		    ifd_area_first(map, 0, ULONG_MAX))
			rc = -EINVAL;
		else if (!ifd_areas_aligned(map, max(PAGE_SIZE,
						     map->iova_alignment)))
			rc = -EADDRINUSE;
	}
	if (!rc) {
		WRITE_ONCE(map->large_pages, on);
		ifd_update_alignment(map);
	}
	up_write(&map->lock);
	return rc;
}

/**
 * ifd_iova_map_add_page_access() - an access that pins pages attaches
 * @map: the address space
 *
 * While it is attached the map's alignment is at least PAGE_SIZE.
 *
 * Return: 0, or -EADDRINUSE (as upstream) while a mapping is not PAGE_SIZE
 * aligned; nothing changes then.
 */
int ifd_iova_map_add_page_access(struct ifd_iova_map *map)
{
	int rc = 0;

	down_write(&map->lock);
	if (ifd_areas_aligned(map, PAGE_SIZE)) {
		map->page_accesses++;
		ifd_update_alignment(map);
	} else {
		rc = -EADDRINUSE;
	}
	up_write(&map->lock);
	return rc;
}

/**
 * ifd_iova_map_remove_page_access() - such an access detaches
 * @map: the address space ifd_iova_map_add_page_access() succeeded on
 */
void ifd_iova_map_remove_page_access(struct ifd_iova_map *map)
{
	down_write(&map->lock);
	map->page_accesses--;
	ifd_update_alignment(map);
	up_write(&map->lock);
}

/**
 * ifd_iova_map_add_domain() - mirror every mapping into a new domain
 * @map: the address space
 * @domain: a paging domain, not yet used by any device
 *
 * The range outside the domain's aperture becomes reserved, and the map's
 * alignment grows to the domain's smallest page.
 *
 * Return: 0; -EADDRINUSE (as upstream) if existing mappings are not
 * aligned for the domain or lie outside its aperture; -ENOMEM or the
 * domain's error (nothing changes then).
 */
int ifd_iova_map_add_domain(struct ifd_iova_map *map,
			    struct iommu_domain *domain)
{
	unsigned long align = ifd_domain_min_page(domain);
	unsigned long ap_start = domain->geometry.aperture_start;
	unsigned long ap_end = domain->geometry.aperture_end;
	struct ifd_area *area, *undo;
	struct ifd_map_domain *md;
	int rc = 0;

	md = kzalloc_obj(*md, GFP_KERNEL_ACCOUNT);
	if (!md)
		return -ENOMEM;
	md->domain = domain;

	down_write(&map->lock);
	if (!ifd_areas_aligned(map, align)) {
		rc = -EADDRINUSE;
		goto out_unlock;
	}
	for (area = ifd_area_first(map, 0, ULONG_MAX); area;
	     area = ifd_area_next(area, 0, ULONG_MAX)) {
		if (area->node.start < ap_start || area->node.last > ap_end) {
			rc = -EADDRINUSE;
			goto out_unlock;
		}
	}
	if (domain->geometry.force_aperture) {
		if (ap_start)
			rc = ifd_reserve_locked(map, 0, ap_start - 1, domain);
		if (!rc && ap_end != ULONG_MAX)
			rc = ifd_reserve_locked(map, ap_end + 1, ULONG_MAX,
						domain);
		if (rc)
			goto out_unreserve;
	}
	for (area = ifd_area_first(map, 0, ULONG_MAX); area;
	     area = ifd_area_next(area, 0, ULONG_MAX)) {
		rc = ifd_area_map_domain(map, area, domain);
		if (!rc)
			continue;
		for (undo = ifd_area_first(map, 0, ULONG_MAX); undo != area;
		     undo = ifd_area_next(undo, 0, ULONG_MAX))
			ifd_area_unmap_domain(undo, domain);
		goto out_unreserve;
	}
	list_add_tail(&md->link, &map->domains);
	ifd_update_alignment(map);
	up_write(&map->lock);
	return 0;

out_unreserve:
	ifd_unreserve_locked(map, domain);
out_unlock:
	up_write(&map->lock);
	kfree(md);
	return rc;
}

/**
 * ifd_iova_map_remove_domain() - stop mirroring into a domain, empty it
 * @map: the address space
 * @domain: a domain added by ifd_iova_map_add_domain(), no longer used by
 *	any device
 */
void ifd_iova_map_remove_domain(struct ifd_iova_map *map,
				struct iommu_domain *domain)
{
	struct ifd_map_domain *md, *found = NULL;
	struct ifd_area *area;

	down_write(&map->lock);
	list_for_each_entry(md, &map->domains, link) {
		if (md->domain == domain) {
			found = md;
			break;
		}
	}
	if (found) {
		list_del(&found->link);
		for (area = ifd_area_first(map, 0, ULONG_MAX); area;
		     area = ifd_area_next(area, 0, ULONG_MAX))
			ifd_area_unmap_domain(area, domain);
		ifd_unreserve_locked(map, domain);
		ifd_update_alignment(map);
	}
	up_write(&map->lock);
	kfree(found);
}
