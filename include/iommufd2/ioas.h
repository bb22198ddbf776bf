/* SPDX-License-Identifier: GPL-2.0 */
/*
 * IOAS: an I/O address space userspace maps memory into.
 */
#ifndef IOMMUFD2_IOAS_H
#define IOMMUFD2_IOAS_H

#include "iommufd2/iova_map.h"
#include "iommufd2/object.h"

/**
 * struct ifd_ioas - an I/O address space
 * @obj: table entry
 * @map: its mappings, reserved and allowed ranges, attached domains
 */
struct ifd_ioas {
	struct ifd_object obj;
	struct ifd_iova_map map;
};

struct ifd_ioas *ifd_ioas_get(struct ifd_ctx *ctx, u32 id);

static inline void ifd_ioas_put(struct ifd_ioas *ioas)
{
	ifd_object_put(&ioas->obj);
}

int ifd_ioas_option_huge_pages(struct ifd_ioas *ioas, u16 op, u64 *val);

#endif /* IOMMUFD2_IOAS_H */
