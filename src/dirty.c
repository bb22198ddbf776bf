// SPDX-License-Identifier: GPL-2.0
/*
 * Dirty tracking of paging HWPTs: IOMMU_HWPT_SET_DIRTY_TRACKING and
 * IOMMU_HWPT_GET_DIRTY_BITMAP.
 *
 * The IOMMU core hands drivers a struct iommu_dirty_bitmap whose bitmap
 * (struct iova_bitmap) belongs to iommufd; kernels without CONFIG_IOMMUFD
 * reduce iova_bitmap_set() to a no-op, so a driver's dirty bits would be
 * cleared and lost.  iommufd2 therefore offers dirty tracking only for
 * domains whose dirty_ops were registered with iommufd2_dirty_ops_register()
 * by a driver that records through iommufd2_dirty_record(); the bitmap
 * those drivers see is iommufd2's own, struct ifd_dirty_window.
 *
 * The user bitmap is processed in windows of IFD_DIRTY_WINDOW_BITS bits:
 * each window is read, the driver ORs its dirty bits in, and it is written
 * back, under the IOAS's map lock so the mappings cannot change meanwhile.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bitmap.h>
#include <linux/iommu.h>
#include <linux/log2.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "iommufd2/ctx.h"
#include "iommufd2/hwpt.h"
#include "iommufd2/ioas.h"
#include "iommufd2/kapi.h"
#include "iommufd2/ucmd.h"

#define IFD_DIRTY_WINDOW_BITS	(PAGE_SIZE * BITS_PER_BYTE)

/**
 * struct ifd_dirty_window - the part of a user bitmap being filled
 * @iova: the IOVA of bit 0
 * @pgshift: log2 of the bytes one bit stands for
 * @nbits: bits in the window
 * @bits: the window
 */
struct ifd_dirty_window {
	unsigned long iova;
	unsigned int pgshift;
	unsigned long nbits;
	unsigned long *bits;
};

static DEFINE_MUTEX(ifd_dirty_ops_lock);
static const struct iommu_dirty_ops *ifd_dirty_ops[4];

/**
 * iommufd2_dirty_ops_register() - declare dirty ops that record through
 * iommufd2_dirty_record()
 * @ops: the driver's dirty ops
 *
 * Return: 0 or -ENOSPC.
 */
int iommufd2_dirty_ops_register(const struct iommu_dirty_ops *ops)
{
	unsigned int i;
	int rc = -ENOSPC;

	mutex_lock(&ifd_dirty_ops_lock);
	for (i = 0; i < ARRAY_SIZE(ifd_dirty_ops); i++) {
		if (!ifd_dirty_ops[i]) {
			ifd_dirty_ops[i] = ops;
			rc = 0;
			break;
		}
	}
	mutex_unlock(&ifd_dirty_ops_lock);
	return rc;
}
EXPORT_SYMBOL_NS_GPL(iommufd2_dirty_ops_register, "IOMMUFD2");

/**
 * iommufd2_dirty_ops_unregister() - undo iommufd2_dirty_ops_register()
 * @ops: the driver's dirty ops; no domain using them may be left
 */
void iommufd2_dirty_ops_unregister(const struct iommu_dirty_ops *ops)
{
	unsigned int i;

	mutex_lock(&ifd_dirty_ops_lock);
	for (i = 0; i < ARRAY_SIZE(ifd_dirty_ops); i++)
		if (ifd_dirty_ops[i] == ops)
			ifd_dirty_ops[i] = NULL;
	mutex_unlock(&ifd_dirty_ops_lock);
}
EXPORT_SYMBOL_NS_GPL(iommufd2_dirty_ops_unregister, "IOMMUFD2");

/**
 * ifd_dirty_ops_supported() - whether iommufd2 can read a domain's dirty
 * bits
 * @domain: the domain
 *
 * Return: true if its dirty ops are registered.
 */
bool ifd_dirty_ops_supported(struct iommu_domain *domain)
{
	bool found = false;
	unsigned int i;

	if (!domain->dirty_ops)
		return false;
	mutex_lock(&ifd_dirty_ops_lock);
	for (i = 0; i < ARRAY_SIZE(ifd_dirty_ops); i++)
		found |= ifd_dirty_ops[i] == domain->dirty_ops;
	mutex_unlock(&ifd_dirty_ops_lock);
	return found;
}

/**
 * iommufd2_dirty_record() - report a dirty IOVA range
 * @dirty: what the driver's read_and_clear_dirty() was given
 * @iova: start of the dirty range
 * @length: its bytes
 *
 * Called by a driver's read_and_clear_dirty(); the part of the range
 * outside the window being read is ignored.
 */
void iommufd2_dirty_record(struct iommu_dirty_bitmap *dirty,
			   unsigned long iova, size_t length)
{
	struct ifd_dirty_window *win = (struct ifd_dirty_window *)dirty->bitmap;
	unsigned long win_last, first, last;

	if (!win || !length)
		return;
	win_last = win->iova + (win->nbits << win->pgshift) - 1;
	first = max(iova, win->iova);
	last = min(iova + length - 1, win_last);
	if (first > last)
		return;
	first = (first - win->iova) >> win->pgshift;
	last = (last - win->iova) >> win->pgshift;
	bitmap_set(win->bits, first, last - first + 1);
}
EXPORT_SYMBOL_NS_GPL(iommufd2_dirty_record, "IOMMUFD2");

/*
 * Read (and clear unless @flags say not to) the dirty bits of [@iova,
 * @iova + @length) into @win; a NULL @win only clears them.
 */
static int ifd_dirty_read(struct iommu_domain *domain, unsigned long iova,
			  size_t length, struct ifd_dirty_window *win,
			  unsigned long flags)
{
	struct iommu_iotlb_gather gather;
	struct iommu_dirty_bitmap dirty = {
		.bitmap = (struct iova_bitmap *)win,
		.gather = &gather,
	};
	int rc;

	iommu_iotlb_gather_init(&gather);
	rc = domain->dirty_ops->read_and_clear_dirty(domain, iova, length,
						     flags, &dirty);
	iommu_iotlb_sync(domain, &gather);
	return rc;
}

/* A paging HWPT (a nested one is ENOENT, as upstream's lookup). */
static struct ifd_hwpt *ifd_dirty_paging_get(struct ifd_ctx *ctx, u32 id)
{
	struct ifd_object *obj = ifd_object_get(ctx, id, IFD_OBJ_HWPT_PAGING);

	if (IS_ERR(obj))
		return ERR_CAST(obj);
	return container_of(obj, struct ifd_hwpt, obj);
}

static struct ifd_hwpt *ifd_dirty_hwpt_get(struct ifd_ctx *ctx, u32 id)
{
	struct ifd_hwpt *hwpt = ifd_dirty_paging_get(ctx, id);

	if (IS_ERR(hwpt))
		return hwpt;
	if (!ifd_dirty_ops_supported(hwpt->domain)) {
		iommufd2_hwpt_put(hwpt);
		return ERR_PTR(-EOPNOTSUPP);
	}
	return hwpt;
}

int ifd_cmd_hwpt_set_dirty_tracking(struct ifd_ucmd *ucmd)
{
	struct iommu_hwpt_set_dirty_tracking *cmd = ucmd->cmd;
	bool enable = cmd->flags & IOMMU_HWPT_DIRTY_TRACKING_ENABLE;
	struct ifd_iova_map *map;
	struct ifd_hwpt *hwpt;
	int rc;

	if (cmd->flags & ~IOMMU_HWPT_DIRTY_TRACKING_ENABLE || cmd->__reserved)
		return -EOPNOTSUPP;
	hwpt = ifd_dirty_hwpt_get(ucmd->ctx, cmd->hwpt_id);
	if (IS_ERR(hwpt))
		return PTR_ERR(hwpt);
	map = &hwpt->ioas->map;
	down_read(&map->lock);
	/* Bits left from an earlier period must not show in the next one. */
	rc = enable ? ifd_dirty_read(hwpt->domain, 0, ULONG_MAX, NULL, 0) : 0;
	if (!rc)
		rc = hwpt->domain->dirty_ops->set_dirty_tracking(hwpt->domain,
								 enable);
	up_read(&map->lock);
	iommufd2_hwpt_put(hwpt);
	return rc;
}

/* Upstream's rules for the range and its granularity, in its order. */
static int ifd_dirty_check_range(struct iommu_hwpt_get_dirty_bitmap *cmd,
				 unsigned long align, unsigned long *last)
{
	u64 last64;

	if (!cmd->length)
		return -EINVAL;
	if (check_add_overflow(cmd->iova, cmd->length - 1, &last64))
		return -EOVERFLOW;
	if (cmd->iova > ULONG_MAX || last64 > ULONG_MAX)
		return -EOVERFLOW;
	if ((cmd->iova | (last64 + 1)) & (align - 1))
		return -EINVAL;
	if (!cmd->page_size ||
	    ((cmd->iova | (last64 + 1)) & (cmd->page_size - 1)))
		return -EINVAL;
	*last = last64;
	return 0;
}

int ifd_cmd_hwpt_get_dirty_bitmap(struct ifd_ucmd *ucmd)
{
	struct iommu_hwpt_get_dirty_bitmap *cmd = ucmd->cmd;
	u8 __user *ubits = u64_to_user_ptr(cmd->data);
	struct ifd_dirty_window win = {};
	unsigned long last, nbits, done, flags = 0;
	struct ifd_iova_map *map;
	struct ifd_hwpt *hwpt;
	int rc;

	if (cmd->flags & ~IOMMU_HWPT_GET_DIRTY_BITMAP_NO_CLEAR ||
	    cmd->__reserved)
		return -EOPNOTSUPP;
	if (cmd->flags & IOMMU_HWPT_GET_DIRTY_BITMAP_NO_CLEAR)
		flags |= IOMMU_DIRTY_NO_CLEAR;
	hwpt = ifd_dirty_paging_get(ucmd->ctx, cmd->hwpt_id);
	if (IS_ERR(hwpt))
		return PTR_ERR(hwpt);
	map = &hwpt->ioas->map;
	win.bits = kmalloc(IFD_DIRTY_WINDOW_BITS / BITS_PER_BYTE, GFP_KERNEL);
	if (!win.bits) {
		rc = -ENOMEM;
		goto out_put;
	}

	down_read(&map->lock);
	/* The range first, then the domain's support, as upstream. */
	rc = ifd_dirty_check_range(cmd, map->iova_alignment, &last);
	if (!rc && !ifd_dirty_ops_supported(hwpt->domain))
		rc = -EOPNOTSUPP;
	/* Granules the bitmap arithmetic serves. */
	if (!rc && (!is_power_of_2(cmd->page_size) ||
		    cmd->page_size > SZ_1G))
		rc = -EINVAL;
	if (rc)
		goto out_unlock;
	if (!ifd_iova_map_covered_locked(map, cmd->iova, last)) {
		rc = -EINVAL;
		goto out_unlock;
	}
	win.pgshift = ilog2(cmd->page_size);
	nbits = ((last - cmd->iova) >> win.pgshift) + 1;
	for (done = 0; done < nbits && !rc; done += win.nbits) {
		size_t bytes;

		win.nbits = min_t(unsigned long, nbits - done,
				  IFD_DIRTY_WINDOW_BITS);
		win.iova = cmd->iova + (done << win.pgshift);
		bytes = DIV_ROUND_UP(win.nbits, BITS_PER_BYTE);
		/* Bits of the caller's past the range stay as they are. */
		if (copy_from_user(win.bits, ubits + done / BITS_PER_BYTE,
				   bytes)) {
			rc = -EFAULT;
			break;
		}
		rc = ifd_dirty_read(hwpt->domain, win.iova,
				    win.nbits << win.pgshift, &win, flags);
		if (!rc && copy_to_user(ubits + done / BITS_PER_BYTE, win.bits,
					bytes))
			rc = -EFAULT;
		cond_resched();
	}
out_unlock:
	up_read(&map->lock);
	kfree(win.bits);
out_put:
	iommufd2_hwpt_put(hwpt);
	return rc;
}
