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

#include <linux/bits.h>
#include <linux/list.h>
#include <linux/types.h>

struct device;
struct module;
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

/**
 * struct iommufd2_viommu_type - a vIOMMU backend
 * @type: the uAPI vIOMMU type it serves
 * @needs_nest_parent: its vIOMMUs must sit on a HWPT allocated with
 *	IOMMU_HWPT_ALLOC_NEST_PARENT
 * @owner: module kept loaded while one of its vIOMMUs exists
 * @match: whether the IOMMU behind @dev is this backend's
 * @vdevice_init: a vDevice of @dev is being created (e.g. bind it to a
 *	security manager); may fail
 * @vdevice_destroy: undo @vdevice_init; runs while the device is still
 *	bound and owned for DMA, before its vDevice's ID is retired
 * @link: iommufd2's list of backends
 */
struct iommufd2_viommu_type {
	u32 type;
	bool needs_nest_parent;
	struct module *owner;
	bool (*match)(struct device *dev);
	int (*vdevice_init)(struct device *dev, u64 virt_id);
	void (*vdevice_destroy)(struct device *dev, u64 virt_id);
	struct list_head link;
};

int iommufd2_viommu_type_register(struct iommufd2_viommu_type *vtype);
void iommufd2_viommu_type_unregister(struct iommufd2_viommu_type *vtype);

/**
 * struct iommufd2_access_ops - an emulated access's owner
 * @unmap: [@iova, @iova + @length) is being unmapped (or the access moves
 *	to another IOAS): unpin every pin inside it before returning.  Called
 *	without iommufd2 locks held; may call iommufd2_access_unpin_pages().
 *	The owner must not miss a pin that is already made: hold the lock
 *	this callback takes across iommufd2_access_pin_pages() and the
 *	owner's record of the pin.  An owner that keeps pins makes the unmap
 *	fail with EBUSY.
 */
struct iommufd2_access_ops {
	void (*unmap)(void *data, unsigned long iova, unsigned long length);
};

#define IOMMUFD2_ACCESS_RW_WRITE	BIT(0)	/* copy into the IOAS */

struct ifd_access *iommufd2_access_create(struct ifd_ctx *ctx,
					  const struct iommufd2_access_ops *ops,
					  void *data, u32 *id);
void iommufd2_access_destroy(struct ifd_access *access);
int iommufd2_access_attach(struct ifd_access *access, u32 ioas_id);
int iommufd2_access_replace(struct ifd_access *access, u32 ioas_id);
void iommufd2_access_detach(struct ifd_access *access);
int iommufd2_access_pin_pages(struct ifd_access *access, unsigned long iova,
			      unsigned long length, struct page **out_pages,
			      unsigned int flags);
void iommufd2_access_unpin_pages(struct ifd_access *access,
				 unsigned long iova, unsigned long length);
int iommufd2_access_rw(struct ifd_access *access, unsigned long iova,
		       void *data, size_t length, unsigned int flags);

#endif /* IOMMUFD2_KAPI_H */
