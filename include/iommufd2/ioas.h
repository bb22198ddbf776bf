/* SPDX-License-Identifier: GPL-2.0 */
/*
 * IOAS: an I/O address space userspace maps memory into.
 */
#ifndef IOMMUFD2_IOAS_H
#define IOMMUFD2_IOAS_H

#include <linux/rwsem.h>

#include "iommufd2/object.h"

/**
 * struct ifd_ioas - an I/O address space
 * @obj: table entry
 * @lock: protects the fields below
 * @iova_alignment: alignment every mapping must honour (1 until a device
 *	with a coarser IOMMU page size is attached)
 * @large_pages: IOMMU_OPTION_HUGE_PAGES; mappings may use pages > PAGE_SIZE
 */
struct ifd_ioas {
	struct ifd_object obj;
	struct rw_semaphore lock;
	unsigned long iova_alignment;
	bool large_pages;
};

struct ifd_ioas *ifd_ioas_get(struct ifd_ctx *ctx, u32 id);

static inline void ifd_ioas_put(struct ifd_ioas *ioas)
{
	ifd_object_put(&ioas->obj);
}

int ifd_ioas_option_huge_pages(struct ifd_ioas *ioas, u16 op, u64 *val);

#endif /* IOMMUFD2_IOAS_H */
