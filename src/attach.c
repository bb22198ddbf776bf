// SPDX-License-Identifier: GPL-2.0
/*
 * Attaching bound devices to HWPTs, per PASID (IOMMU_NO_PASID: the RID).
 *
 * Replace never goes through detach-then-attach: the RID switches with the
 * core's iommu_replace_group_handle() and a PASID with
 * iommu_replace_device_pasid(), so the driver changes translation in one
 * step and, if it refuses, the old attachment is still in force.
 *
 * Lock order: ioas->hwpt_lock (choosing or making an auto HWPT), then
 * igroup->lock.  HWPT references of detached devices are dropped after the
 * group lock is released, since removing an auto HWPT takes hwpt_lock.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/err.h>
#include <linux/iommu.h>
#include <linux/module.h>
#include <linux/slab.h>

#include "iommufd2/compat.h"
#include "iommufd2/ctx.h"
#include "iommufd2/device.h"
#include "iommufd2/fault.h"
#include "iommufd2/hwpt.h"
#include "iommufd2/ioas.h"
#include "iommufd2/kapi.h"

/*
 * A PASID needs a device that supports PASIDs and a HWPT made for them; the
 * RID and the PASIDs of a group must agree: a RID HWPT without PASID
 * support excludes PASID attachments and the other way round.
 */
static int ifd_pasid_compat(struct ifd_device *idev, struct ifd_hwpt *hwpt,
			    u32 pasid)
{
	struct ifd_group *igroup = idev->igroup;
	struct ifd_attach *rid;
	unsigned long index = IOMMU_NO_PASID + 1;

	lockdep_assert_held(&igroup->lock);
	if (pasid == IOMMU_NO_PASID) {
		if (!hwpt->pasid_compat &&
		    xa_find(&igroup->attaches, &index, ULONG_MAX, XA_PRESENT))
			return -EINVAL;
		return 0;
	}
	if (!idev->dev->iommu->max_pasids ||
	    pasid >= idev->dev->iommu->max_pasids)
		return -EINVAL;
	if (!hwpt->pasid_compat)
		return -EINVAL;
	rid = xa_load(&igroup->attaches, IOMMU_NO_PASID);
	if (rid && !rid->hwpt->pasid_compat)
		return -EINVAL;
	return 0;
}

/* The device's reserved regions go into the IOAS of a RID attachment. */
static int ifd_reserve(struct ifd_device *idev, struct ifd_hwpt *hwpt,
		       u32 pasid)
{
	if (pasid != IOMMU_NO_PASID)
		return 0;
	return ifd_iova_map_reserve_device(&hwpt->ioas->map, idev->dev, idev);
}

static void ifd_unreserve(struct ifd_device *idev, struct ifd_hwpt *hwpt,
			  u32 pasid)
{
	if (pasid == IOMMU_NO_PASID)
		ifd_iova_map_unreserve(&hwpt->ioas->map, idev);
}

static int ifd_hw_attach(struct ifd_device *idev, struct ifd_attach *att,
			 u32 pasid)
{
	if (pasid == IOMMU_NO_PASID)
		return iommu_attach_group_handle(att->hwpt->domain,
						 idev->igroup->group,
						 &att->handle->core);
	return iommu_attach_device_pasid(att->hwpt->domain, idev->dev, pasid,
					 &att->handle->core);
}

static void ifd_hw_detach(struct ifd_device *idev, struct ifd_attach *att,
			  u32 pasid)
{
	if (pasid == IOMMU_NO_PASID)
		iommu_detach_group_handle(att->hwpt->domain,
					  idev->igroup->group);
	else
		iommu_detach_device_pasid(att->hwpt->domain, idev->dev, pasid);
}

static struct ifd_attach_handle *ifd_handle_alloc(struct ifd_device *idev,
						  struct ifd_hwpt *hwpt)
{
	struct ifd_attach_handle *handle;

	handle = kzalloc_obj(*handle, GFP_KERNEL_ACCOUNT);
	if (handle) {
		handle->dev_id = idev->obj.id;
		handle->hwpt = hwpt;
	}
	return handle;
}

/* After the core let go of @handle: answer its faults, then free it. */
static void ifd_handle_free(struct ifd_attach_handle *handle)
{
	if (handle && handle->hwpt->fault)
		ifd_fault_flush_handle(handle->hwpt->fault, handle);
	kfree(handle);
}

static void ifd_attach_free(struct ifd_attach *att)
{
	xa_destroy(&att->devices);
	ifd_handle_free(att->handle);
	kfree(att);
}

/*
 * Attach @idev's @pasid to @hwpt.  The first device of the group makes the
 * hardware attachment; later ones must name the same HWPT (else EINVAL).
 * The device's reference on @hwpt is taken first: an auto HWPT its last
 * user is reaping right now is gone (ENOENT), never attached.
 */
static int ifd_do_attach(struct ifd_device *idev, u32 pasid,
			 struct ifd_hwpt *hwpt)
{
	struct ifd_group *igroup = idev->igroup;
	struct ifd_attach *att;
	bool first = false;
	int rc;

	if (!ifd_object_tryhold(&hwpt->obj))
		return -ENOENT;
	mutex_lock(&igroup->lock);
	rc = ifd_pasid_compat(idev, hwpt, pasid);
	if (rc)
		goto out_unlock;
	att = xa_load(&igroup->attaches, pasid);
	if (att) {
		/* Attached already (to anything): replace is the way. */
		if (xa_load(&att->devices, idev->obj.id)) {
			rc = -EBUSY;
			goto out_unlock;
		}
		if (att->hwpt != hwpt) {
			rc = -EINVAL;
			goto out_unlock;
		}
	} else {
		first = true;
		att = kzalloc_obj(*att, GFP_KERNEL_ACCOUNT);
		if (att)
			att->handle = ifd_handle_alloc(idev, hwpt);
		if (!att || !att->handle) {
			kfree(att);
			rc = -ENOMEM;
			goto out_unlock;
		}
		xa_init(&att->devices);
		att->hwpt = hwpt;
	}
	rc = xa_insert(&att->devices, idev->obj.id, idev, GFP_KERNEL_ACCOUNT);
	if (rc)
		goto out_free;
	rc = ifd_reserve(idev, hwpt, pasid);
	if (rc)
		goto out_erase;
	if (first) {
		rc = xa_insert(&igroup->attaches, pasid, att,
			       GFP_KERNEL_ACCOUNT);
		if (rc)
			goto out_unreserve;
		rc = ifd_hw_attach(idev, att, pasid);
		if (rc) {
			xa_erase(&igroup->attaches, pasid);
			goto out_unreserve;
		}
	}
	mutex_unlock(&igroup->lock);
	return 0;

out_unreserve:
	ifd_unreserve(idev, hwpt, pasid);
out_erase:
	xa_erase(&att->devices, idev->obj.id);
out_free:
	if (first)
		ifd_attach_free(att);
out_unlock:
	mutex_unlock(&igroup->lock);
	/* Never the last reference: the ID's or a remover's claim remains. */
	ifd_object_release(&hwpt->obj);
	return rc;
}

/*
 * Switch @pasid of @idev's group from its current HWPT to @hwpt in one
 * step.  Returns the old HWPT with the references the group's devices held
 * on it (one per device) for the caller to drop, NULL if nothing changed,
 * or an ERR_PTR with the old attachment untouched.
 */
static struct ifd_hwpt *ifd_do_replace(struct ifd_device *idev, u32 pasid,
				       struct ifd_hwpt *hwpt,
				       unsigned int *nr_refs)
{
	struct ifd_group *igroup = idev->igroup;
	struct ifd_attach_handle *handle;
	struct ifd_device *cur;
	struct ifd_attach *att;
	struct ifd_hwpt *old;
	unsigned long index;
	bool same_ioas;
	int rc;

	mutex_lock(&igroup->lock);
	att = xa_load(&igroup->attaches, pasid);
	if (!att || !xa_load(&att->devices, idev->obj.id)) {
		rc = -EINVAL;
		goto out_unlock;
	}
	old = att->hwpt;
	if (old == hwpt) {
		mutex_unlock(&igroup->lock);
		return NULL;
	}
	rc = ifd_pasid_compat(idev, hwpt, pasid);
	if (rc)
		goto out_unlock;
	/* Never emulated by detach + attach: see compat.h. */
	if (pasid != IOMMU_NO_PASID && !ifd_compat_can_replace_pasid()) {
		rc = -EOPNOTSUPP;
		goto out_unlock;
	}
	/* One reference per device; the first one proves @hwpt alive. */
	if (!ifd_object_tryhold(&hwpt->obj)) {
		rc = -ENOENT;
		goto out_unlock;
	}

	/* Reserved regions move with the RID to the new IOAS. */
	same_ioas = old->ioas == hwpt->ioas;
	if (!same_ioas) {
		xa_for_each(&att->devices, index, cur) {
			rc = ifd_reserve(cur, hwpt, pasid);
			if (rc)
				goto out_unreserve;
		}
	}

	handle = ifd_handle_alloc(idev, hwpt);
	if (!handle) {
		rc = -ENOMEM;
		goto out_unreserve;
	}
	if (pasid == IOMMU_NO_PASID)
		rc = iommu_replace_group_handle(igroup->group, hwpt->domain,
						&handle->core);
	else
		rc = ifd_compat_replace_device_pasid(hwpt->domain, idev->dev,
						     pasid, &handle->core);
	if (rc) {
		kfree(handle);
		goto out_unreserve;
	}
	ifd_handle_free(att->handle);
	att->handle = handle;
	att->hwpt = hwpt;

	*nr_refs = 0;
	xa_for_each(&att->devices, index, cur) {
		if (!same_ioas)
			ifd_unreserve(cur, old, pasid);
		if (*nr_refs)
			ifd_object_hold_more(&hwpt->obj);
		(*nr_refs)++;
	}
	mutex_unlock(&igroup->lock);
	return old;

out_unreserve:
	if (!same_ioas)
		xa_for_each(&att->devices, index, cur)
			ifd_unreserve(cur, hwpt, pasid);
	ifd_object_release(&hwpt->obj);
out_unlock:
	mutex_unlock(&igroup->lock);
	return ERR_PTR(rc);
}

/*
 * Attach or replace.  A replace hands back the HWPT it replaced, with the
 * number of references to drop (ifd_put_replaced()), for the caller to
 * drop once it holds no IOAS's hwpt_lock: dropping can remove an auto HWPT,
 * which takes its own IOAS's hwpt_lock.
 */
static struct ifd_hwpt *ifd_change_hwpt(struct ifd_device *idev, u32 pasid,
					struct ifd_hwpt *hwpt, bool replace,
					unsigned int *nr_refs)
{
	int rc;

	*nr_refs = 0;
	if (replace)
		return ifd_do_replace(idev, pasid, hwpt, nr_refs);
	rc = ifd_do_attach(idev, pasid, hwpt);
	return rc ? ERR_PTR(rc) : NULL;
}

static void ifd_put_replaced(struct ifd_hwpt *old, unsigned int nr_refs)
{
	while (old && nr_refs--)
		ifd_hwpt_put_attached(old);
}

/*
 * Attach to an IOAS: reuse an auto HWPT of that IOAS the device can use
 * (the driver answers EINVAL for an incompatible domain), else make one.
 * Auto HWPTs are plain paging domains, as upstream's: a PASID must be
 * attached to a HWPT allocated with IOMMU_HWPT_ALLOC_PASID, so naming an
 * IOAS for a PASID ends in EINVAL.
 */
static int ifd_change_ioas(struct ifd_device *idev, u32 pasid,
			   struct ifd_ioas *ioas, u32 *pt_id, bool replace)
{
	struct ifd_hwpt *hwpt, *old = NULL;
	unsigned int nr_refs = 0;
	int rc;

	mutex_lock(&ioas->hwpt_lock);
	list_for_each_entry(hwpt, &ioas->hwpts, ioas_link) {
		if (!hwpt->auto_domain)
			continue;
		old = ifd_change_hwpt(idev, pasid, hwpt, replace, &nr_refs);
		rc = PTR_ERR_OR_ZERO(old);
		/* Not for this device, or on its way out: look further. */
		if (rc == -EINVAL || rc == -ENOENT)
			continue;
		if (!rc)
			*pt_id = hwpt->obj.id;
		goto out_unlock;
	}

	hwpt = ifd_hwpt_alloc_paging(ioas, idev, 0, NULL);
	if (IS_ERR(hwpt)) {
		rc = PTR_ERR(hwpt);
		goto out_unlock;
	}
	hwpt->auto_domain = true;
	old = ifd_change_hwpt(idev, pasid, hwpt, replace, &nr_refs);
	rc = PTR_ERR_OR_ZERO(old);
	if (rc) {
		ifd_object_abort(idev->ctx, &hwpt->obj);
		goto out_unlock;
	}
	*pt_id = hwpt->obj.id;
	ifd_object_finalize(idev->ctx, &hwpt->obj);
out_unlock:
	mutex_unlock(&ioas->hwpt_lock);
	if (!rc)
		ifd_put_replaced(old, nr_refs);
	return rc;
}

static int ifd_change_pt(struct ifd_device *idev, u32 pasid, u32 *pt_id,
			 bool replace)
{
	struct ifd_object *pt;
	int rc;

	pt = ifd_object_get(idev->ctx, *pt_id, IFD_OBJ_ANY);
	if (IS_ERR(pt))
		return PTR_ERR(pt);
	switch (pt->ops->type) {
	case IFD_OBJ_HWPT_PAGING:
	case IFD_OBJ_HWPT_NESTED: {
		unsigned int nr_refs;
		struct ifd_hwpt *old;

		old = ifd_change_hwpt(idev, pasid,
				      container_of(pt, struct ifd_hwpt, obj),
				      replace, &nr_refs);
		rc = PTR_ERR_OR_ZERO(old);
		if (!rc)
			ifd_put_replaced(old, nr_refs);
		break;
	}
	case IFD_OBJ_IOAS:
		rc = ifd_change_ioas(idev, pasid,
				     container_of(pt, struct ifd_ioas, obj),
				     pt_id, replace);
		break;
	default:
		rc = -EINVAL;
	}
	ifd_object_put(pt);
	return rc;
}

/**
 * iommufd2_device_attach() - attach a device's RID or PASID
 * @idev: the bound device
 * @pasid: IOMMU_NO_PASID for the RID, else the PASID
 * @pt_id: an IOAS (an auto HWPT is used, its ID returned here) or a HWPT
 *
 * Return: 0; -ENOENT (no such object), -EINVAL (wrong object type, HWPT
 * not usable for this PASID or device, a different HWPT already attached),
 * -EBUSY (already attached), -EADDRINUSE (a reserved region of the device
 * is mapped in the IOAS), or the IOMMU driver's error.
 */
int iommufd2_device_attach(struct ifd_device *idev, u32 pasid, u32 *pt_id)
{
	return ifd_change_pt(idev, pasid, pt_id, false);
}
EXPORT_SYMBOL_NS_GPL(iommufd2_device_attach, "IOMMUFD2");

/**
 * iommufd2_device_replace() - switch an attached RID or PASID atomically
 * @idev: the bound device
 * @pasid: IOMMU_NO_PASID for the RID, else the PASID
 * @pt_id: the new IOAS or HWPT, as for iommufd2_device_attach()
 *
 * On failure the previous attachment stays fully in place.
 *
 * Return: 0, -EINVAL if nothing is attached, or as iommufd2_device_attach().
 */
int iommufd2_device_replace(struct ifd_device *idev, u32 pasid, u32 *pt_id)
{
	return ifd_change_pt(idev, pasid, pt_id, true);
}
EXPORT_SYMBOL_NS_GPL(iommufd2_device_replace, "IOMMUFD2");

/* Detach with the group lock held; returns the HWPT to drop, or NULL. */
static struct ifd_hwpt *ifd_detach_locked(struct ifd_device *idev, u32 pasid)
{
	struct ifd_group *igroup = idev->igroup;
	struct ifd_attach *att;
	struct ifd_hwpt *hwpt;

	lockdep_assert_held(&igroup->lock);
	att = xa_load(&igroup->attaches, pasid);
	if (!att || !xa_erase(&att->devices, idev->obj.id))
		return NULL;
	hwpt = att->hwpt;
	if (xa_empty(&att->devices)) {
		ifd_hw_detach(idev, att, pasid);
		xa_erase(&igroup->attaches, pasid);
		ifd_attach_free(att);
	} else if (att->handle->dev_id == idev->obj.id) {
		unsigned long next = 0;

		/* Faults now come from a device that is still attached. */
		xa_find(&att->devices, &next, ULONG_MAX, XA_PRESENT);
		WRITE_ONCE(att->handle->dev_id, next);
	}
	ifd_unreserve(idev, hwpt, pasid);
	return hwpt;
}

/**
 * iommufd2_device_detach() - detach a device's RID or PASID
 * @idev: the bound device
 * @pasid: IOMMU_NO_PASID for the RID, else the PASID
 *
 * The last device of a group to detach a PASID (or the RID) removes the
 * hardware attachment; the RID then blocks DMA.  Nothing attached: no-op.
 */
void iommufd2_device_detach(struct ifd_device *idev, u32 pasid)
{
	struct ifd_hwpt *hwpt;

	mutex_lock(&idev->igroup->lock);
	hwpt = ifd_detach_locked(idev, pasid);
	mutex_unlock(&idev->igroup->lock);
	if (hwpt)
		ifd_hwpt_put_attached(hwpt);
}
EXPORT_SYMBOL_NS_GPL(iommufd2_device_detach, "IOMMUFD2");

IFD_MODULE_IMPORT_NS("IOMMUFD_INTERNAL");

/**
 * ifd_device_detach_all() - detach every PASID, then the RID, of a device
 * @idev: the bound device, being unbound
 */
void ifd_device_detach_all(struct ifd_device *idev)
{
	struct ifd_group *igroup = idev->igroup;
	struct ifd_attach *att;
	unsigned long pasid;

	for (;;) {
		struct ifd_hwpt *hwpt = NULL;

		mutex_lock(&igroup->lock);
		/* PASIDs first: they depend on the RID's compatibility. */
		xa_for_each_start(&igroup->attaches, pasid, att,
				  IOMMU_NO_PASID + 1) {
			hwpt = ifd_detach_locked(idev, pasid);
			if (hwpt)
				break;
		}
		if (!hwpt)
			hwpt = ifd_detach_locked(idev, IOMMU_NO_PASID);
		mutex_unlock(&igroup->lock);
		if (!hwpt)
			return;
		ifd_hwpt_put_attached(hwpt);
	}
}
