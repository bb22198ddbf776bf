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
#include <linux/unaligned.h>
#include <uapi/linux/vfio.h>

#include "iommufd2/compat.h"
#include "iommufd2/kapi.h"
#include "pci_cdev.h"

/* VFIO's region encoding in the file offset. */
#define IFD2_OFFSET_SHIFT	40
#define IFD2_INDEX_TO_OFFSET(i)	((u64)(i) << IFD2_OFFSET_SHIFT)
#define IFD2_OFFSET_MASK	(IFD2_INDEX_TO_OFFSET(1) - 1)

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
	/* Regions are read and written at VFIO's offsets (pread/pwrite). */
	return 0;
}

/*
 * Stop what the user may have left running: no interrupts, no DMA, a
 * reset where the function has one, and the config state the device had
 * at bind.  With
 * @dev_locked the caller holds the device lock (remove); otherwise the
 * reset only happens if the lock is free, as a remove holding it is about
 * to end everything anyway.
 */
static void ifd2_pci_quiesce(struct ifd2_pci *state, bool dev_locked)
{
	struct pci_dev *pdev = state->pdev;
	int rc;

	ifd2_irq_teardown(state);
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
	ifd2_sriov_release(state);
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
 * the quiesce, give the user a fresh virtual config space (bus mastering
 * is the user's to turn on through it, as with vfio-pci), then let the
 * file map the device.
 */
static int ifd2_pci_take(struct ifd2_pci_file *df)
{
	struct ifd2_pci *state = df->state;
	struct pci_dev *pdev = state->pdev;
	int rc;

	pci_clear_master(pdev);
	rc = ifd2_cfg_load(state);
	if (rc)
		return rc;
	pci_save_state(pdev);
	state->saved = pci_store_saved_state(pdev);
	if (!state->saved)
		pci_warn(pdev, "no saved config state to restore on release\n");
	down_write(&state->memory_lock);
	state->owner = df;
	up_write(&state->memory_lock);
	return 0;
}

/* Undo ifd2_pci_take() for a bind that fails after it. */
static void ifd2_pci_untake(struct ifd2_pci *state)
{
	down_write(&state->memory_lock);
	state->owner = NULL;
	up_write(&state->memory_lock);
	kfree(state->saved);
	state->saved = NULL;
}

/*
 * The VF token a bind carries (sriov.c), copied into @uuid; *@token is
 * @uuid, or NULL for none.
 */
static int ifd2_bind_token(const struct ifd_vfio_bind *bind, uuid_t *uuid,
			   const uuid_t **token)
{
	*token = NULL;
	if (!(bind->flags & IFD_VFIO_BIND_TOKEN))
		return 0;
	if (copy_from_user(uuid, u64_to_user_ptr(bind->token_uuid_ptr),
			   sizeof(*uuid)))
		return -EFAULT;
	*token = uuid;
	return 0;
}

static int ifd2_bind(struct ifd2_pci_file *df, void __user *uarg)
{
	struct ifd_vfio_bind bind;
	size_t minsz = offsetofend(struct ifd_vfio_bind, out_devid);
	struct ifd_device *idev;
	const uuid_t *token;
	struct ifd_ctx *ctx;
	struct file *ifile;
	uuid_t uuid;
	u32 devid;
	int rc;

	rc = ifd2_copy_arg(&bind, uarg, minsz);
	if (rc)
		return rc;
	if (bind.flags & ~IFD_VFIO_BIND_TOKEN)
		return -EINVAL;
	if (bind.flags & IFD_VFIO_BIND_TOKEN) {
		rc = ifd2_copy_arg(&bind, uarg, sizeof(bind));
		if (rc)
			return rc;
	}
	if (bind.iommufd < 0 || df->idev)
		return -EINVAL;
	/* The checks in upstream's order: token, context, other owner. */
	rc = ifd2_bind_token(&bind, &uuid, &token);
	if (rc)
		return rc;
	rc = ifd2_sriov_claim(df->state, token);
	if (rc)
		return rc;

	ifile = fget(bind.iommufd);
	if (!ifile) {
		rc = -EBADF;
		goto out_release;
	}
	ctx = iommufd2_ctx_from_file(ifile);
	fput(ifile);
	if (IS_ERR(ctx)) {
		rc = PTR_ERR(ctx);
		goto out_release;
	}
	/* One binding per device, as upstream's cdev (pci_cdev.h). */
	if (df->state->owner) {
		rc = -EINVAL;
		goto out_ctx;
	}

	idev = iommufd2_device_bind(ctx, &df->state->pdev->dev, &devid);
	if (IS_ERR(idev)) {
		rc = PTR_ERR(idev);
		goto out_ctx;
	}
	/* Set before the file is the owner: others read them through it. */
	df->ctx = ctx;
	df->idev = idev;
	rc = ifd2_pci_take(df);
	if (!rc && copy_to_user(uarg +
				offsetof(struct vfio_device_bind_iommufd,
					 out_devid), &devid, sizeof(devid)))
		rc = -EFAULT;
	if (!rc)
		rc = ifd2_sriov_commit(df->state, token);
	if (rc) {
		ifd2_pci_untake(df->state);
		df->ctx = NULL;
		df->idev = NULL;
		iommufd2_device_unbind(idev);
		goto out_ctx;
	}
	return 0;

out_ctx:
	iommufd2_ctx_put(ctx);
out_release:
	ifd2_sriov_release(df->state);
	return rc;
}

static int ifd2_attach(struct ifd2_pci_file *df, void __user *uarg)
{
	struct ifd_vfio_attach_pt attach;
	size_t minsz = offsetofend(struct ifd_vfio_attach_pt, pt_id);
	u32 pasid = IOMMU_NO_PASID;
	int rc;

	rc = ifd2_copy_arg(&attach, uarg, minsz);
	if (rc)
		return rc;
	if (attach.flags & ~IFD_VFIO_ATTACH_PASID)
		return -EINVAL;
	if (attach.flags & IFD_VFIO_ATTACH_PASID) {
		minsz = offsetofend(struct ifd_vfio_attach_pt,
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
	if (copy_to_user(uarg + offsetof(struct ifd_vfio_attach_pt,
					 pt_id),
			 &attach.pt_id, sizeof(attach.pt_id)))
		return -EFAULT;
	return 0;
}

static int ifd2_detach(struct ifd2_pci_file *df, void __user *uarg)
{
	struct ifd_vfio_detach_pt detach;
	size_t minsz = offsetofend(struct ifd_vfio_detach_pt, flags);
	u32 pasid = IOMMU_NO_PASID;
	int rc;

	rc = ifd2_copy_arg(&detach, uarg, minsz);
	if (rc)
		return rc;
	if (detach.flags & ~IFD_VFIO_DETACH_PASID)
		return -EINVAL;
	if (detach.flags & IFD_VFIO_DETACH_PASID) {
		minsz = offsetofend(struct ifd_vfio_detach_pt,
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

static bool ifd2_reset_works(struct pci_dev *pdev)
{
	return pdev->reset_methods[0] != 0;
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
	if (ifd2_reset_works(df->state->pdev))
		info.flags |= VFIO_DEVICE_FLAGS_RESET;
	info.num_regions = VFIO_PCI_NUM_REGIONS;
	info.num_irqs = VFIO_PCI_NUM_IRQS;
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

/* The size of the ROM region: 0 unless the device has a ROM that maps. */
static size_t ifd2_rom_size(struct pci_dev *pdev)
{
	void __iomem *rom;
	size_t size = 0;

	if (!pci_resource_start(pdev, PCI_ROM_RESOURCE))
		return 0;
	rom = pci_map_rom(pdev, &size);
	if (!rom)
		return 0;
	pci_unmap_rom(pdev, rom);
	return size;
}

static int ifd2_region_info(struct ifd2_pci_file *df, void __user *uarg)
{
	struct ifd2_pci *state = df->state;
	struct pci_dev *pdev = state->pdev;
	struct vfio_info_cap_header msix = {
		.id = VFIO_REGION_INFO_CAP_MSIX_MAPPABLE,
		.version = 1,
	};
	struct vfio_region_info info;
	size_t minsz = offsetofend(struct vfio_region_info, offset);
	bool cap = false;
	int rc;

	rc = ifd2_copy_arg(&info, uarg, minsz);
	if (rc)
		return rc;
	info.offset = IFD2_INDEX_TO_OFFSET(info.index);
	info.flags = 0;
	info.size = 0;
	info.cap_offset = 0;
	switch (info.index) {
	case VFIO_PCI_BAR0_REGION_INDEX ... VFIO_PCI_BAR5_REGION_INDEX:
		info.size = pci_resource_len(pdev, info.index);
		if (!info.size)
			break;
		info.flags = VFIO_REGION_INFO_FLAG_READ |
			     VFIO_REGION_INFO_FLAG_WRITE;
		if (ifd2_bar_mappable(pdev, info.index)) {
			info.flags |= VFIO_REGION_INFO_FLAG_MMAP;
			/* The whole BAR maps, MSI-X table included. */
			cap = state->msix_count && info.index == state->msix_bar;
		}
		break;
	case VFIO_PCI_ROM_REGION_INDEX:
		info.size = ifd2_rom_size(pdev);
		if (info.size)
			info.flags = VFIO_REGION_INFO_FLAG_READ;
		break;
	case VFIO_PCI_CONFIG_REGION_INDEX:
		info.size = state->cfg.size;
		info.flags = VFIO_REGION_INFO_FLAG_READ |
			     VFIO_REGION_INFO_FLAG_WRITE;
		break;
	default:
		/* No VGA region: as vfio-pci for a device without VGA. */
		return -EINVAL;
	}
	if (cap) {
		info.flags |= VFIO_REGION_INFO_FLAG_CAPS;
		if (info.argsz < sizeof(info) + sizeof(msix)) {
			/* Tell the user how much room the capability needs. */
			info.argsz = sizeof(info) + sizeof(msix);
		} else {
			if (copy_to_user(uarg + sizeof(info), &msix,
					 sizeof(msix)))
				return -EFAULT;
			info.cap_offset = sizeof(info);
		}
	}
	return copy_to_user(uarg, &info, minsz) ? -EFAULT : 0;
}

static int ifd2_reset(struct ifd2_pci_file *df)
{
	struct ifd2_pci *state = df->state;
	int rc;

	if (!ifd2_reset_works(state->pdev))
		return -EINVAL;
	/* No BAR access through a mapping while the function resets. */
	down_write(&state->memory_lock);
	ifd2_bar_zap(state);
	rc = pci_try_reset_function(state->pdev);
	up_write(&state->memory_lock);
	return rc;
}

/*
 * VFIO_DEVICE_FEATURE: the argument is checked as the VFIO core checks it;
 * the VF token of a PF is served (sriov.c), nothing else (no migration,
 * dirty logging, low-power entry or dma-buf export), which the core and
 * vfio-pci answer for an unknown or unsupported feature with ENOTTY.
 */
static int ifd2_feature(struct ifd2_pci_file *df, void __user *uarg)
{
	struct vfio_device_feature feature;
	size_t minsz = offsetofend(struct vfio_device_feature, flags);

	if (copy_from_user(&feature, uarg, minsz))
		return -EFAULT;
	if (feature.argsz < minsz)
		return -EINVAL;
	if (feature.flags & ~(VFIO_DEVICE_FEATURE_MASK |
			      VFIO_DEVICE_FEATURE_SET |
			      VFIO_DEVICE_FEATURE_GET |
			      VFIO_DEVICE_FEATURE_PROBE))
		return -EINVAL;
	if (!(feature.flags & VFIO_DEVICE_FEATURE_PROBE) &&
	    (feature.flags & VFIO_DEVICE_FEATURE_SET) &&
	    (feature.flags & VFIO_DEVICE_FEATURE_GET))
		return -EINVAL;
	if ((feature.flags & VFIO_DEVICE_FEATURE_MASK) ==
	    VFIO_DEVICE_FEATURE_PCI_VF_TOKEN)
		return ifd2_sriov_set_token(df->state, feature.flags,
					    uarg + minsz,
					    feature.argsz - minsz);
	return -ENOTTY;
}

/* The kernel's mapping of BAR @bar, made on first use. */
static void __iomem *ifd2_bar_io(struct ifd2_pci *state, unsigned int bar)
{
	if (!state->bar_io[bar])
		state->bar_io[bar] = pci_iomap(state->pdev, bar, 0);
	return state->bar_io[bar];
}

/* One naturally aligned access of @len bytes at @io. */
static void ifd2_io_rw(void __iomem *io, u8 *buf, unsigned int len,
		       bool write)
{
	switch (len) {
	case 4:
		if (write)
			iowrite32(get_unaligned_le32(buf), io);
		else
			put_unaligned_le32(ioread32(io), buf);
		break;
	case 2:
		if (write)
			iowrite16(get_unaligned_le16(buf), io);
		else
			put_unaligned_le16(ioread16(io), buf);
		break;
	default:
		if (write)
			iowrite8(*buf, io);
		else
			*buf = ioread8(io);
		break;
	}
}

/*
 * Read or write a BAR (or read the ROM).  The MSI-X table is the
 * kernel's: reads of it see all ones and writes are dropped, as with
 * vfio-pci.  A memory BAR needs memory decode on (EIO otherwise).
 */
static ssize_t ifd2_bar_rw(struct ifd2_pci *state, unsigned int index,
			   char __user *ubuf, size_t count, u64 pos,
			   bool write)
{
	struct pci_dev *pdev = state->pdev;
	bool rom = index == VFIO_PCI_ROM_REGION_INDEX;
	u64 end, x_start = 0, x_end = 0;
	size_t rom_size = 0, done = 0;
	void __iomem *io;
	unsigned int len;
	ssize_t rc = 0;
	u8 buf[4];

	if (rom) {
		if (write)
			return -EINVAL;
		io = pci_map_rom(pdev, &rom_size);
		if (!io)
			return -EINVAL;
		end = rom_size;
	} else {
		end = pci_resource_len(pdev, index);
		if (!end)
			return -EINVAL;
		if ((pci_resource_flags(pdev, index) & IORESOURCE_MEM) &&
		    !(ifd2_cfg_command(state) & PCI_COMMAND_MEMORY))
			return -EIO;
		io = ifd2_bar_io(state, index);
		if (!io)
			return -ENOMEM;
		if (state->msix_count && index == state->msix_bar) {
			x_start = state->msix_offset;
			x_end = x_start +
				state->msix_count * PCI_MSIX_ENTRY_SIZE;
		}
	}
	if (pos >= end) {
		rc = -EINVAL;
		goto out;
	}
	count = min_t(u64, count, end - pos);
	while (done < count) {
		len = ifd2_access_width(pos, count - done);
		if (write && copy_from_user(buf, ubuf + done, len)) {
			rc = -EFAULT;
			goto out;
		}
		if (pos + len > x_start && pos < x_end)
			memset(buf, 0xff, len);
		else
			ifd2_io_rw(io + pos, buf, len, write);
		if (!write && copy_to_user(ubuf + done, buf, len)) {
			rc = -EFAULT;
			goto out;
		}
		done += len;
		pos += len;
	}
	rc = done;
out:
	if (rom)
		pci_unmap_rom(pdev, io);
	return rc;
}

static ssize_t ifd2_pci_rw(struct file *file, char __user *ubuf,
			   size_t count, loff_t *ppos, bool write)
{
	struct ifd2_pci_file *df = file->private_data;
	struct ifd2_pci *state = df->state;
	u64 index = (u64)*ppos >> IFD2_OFFSET_SHIFT;
	u64 pos = *ppos & IFD2_OFFSET_MASK;
	ssize_t rc;

	if (*ppos < 0)
		return -EINVAL;
	mutex_lock(&state->lock);
	if (!state->pdev)
		rc = -ENODEV;
	else if (!df->idev)
		rc = -EINVAL;
	else if (index <= VFIO_PCI_ROM_REGION_INDEX)
		rc = ifd2_bar_rw(state, index, ubuf, count, pos, write);
	else if (index == VFIO_PCI_CONFIG_REGION_INDEX)
		rc = ifd2_cfg_rw(state, ubuf, count, pos, write);
	else
		rc = -EINVAL;
	mutex_unlock(&state->lock);
	if (rc > 0)
		*ppos += rc;
	return rc;
}

static ssize_t ifd2_pci_read(struct file *file, char __user *ubuf,
			     size_t count, loff_t *ppos)
{
	return ifd2_pci_rw(file, ubuf, count, ppos, false);
}

static ssize_t ifd2_pci_write(struct file *file, const char __user *ubuf,
			      size_t count, loff_t *ppos)
{
	return ifd2_pci_rw(file, (char __user *)ubuf, count, ppos, true);
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
	case VFIO_DEVICE_RESET:
		rc = ifd2_reset(df);
		break;
	case VFIO_DEVICE_GET_IRQ_INFO:
		rc = ifd2_irq_info(state, uarg);
		break;
	case VFIO_DEVICE_SET_IRQS:
		rc = ifd2_set_irqs(state, uarg);
		break;
	case VFIO_DEVICE_GET_PCI_HOT_RESET_INFO:
		rc = ifd2_hot_reset_info(df, uarg);
		break;
	case VFIO_DEVICE_PCI_HOT_RESET:
		rc = ifd2_hot_reset(df, uarg);
		break;
	case VFIO_DEVICE_FEATURE:
		rc = ifd2_feature(df, uarg);
		break;
	default:
		rc = -ENOTTY;
	}
out:
	mutex_unlock(&state->lock);
	return rc;
}

/**
 * ifd2_bar_zap() - take every BAR mapping of the device away
 * @state: the device; the caller holds its @memory_lock for writing
 *
 * Later accesses fault, and ifd2_bar_fault() maps the pages again only
 * while the bound file is the mapping's and memory decode is on.
 */
void ifd2_bar_zap(struct ifd2_pci *state)
{
	lockdep_assert_held_write(&state->memory_lock);
	if (state->owner)
		unmap_mapping_range(state->owner->file->f_mapping, 0, 0, true);
}

/* The BAR page under @addr of @vma, a mapping ifd2_pci_mmap() checked. */
static unsigned long ifd2_bar_pfn(struct pci_dev *pdev,
				  struct vm_area_struct *vma,
				  unsigned long addr)
{
	u64 index = vma->vm_pgoff >> (IFD2_OFFSET_SHIFT - PAGE_SHIFT);
	u64 pgoff = vma->vm_pgoff &
		    ((1ULL << (IFD2_OFFSET_SHIFT - PAGE_SHIFT)) - 1);

	return (pci_resource_start(pdev, index) >> PAGE_SHIFT) + pgoff +
	       ((addr - vma->vm_start) >> PAGE_SHIFT);
}

/*
 * A BAR page is mapped at first touch, while the file that mapped it is
 * bound and the device decodes memory; otherwise the access gets SIGBUS,
 * as with vfio-pci.  @memory_lock orders this against the zaps.
 */
static vm_fault_t ifd2_bar_fault(struct vm_fault *vmf)
{
	struct vm_area_struct *vma = vmf->vma;
	struct ifd2_pci_file *df = vma->vm_private_data;
	struct ifd2_pci *state = df->state;
	vm_fault_t ret = VM_FAULT_SIGBUS;
	u16 cmd;

	down_read(&state->memory_lock);
	if (state->pdev && state->owner == df &&
	    !pci_read_config_word(state->pdev, PCI_COMMAND, &cmd) &&
	    (cmd & PCI_COMMAND_MEMORY))
		ret = vmf_insert_pfn(vma, vmf->address,
				     ifd2_bar_pfn(state->pdev, vma,
						  vmf->address));
	up_read(&state->memory_lock);
	return ret;
}

static const struct vm_operations_struct ifd2_bar_vm_ops = {
	.fault = ifd2_bar_fault,
};

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
	vma->vm_private_data = df;
	vma->vm_ops = &ifd2_bar_vm_ops;
	rc = 0;
out:
	up_read(&state->memory_lock);
	return rc;
}

const struct file_operations ifd2_pci_fops = {
	.owner = THIS_MODULE,
	.open = ifd2_pci_open,
	.release = ifd2_pci_release,
	.read = ifd2_pci_read,
	.write = ifd2_pci_write,
	.unlocked_ioctl = ifd2_pci_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.mmap = ifd2_pci_mmap,
};
