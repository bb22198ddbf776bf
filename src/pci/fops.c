// SPDX-License-Identifier: GPL-2.0
/*
 * iommufd2_pci file operations: VFIO's device-cdev ioctls on top of the
 * iommufd2 in-kernel API, and BAR mmap.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/file.h>
#include <linux/fs.h>
#include <linux/iommu.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <uapi/linux/vfio.h>

#include "iommufd2/kapi.h"
#include "pci_cdev.h"

/* VFIO's region encoding in the file offset. */
#define IFD2_OFFSET_SHIFT	40
#define IFD2_INDEX_TO_OFFSET(i)	((u64)(i) << IFD2_OFFSET_SHIFT)

static int ifd2_pci_open(struct inode *inode, struct file *file)
{
	struct ifd2_pci *state = container_of(inode->i_cdev, struct ifd2_pci,
					      cdev);
	struct ifd2_pci_file *df;

	if (!refcount_inc_not_zero(&state->live))
		return -ENODEV;
	df = kzalloc_obj(*df, GFP_KERNEL_ACCOUNT);
	if (!df) {
		ifd2_pci_put_live(state);
		return -ENOMEM;
	}
	df->state = state;
	df->file = file;
	xa_init(&df->attached);
	mutex_lock(&state->lock);
	/* Other files may keep @live up after remove: check the device. */
	if (!state->pdev) {
		mutex_unlock(&state->lock);
		kfree(df);
		ifd2_pci_put_live(state);
		return -ENODEV;
	}
	list_add(&df->link, &state->files);
	mutex_unlock(&state->lock);
	get_device(&state->dev);
	file->private_data = df;
	return nonseekable_open(inode, file);
}

/*
 * Stop what the user may have left running: no DMA, a reset where the
 * function has one, and the config state the device had at bind.  With
 * @dev_locked the caller holds the device lock (remove); otherwise the
 * reset only happens if the lock is free, as a remove holding it is about
 * to end everything anyway.
 */
static void ifd2_pci_quiesce(struct ifd2_pci *state, bool dev_locked)
{
	struct pci_dev *pdev = state->pdev;
	int rc;

	pci_clear_master(pdev);
	if (dev_locked)
		rc = pci_reset_function_locked(pdev);
	else
		rc = pci_try_reset_function(pdev);
	if (rc)
		pci_dbg(pdev, "no reset on release: %d\n", rc);
	if (state->saved) {
		pci_load_and_free_saved_state(pdev, &state->saved);
		pci_restore_state(pdev);
	}
	pci_clear_master(pdev);
}

/**
 * ifd2_pci_file_unbind() - end a file's iommufd2 binding
 * @df: the file; the caller holds the device's lock
 * @dev_locked: the caller also holds the PCI device's lock
 *
 * The file's BAR mappings go first, then the device is quiesced, and only
 * then is DMA ownership given back (pci_cdev.h).
 */
void ifd2_pci_file_unbind(struct ifd2_pci_file *df, bool dev_locked)
{
	struct ifd2_pci *state = df->state;

	if (!df->idev)
		return;
	down_write(&state->memory_lock);
	unmap_mapping_range(df->file->f_mapping, 0, 0, true);
	state->owner = NULL;
	up_write(&state->memory_lock);
	ifd2_pci_quiesce(state, dev_locked);

	/* Unbind detaches what is still attached. */
	xa_destroy(&df->attached);
	iommufd2_device_unbind(df->idev);
	iommufd2_ctx_put(df->ctx);
	df->idev = NULL;
	df->ctx = NULL;
}

static int ifd2_pci_release(struct inode *inode, struct file *file)
{
	struct ifd2_pci_file *df = file->private_data;
	struct ifd2_pci *state = df->state;

	mutex_lock(&state->lock);
	ifd2_pci_file_unbind(df, false);
	list_del(&df->link);
	mutex_unlock(&state->lock);
	kfree(df);
	ifd2_pci_put_live(state);
	put_device(&state->dev);
	return 0;
}

/*
 * Copy in a VFIO argsz-style structure: at least @minsz bytes, flags
 * checked by the caller.
 */
static int ifd2_copy_arg(void *kbuf, void __user *uarg, size_t minsz)
{
	u32 argsz;

	if (copy_from_user(kbuf, uarg, minsz))
		return -EFAULT;
	if (get_user(argsz, (u32 __user *)uarg))
		return -EFAULT;
	return argsz < minsz ? -EINVAL : 0;
}

/*
 * The file is bound and the device is ours: remember its config state for
 * the quiesce, then let the device master the bus and the file map it.
 */
static void ifd2_pci_take(struct ifd2_pci_file *df)
{
	struct ifd2_pci *state = df->state;
	struct pci_dev *pdev = state->pdev;

	pci_save_state(pdev);
	state->saved = pci_store_saved_state(pdev);
	if (!state->saved)
		pci_warn(pdev, "no saved config state to restore on release\n");
	pci_set_master(pdev);
	down_write(&state->memory_lock);
	state->owner = df;
	up_write(&state->memory_lock);
}

static int ifd2_bind(struct ifd2_pci_file *df, void __user *uarg)
{
	struct vfio_device_bind_iommufd bind;
	size_t minsz = offsetofend(struct vfio_device_bind_iommufd, out_devid);
	struct ifd_device *idev;
	struct ifd_ctx *ctx;
	struct file *ifile;
	u32 devid;
	int rc;

	rc = ifd2_copy_arg(&bind, uarg, minsz);
	if (rc)
		return rc;
	if (bind.flags)
		return -EINVAL;
	if (df->idev)
		return -EINVAL;

	ifile = fget(bind.iommufd);
	if (!ifile)
		return -EBADF;
	ctx = iommufd2_ctx_from_file(ifile);
	fput(ifile);
	if (IS_ERR(ctx))
		return PTR_ERR(ctx);
	/* One binding per device, as upstream's cdev (pci_cdev.h). */
	if (df->state->owner) {
		iommufd2_ctx_put(ctx);
		return -EINVAL;
	}

	idev = iommufd2_device_bind(ctx, &df->state->pdev->dev, &devid);
	if (IS_ERR(idev)) {
		iommufd2_ctx_put(ctx);
		return PTR_ERR(idev);
	}
	if (copy_to_user(uarg + offsetof(struct vfio_device_bind_iommufd,
					 out_devid), &devid, sizeof(devid))) {
		iommufd2_device_unbind(idev);
		iommufd2_ctx_put(ctx);
		return -EFAULT;
	}
	df->ctx = ctx;
	df->idev = idev;
	ifd2_pci_take(df);
	return 0;
}

static int ifd2_attach(struct ifd2_pci_file *df, void __user *uarg)
{
	struct vfio_device_attach_iommufd_pt attach;
	size_t minsz = offsetofend(struct vfio_device_attach_iommufd_pt, pt_id);
	u32 pasid = IOMMU_NO_PASID;
	int rc;

	rc = ifd2_copy_arg(&attach, uarg, minsz);
	if (rc)
		return rc;
	if (attach.flags & ~VFIO_DEVICE_ATTACH_PASID)
		return -EINVAL;
	if (attach.flags & VFIO_DEVICE_ATTACH_PASID) {
		minsz = offsetofend(struct vfio_device_attach_iommufd_pt,
				    pasid);
		rc = ifd2_copy_arg(&attach, uarg, minsz);
		if (rc)
			return rc;
		pasid = attach.pasid;
	}
	if (!df->idev)
		return -EINVAL;

	/* Attaching what is attached replaces it, atomically. */
	if (xa_load(&df->attached, pasid)) {
		rc = iommufd2_device_replace(df->idev, pasid, &attach.pt_id);
	} else {
		rc = iommufd2_device_attach(df->idev, pasid, &attach.pt_id);
		if (!rc) {
			rc = xa_err(xa_store(&df->attached, pasid,
					     xa_mk_value(1), GFP_KERNEL));
			if (rc)
				iommufd2_device_detach(df->idev, pasid);
		}
	}
	if (rc)
		return rc;
	if (copy_to_user(uarg + offsetof(struct vfio_device_attach_iommufd_pt,
					 pt_id),
			 &attach.pt_id, sizeof(attach.pt_id)))
		return -EFAULT;
	return 0;
}

static int ifd2_detach(struct ifd2_pci_file *df, void __user *uarg)
{
	struct vfio_device_detach_iommufd_pt detach;
	size_t minsz = offsetofend(struct vfio_device_detach_iommufd_pt, flags);
	u32 pasid = IOMMU_NO_PASID;
	int rc;

	rc = ifd2_copy_arg(&detach, uarg, minsz);
	if (rc)
		return rc;
	if (detach.flags & ~VFIO_DEVICE_DETACH_PASID)
		return -EINVAL;
	if (detach.flags & VFIO_DEVICE_DETACH_PASID) {
		minsz = offsetofend(struct vfio_device_detach_iommufd_pt,
				    pasid);
		rc = ifd2_copy_arg(&detach, uarg, minsz);
		if (rc)
			return rc;
		pasid = detach.pasid;
	}
	if (!df->idev)
		return -EINVAL;
	if (xa_erase(&df->attached, pasid))
		iommufd2_device_detach(df->idev, pasid);
	return 0;
}

static int ifd2_get_info(struct ifd2_pci_file *df, void __user *uarg)
{
	struct vfio_device_info info;
	size_t minsz = offsetofend(struct vfio_device_info, num_irqs);
	int rc;

	rc = ifd2_copy_arg(&info, uarg, minsz);
	if (rc)
		return rc;
	info.flags = VFIO_DEVICE_FLAGS_PCI;
	info.num_regions = VFIO_PCI_NUM_REGIONS;
	info.num_irqs = 0;
	return copy_to_user(uarg, &info, minsz) ? -EFAULT : 0;
}

/*
 * A memory BAR that is page-aligned and at least a page long: a mapping
 * of a smaller one would expose whatever shares its page.
 */
static bool ifd2_bar_mappable(struct pci_dev *pdev, unsigned int bar)
{
	return pci_resource_len(pdev, bar) >= PAGE_SIZE &&
	       PAGE_ALIGNED(pci_resource_start(pdev, bar)) &&
	       (pci_resource_flags(pdev, bar) & IORESOURCE_MEM);
}

static int ifd2_region_info(struct ifd2_pci_file *df, void __user *uarg)
{
	struct pci_dev *pdev = df->state->pdev;
	struct vfio_region_info info;
	size_t minsz = offsetofend(struct vfio_region_info, offset);
	int rc;

	rc = ifd2_copy_arg(&info, uarg, minsz);
	if (rc)
		return rc;
	if (info.index >= VFIO_PCI_NUM_REGIONS)
		return -EINVAL;
	info.offset = IFD2_INDEX_TO_OFFSET(info.index);
	info.flags = 0;
	info.size = 0;
	info.cap_offset = 0;
	if (info.index <= VFIO_PCI_BAR5_REGION_INDEX &&
	    ifd2_bar_mappable(pdev, info.index)) {
		info.size = pci_resource_len(pdev, info.index);
		info.flags = VFIO_REGION_INFO_FLAG_READ |
			     VFIO_REGION_INFO_FLAG_WRITE |
			     VFIO_REGION_INFO_FLAG_MMAP;
	}
	return copy_to_user(uarg, &info, minsz) ? -EFAULT : 0;
}

static long ifd2_pci_ioctl(struct file *file, unsigned int cmd,
			   unsigned long arg)
{
	struct ifd2_pci_file *df = file->private_data;
	struct ifd2_pci *state = df->state;
	void __user *uarg = (void __user *)arg;
	long rc;

	mutex_lock(&state->lock);
	if (!state->pdev) {
		rc = -ENODEV;
		goto out;
	}
	/* Before the bind nothing but the bind reaches the device. */
	if (cmd != VFIO_DEVICE_BIND_IOMMUFD && !df->idev) {
		rc = -EINVAL;
		goto out;
	}
	switch (cmd) {
	case VFIO_DEVICE_BIND_IOMMUFD:
		rc = ifd2_bind(df, uarg);
		break;
	case VFIO_DEVICE_ATTACH_IOMMUFD_PT:
		rc = ifd2_attach(df, uarg);
		break;
	case VFIO_DEVICE_DETACH_IOMMUFD_PT:
		rc = ifd2_detach(df, uarg);
		break;
	case VFIO_DEVICE_GET_INFO:
		rc = ifd2_get_info(df, uarg);
		break;
	case VFIO_DEVICE_GET_REGION_INFO:
		rc = ifd2_region_info(df, uarg);
		break;
	default:
		rc = -ENOTTY;
	}
out:
	mutex_unlock(&state->lock);
	return rc;
}

static int ifd2_pci_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct ifd2_pci_file *df = file->private_data;
	struct ifd2_pci *state = df->state;
	u64 index = vma->vm_pgoff >> (IFD2_OFFSET_SHIFT - PAGE_SHIFT);
	u64 pgoff = vma->vm_pgoff &
		    ((1ULL << (IFD2_OFFSET_SHIFT - PAGE_SHIFT)) - 1);
	unsigned long len = vma->vm_end - vma->vm_start;
	struct pci_dev *pdev;
	resource_size_t bar_len;
	int rc = -EINVAL;

	down_read(&state->memory_lock);
	pdev = state->pdev;
	if (!pdev) {
		rc = -ENODEV;
		goto out;
	}
	if (state->owner != df)
		goto out;
	if (index > VFIO_PCI_BAR5_REGION_INDEX ||
	    !ifd2_bar_mappable(pdev, index) || !(vma->vm_flags & VM_SHARED))
		goto out;
	bar_len = PAGE_ALIGN(pci_resource_len(pdev, index));
	if (pgoff >= bar_len >> PAGE_SHIFT ||
	    len > bar_len - (pgoff << PAGE_SHIFT))
		goto out;

	vma->vm_page_prot = pgprot_noncached(vma->vm_page_prot);
	vm_flags_set(vma, VM_IO | VM_PFNMAP | VM_DONTEXPAND | VM_DONTDUMP);
	rc = io_remap_pfn_range(vma, vma->vm_start,
				(pci_resource_start(pdev, index) >>
				 PAGE_SHIFT) + pgoff,
				len, vma->vm_page_prot);
out:
	up_read(&state->memory_lock);
	return rc;
}

const struct file_operations ifd2_pci_fops = {
	.owner = THIS_MODULE,
	.open = ifd2_pci_open,
	.release = ifd2_pci_release,
	.unlocked_ioctl = ifd2_pci_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.mmap = ifd2_pci_mmap,
};
