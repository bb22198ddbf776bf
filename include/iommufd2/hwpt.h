/* SPDX-License-Identifier: GPL-2.0 */
/*
 * HWPTs: the IOMMU domains devices attach to.
 *
 * A paging HWPT mirrors an IOAS.  It holds a long-term reference on its
 * IOAS and sits on the IOAS's hwpt list (under ioas->hwpt_lock) for its
 * whole life; its domain is in the IOAS map's domain list, so every mapping
 * is mirrored into it.  Auto HWPTs are made by attaching a device straight
 * to an IOAS; they are shared by compatible devices and removed by the
 * kernel when the last device detaches.
 *
 * A nested HWPT is a domain of the driver's own format (a guest's stage-1
 * table) that translates through a paging parent allocated with
 * IOMMU_HWPT_ALLOC_NEST_PARENT, directly or through a vIOMMU on it.  It
 * holds long-term references on that parent (and vIOMMU); its @ioas is the
 * parent's, borrowed, for the device's reserved regions.  Its mappings are
 * the guest's business: iommufd2 only forwards cache invalidations.
 *
 * Either kind may report I/O page faults to a fault queue (@fault, a
 * long-term reference), see include/iommufd2/fault.h.
 */
#ifndef IOMMUFD2_HWPT_H
#define IOMMUFD2_HWPT_H

#include <linux/list.h>

#include "iommufd2/object.h"

struct ifd_ctx;
struct ifd_device;
struct ifd_fault;
struct ifd_ioas;
struct ifd_viommu;
struct iommu_domain;

/**
 * struct ifd_hwpt - a paging or nested HWPT
 * @obj: table entry
 * @ctx: the context it lives in
 * @ioas: the IOAS it mirrors (nested: its parent's)
 * @domain: the IOMMU domain
 * @ioas_link: on @ioas's hwpt list (paging only)
 * @parent: a nested HWPT's paging parent, else NULL
 * @viommu: the vIOMMU a nested HWPT was allocated on, or NULL
 * @fault: where its I/O page faults go, or NULL
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
	struct ifd_hwpt *parent;
	struct ifd_viommu *viommu;
	struct ifd_fault *fault;
	bool auto_domain;
	bool pasid_compat;
	bool nest_parent;
	bool in_map;
};

struct iommu_user_data;

struct ifd_hwpt *ifd_hwpt_alloc_paging(struct ifd_ioas *ioas,
				       struct ifd_device *idev, u32 flags,
				       const struct iommu_user_data *data);
struct ifd_hwpt *ifd_hwpt_alloc_nested(struct ifd_ctx *ctx,
				       struct ifd_object *pt,
				       struct ifd_device *idev, u32 flags,
				       const struct iommu_user_data *data);
void ifd_hwpt_drop_refs(struct ifd_hwpt *hwpt);
bool ifd_dirty_ops_supported(struct iommu_domain *domain);
void ifd_hwpt_put_attached(struct ifd_hwpt *hwpt);

#endif /* IOMMUFD2_HWPT_H */
