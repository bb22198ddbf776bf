/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Paging HWPTs: IOMMU domains that mirror an IOAS.
 *
 * A HWPT holds a long-term reference on its IOAS and sits on the IOAS's
 * hwpt list (under ioas->hwpt_lock) for its whole life; its domain is in
 * the IOAS map's domain list, so every mapping is mirrored into it.  Auto
 * HWPTs are made by attaching a device straight to an IOAS; they are shared
 * by compatible devices and removed by the kernel when the last device
 * detaches.
 */
#ifndef IOMMUFD2_HWPT_H
#define IOMMUFD2_HWPT_H

#include <linux/list.h>

#include "iommufd2/object.h"

struct ifd_device;
struct ifd_ioas;
struct iommu_domain;

/**
 * struct ifd_hwpt - a paging HWPT
 * @obj: table entry
 * @ctx: the context it lives in
 * @ioas: the IOAS it mirrors
 * @domain: the IOMMU domain
 * @ioas_link: on @ioas's hwpt list
 * @auto_domain: made by an attach to an IOAS, reaped after the last detach
 * @pasid_compat: allocated with IOMMU_HWPT_ALLOC_PASID
 * @nest_parent: allocated with IOMMU_HWPT_ALLOC_NEST_PARENT
 * @in_map: @domain is in @ioas's map
 */
struct ifd_hwpt {
	struct ifd_object obj;
	struct ifd_ctx *ctx;
	struct ifd_ioas *ioas;
	struct iommu_domain *domain;
	struct list_head ioas_link;
	bool auto_domain;
	bool pasid_compat;
	bool nest_parent;
	bool in_map;
};

struct iommu_user_data;

struct ifd_hwpt *ifd_hwpt_alloc_paging(struct ifd_ioas *ioas,
				       struct ifd_device *idev, u32 flags,
				       const struct iommu_user_data *data);
bool ifd_dirty_ops_supported(struct iommu_domain *domain);
void ifd_hwpt_put_attached(struct ifd_hwpt *hwpt);

#endif /* IOMMUFD2_HWPT_H */
