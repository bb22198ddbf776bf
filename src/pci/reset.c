// SPDX-License-Identifier: GPL-2.0
/*
 * iommufd2_pci: bus and slot resets (VFIO_DEVICE_GET_PCI_HOT_RESET_INFO,
 * VFIO_DEVICE_PCI_HOT_RESET) in the cdev calling convention.
 *
 * A hot reset resets every device of the calling device's slot (if the
 * slot can be reset) or bus.  It is allowed only when the user owns all of
 * them: each is bound to iommufd2_pci with its file bound to the calling
 * file's iommufd2 context (its devid is reported), or it shares the
 * calling device's IOMMU group (owned with it: VFIO_PCI_DEVID_OWNED).
 * Any other device is reported VFIO_PCI_DEVID_NOT_OWNED and makes the
 * reset EPERM.  There are no group fds here, so the reset takes none.
 *
 * Locking: the caller holds the calling device's lock.  Every other
 * device is looked at under its device lock (which keeps its driver and
 * our state of it in place) and its state's @memory_lock (which keeps its
 * owner and the owner's binding); neither holder of those ever waits for
 * another device's lock.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/iommu.h>
#include <linux/pci.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <uapi/linux/vfio.h>

#include "iommufd2/kapi.h"
#include "pci_cdev.h"

struct ifd2_reset_walk {
	struct ifd2_pci_file *df;	/* the calling file */
	struct pci_slot *slot;		/* a slot reset, or NULL: the bus */
	struct vfio_pci_dependent_device *devices;	/* NULL: count */
	unsigned int count;
	unsigned int max;
	bool all_owned;
};

/* The devid @pdev has for the calling file, or an OWNED/NOT_OWNED mark. */
static u32 ifd2_reset_devid(struct ifd2_reset_walk *w, struct pci_dev *pdev)
{
	struct ifd2_pci *me = w->df->state;
	struct ifd2_pci *other;
	struct iommu_group *a, *b;
	u32 devid = VFIO_PCI_DEVID_NOT_OWNED;

	if (pdev == me->pdev)
		return iommufd2_device_id(w->df->idev);
	device_lock(&pdev->dev);
	other = ifd2_pci_state_of(pdev);
	if (other) {
		down_read(&other->memory_lock);
		if (other->owner && other->owner->ctx == w->df->ctx)
			devid = iommufd2_device_id(other->owner->idev);
		up_read(&other->memory_lock);
	}
	device_unlock(&pdev->dev);
	if (devid != VFIO_PCI_DEVID_NOT_OWNED)
		return devid;
	a = iommu_group_get(&me->pdev->dev);
	b = iommu_group_get(&pdev->dev);
	if (a && a == b)
		devid = VFIO_PCI_DEVID_OWNED;
	iommu_group_put(a);
	iommu_group_put(b);
	return devid;
}

static int ifd2_reset_visit(struct pci_dev *pdev, void *data)
{
	struct ifd2_reset_walk *w = data;
	struct vfio_pci_dependent_device *d;
	u32 devid;

	if (w->slot && pdev->slot != w->slot)
		return 0;
	devid = ifd2_reset_devid(w, pdev);
	if (devid == VFIO_PCI_DEVID_NOT_OWNED)
		w->all_owned = false;
	if (w->devices && w->count < w->max) {
		d = &w->devices[w->count];
		d->devid = devid;
		d->segment = pci_domain_nr(pdev->bus);
		d->bus = pdev->bus->number;
		d->devfn = pdev->devfn;
	}
	w->count++;
	return 0;
}

/* Walk what a hot reset of @df's device would reset; -ENODEV if none. */
static int ifd2_reset_walk(struct ifd2_reset_walk *w)
{
	struct pci_dev *pdev = w->df->state->pdev;

	w->slot = NULL;
	if (pdev->slot && !pci_probe_reset_slot(pdev->slot))
		w->slot = pdev->slot;
	else if (pci_probe_reset_bus(pdev->bus))
		return -ENODEV;
	w->count = 0;
	w->all_owned = true;
	pci_walk_bus(pdev->bus, ifd2_reset_visit, w);
	return 0;
}

/**
 * ifd2_hot_reset_info() - VFIO_DEVICE_GET_PCI_HOT_RESET_INFO
 * @df: the calling file, bound; the caller holds the device's lock
 * @uarg: the user's struct vfio_pci_hot_reset_info
 *
 * Return: 0, -ENOSPC with the count needed, or a negative errno.
 */
int ifd2_hot_reset_info(struct ifd2_pci_file *df, void __user *uarg)
{
	size_t minsz = offsetofend(struct vfio_pci_hot_reset_info, count);
	struct vfio_pci_hot_reset_info hdr;
	struct ifd2_reset_walk w = { .df = df };
	int rc;

	if (copy_from_user(&hdr, uarg, minsz))
		return -EFAULT;
	if (hdr.argsz < minsz)
		return -EINVAL;
	rc = ifd2_reset_walk(&w);
	if (rc)
		return rc;
	hdr.flags = VFIO_PCI_HOT_RESET_FLAG_DEV_ID;
	if (w.count > (hdr.argsz - minsz) / sizeof(*w.devices)) {
		hdr.count = w.count;
		return copy_to_user(uarg, &hdr, minsz) ? -EFAULT : -ENOSPC;
	}
	/* Devices come and go: fill at most what was counted. */
	w.max = w.count;
	w.devices = kcalloc(w.max, sizeof(*w.devices), GFP_KERNEL);
	if (!w.devices)
		return -ENOMEM;
	rc = ifd2_reset_walk(&w);
	if (!rc) {
		hdr.count = min(w.count, w.max);
		if (w.all_owned)
			hdr.flags |= VFIO_PCI_HOT_RESET_FLAG_DEV_ID_OWNED;
		if (copy_to_user(uarg + minsz, w.devices,
				 hdr.count * sizeof(*w.devices)) ||
		    copy_to_user(uarg, &hdr, minsz))
			rc = -EFAULT;
	}
	kfree(w.devices);
	return rc;
}

/**
 * ifd2_hot_reset() - VFIO_DEVICE_PCI_HOT_RESET
 * @df: the calling file, bound; the caller holds the device's lock
 * @uarg: the user's struct vfio_pci_hot_reset
 *
 * Return: 0 or a negative errno (EPERM if a device is not the user's).
 */
int ifd2_hot_reset(struct ifd2_pci_file *df, void __user *uarg)
{
	size_t minsz = offsetofend(struct vfio_pci_hot_reset, count);
	struct vfio_pci_hot_reset hdr;
	struct ifd2_reset_walk w = { .df = df };
	int rc;

	if (copy_from_user(&hdr, uarg, minsz))
		return -EFAULT;
	/* cdev convention: no group fds. */
	if (hdr.argsz < minsz || hdr.flags || hdr.count)
		return -EINVAL;
	rc = ifd2_reset_walk(&w);
	if (rc)
		return rc;
	if (!w.all_owned)
		return -EPERM;
	/* The caller's own mappings are held off while the bus resets. */
	down_write(&df->state->memory_lock);
	ifd2_bar_zap(df->state);
	rc = pci_reset_bus(df->state->pdev);
	up_write(&df->state->memory_lock);
	return rc;
}
