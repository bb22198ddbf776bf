/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Devices bound to a context (iDevices), the iommu groups they belong to,
 * and what each group is attached to.
 *
 * An iommu group is the unit the IOMMU isolates: devices of one group share
 * their RID attachment.  struct ifd_group exists once per (context, iommu
 * group) while any of its devices is bound; its @lock serialises every
 * attach, replace and detach of its devices.  Per PASID (IOMMU_NO_PASID for
 * the RID) it records the HWPT attached and which of its devices asked for
 * it; the hardware attachment is made by the first device and undone by
 * the last.  Each attached device holds a long-term reference on the HWPT.
 */
#ifndef IOMMUFD2_DEVICE_H
#define IOMMUFD2_DEVICE_H

#include <linux/iommu.h>
#include <linux/kref.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/xarray.h>

#include "iommufd2/object.h"

struct ifd_hwpt;
struct ifd_vdevice;

/**
 * struct ifd_attach_handle - the core's attach handle, and who made it
 * @core: what the IOMMU core keeps for the attachment; its fault reports
 *	find the attachment through it
 * @hwpt: the HWPT attached with it
 * @dev_id: the ID of a device of the attachment, named as the source of
 *	the faults reported through it: the one whose attach or replace made
 *	it, moved to another when that one detaches while others stay (an
 *	ID, not a pointer: a fault report may race the unbind).  Written
 *	under the group's lock, read with READ_ONCE()
 *
 * Faults still queued for it are answered before it is freed
 * (ifd_fault_flush_handle()).
 */
struct ifd_attach_handle {
	struct iommu_attach_handle core;
	struct ifd_hwpt *hwpt;
	u32 dev_id;
};

/**
 * struct ifd_attach - one PASID's attachment in a group
 * @handle: the attach handle (a fresh one per replace, since the core
 *	rewrites it while trying)
 * @hwpt: the HWPT attached
 * @devices: ID -> struct ifd_device for each device that attached
 */
struct ifd_attach {
	struct ifd_attach_handle *handle;
	struct ifd_hwpt *hwpt;
	struct xarray devices;
};

/**
 * struct ifd_group - a context's view of one iommu group
 * @kref: one per bound device
 * @ctx: the context
 * @group: the iommu group (a reference is held)
 * @lock: serialises attachment changes of the group's devices
 * @attaches: PASID -> struct ifd_attach
 */
struct ifd_group {
	struct kref kref;
	struct ifd_ctx *ctx;
	struct iommu_group *group;
	struct mutex lock;	/* see above */
	struct xarray attaches;
};

/**
 * struct ifd_device - a device bound to a context
 * @obj: table entry; the binding driver holds a long-term reference
 * @ctx: the context
 * @igroup: the device's group
 * @dev: the device
 * @file: the context's file, held while bound
 * @vdev_lock: protects @vdev and @unbinding (see viommu.h)
 * @vdev: the device's vDevice, or NULL
 * @unbinding: unbind has begun; no new vDevice may link
 */
struct ifd_device {
	struct ifd_object obj;
	struct ifd_ctx *ctx;
	struct ifd_group *igroup;
	struct device *dev;
	struct file *file;
	spinlock_t vdev_lock;	/* see above */
	struct ifd_vdevice *vdev;
	bool unbinding;
};

struct ifd_device *ifd_device_get(struct ifd_ctx *ctx, u32 id);

static inline void ifd_device_put(struct ifd_device *idev)
{
	ifd_object_put(&idev->obj);
}

void ifd_device_detach_all(struct ifd_device *idev);

#endif /* IOMMUFD2_DEVICE_H */
