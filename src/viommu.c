// SPDX-License-Identifier: GPL-2.0
/*
 * vIOMMUs, vDevices and their backends.  The vDevice lifecycle rules are in
 * include/iommufd2/viommu.h.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/err.h>
#include <linux/iommu.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/wait_bit.h>

#include "iommufd2/ctx.h"
#include "iommufd2/device.h"
#include "iommufd2/hwpt.h"
#include "iommufd2/kapi.h"
#include "iommufd2/mmap.h"
#include "iommufd2/ucmd.h"
#include "iommufd2/viommu.h"
#include "iommufd2/iommufd2.h"	/* uapi: our extensions */

static DEFINE_MUTEX(ifd_vtypes_lock);
static LIST_HEAD(ifd_vtypes);

/**
 * iommufd2_viommu_type_register() - offer a vIOMMU backend
 * @vtype: the backend; lives until unregistered
 *
 * Return: 0, or -EEXIST if the type is served already.
 */
int iommufd2_viommu_type_register(struct iommufd2_viommu_type *vtype)
{
	struct iommufd2_viommu_type *cur;
	int rc = 0;

	mutex_lock(&ifd_vtypes_lock);
	list_for_each_entry(cur, &ifd_vtypes, link)
		if (cur->type == vtype->type)
			rc = -EEXIST;
	if (!rc)
		list_add_tail(&vtype->link, &ifd_vtypes);
	mutex_unlock(&ifd_vtypes_lock);
	return rc;
}
EXPORT_SYMBOL_NS_GPL(iommufd2_viommu_type_register, "IOMMUFD2");

/**
 * iommufd2_viommu_type_unregister() - withdraw a backend
 * @vtype: the backend; none of its vIOMMUs may exist (they pin @owner)
 */
void iommufd2_viommu_type_unregister(struct iommufd2_viommu_type *vtype)
{
	mutex_lock(&ifd_vtypes_lock);
	list_del(&vtype->link);
	mutex_unlock(&ifd_vtypes_lock);
}
EXPORT_SYMBOL_NS_GPL(iommufd2_viommu_type_unregister, "IOMMUFD2");

static const struct iommufd2_viommu_type *ifd_vtype_get(u32 type,
							struct device *dev)
{
	const struct iommufd2_viommu_type *found = NULL;
	struct iommufd2_viommu_type *cur;

	mutex_lock(&ifd_vtypes_lock);
	list_for_each_entry(cur, &ifd_vtypes, link) {
		if (cur->type == type && cur->match(dev) &&
		    try_module_get(cur->owner)) {
			found = cur;
			break;
		}
	}
	mutex_unlock(&ifd_vtypes_lock);
	return found;
}

/**
 * iommufd2_viommu_vdev_call() - act on the device behind a virtual ID
 * @viommu: the vIOMMU, referenced by the caller (a backend hook)
 * @virt_id: the vDevice's virtual ID in @viommu
 * @fn: called with the vDevice's device; runs under a spinlock that keeps
 *	the vDevice from going away, so it must not sleep
 * @arg: passed to @fn
 *
 * Return: @fn's return, or -EINVAL if no vDevice of @viommu has @virt_id.
 */
int iommufd2_viommu_vdev_call(struct ifd_viommu *viommu, u64 virt_id,
			      int (*fn)(struct device *dev, void *arg),
			      void *arg)
{
	struct ifd_vdevice *vdev;
	int rc = -EINVAL;

	if (virt_id > ULONG_MAX)
		return -EINVAL;
	xa_lock(&viommu->vdevs);
	vdev = xa_load(&viommu->vdevs, virt_id);
	if (vdev)
		rc = fn(vdev->dev, arg);
	xa_unlock(&viommu->vdevs);
	return rc;
}
EXPORT_SYMBOL_NS_GPL(iommufd2_viommu_vdev_call, "IOMMUFD2");

/* The software type: vDevice bookkeeping for any IOMMU, no hardware. */
static bool ifd_sw_match(struct device *dev)
{
	return true;
}

static struct iommufd2_viommu_type ifd_sw_vtype = {
	.type = IOMMUFD2_VIOMMU_TYPE_SOFTWARE,
	.owner = THIS_MODULE,
	.match = ifd_sw_match,
};

/**
 * iommufd2_viommu_priv() - a backend's state of its vIOMMU
 * @viommu: the vIOMMU
 *
 * Return: what the backend set with iommufd2_viommu_set_priv(), or NULL.
 */
void *iommufd2_viommu_priv(struct ifd_viommu *viommu)
{
	return viommu->priv;
}
EXPORT_SYMBOL_NS_GPL(iommufd2_viommu_priv, "IOMMUFD2");

/**
 * iommufd2_viommu_set_priv() - attach a backend's state to its vIOMMU
 * @viommu: the vIOMMU, in the backend's init hook
 * @priv: the state; the backend frees it in its destroy hook
 */
void iommufd2_viommu_set_priv(struct ifd_viommu *viommu, void *priv)
{
	viommu->priv = priv;
}
EXPORT_SYMBOL_NS_GPL(iommufd2_viommu_set_priv, "IOMMUFD2");

/**
 * iommufd2_viommu_mmap_add() - let userspace mmap() a region of the vIOMMU
 * @viommu: the vIOMMU, in its backend's init hook (or later)
 * @base: page-aligned physical address of the region (device memory, or
 *	memory the backend treats as such)
 * @length: page-aligned length, at most 1 GiB
 * @offset: receives the offset userspace passes to mmap() on the iommufd2
 *	file, mapping exactly @length bytes
 *
 * While mapped, the vIOMMU cannot be destroyed (EBUSY).  The backend
 * removes the region in its destroy hook.
 *
 * Return: 0, -EINVAL, -ENOSPC, -ENOMEM.
 */
int iommufd2_viommu_mmap_add(struct ifd_viommu *viommu, phys_addr_t base,
			     size_t length, u64 *offset)
{
	return ifd_mmap_add(viommu->ctx, &viommu->obj, base, length, offset);
}
EXPORT_SYMBOL_NS_GPL(iommufd2_viommu_mmap_add, "IOMMUFD2");

/**
 * iommufd2_viommu_mmap_remove() - withdraw a region of the vIOMMU
 * @viommu: the vIOMMU
 * @offset: as iommufd2_viommu_mmap_add() returned it
 */
void iommufd2_viommu_mmap_remove(struct ifd_viommu *viommu, u64 offset)
{
	ifd_mmap_remove(viommu->ctx, offset);
}
EXPORT_SYMBOL_NS_GPL(iommufd2_viommu_mmap_remove, "IOMMUFD2");

static void ifd_viommu_destroy(struct ifd_object *obj)
{
	struct ifd_viommu *viommu = container_of(obj, struct ifd_viommu, obj);

	if (viommu->inited && viommu->vtype->destroy)
		viommu->vtype->destroy(viommu);
	WARN_ON(!xa_empty(&viommu->vdevs));
	xa_destroy(&viommu->vdevs);
	if (viommu->hwpt)
		ifd_object_release(&viommu->hwpt->obj);
	if (viommu->vtype)
		module_put(viommu->vtype->owner);
}

static const struct ifd_object_ops ifd_viommu_ops = {
	.type = IFD_OBJ_VIOMMU,
	.destroy = ifd_viommu_destroy,
};

/* The backend's init hook, with the user's type data if any. */
static int ifd_viommu_backend_init(struct ifd_viommu *viommu,
				   const struct iommu_viommu_alloc *cmd)
{
	struct iommu_user_data data = {
		.type = cmd->type,
		.uptr = u64_to_user_ptr(cmd->data_uptr),
		.len = cmd->data_len,
	};
	int rc;

	if (!viommu->vtype->init)
		return cmd->data_len ? -EOPNOTSUPP : 0;
	rc = viommu->vtype->init(viommu, viommu->hwpt->domain,
				 cmd->data_len ? &data : NULL);
	viommu->inited = !rc;
	return rc;
}

int ifd_cmd_viommu_alloc(struct ifd_ucmd *ucmd)
{
	struct iommu_viommu_alloc *cmd = ucmd->cmd;
	const struct iommufd2_viommu_type *vtype;
	struct ifd_viommu *viommu;
	struct ifd_device *idev;
	struct ifd_object *pt;
	struct ifd_hwpt *hwpt;
	int rc;

	if (cmd->flags || cmd->__reserved ||
	    cmd->type == IOMMU_VIOMMU_TYPE_DEFAULT)
		return -EOPNOTSUPP;
	idev = ifd_device_get(ucmd->ctx, cmd->dev_id);
	if (IS_ERR(idev))
		return PTR_ERR(idev);
	vtype = ifd_vtype_get(cmd->type, idev->dev);
	if (!vtype) {
		rc = -EOPNOTSUPP;
		goto out_idev;
	}
	pt = ifd_object_get(ucmd->ctx, cmd->hwpt_id, IFD_OBJ_HWPT_PAGING);
	if (IS_ERR(pt)) {
		rc = PTR_ERR(pt);
		goto out_vtype;
	}
	hwpt = container_of(pt, struct ifd_hwpt, obj);
	if (vtype->needs_nest_parent && !hwpt->nest_parent) {
		rc = -EINVAL;
		goto out_pt;
	}
	viommu = ifd_object_alloc(ucmd->ctx, viommu, &ifd_viommu_ops);
	if (IS_ERR(viommu)) {
		rc = PTR_ERR(viommu);
		goto out_pt;
	}
	xa_init(&viommu->vdevs);
	init_rwsem(&viommu->veventqs_rwsem);
	INIT_LIST_HEAD(&viommu->veventqs);
	viommu->iommu_dev = idev->dev->iommu->iommu_dev;
	/* The HWPT may be an auto one its last device is letting go of. */
	if (!ifd_object_tryhold(&hwpt->obj)) {
		ifd_object_abort(ucmd->ctx, &viommu->obj);
		rc = -ENOENT;
		goto out_pt;
	}
	viommu->hwpt = hwpt;
	viommu->vtype = vtype;
	vtype = NULL;	/* the vIOMMU owns the module reference */
	viommu->ctx = ucmd->ctx;
	rc = ifd_viommu_backend_init(viommu, cmd);
	if (rc) {
		ifd_object_abort(ucmd->ctx, &viommu->obj);
		goto out_pt;
	}

	cmd->out_viommu_id = viommu->obj.id;
	rc = ifd_ucmd_respond(ucmd, sizeof(*cmd));
	if (rc)
		ifd_object_abort(ucmd->ctx, &viommu->obj);
	else
		ifd_object_finalize(ucmd->ctx, &viommu->obj);
out_pt:
	ifd_object_put(pt);
out_vtype:
	if (vtype)
		module_put(vtype->owner);
out_idev:
	ifd_device_put(idev);
	return rc;
}

/* Backend hook and bookkeeping shared by destroy and abort. */
static void ifd_vdevice_release(struct ifd_vdevice *vdev)
{
	struct ifd_viommu *viommu = vdev->viommu;

	if (vdev->inited && viommu->vtype->vdevice_destroy)
		viommu->vtype->vdevice_destroy(viommu, vdev->dev,
					       vdev->virt_id);
	xa_erase(&viommu->vdevs, vdev->virt_id);
	ifd_object_release(&viommu->obj);
}

/*
 * Teardown of a published vDevice: the backend's hook first, while the
 * device is still bound, then the unlink that lets a waiting unbind go on.
 */
static void ifd_vdevice_destroy(struct ifd_object *obj)
{
	struct ifd_vdevice *vdev = container_of(obj, struct ifd_vdevice, obj);
	struct ifd_device *idev = vdev->idev;

	ifd_vdevice_release(vdev);
	spin_lock(&idev->vdev_lock);
	idev->vdev = NULL;
	spin_unlock(&idev->vdev_lock);
	/* Only the address is used: @idev may be gone once we unlocked. */
	wake_up_var(&idev->vdev);
}

/* A vDevice that was never linked or published. */
static void ifd_vdevice_abort(struct ifd_object *obj)
{
	struct ifd_vdevice *vdev = container_of(obj, struct ifd_vdevice, obj);

	if (vdev->viommu)
		ifd_vdevice_release(vdev);
}

static const struct ifd_object_ops ifd_vdevice_ops = {
	.type = IFD_OBJ_VDEVICE,
	.destroy = ifd_vdevice_destroy,
	.abort = ifd_vdevice_abort,
};

/* The device refuses a (new) vDevice: unbinding, or it has one. */
static int ifd_vdevice_refused(struct ifd_device *idev)
{
	lockdep_assert_held(&idev->vdev_lock);
	if (idev->unbinding)
		return -ENOENT;
	return idev->vdev ? -EEXIST : 0;
}

int ifd_cmd_vdevice_alloc(struct ifd_ucmd *ucmd)
{
	struct iommu_vdevice_alloc *cmd = ucmd->cmd;
	struct ifd_vdevice *vdev;
	struct ifd_viommu *viommu;
	struct ifd_device *idev;
	struct ifd_object *obj;
	int rc;

	if (cmd->virt_id > ULONG_MAX)
		return -EINVAL;
	obj = ifd_object_get(ucmd->ctx, cmd->viommu_id, IFD_OBJ_VIOMMU);
	if (IS_ERR(obj))
		return PTR_ERR(obj);
	viommu = container_of(obj, struct ifd_viommu, obj);
	idev = ifd_device_get(ucmd->ctx, cmd->dev_id);
	if (IS_ERR(idev)) {
		rc = PTR_ERR(idev);
		goto out_viommu;
	}
	if (idev->dev->iommu->iommu_dev != viommu->iommu_dev) {
		rc = -EINVAL;
		goto out_idev;
	}
	/* Cheap early answer; checked again where it counts, at linking. */
	spin_lock(&idev->vdev_lock);
	rc = ifd_vdevice_refused(idev);
	spin_unlock(&idev->vdev_lock);
	if (rc)
		goto out_idev;

	vdev = ifd_object_alloc(ucmd->ctx, vdev, &ifd_vdevice_ops);
	if (IS_ERR(vdev)) {
		rc = PTR_ERR(vdev);
		goto out_idev;
	}
	vdev->dev = idev->dev;
	vdev->virt_id = cmd->virt_id;
	if (!ifd_object_tryhold(&viommu->obj)) {
		rc = -ENOENT;
		goto out_abort;
	}
	rc = xa_insert(&viommu->vdevs, vdev->virt_id, vdev, GFP_KERNEL_ACCOUNT);
	if (rc) {
		ifd_object_release(&viommu->obj);
		rc = rc == -EBUSY ? -EEXIST : rc;
		goto out_abort;
	}
	vdev->viommu = viommu;
	if (viommu->vtype->vdevice_init) {
		rc = viommu->vtype->vdevice_init(viommu, idev->dev,
						 vdev->virt_id);
		if (rc)
			goto out_abort;
	}
	vdev->inited = true;

	cmd->out_vdevice_id = vdev->obj.id;
	rc = ifd_ucmd_respond(ucmd, sizeof(*cmd));
	if (rc)
		goto out_abort;

	/* Link and publish in one step, or not at all. */
	spin_lock(&idev->vdev_lock);
	rc = ifd_vdevice_refused(idev);
	if (!rc) {
		vdev->idev = idev;
		idev->vdev = vdev;
		ifd_object_finalize(ucmd->ctx, &vdev->obj);
	}
	spin_unlock(&idev->vdev_lock);
	if (rc)
		goto out_abort;
	goto out_idev;

out_abort:
	ifd_object_abort(ucmd->ctx, &vdev->obj);
out_idev:
	ifd_device_put(idev);
out_viommu:
	ifd_object_put(obj);
	return rc;
}

static bool ifd_vdev_unlinked(struct ifd_device *idev)
{
	bool gone;

	spin_lock(&idev->vdev_lock);
	gone = !idev->vdev;
	spin_unlock(&idev->vdev_lock);
	return gone;
}

/**
 * ifd_device_retire_vdevice() - first step of unbind: no vDevice survives
 * @idev: the device being unbound
 *
 * Refuses new vDevices, then tears down the current one leaving a
 * tombstone, or waits for IOMMU_DESTROY to finish tearing it down.
 * Returns only once the vDevice (and its backend hook) is gone.
 */
void ifd_device_retire_vdevice(struct ifd_device *idev)
{
	struct ifd_vdevice *vdev;
	bool held = false;

	spin_lock(&idev->vdev_lock);
	idev->unbinding = true;
	vdev = idev->vdev;
	/* Memory stays valid while linked; the reference wins the race. */
	if (vdev)
		held = ifd_object_tryget(&vdev->obj);
	spin_unlock(&idev->vdev_lock);

	if (!vdev)
		return;
	/* Lost to IOMMU_DESTROY: it unlinks the vDevice when done. */
	if (!held || !ifd_object_retire_held(idev->ctx, &vdev->obj))
		wait_var_event(&idev->vdev, ifd_vdev_unlinked(idev));
}

/**
 * ifd_viommu_init() - register the built-in software vIOMMU type
 *
 * Return: 0 or an error.
 */
int ifd_viommu_init(void)
{
	return iommufd2_viommu_type_register(&ifd_sw_vtype);
}

/**
 * ifd_viommu_exit() - unregister the built-in software vIOMMU type
 */
void ifd_viommu_exit(void)
{
	iommufd2_viommu_type_unregister(&ifd_sw_vtype);
}
