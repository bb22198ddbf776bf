/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mmap() of the iommufd2 file: regions of memory that objects (a vIOMMU's
 * backend) offer to userspace.
 *
 * Each region takes a 1 GiB window of the file's offsets, so offsets are
 * fixed at creation and a mapping names its region by its first page.  A
 * mapping must cover exactly one whole region.  Regions live in the
 * context's @mmaps xarray; @mmaps_lock (a mutex: the lookup takes the
 * object table's xarray lock, which must not nest in another xarray's)
 * serialises lookup against removal.  Each VMA mapping a region holds a
 * long-term reference on the region's owner, so the owner (and with it
 * the region) stays until the last mapping is gone.  The file stays open
 * while mapped, so a region never outlives its context.
 */
#ifndef IOMMUFD2_MMAP_H
#define IOMMUFD2_MMAP_H

#include <linux/types.h>

struct file;
struct ifd_ctx;
struct ifd_object;
struct vm_area_struct;

int ifd_mmap_add(struct ifd_ctx *ctx, struct ifd_object *owner,
		 phys_addr_t base, size_t length, u64 *offset);
void ifd_mmap_remove(struct ifd_ctx *ctx, u64 offset);
int ifd_fops_mmap(struct file *file, struct vm_area_struct *vma);

#endif /* IOMMUFD2_MMAP_H */
