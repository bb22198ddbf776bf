// SPDX-License-Identifier: GPL-2.0
/*
 * The VFIO type1 container ioctls on /dev/iommufd2, for programs written
 * against /dev/vfio/vfio: they act on the context's compatibility IOAS,
 * chosen with IOMMU_VFIO_IOAS.  Type1 (v1) mode maps with small pages only,
 * so that an unmap may cut a mapping, as type1 allowed.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/iommu.h>
#include <linux/overflow.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/vfio.h>

#include "iommufd2/ctx.h"
#include "iommufd2/ioas.h"
#include "iommufd2/pages.h"
#include "iommufd2/ucmd.h"

static struct ifd_ioas *ifd_vfio_ioas_get(struct ifd_ctx *ctx)
{
	u32 id = READ_ONCE(ctx->vfio_ioas_id);
	struct ifd_ioas *ioas;

	if (!id)
		return ERR_PTR(-ENODEV);
	ioas = ifd_ioas_get(ctx, id);
	return IS_ERR(ioas) ? ERR_PTR(-ENODEV) : ioas;
}

int ifd_cmd_vfio_ioas(struct ifd_ucmd *ucmd)
{
	struct iommu_vfio_ioas *cmd = ucmd->cmd;
	struct ifd_ioas *ioas;

	if (cmd->__reserved)
		return -EOPNOTSUPP;
	switch (cmd->op) {
	case IOMMU_VFIO_IOAS_GET:
		ioas = ifd_vfio_ioas_get(ucmd->ctx);
		if (IS_ERR(ioas))
			return PTR_ERR(ioas);
		cmd->ioas_id = ioas->obj.id;
		ifd_ioas_put(ioas);
		return ifd_ucmd_respond(ucmd, sizeof(*cmd));
	case IOMMU_VFIO_IOAS_SET:
		ioas = ifd_ioas_get(ucmd->ctx, cmd->ioas_id);
		if (IS_ERR(ioas))
			return PTR_ERR(ioas);
		WRITE_ONCE(ucmd->ctx->vfio_ioas_id, cmd->ioas_id);
		ifd_ioas_put(ioas);
		return 0;
	case IOMMU_VFIO_IOAS_CLEAR:
		WRITE_ONCE(ucmd->ctx->vfio_ioas_id, 0);
		return 0;
	default:
		return -EOPNOTSUPP;
	}
}

static int ifd_vfio_map_dma(struct ifd_ctx *ctx, void __user *arg)
{
	size_t minsz = offsetofend(struct vfio_iommu_type1_dma_map, size);
	struct vfio_iommu_type1_dma_map map;
	struct ifd_pages *pages;
	struct ifd_ioas *ioas;
	unsigned long iova;
	u32 flags = IOMMU_IOAS_MAP_FIXED_IOVA;
	int rc;

	if (copy_from_user(&map, arg, minsz))
		return -EFAULT;
	if (map.argsz < minsz ||
	    map.flags & ~(VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE))
		return -EINVAL;
	if (map.flags & VFIO_DMA_MAP_FLAG_READ)
		flags |= IOMMU_IOAS_MAP_READABLE;
	if (map.flags & VFIO_DMA_MAP_FLAG_WRITE)
		flags |= IOMMU_IOAS_MAP_WRITEABLE;
	if (map.iova > ULONG_MAX || map.size > ULONG_MAX)
		return -EOVERFLOW;

	ioas = ifd_vfio_ioas_get(ctx);
	if (IS_ERR(ioas))
		return PTR_ERR(ioas);
	rc = ifd_iova_map_precheck(&ioas->map, map.iova, map.size);
	if (rc)
		goto out;
	pages = ifd_pages_user(map.vaddr, map.size,
			       flags & IOMMU_IOAS_MAP_WRITEABLE, ctx);
	if (IS_ERR(pages)) {
		rc = PTR_ERR(pages);
		goto out;
	}
	iova = map.iova;
	rc = ifd_ioas_map_pages(ioas, pages, flags, &iova);
out:
	ifd_ioas_put(ioas);
	return rc;
}

static int ifd_vfio_unmap_dma(struct ifd_ctx *ctx, void __user *arg)
{
	size_t minsz = offsetofend(struct vfio_iommu_type1_dma_unmap, size);
	struct vfio_iommu_type1_dma_unmap unmap;
	unsigned long unmapped = 0;
	struct ifd_ioas *ioas;
	int rc;

	if (copy_from_user(&unmap, arg, minsz))
		return -EFAULT;
	if (unmap.argsz < minsz || unmap.flags & ~VFIO_DMA_UNMAP_FLAG_ALL)
		return -EINVAL;

	ioas = ifd_vfio_ioas_get(ctx);
	if (IS_ERR(ioas))
		return PTR_ERR(ioas);
	if (unmap.flags & VFIO_DMA_UNMAP_FLAG_ALL) {
		rc = unmap.iova || unmap.size ? -EINVAL :
			ifd_iova_unmap_all(&ioas->map, &unmapped);
	} else if (unmap.iova > ULONG_MAX || unmap.size > ULONG_MAX) {
		rc = -EOVERFLOW;
	} else {
		/* Type1 mode: cut the mappings at the range's edges first. */
		rc = READ_ONCE(ioas->map.large_pages) ? 0 :
			ifd_iova_map_cut(&ioas->map, unmap.iova, unmap.size);
		if (!rc)
			rc = ifd_iova_unmap(&ioas->map, unmap.iova, unmap.size,
					    &unmapped);
	}
	unmap.size = unmapped;
	if (copy_to_user(arg, &unmap, minsz))
		rc = -EFAULT;
	ifd_ioas_put(ioas);
	return rc;
}

static int ifd_vfio_set_iommu(struct ifd_ctx *ctx, unsigned long type)
{
	struct ifd_ioas *ioas;
	u64 large = 0;
	int rc = 0;

	if (type != VFIO_TYPE1_IOMMU && type != VFIO_TYPE1v2_IOMMU)
		return -EINVAL;
	ioas = ifd_vfio_ioas_get(ctx);
	if (IS_ERR(ioas))
		return PTR_ERR(ioas);
	if (type == VFIO_TYPE1_IOMMU)
		rc = ifd_ioas_option_huge_pages(ioas, IOMMU_OPTION_OP_SET,
						&large);
	ifd_ioas_put(ioas);
	return rc;
}

/* VFIO's capability chain: each entry appended where it fits. */
struct ifd_vfio_caps {
	void __user *uinfo;
	u32 argsz;	/* the caller's buffer */
	u32 size;	/* what the whole answer needs */
	u32 last;	/* offset of the last entry written, 0 for none */
};

static int ifd_vfio_add_cap(struct ifd_vfio_caps *caps,
			    struct vfio_info_cap_header *cap, u32 len)
{
	u32 at = caps->size;

	caps->size += len;
	if (caps->size > caps->argsz)
		return 0;
	cap->next = 0;
	if (copy_to_user(caps->uinfo + at, cap, len))
		return -EFAULT;
	if (caps->last &&
	    put_user(at, (u32 __user *)(caps->uinfo + caps->last +
					offsetof(struct vfio_info_cap_header,
						 next))))
		return -EFAULT;
	caps->last = at;
	return 0;
}

/* The usable IOVA ranges, as a capability entry ready to be sent. */
struct ifd_vfio_ranges {
	struct vfio_iommu_type1_info_cap_iova_range *cap;
	u32 room;
};

static int ifd_vfio_add_range(void *arg, unsigned long start,
			      unsigned long last)
{
	struct ifd_vfio_ranges *r = arg;
	struct vfio_iommu_type1_info_cap_iova_range *cap;

	if (r->cap->nr_iovas == r->room) {
		r->room *= 2;
		cap = krealloc(r->cap, struct_size(cap, iova_ranges, r->room),
			       GFP_KERNEL);
		if (!cap)
			return -ENOMEM;
		r->cap = cap;
	}
	r->cap->iova_ranges[r->cap->nr_iovas].start = start;
	r->cap->iova_ranges[r->cap->nr_iovas].end = last;
	r->cap->nr_iovas++;
	return 0;
}

static struct vfio_iommu_type1_info_cap_iova_range *
ifd_vfio_ranges(struct ifd_ioas *ioas)
{
	struct ifd_vfio_ranges r = { .room = 4 };
	int rc;

	r.cap = kzalloc(struct_size(r.cap, iova_ranges, r.room), GFP_KERNEL);
	if (!r.cap)
		return ERR_PTR(-ENOMEM);
	r.cap->header.id = VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE;
	r.cap->header.version = 1;
	rc = ifd_iova_map_usable_ranges(&ioas->map, ifd_vfio_add_range, &r);
	if (rc) {
		kfree(r.cap);
		return ERR_PTR(rc);
	}
	return r.cap;
}

static int ifd_vfio_get_info(struct ifd_ctx *ctx, void __user *arg)
{
	size_t minsz = offsetofend(struct vfio_iommu_type1_info, iova_pgsizes);
	struct vfio_iommu_type1_info_cap_iova_range *cap_range;
	struct vfio_iommu_type1_info_dma_avail cap_avail = {};
	struct vfio_iommu_type1_info info;
	struct ifd_vfio_caps caps;
	struct ifd_ioas *ioas;
	int rc;

	if (copy_from_user(&info, arg, minsz))
		return -EFAULT;
	if (info.argsz < minsz)
		return -EINVAL;
	ioas = ifd_vfio_ioas_get(ctx);
	if (IS_ERR(ioas))
		return PTR_ERR(ioas);

	cap_range = ifd_vfio_ranges(ioas);
	if (IS_ERR(cap_range)) {
		rc = PTR_ERR(cap_range);
		goto out;
	}
	info.flags = VFIO_IOMMU_INFO_PGSIZES | VFIO_IOMMU_INFO_CAPS;
	info.iova_pgsizes = max_t(unsigned long, PAGE_SIZE,
				  READ_ONCE(ioas->map.iova_alignment));
	info.iova_pgsizes = ~(info.iova_pgsizes - 1) & ULONG_MAX;
	info.cap_offset = 0;

	caps.uinfo = arg;
	caps.argsz = info.argsz;
	caps.size = sizeof(info);
	caps.last = 0;
	cap_avail.header.id = VFIO_IOMMU_TYPE1_INFO_DMA_AVAIL;
	cap_avail.header.version = 1;
	cap_avail.avail = U16_MAX;
	rc = ifd_vfio_add_cap(&caps, &cap_range->header,
			      struct_size(cap_range, iova_ranges,
					  cap_range->nr_iovas));
	kfree(cap_range);
	if (!rc)
		rc = ifd_vfio_add_cap(&caps, &cap_avail.header,
				      sizeof(cap_avail));
	if (rc)
		goto out;
	/* A buffer too small for the chain learns its size, no chain. */
	if (caps.size > info.argsz)
		info.argsz = caps.size;
	else if (caps.last)
		info.cap_offset = sizeof(info);
	if (copy_to_user(arg, &info, min_t(size_t, caps.argsz, sizeof(info))))
		rc = -EFAULT;
out:
	ifd_ioas_put(ioas);
	return rc;
}

/**
 * ifd_vfio_ioctl() - a VFIO container ioctl on a context
 * @ctx: the context
 * @cmd: the ioctl number
 * @arg: its argument
 *
 * Return: the ioctl's result; -ENOTTY for anything not VFIO's.
 */
long ifd_vfio_ioctl(struct ifd_ctx *ctx, unsigned int cmd, unsigned long arg)
{
	void __user *uarg = (void __user *)arg;

	switch (cmd) {
	case VFIO_GET_API_VERSION:
		return VFIO_API_VERSION;
	case VFIO_CHECK_EXTENSION:
		return arg == VFIO_TYPE1_IOMMU || arg == VFIO_TYPE1v2_IOMMU ||
		       arg == VFIO_UNMAP_ALL || arg == VFIO_DMA_CC_IOMMU;
	case VFIO_SET_IOMMU:
		return ifd_vfio_set_iommu(ctx, arg);
	case VFIO_IOMMU_GET_INFO:
		return ifd_vfio_get_info(ctx, uarg);
	case VFIO_IOMMU_MAP_DMA:
		return ifd_vfio_map_dma(ctx, uarg);
	case VFIO_IOMMU_UNMAP_DMA:
		return ifd_vfio_unmap_dma(ctx, uarg);
	default:
		return -ENOTTY;
	}
}
