// SPDX-License-Identifier: GPL-2.0
/*
 * Regions of memory a backend lets userspace mmap() from the iommufd2 file
 * (a vIOMMU's page of hardware, say).  See include/iommufd2/mmap.h.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/xarray.h>

#include "iommufd2/ctx.h"
#include "iommufd2/mmap.h"
#include "iommufd2/object.h"

/* Each region owns a window of the file's offsets this large. */
#define IFD_MMAP_WINDOW_SHIFT	30
#define IFD_MMAP_WINDOW_PGSHIFT	(IFD_MMAP_WINDOW_SHIFT - PAGE_SHIFT)

/**
 * struct ifd_mmap_region - one mappable region
 * @owner: the object the region belongs to; each mapping of the region
 *	holds a long-term reference on it
 * @pfn: first page frame of the region
 * @length: bytes
 */
struct ifd_mmap_region {
	struct ifd_object *owner;
	unsigned long pfn;
	size_t length;
};

/**
 * ifd_mmap_add() - offer a region to mmap()
 * @ctx: the context whose file serves it
 * @owner: the object it belongs to, which removes it before it goes
 * @base: page-aligned physical start
 * @length: page-aligned length, at most 1 GiB
 * @offset: receives the mmap() offset; only the whole region, from this
 *	exact offset, can be mapped
 *
 * Return: 0, -EINVAL for a misaligned or oversized region, -ENOSPC, -ENOMEM.
 */
int ifd_mmap_add(struct ifd_ctx *ctx, struct ifd_object *owner,
		 phys_addr_t base, size_t length, u64 *offset)
{
	struct ifd_mmap_region *region;
	u32 id;
	int rc;

	if (!length || !PAGE_ALIGNED(base) || !PAGE_ALIGNED(length) ||
	    length > BIT_ULL(IFD_MMAP_WINDOW_SHIFT))
		return -EINVAL;
	region = kzalloc_obj(*region, GFP_KERNEL_ACCOUNT);
	if (!region)
		return -ENOMEM;
	region->owner = owner;
	region->pfn = PHYS_PFN(base);
	region->length = length;
	/* Window 0 stays unused: offset 0 never names a region. */
	rc = xa_alloc(&ctx->mmaps, &id, region,
		      XA_LIMIT(1, (ULONG_MAX >> IFD_MMAP_WINDOW_PGSHIFT) &
				  U32_MAX),
		      GFP_KERNEL_ACCOUNT);
	if (rc) {
		kfree(region);
		return rc == -EBUSY ? -ENOSPC : rc;
	}
	*offset = (u64)id << IFD_MMAP_WINDOW_SHIFT;
	return 0;
}

/**
 * ifd_mmap_remove() - withdraw a region
 * @ctx: its context
 * @offset: as returned by ifd_mmap_add()
 *
 * Must not be called while the region is mapped; its owner is in use then,
 * and owners remove their regions only on their way out.
 */
void ifd_mmap_remove(struct ifd_ctx *ctx, u64 offset)
{
	struct ifd_mmap_region *region;

	mutex_lock(&ctx->mmaps_lock);
	region = xa_erase(&ctx->mmaps, offset >> IFD_MMAP_WINDOW_SHIFT);
	mutex_unlock(&ctx->mmaps_lock);
	kfree(region);
}

static void ifd_mmap_vma_open(struct vm_area_struct *vma)
{
	/* A copy (fork) or a split: each VMA holds its own reference. */
	ifd_object_hold_more(vma->vm_private_data);
}

static void ifd_mmap_vma_close(struct vm_area_struct *vma)
{
	ifd_object_release(vma->vm_private_data);
}

static const struct vm_operations_struct ifd_mmap_vm_ops = {
	.open = ifd_mmap_vma_open,
	.close = ifd_mmap_vma_close,
};

/**
 * ifd_fops_mmap() - mmap() of the iommufd2 file
 * @file: the file
 * @vma: the new mapping: shared, not executable, the whole of one region
 *
 * The region is mapped uncached, as device memory; while mapped, its
 * owner cannot be destroyed (EBUSY).
 *
 * Return: 0, -EINVAL (private mapping), -EPERM (executable), -ENXIO (no
 * region at that offset, or not the whole region), or remap's error.
 */
int ifd_fops_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct ifd_ctx *ctx = file->private_data;
	size_t length = vma->vm_end - vma->vm_start;
	struct ifd_mmap_region *region;
	struct ifd_object *owner;
	unsigned long pfn;
	int rc = -ENXIO;

	if (!(vma->vm_flags & VM_SHARED))
		return -EINVAL;
	if (vma->vm_flags & VM_EXEC)
		return -EPERM;
	if (vma->vm_pgoff & (BIT(IFD_MMAP_WINDOW_PGSHIFT) - 1))
		return -ENXIO;

	mutex_lock(&ctx->mmaps_lock);
	region = xa_load(&ctx->mmaps, vma->vm_pgoff >> IFD_MMAP_WINDOW_PGSHIFT);
	/* An owner on its way out may still list its region: not found. */
	if (region && region->length == length &&
	    !ifd_object_hold_published(ctx, region->owner))
		rc = 0;
	owner = region ? region->owner : NULL;
	pfn = region ? region->pfn : 0;
	mutex_unlock(&ctx->mmaps_lock);
	if (rc)
		return rc;

	vm_flags_set(vma, VM_IO | VM_PFNMAP | VM_DONTEXPAND | VM_DONTDUMP);
	vma->vm_private_data = owner;
	vma->vm_ops = &ifd_mmap_vm_ops;
	vma->vm_page_prot = pgprot_noncached(vma->vm_page_prot);
	rc = io_remap_pfn_range(vma, vma->vm_start, pfn, length,
				vma->vm_page_prot);
	if (rc) {
		/* The core does not call ->close for a failed ->mmap. */
		ifd_object_release(owner);
	}
	return rc;
}
