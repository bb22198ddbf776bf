/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * /dev/iommufd2-limit: the benchmark's physical-limit reference.  Pins user
 * memory and maps it into a paging domain of a real device with nothing
 * else around it, so map_bench can show what the hardware and the core
 * IOMMU code cost without any iommufd bookkeeping.
 */
#ifndef IOMMUFD2_LIMIT_UAPI_H
#define IOMMUFD2_LIMIT_UAPI_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define LIMIT_NODE "/dev/iommufd2-limit"

/**
 * struct limit_map - argument of LIMIT_MAP
 * @uaddr: page-aligned start of the user memory
 * @length: page-aligned length
 * @iova: page-aligned IOVA to map it at
 */
struct limit_map {
	__u64 uaddr;
	__u64 length;
	__u64 iova;
};

/* Pin @uaddr/@length and map it at @iova (EBUSY while a mapping exists). */
#define LIMIT_MAP	_IOW('L', 0x40, struct limit_map)
/* Unmap and unpin the mapping (ENOENT if there is none). */
#define LIMIT_UNMAP	_IO('L', 0x41)

/*
 * Many small mappings at once, for the churn rows.  LIMIT_MAP_RANGE pins
 * @uaddr/@length and maps it at @iova as one more range (EEXIST if a range
 * starts there, EBUSY while another file holds ranges).  Nothing checks
 * that ranges do not overlap each other or LIMIT_MAP's mapping: the caller
 * keeps them apart.  LIMIT_UNMAP_RANGE (@uaddr 0) unmaps and unpins every
 * range that starts in [@iova, @iova + @length), with one IOTLB sync for
 * all of them (ENOENT if there is none).
 */
#define LIMIT_MAP_RANGE		_IOW('L', 0x42, struct limit_map)
#define LIMIT_UNMAP_RANGE	_IOW('L', 0x43, struct limit_map)

#endif /* IOMMUFD2_LIMIT_UAPI_H */
