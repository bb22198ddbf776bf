/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers for tests driving the mock IOMMU (tests/mock) through
 * /dev/iommufd2-mock.  Each returns 0 or the errno, like ifd2_ioctl().
 */
#ifndef IFD2_MOCK_H
#define IFD2_MOCK_H

#include "ifd2_util.h"
#include "../mock/mock_uapi.h"

#define MOCK_DEV "/dev/iommufd2-mock"

static inline int mock_create(int mfd, __u32 bits, __u32 *index)
{
	struct mock_dev_create c = { .pasid_bits = bits };
	int rc = ifd2_ioctl(mfd, MOCK_DEV_CREATE, &c);

	*index = c.out_index;
	return rc;
}

static inline int mock_bind(int mfd, __u32 index, int iommufd, __u32 *devid)
{
	struct mock_bind b = { .index = index, .iommufd = iommufd };
	int rc = ifd2_ioctl(mfd, MOCK_BIND, &b);

	if (devid)
		*devid = b.out_dev_id;
	return rc;
}

static inline int mock_attach(int mfd, __u32 index, __u32 pasid, __u32 pt)
{
	struct mock_attach a = { .index = index, .pasid = pasid, .pt_id = pt };

	return ifd2_ioctl(mfd, MOCK_ATTACH, &a);
}

static inline int mock_detach(int mfd, __u32 index, __u32 pasid)
{
	struct mock_attach a = { .index = index, .pasid = pasid };

	return ifd2_ioctl(mfd, MOCK_DETACH, &a);
}

static inline int mock_dma(int mfd, __u32 index, __u32 pasid, __u64 iova,
			   __u32 v)
{
	struct mock_dma d = { .index = index, .pasid = pasid, .iova = iova,
			      .value = v };

	return ifd2_ioctl(mfd, MOCK_DMA, &d);
}

static inline int mock_inject(int mfd, __u32 op, __u32 count)
{
	struct mock_inject i = { .op = op, .count = count };

	return ifd2_ioctl(mfd, MOCK_INJECT, &i);
}

static inline struct mock_stats mock_stats(int mfd)
{
	struct mock_stats s = {};

	ifd2_ioctl(mfd, MOCK_STATS, &s);
	return s;
}

#endif /* IFD2_MOCK_H */
