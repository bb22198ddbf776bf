/* SPDX-License-Identifier: GPL-2.0 */
/*
 * iommufd2's in-kernel API, exported in the IOMMUFD2 symbol namespace, for
 * the drivers that hand devices to an iommufd2 context: the PCI device
 * driver (iommufd2_pci) and the test-only mock IOMMU.  They see only these
 * opaque handles.
 *
 * Rules for a driver:
 *  - a context comes from a file with iommufd2_ctx_from_file() and is
 *    dropped with iommufd2_ctx_put();
 *  - iommufd2_device_bind() claims DMA ownership of the device for the
 *    context; iommufd2_device_unbind() detaches every attachment, releases
 *    ownership and frees the device's ID.  Unbind must happen before the
 *    driver lets go of the device (remove, close);
 *  - attach/replace/detach are serialised by the caller per device.
 */
#ifndef IOMMUFD2_KAPI_H
#define IOMMUFD2_KAPI_H

#include <linux/types.h>

struct device;
struct file;
struct ifd_ctx;
struct ifd_device;

struct ifd_ctx *iommufd2_ctx_from_file(struct file *file);
void iommufd2_ctx_put(struct ifd_ctx *ctx);

struct ifd_device *iommufd2_device_bind(struct ifd_ctx *ctx,
					struct device *dev, u32 *id);
void iommufd2_device_unbind(struct ifd_device *idev);
u32 iommufd2_device_id(struct ifd_device *idev);

int iommufd2_device_attach(struct ifd_device *idev, u32 pasid, u32 *pt_id);
int iommufd2_device_replace(struct ifd_device *idev, u32 pasid, u32 *pt_id);
void iommufd2_device_detach(struct ifd_device *idev, u32 pasid);

#endif /* IOMMUFD2_KAPI_H */
