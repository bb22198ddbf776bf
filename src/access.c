// SPDX-License-Identifier: GPL-2.0
/*
 * Emulated accesses (see include/iommufd2/access.h): create, attach,
 * replace, detach, pin/unpin, copy through IOVAs, and the unmap callback.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/err.h>
#include <linux/file.h>
#include <linux/highmem.h>
#include <linux/iommu.h>
#include <linux/module.h>
#include <linux/slab.h>

#include "iommufd2/access.h"
#include "iommufd2/ctx.h"
#include "iommufd2/ioas.h"
#include "iommufd2/kapi.h"
#include "iommufd2/pages.h"

static void ifd_access_destroy(struct ifd_object *obj)
{
	struct ifd_access *access = container_of(obj, struct ifd_access, obj);

	/* iommufd2_access_destroy() detached: nothing is pinned or held. */
	WARN_ON(access->ioas || !list_empty(&access->pins));
	mutex_destroy(&access->lock);
}

static const struct ifd_object_ops ifd_access_ops = {
	.type = IFD_OBJ_ACCESS,
	.destroy = ifd_access_destroy,
};

/**
 * iommufd2_access_create() - a new emulated access, attached to nothing
 * @ctx: the context
 * @ops: the owner's callbacks
 * @data: the owner's cookie for @ops
 * @id: receives the access's ID
 *
 * Return: the access or an ERR_PTR.
 */
struct ifd_access *iommufd2_access_create(struct ifd_ctx *ctx,
					  const struct iommufd2_access_ops *ops,
					  void *data, u32 *id)
{
	struct ifd_access *access;

	access = ifd_object_alloc(ctx, access, &ifd_access_ops);
	if (IS_ERR(access))
		return access;
	access->ctx = ctx;
	/* Like a bound device, an access keeps its context open. */
	access->file = ctx->file ? get_file(ctx->file) : NULL;
	access->ops = ops;
	access->data = data;
	mutex_init(&access->lock);
	INIT_LIST_HEAD(&access->pins);
	/* The owner's reference: IOMMU_DESTROY of an access is EBUSY. */
	ifd_object_hold_more(&access->obj);
	*id = access->obj.id;
	ifd_object_finalize(ctx, &access->obj);
	return access;
}
EXPORT_SYMBOL_NS_GPL(iommufd2_access_create, "IOMMUFD2");

/**
 * iommufd2_access_destroy() - detach and remove an access
 * @access: the access; unusable afterwards
 */
void iommufd2_access_destroy(struct ifd_access *access)
{
	struct file *file = access->file;

	iommufd2_access_detach(access);
	if (!ifd_object_reap(access->ctx, &access->obj))
		WARN(1, "access %u is still in use\n", access->obj.id);
	if (file)
		fput(file);
}
EXPORT_SYMBOL_NS_GPL(iommufd2_access_destroy, "IOMMUFD2");

/* Drop pins the owner did not hand back (it had its chance). */
static void ifd_access_drop_pins(struct ifd_access *access)
{
	struct ifd_access_pin *pin, *tmp;

	lockdep_assert_held(&access->lock);
	list_for_each_entry_safe(pin, tmp, &access->pins, link) {
		ifd_iova_map_unpin_for_access(&access->ioas_unpin->map, pin);
		list_del(&pin->link);
		kfree(pin);
	}
}

/*
 * Move the access to @new (NULL: detach).  The new IOAS is held before
 * the old one is released; pins in the old one are handed back first.
 * Fails with EBUSY, changing nothing, while another change is under way.
 */
static int ifd_access_change_ioas(struct ifd_access *access,
				  struct ifd_ioas *new)
{
	struct ifd_ioas *cur = access->ioas;

	lockdep_assert_held(&access->lock);
	if (cur != access->ioas_unpin)
		return -EBUSY;
	if (cur == new)
		return 0;
	if (new && !ifd_object_tryhold(&new->obj))
		return -ENOENT;
	/* A pinning access keeps the new IOAS's mappings PAGE_SIZE aligned. */
	if (new && access->ops->needs_pin_pages) {
		int rc = ifd_iova_map_add_page_access(&new->map);

		if (rc) {
			ifd_object_release(&new->obj);
			return rc;
		}
	}

	/* No new pins while moving; unpins still find ioas_unpin. */
	access->ioas = NULL;
	if (cur) {
		if (!list_empty(&access->pins) && access->ops->unmap) {
			mutex_unlock(&access->lock);
			access->ops->unmap(access->data, 0, ULONG_MAX);
			mutex_lock(&access->lock);
		}
		ifd_access_drop_pins(access);
	}
	/* Nothing (a link dump included) may find @cur once it is let go. */
	access->ioas = new;
	access->ioas_unpin = new;
	if (cur) {
		if (access->ops->needs_pin_pages)
			ifd_iova_map_remove_page_access(&cur->map);
		ifd_object_release(&cur->obj);
	}
	return 0;
}

static int ifd_access_change(struct ifd_access *access, u32 ioas_id,
			     bool must_be_detached)
{
	struct ifd_ioas *ioas;
	int rc;

	ioas = ifd_ioas_get(access->ctx, ioas_id);
	if (IS_ERR(ioas))
		return PTR_ERR(ioas);
	mutex_lock(&access->lock);
	if (must_be_detached && (access->ioas || access->ioas_unpin))
		rc = -EINVAL;
	else
		rc = ifd_access_change_ioas(access, ioas);
	mutex_unlock(&access->lock);
	ifd_ioas_put(ioas);
	return rc;
}

/**
 * iommufd2_access_attach() - attach a detached access to an IOAS
 * @access: the access
 * @ioas_id: the IOAS
 *
 * Return: 0, -ENOENT (no such IOAS), -EINVAL (already attached).
 */
int iommufd2_access_attach(struct ifd_access *access, u32 ioas_id)
{
	return ifd_access_change(access, ioas_id, true);
}
EXPORT_SYMBOL_NS_GPL(iommufd2_access_attach, "IOMMUFD2");

/**
 * iommufd2_access_replace() - move an access to another IOAS
 * @access: the access
 * @ioas_id: the new IOAS
 *
 * The old IOAS's pins are handed back through the owner's unmap callback.
 * A failure leaves the old IOAS attached.
 *
 * Return: 0, -ENOENT (no such IOAS), -EBUSY (racing a detach or another
 * replace).
 */
int iommufd2_access_replace(struct ifd_access *access, u32 ioas_id)
{
	return ifd_access_change(access, ioas_id, false);
}
EXPORT_SYMBOL_NS_GPL(iommufd2_access_replace, "IOMMUFD2");

/**
 * iommufd2_access_detach() - detach an access, handing back its pins
 * @access: the access; a no-op if it is not attached
 */
void iommufd2_access_detach(struct ifd_access *access)
{
	mutex_lock(&access->lock);
	/* A racing change finishes first; then this one goes through. */
	while (ifd_access_change_ioas(access, NULL) == -EBUSY) {
		mutex_unlock(&access->lock);
		cond_resched();
		mutex_lock(&access->lock);
	}
	mutex_unlock(&access->lock);
}
EXPORT_SYMBOL_NS_GPL(iommufd2_access_detach, "IOMMUFD2");

/* What a mapping must allow: writing for a write, reading otherwise. */
static int ifd_access_prot(unsigned int flags)
{
	return flags & IOMMUFD2_ACCESS_RW_WRITE ? IOMMU_WRITE : IOMMU_READ;
}

/*
 * The whole pages an access's range [@iova, @iova + @length) touches, as
 * the pin records it: *@start and *@len.
 */
static int ifd_access_cover(unsigned long iova, unsigned long length,
			    unsigned long *start, unsigned long *len)
{
	unsigned long last;

	if (!length)
		return -EINVAL;
	if (check_add_overflow(iova, length - 1, &last))
		return -EOVERFLOW;
	*start = ALIGN_DOWN(iova, PAGE_SIZE);
	last |= PAGE_SIZE - 1;
	*len = last - *start + 1;
	return *len ? 0 : -EOVERFLOW;
}

/**
 * iommufd2_access_pin_pages() - pin an IOVA range for the owner
 * @access: the access
 * @iova: page-aligned start
 * @length: bytes (any length: the pages it touches are pinned)
 * @out_pages: receives a page pointer per page of the range
 * @flags: IOMMUFD2_ACCESS_RW_WRITE if the owner will write
 *
 * The pages stay valid until iommufd2_access_unpin_pages() of the same
 * range; unmapping it first calls the owner's unmap callback.
 *
 * Return: 0, -ENOENT (not attached or not mapped), -EPERM (mapping not
 * writable), -EINVAL (empty, misaligned, bad flags), -EOVERFLOW, -ENOMEM.
 */
int iommufd2_access_pin_pages(struct ifd_access *access, unsigned long iova,
			      unsigned long length, struct page **out_pages,
			      unsigned int flags)
{
	unsigned long n = 0, start, len;
	struct ifd_access_pin *pin;
	struct ifd_piece *piece;
	int rc;

	if (flags & ~IOMMUFD2_ACCESS_RW_WRITE)
		return -EINVAL;
	rc = ifd_access_cover(iova, length, &start, &len);
	if (rc)
		return rc;
	/*
	 * The start must be page aligned (the length need not): as
	 * upstream, that is EINVAL where the start is mapped, ENOENT where
	 * it is not.
	 */
	if (!PAGE_ALIGNED(iova)) {
		mutex_lock(&access->lock);
		rc = access->ioas &&
		     ifd_iova_map_covered(&access->ioas->map, iova, iova) ?
		     -EINVAL : -ENOENT;
		mutex_unlock(&access->lock);
		return rc;
	}
	iova = start;
	length = len;
	pin = kzalloc_obj(*pin, GFP_KERNEL_ACCOUNT);
	if (!pin)
		return -ENOMEM;
	pin->access = access;

	mutex_lock(&access->lock);
	rc = access->ioas ? ifd_iova_map_pin_for_access(&access->ioas->map,
							pin, iova, length,
							ifd_access_prot(flags)) :
			    -ENOENT;
	if (rc) {
		mutex_unlock(&access->lock);
		kfree(pin);
		return rc;
	}
	list_add(&pin->link, &access->pins);
	mutex_unlock(&access->lock);

	list_for_each_entry(piece, &pin->pieces, link) {
		struct ifd_pfn_cursor cur;
		unsigned long pfn, cnt, i;

		ifd_pfn_cursor_init(&cur, piece->pages,
				    piece->start_byte >> PAGE_SHIFT,
				    piece->length >> PAGE_SHIFT);
		while (ifd_pfn_cursor_next(&cur, &pfn, &cnt))
			for (i = 0; i < cnt; i++)
				out_pages[n++] = pfn_to_page(pfn + i);
	}
	return 0;
}
EXPORT_SYMBOL_NS_GPL(iommufd2_access_pin_pages, "IOMMUFD2");

/**
 * iommufd2_access_unpin_pages() - release a pinned range
 * @access: the access
 * @iova: as pinned
 * @length: as pinned
 *
 * Unknown ranges are ignored (the owner may race its own unmap callback).
 */
void iommufd2_access_unpin_pages(struct ifd_access *access,
				 unsigned long iova, unsigned long length)
{
	struct ifd_access_pin *pin, *found = NULL;

	if (ifd_access_cover(iova, length, &iova, &length))
		return;
	mutex_lock(&access->lock);
	list_for_each_entry(pin, &access->pins, link) {
		if (pin->node.start == iova &&
		    pin->node.last == iova + length - 1) {
			found = pin;
			break;
		}
	}
	if (found) {
		ifd_iova_map_unpin_for_access(&access->ioas_unpin->map, found);
		list_del(&found->link);
	}
	mutex_unlock(&access->lock);
	kfree(found);
}
EXPORT_SYMBOL_NS_GPL(iommufd2_access_unpin_pages, "IOMMUFD2");

/* Copy between @data and the pieces' pages, page by page. */
static void ifd_access_copy(struct list_head *pieces, void *data, bool write)
{
	struct ifd_piece *piece;

	list_for_each_entry(piece, pieces, link) {
		unsigned long off = piece->start_byte, left = piece->length;

		while (left) {
			struct ifd_pfn_cursor cur;
			unsigned long pfn, cnt;
			size_t chunk = min_t(size_t, left,
					     PAGE_SIZE - (off & ~PAGE_MASK));
			void *va;

			ifd_pfn_cursor_init(&cur, piece->pages,
					    off >> PAGE_SHIFT, 1);
			ifd_pfn_cursor_next(&cur, &pfn, &cnt);
			va = kmap_local_pfn(pfn) + (off & ~PAGE_MASK);
			if (write)
				memcpy(va, data, chunk);
			else
				memcpy(data, va, chunk);
			kunmap_local(va);
			data += chunk;
			off += chunk;
			left -= chunk;
		}
	}
}

/**
 * iommufd2_access_rw() - copy to or from an IOVA range
 * @access: the access
 * @iova: start (any alignment)
 * @data: kernel buffer of @length bytes
 * @length: bytes
 * @flags: IOMMUFD2_ACCESS_RW_WRITE to copy @data into the IOAS
 *
 * Return: 0, -ENOENT (not attached or not mapped), -EPERM (writing a
 * read-only mapping), -EINVAL, -EOVERFLOW, -ENOMEM.
 */
int iommufd2_access_rw(struct ifd_access *access, unsigned long iova,
		       void *data, size_t length, unsigned int flags)
{
	struct ifd_access_pin pin = { .access = access };
	struct ifd_ioas *ioas;
	int rc;

	if (flags & ~IOMMUFD2_ACCESS_RW_WRITE)
		return -EINVAL;
	mutex_lock(&access->lock);
	ioas = access->ioas;
	/* Keep the IOAS across the copy, even if the access moves on. */
	if (ioas)
		ifd_object_get_more(&ioas->obj);
	mutex_unlock(&access->lock);
	if (!ioas)
		return -ENOENT;
	rc = ifd_iova_map_pin_for_access(&ioas->map, &pin, iova, length,
					 ifd_access_prot(flags));
	if (!rc) {
		ifd_access_copy(&pin.pieces, data,
				flags & IOMMUFD2_ACCESS_RW_WRITE);
		ifd_iova_map_unpin_for_access(&ioas->map, &pin);
	}
	ifd_ioas_put(ioas);
	return rc;
}
EXPORT_SYMBOL_NS_GPL(iommufd2_access_rw, "IOMMUFD2");

/**
 * ifd_access_tryget() - a short-term reference for a callback
 * @access: an access found through one of its pins
 *
 * Return: false if the access is being torn down.
 */
bool ifd_access_tryget(struct ifd_access *access)
{
	return ifd_object_tryget(&access->obj);
}

/**
 * ifd_access_put() - drop the reference of ifd_access_tryget()
 * @access: the access
 */
void ifd_access_put(struct ifd_access *access)
{
	ifd_object_put(&access->obj);
}

/**
 * ifd_access_notify_unmap() - ask the owner to unpin inside a range
 * @access: the access, held by ifd_access_tryget()
 * @iova: start of the range being unmapped
 * @length: its length
 */
void ifd_access_notify_unmap(struct ifd_access *access, unsigned long iova,
			     unsigned long length)
{
	if (access->ops->unmap)
		access->ops->unmap(access->data, iova, length);
}
