/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The address space of an IOAS: which IOVA ranges map which pinned pages
 * (areas), which ranges devices forbid (reserved), which ranges userspace
 * allows for automatic placement (allowed), and the IOMMU domains every
 * mapping is mirrored into.
 *
 * Locking: @lock (a rw_semaphore) protects everything in the map.  Pinning
 * happens before it is taken; filling domains (iommu_map) happens under the
 * write side, so a mapping is either in every attached domain or in none
 * when the lock is released.  Unpinning happens after it is dropped.
 */
#ifndef IOMMUFD2_IOVA_MAP_H
#define IOMMUFD2_IOVA_MAP_H

#include <linux/interval_tree.h>
#include <linux/list.h>
#include <linux/rwsem.h>
#include <linux/types.h>

struct device;
struct ifd_pages;
struct iommu_domain;

/**
 * struct ifd_area - one mapping: an IOVA range backed by pinned pages
 * @node: the IOVA range, inclusive
 * @pages: the pinned pages (a reference is held)
 * @start_byte: where the range starts in @pages, counted from the start of
 *	its first page
 * @prot: IOMMU_READ / IOMMU_WRITE / IOMMU_CACHE
 * @small_pages: mapped while large pages were disabled, so every domain
 *	maps it page by page and it may be cut (ifd_iova_map_cut())
 * @in_pages: the area is @pages' own (struct ifd_pages @area), whose
 *	memory goes with the descriptor; the area's reference keeps it
 * @link: on a caller's list while being inserted or removed
 */
struct ifd_area {
	struct interval_tree_node node;
	struct ifd_pages *pages;
	unsigned long start_byte;
	int prot;
	bool small_pages;
	bool in_pages;
	struct list_head link;
};

/**
 * struct ifd_iova_map - see the top of this file
 * @lock: protects all fields
 * @areas: the mappings, by IOVA
 * @reserved: ranges no mapping may use: devices' reserved regions and what
 *	lies outside a domain's aperture, tagged with their owner
 * @allowed: sorted, disjoint ranges automatic placement must use, or none
 * @nr_allowed: entries in @allowed
 * @access_pins: ranges pinned by emulated accesses (struct
 *	ifd_access_pin); unmapping them first asks the accesses to let go
 * @unmapping: ranges whose unmap is waiting for accesses to let go; no
 *	new access pin may start inside them
 * @domains: struct ifd_map_domain entries, the domains mirroring the map
 * @iova_alignment: every mapping's IOVA and length are multiples of this
 * @large_pages: domains may be filled with pages larger than PAGE_SIZE
 * @page_accesses: attached accesses that pin pages; while there are any,
 *	every mapping is PAGE_SIZE aligned (as upstream)
 * @busy_below: every byte from the lowest automatic IOVA up to (not
 *	including) this one is in an area or a reserved range, so automatic
 *	placement starts looking here; raised past what an insertion at it
 *	covers, lowered to whatever is removed below it
 */
struct ifd_iova_map {
	struct rw_semaphore lock;
	struct rb_root_cached areas;
	struct rb_root_cached reserved;
	struct ifd_range *allowed;
	unsigned int nr_allowed;
	struct rb_root_cached access_pins;
	struct rb_root_cached unmapping;
	struct list_head domains;
	unsigned long iova_alignment;
	bool large_pages;
	unsigned int page_accesses;
	unsigned long busy_below;
};

/* An inclusive IOVA range. */
struct ifd_range {
	unsigned long start;
	unsigned long last;
};

/**
 * struct ifd_piece - part of a pinned range, to be mapped as one area
 * @pages: the pages (the piece holds a reference until it is mapped)
 * @start_byte: offset in @pages, as in struct ifd_area
 * @length: bytes
 * @prot: the protection of the mapping it was collected from
 * @area: where its area goes: @pages' own (struct ifd_pages @area, zeroed
 *	and unused) for pages a map just made, else NULL to allocate one
 * @link: in the caller's list
 */
struct ifd_piece {
	struct ifd_pages *pages;
	unsigned long start_byte;
	unsigned long length;
	int prot;
	struct ifd_area *area;
	struct list_head link;
};

struct ifd_access;

/**
 * struct ifd_access_pin - a range an emulated access pinned
 * @node: the IOVA range, in the map's @access_pins
 * @access: who pinned it; NULL for the kernel's own pins (HW queues),
 *	which no unmap can ask back (EBUSY)
 * @pieces: the page references it holds (struct ifd_piece)
 * @link: in the access's list of pins
 */
struct ifd_access_pin {
	struct interval_tree_node node;
	struct ifd_access *access;
	struct list_head pieces;
	struct list_head link;
};

int ifd_iova_map_cache_init(void);
void ifd_iova_map_cache_exit(void);
void ifd_iova_map_init(struct ifd_iova_map *map);
void ifd_iova_map_destroy(struct ifd_iova_map *map);

int ifd_iova_map_insert(struct ifd_iova_map *map, struct list_head *pieces,
			unsigned long length, unsigned long *iova, int prot,
			bool fixed);
int ifd_iova_map_collect(struct ifd_iova_map *map, unsigned long iova,
			 unsigned long length, struct list_head *pieces);
void ifd_pieces_free(struct list_head *pieces);

int ifd_iova_unmap(struct ifd_iova_map *map, unsigned long iova,
		   unsigned long length, unsigned long *unmapped);
int ifd_iova_unmap_all(struct ifd_iova_map *map, unsigned long *unmapped);

int ifd_iova_map_usable_ranges(struct ifd_iova_map *map,
			       int (*emit)(void *arg, unsigned long start,
					   unsigned long last),
			       void *arg);
int ifd_iova_map_precheck(struct ifd_iova_map *map, unsigned long iova,
			  unsigned long length);
int ifd_iova_map_set_allowed(struct ifd_iova_map *map,
			     struct ifd_range *ranges, unsigned int n);
/**
 * struct ifd_pages_visitor - a callback over the pages behind mappings
 * @visit: called once per mapping (pages shared by several repeat); embed
 *	the visitor in a structure of your own to carry state
 */
struct ifd_pages_visitor {
	void (*visit)(struct ifd_pages_visitor *v, struct ifd_pages *pages);
};

int ifd_iova_map_reserve_device(struct ifd_iova_map *map, struct device *dev,
				const void *owner);
bool ifd_iova_map_covered(struct ifd_iova_map *map, unsigned long start,
			  unsigned long last);
bool ifd_iova_map_covered_locked(struct ifd_iova_map *map,
				 unsigned long start, unsigned long last);
int ifd_iova_map_cut(struct ifd_iova_map *map, unsigned long iova,
		     unsigned long length);
int ifd_iova_map_reserve(struct ifd_iova_map *map, unsigned long start,
			 unsigned long last, const void *owner);
void ifd_iova_map_unreserve(struct ifd_iova_map *map, const void *owner);
int ifd_iova_map_set_large_pages(struct ifd_iova_map *map, bool on);
int ifd_iova_map_add_page_access(struct ifd_iova_map *map);
void ifd_iova_map_remove_page_access(struct ifd_iova_map *map);
int ifd_iova_map_add_domain(struct ifd_iova_map *map,
			    struct iommu_domain *domain);
void ifd_iova_map_remove_domain(struct ifd_iova_map *map,
				struct iommu_domain *domain);

int ifd_iova_map_pin_for_access(struct ifd_iova_map *map,
				struct ifd_access_pin *pin, unsigned long iova,
				unsigned long length, int prot);
void ifd_iova_map_unpin_for_access(struct ifd_iova_map *map,
				   struct ifd_access_pin *pin);

void ifd_iova_map_visit_pages(struct ifd_iova_map *map,
			      struct ifd_pages_visitor *v);

#endif /* IOMMUFD2_IOVA_MAP_H */
