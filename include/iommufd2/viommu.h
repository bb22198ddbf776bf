/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vIOMMUs and vDevices.
 *
 * A vDevice presents one bound device to a vIOMMU under a guest ID.  The
 * device and its vDevice point at each other without long-term references,
 * under the device's vdev_lock (a spinlock, so a waiter may free the device
 * as soon as it sees the link gone):
 *
 *  - at most one vDevice per device; a second is EEXIST;
 *  - a vDevice is linked and published in one step under vdev_lock, and
 *    not at all once the device is unbinding (ENOENT);
 *  - unbind marks the device unbinding and removes its vDevice first,
 *    leaving a tombstone: either it takes a short-term reference (then
 *    IOMMU_DESTROY sees EBUSY and unbind does the teardown) or IOMMU_DESTROY
 *    already owns the teardown and unbind waits, with no timeout, until the
 *    vDevice unlinks itself;
 *  - the vDevice teardown (backend hook included) runs before it unlinks,
 *    so it always completes before the device gives up DMA ownership.
 */
#ifndef IOMMUFD2_VIOMMU_H
#define IOMMUFD2_VIOMMU_H

#include <linux/list.h>
#include <linux/rwsem.h>
#include <linux/xarray.h>

#include "iommufd2/iova_map.h"
#include "iommufd2/object.h"

struct ifd_ctx;
struct ifd_device;
struct ifd_hwpt;
struct iommu_device;
struct iommufd2_viommu_type;

/**
 * struct ifd_viommu - a virtual IOMMU
 * @obj: table entry
 * @vtype: its backend (a module reference is held)
 * @hwpt: the paging HWPT it sits on (long-term reference)
 * @iommu_dev: the IOMMU its devices must be behind
 * @vdevs: virt_id -> struct ifd_vdevice
 * @veventqs_rwsem: protects @veventqs (read: reporting an event)
 * @veventqs: its vEVENT queues, one per type (src/veventq.c)
 * @ctx: its context
 * @priv: the backend's state
 * @inited: the backend's init hook succeeded (its destroy hook is owed)
 */
struct ifd_viommu {
	struct ifd_object obj;
	const struct iommufd2_viommu_type *vtype;
	struct ifd_hwpt *hwpt;
	struct iommu_device *iommu_dev;
	struct xarray vdevs;
	struct rw_semaphore veventqs_rwsem;	/* see above */
	struct list_head veventqs;
	struct ifd_ctx *ctx;
	void *priv;
	bool inited;
};

/**
 * struct ifd_vdevice - a device as a vIOMMU presents it
 * @obj: table entry
 * @viommu: its vIOMMU (long-term reference)
 * @dev: the device, for the backend's hooks
 * @idev: the bound device while linked, NULL before
 * @virt_id: the guest-visible ID
 * @inited: the backend's vdevice_init succeeded
 */
struct ifd_vdevice {
	struct ifd_object obj;
	struct ifd_viommu *viommu;
	struct device *dev;
	struct ifd_device *idev;
	u64 virt_id;
	bool inited;
};

/**
 * struct ifd_hw_queue - a queue of a vIOMMU the hardware reads directly
 *	from guest memory (IOMMU_HW_QUEUE_ALLOC)
 * @obj: table entry; queues the backend declares dependent on this one
 *	hold long-term references (iommufd2_hw_queue_depend())
 * @viommu: its vIOMMU (long-term reference)
 * @pin: the queue memory's pages, pinned in the vIOMMU's IOAS for the
 *	queue's life; unmapping them is refused (EBUSY)
 * @pinned: @pin is in place
 * @priv: the backend's state
 * @inited: the backend's hw_queue_init succeeded
 */
struct ifd_hw_queue {
	struct ifd_object obj;
	struct ifd_viommu *viommu;
	struct ifd_access_pin pin;
	bool pinned;
	void *priv;
	bool inited;
};

void ifd_device_retire_vdevice(struct ifd_device *idev);
struct ifd_viommu *ifd_veventq_viommu(struct ifd_object *obj);
int ifd_viommu_init(void);
void ifd_viommu_exit(void);

#endif /* IOMMUFD2_VIOMMU_H */
