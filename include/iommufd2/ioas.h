/* SPDX-License-Identifier: GPL-2.0 */
/*
 * IOAS: an I/O address space userspace maps memory into.
 */
#ifndef IOMMUFD2_IOAS_H
#define IOMMUFD2_IOAS_H

#include <linux/list.h>
#include <linux/mutex.h>

#include "iommufd2/iova_map.h"
#include "iommufd2/object.h"

/**
 * struct ifd_ioas - an I/O address space
 * @obj: table entry
 * @map: its mappings, reserved and allowed ranges, attached domains
 * @hwpt_lock: protects @hwpts; held across choosing or creating an auto
 *	HWPT so two attaches don't make two
 * @hwpts: the paging HWPTs built on this IOAS (struct ifd_hwpt)
 */
struct ifd_ioas {
	struct ifd_object obj;
	struct ifd_iova_map map;
	struct mutex hwpt_lock;	/* see above */
	struct list_head hwpts;
};

struct ifd_ioas *ifd_ioas_get(struct ifd_ctx *ctx, u32 id);

static inline void ifd_ioas_put(struct ifd_ioas *ioas)
{
	ifd_object_put(&ioas->obj);
}

struct ifd_pages;
int ifd_ioas_map_pages(struct ifd_ioas *ioas, struct ifd_pages *pages,
		       u32 flags, unsigned long *iova);
int ifd_ioas_option_huge_pages(struct ifd_ioas *ioas, u16 op, u64 *val);

#endif /* IOMMUFD2_IOAS_H */
