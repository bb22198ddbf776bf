/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The one place that papers over what the stock kernels do not export or
 * provide.  Everything else includes this instead of testing versions.
 */
#ifndef IOMMUFD2_COMPAT_H
#define IOMMUFD2_COMPAT_H

#include <linux/device.h>
#include <linux/iommu.h>

/*
 * dev_iommu_ops() lives in the core's private header; the fields it reads
 * are public.  Only valid for a device with an IOMMU (bound devices).
 */
static inline const struct iommu_ops *ifd_dev_iommu_ops(struct device *dev)
{
	return dev->iommu->iommu_dev->ops;
}

/*
 * Core functions exported to iommufd only (namespace IOMMUFD_INTERNAL) and
 * declared in the kernel's unshipped drivers/iommu/iommu-priv.h.  These
 * prototypes must match that header: src/priv_check.c compiles both
 * together when the bench provides the kernel source (IFD_IOMMU_PRIV_DIR),
 * so a changed signature fails the lint build.
 */
int iommu_attach_group_handle(struct iommu_domain *domain,
			      struct iommu_group *group,
			      struct iommu_attach_handle *handle);
void iommu_detach_group_handle(struct iommu_domain *domain,
			       struct iommu_group *group);
int iommu_replace_group_handle(struct iommu_group *group,
			       struct iommu_domain *new_domain,
			       struct iommu_attach_handle *handle);
int iommu_replace_device_pasid(struct iommu_domain *domain,
			       struct device *dev, ioasid_t pasid,
			       struct iommu_attach_handle *handle);

#endif /* IOMMUFD2_COMPAT_H */
