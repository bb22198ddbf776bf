// SPDX-License-Identifier: GPL-2.0
/*
 * Binding devices to a context: iDevice objects, per-group state, DMA
 * ownership, and IOMMU_GET_HW_INFO.  The rules are in
 * include/iommufd2/device.h and include/iommufd2/kapi.h.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/err.h>
#include <linux/file.h>
#include <linux/iommu.h>
#include <linux/log2.h>
#include <linux/module.h>
#include <linux/pci.h>
#include <linux/pci-ats.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "iommufd2/compat.h"
#include "iommufd2/ctx.h"
#include "iommufd2/device.h"
#include "iommufd2/kapi.h"
#include "iommufd2/netlink.h"
#include "iommufd2/ucmd.h"
#include "iommufd2/viommu.h"

/*
 * A device whose group cannot isolate MSIs (no interrupt remapping, no
 * MSI-validating irq domain) can raise any interrupt with a plain DMA
 * write.  Such devices are refused unless the administrator says so,
 * as with VFIO and upstream iommufd.
 */
static bool allow_unsafe_interrupts;
module_param(allow_unsafe_interrupts, bool, 0644);
MODULE_PARM_DESC(allow_unsafe_interrupts,
		 "Bind devices whose IOMMU group cannot isolate MSIs (they can then trigger interrupts they were not given); default off");

/* EPERM for a group without MSI isolation, unless allowed. */
static int ifd_check_msi_isolation(struct device *dev,
				   struct iommu_group *group, u32 flags)
{
	if ((flags & IOMMUFD2_BIND_SOFTWARE_DMA) ||
	    iommu_group_has_isolated_msi(group))
		return 0;
	if (!READ_ONCE(allow_unsafe_interrupts)) {
		dev_warn_ratelimited(dev,
				     "its IOMMU group cannot isolate MSIs; iommufd2.allow_unsafe_interrupts=1 allows binding it anyway\n");
		return -EPERM;
	}
	dev_warn_once(dev,
		      "bound without MSI isolation (allow_unsafe_interrupts)\n");
	return 0;
}

static struct ifd_group *ifd_group_get(struct ifd_ctx *ctx,
				       struct iommu_group *group)
{
	unsigned int id = iommu_group_id(group);
	struct ifd_group *igroup, *found;

	mutex_lock(&ctx->groups_lock);
	igroup = xa_load(&ctx->groups, id);
	if (igroup) {
		kref_get(&igroup->kref);
		goto out;
	}
	igroup = kzalloc_obj(*igroup, GFP_KERNEL_ACCOUNT);
	if (!igroup) {
		igroup = ERR_PTR(-ENOMEM);
		goto out;
	}
	kref_init(&igroup->kref);
	igroup->ctx = ctx;
	igroup->group = iommu_group_ref_get(group);
	mutex_init(&igroup->lock);
	xa_init(&igroup->attaches);
	found = xa_store(&ctx->groups, id, igroup, GFP_KERNEL_ACCOUNT);
	if (xa_is_err(found)) {
		iommu_group_put(igroup->group);
		kfree(igroup);
		igroup = ERR_PTR(xa_err(found));
	}
out:
	mutex_unlock(&ctx->groups_lock);
	return igroup;
}

static void ifd_group_release(struct kref *kref)
{
	struct ifd_group *igroup = container_of(kref, struct ifd_group, kref);

	xa_erase(&igroup->ctx->groups, iommu_group_id(igroup->group));
	mutex_unlock(&igroup->ctx->groups_lock);
	WARN_ON(!xa_empty(&igroup->attaches));
	iommu_group_put(igroup->group);
	mutex_destroy(&igroup->lock);
	kfree(igroup);
}

static void ifd_group_put(struct ifd_group *igroup)
{
	kref_put_mutex(&igroup->kref, ifd_group_release,
		       &igroup->ctx->groups_lock);
}

static void ifd_device_destroy(struct ifd_object *obj)
{
	struct ifd_device *idev = container_of(obj, struct ifd_device, obj);

	/* Everything was detached by unbind; give DMA back to the kernel. */
	iommu_device_release_dma_owner(idev->dev);
	ifd_group_put(idev->igroup);
}

static const struct ifd_object_ops ifd_device_ops = {
	.type = IFD_OBJ_DEVICE,
	.destroy = ifd_device_destroy,
};

/**
 * ifd_device_get() - look up a bound device with a short-term reference
 * @ctx: the context
 * @id: the device's ID
 *
 * Return: the device or ERR_PTR(-ENOENT).
 */
struct ifd_device *ifd_device_get(struct ifd_ctx *ctx, u32 id)
{
	struct ifd_object *obj = ifd_object_get(ctx, id, IFD_OBJ_DEVICE);

	if (IS_ERR(obj))
		return ERR_CAST(obj);
	return container_of(obj, struct ifd_device, obj);
}

static struct ifd_device *ifd_device_bind(struct ifd_ctx *ctx,
					  struct device *dev, u32 *id,
					  u32 flags)
{
	struct iommu_group *group;
	struct ifd_group *igroup;
	struct ifd_device *idev;
	int rc;

	group = iommu_group_get(dev);
	if (!group)
		return ERR_PTR(-ENODEV);
	if (!device_iommu_capable(dev, IOMMU_CAP_CACHE_COHERENCY)) {
		rc = -EINVAL;
		goto out_group;
	}
	rc = ifd_check_msi_isolation(dev, group, flags);
	if (rc)
		goto out_group;
	/*
	 * The core says EPERM when another owner holds the group; report it
	 * as EBUSY, the group being busy (see README, divergences).
	 */
	rc = iommu_device_claim_dma_owner(dev, ctx);
	if (rc == -EPERM)
		rc = -EBUSY;
	if (rc)
		goto out_group;
	igroup = ifd_group_get(ctx, group);
	if (IS_ERR(igroup)) {
		rc = PTR_ERR(igroup);
		goto out_release;
	}
	idev = ifd_object_alloc(ctx, idev, &ifd_device_ops);
	if (IS_ERR(idev)) {
		rc = PTR_ERR(idev);
		ifd_group_put(igroup);
		goto out_release;
	}
	idev->ctx = ctx;
	idev->igroup = igroup;
	idev->dev = dev;
	spin_lock_init(&idev->vdev_lock);
	idev->file = ctx->file && !(flags & IOMMUFD2_BIND_OWNED) ?
		     get_file(ctx->file) : NULL;
	/* The binding driver's reference: IOMMU_DESTROY says EBUSY. */
	ifd_object_hold_more(&idev->obj);
	*id = idev->obj.id;
	ifd_object_finalize(ctx, &idev->obj);
	ifd_nl_device_event(ctx, *id, dev_name(dev), IOMMUFD2_EVENT_BOUND);
	iommu_group_put(group);
	return idev;

out_release:
	iommu_device_release_dma_owner(dev);
out_group:
	iommu_group_put(group);
	return ERR_PTR(rc);
}

/**
 * iommufd2_device_bind() - bind a device to a context
 * @ctx: the context (from iommufd2_ctx_from_file())
 * @dev: the device; its driver must be bound with driver_managed_dma
 * @id: receives the device's ID in the context
 *
 * Claims DMA ownership of the device for @ctx: its group is blocked from
 * DMA until something is attached.  The context's file stays open until
 * iommufd2_device_unbind().
 *
 * Return: the bound device or an ERR_PTR: -ENODEV (no IOMMU), -EINVAL (the
 * IOMMU cannot keep DMA cache coherent), -EPERM (the group cannot isolate
 * MSIs and the allow_unsafe_interrupts parameter is off), -EBUSY (another
 * owner holds the group), -ENOMEM.
 */
struct ifd_device *iommufd2_device_bind(struct ifd_ctx *ctx,
					struct device *dev, u32 *id)
{
	return ifd_device_bind(ctx, dev, id, 0);
}
EXPORT_SYMBOL_NS_GPL(iommufd2_device_bind, "IOMMUFD2");

/**
 * iommufd2_device_bind_flags() - bind a device, with IOMMUFD2_BIND_* flags
 * @ctx: the context
 * @dev: the device
 * @id: receives the device's ID
 * @flags: IOMMUFD2_BIND_OWNED for a binding owned by a driver object of
 *	@ctx (destroyed with the context, which unbinds), which must not keep
 *	the context's file open or the context could never close;
 *	IOMMUFD2_BIND_SOFTWARE_DMA for a device whose DMA only kernel code
 *	issues (it cannot forge an MSI write), exempt from the MSI isolation
 *	check
 *
 * As iommufd2_device_bind() otherwise.
 *
 * Return: as iommufd2_device_bind(), or -EINVAL for unknown @flags.
 */
struct ifd_device *iommufd2_device_bind_flags(struct ifd_ctx *ctx,
					      struct device *dev, u32 *id,
					      u32 flags)
{
	if (flags & ~(IOMMUFD2_BIND_OWNED | IOMMUFD2_BIND_SOFTWARE_DMA))
		return ERR_PTR(-EINVAL);
	return ifd_device_bind(ctx, dev, id, flags);
}
EXPORT_SYMBOL_NS_GPL(iommufd2_device_bind_flags, "IOMMUFD2");

/**
 * iommufd2_device_get() - look up a bound device for an operation
 * @ctx: the context
 * @id: the device's ID
 *
 * Return: the device with a short-term reference (drop it with
 * iommufd2_device_put()), or ERR_PTR(-ENOENT).
 */
struct ifd_device *iommufd2_device_get(struct ifd_ctx *ctx, u32 id)
{
	return ifd_device_get(ctx, id);
}
EXPORT_SYMBOL_NS_GPL(iommufd2_device_get, "IOMMUFD2");

/**
 * iommufd2_device_put() - drop the reference of iommufd2_device_get()
 * @idev: the device
 */
void iommufd2_device_put(struct ifd_device *idev)
{
	ifd_device_put(idev);
}
EXPORT_SYMBOL_NS_GPL(iommufd2_device_put, "IOMMUFD2");

/**
 * iommufd2_device_dev() - the struct device behind a bound device
 * @idev: the bound device
 *
 * Return: the device.
 */
struct device *iommufd2_device_dev(struct ifd_device *idev)
{
	return idev->dev;
}
EXPORT_SYMBOL_NS_GPL(iommufd2_device_dev, "IOMMUFD2");

/**
 * iommufd2_device_unbind() - undo iommufd2_device_bind()
 * @idev: the bound device; unusable afterwards
 *
 * Retires the device's vDevice (leaving a tombstone), detaches every PASID
 * and the RID, waits for ioctls using the device to end, releases DMA
 * ownership and frees the ID.  The context's file is let
 * go last, so a context whose file was already closed is freed here.
 */
void iommufd2_device_unbind(struct ifd_device *idev)
{
	struct file *file = idev->file;

	ifd_nl_device_event(idev->ctx, idev->obj.id, dev_name(idev->dev),
			    IOMMUFD2_EVENT_UNBOUND);
	/* The vDevice (and its backend's unbind) goes before anything. */
	ifd_device_retire_vdevice(idev);
	ifd_device_detach_all(idev);
	if (!ifd_object_reap(idev->ctx, &idev->obj))
		WARN(1, "bound device %u is still in use\n", idev->obj.id);
	if (file)
		fput(file);
}
EXPORT_SYMBOL_NS_GPL(iommufd2_device_unbind, "IOMMUFD2");

/**
 * iommufd2_device_id() - a bound device's ID in its context
 * @idev: the device
 *
 * Return: the ID.
 */
u32 iommufd2_device_id(struct ifd_device *idev)
{
	return idev->obj.id;
}
EXPORT_SYMBOL_NS_GPL(iommufd2_device_id, "IOMMUFD2");

#define IFD_HW_INFO_FLAGS	IOMMU_HW_INFO_FLAG_INPUT_TYPE

int ifd_cmd_get_hw_info(struct ifd_ucmd *ucmd)
{
	struct iommu_hw_info *cmd = ucmd->cmd;
	void __user *udata = u64_to_user_ptr(cmd->data_uptr);
	const struct iommu_ops *ops;
	struct ifd_device *idev;
	unsigned int len = 0, copy;
	void *data = NULL;
	u32 max_pasids;
	int rc = 0;

	if (cmd->flags & ~IFD_HW_INFO_FLAGS)
		return -EOPNOTSUPP;
	if (cmd->__reserved[0] || cmd->__reserved[1] || cmd->__reserved[2])
		return -EOPNOTSUPP;
	if (!(cmd->flags & IOMMU_HW_INFO_FLAG_INPUT_TYPE))
		cmd->in_data_type = IOMMU_HW_INFO_TYPE_DEFAULT;

	idev = ifd_device_get(ucmd->ctx, cmd->dev_id);
	if (IS_ERR(idev))
		return PTR_ERR(idev);

	ops = ifd_dev_iommu_ops(idev->dev);
	if (ops->hw_info) {
		data = ops->hw_info(idev->dev, &len, &cmd->out_data_type);
		if (IS_ERR(data)) {
			rc = PTR_ERR(data);
			data = NULL;
			goto out;
		}
	} else {
		cmd->out_data_type = IOMMU_HW_INFO_TYPE_NONE;
	}

	copy = min(cmd->data_len, len);
	if (copy_to_user(udata, data, copy) ||
	    clear_user(udata + copy, cmd->data_len - copy)) {
		rc = -EFAULT;
		goto out;
	}
	cmd->data_len = len;

	cmd->out_capabilities = 0;
	if (device_iommu_capable(idev->dev, IOMMU_CAP_DIRTY_TRACKING))
		cmd->out_capabilities |= IOMMU_HW_CAP_DIRTY_TRACKING;
	if (ifd_compat_ats_unsupported(idev->dev))
		cmd->out_capabilities |= IOMMU_HW_CAP_PCI_ATS_NOT_SUPPORTED;

	/* Reported only when the driver enabled PASIDs for the device. */
	max_pasids = idev->dev->iommu->max_pasids;
	cmd->out_max_pasid_log2 = max_pasids ? ilog2(max_pasids) : 0;
	if (max_pasids && dev_is_pci(idev->dev)) {
		int ctrl = pci_pasid_status(to_pci_dev(idev->dev));

		if (ctrl > 0 && (ctrl & PCI_PASID_CTRL_EXEC))
			cmd->out_capabilities |= IOMMU_HW_CAP_PCI_PASID_EXEC;
		if (ctrl > 0 && (ctrl & PCI_PASID_CTRL_PRIV))
			cmd->out_capabilities |= IOMMU_HW_CAP_PCI_PASID_PRIV;
	}
	rc = ifd_ucmd_respond(ucmd, sizeof(*cmd));
out:
	kfree(data);
	ifd_device_put(idev);
	return rc;
}
