// SPDX-License-Identifier: GPL-2.0
/*
 * Mapping dma-bufs (IOMMU_IOAS_MAP_FILE on a dma-buf fd).
 *
 * A dma-buf's memory is not user memory: nothing is pinned or charged, and
 * its physical range comes from the exporter, which registers with
 * iommufd2 (struct iommufd2_dmabuf_exporter) to say where a buffer lives.
 * iommufd2 attaches as a dynamic importer and pins the attachment for as
 * long as the pages object lives.
 *
 * The exporter may revoke the buffer at any time (invalidate_mappings,
 * called with the buffer's reservation lock held).  The mappings stay in
 * their IOASes, but every IOMMU translation of the buffer is removed at
 * once and none is made again: domains added later leave the range
 * unmapped, and a new IOMMU_IOAS_MAP_FILE of a revoked buffer fails.  To
 * find the translations without IOAS locks, each one is recorded in
 * @maps of struct ifd_dmabuf under its @lock.
 *
 * Lock order: the reservation lock, then ifd_dmabuf.lock; an IOAS map's
 * lock, then ifd_dmabuf.lock.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/dma-buf.h>
#include <linux/dma-resv.h>
#include <linux/err.h>
#include <linux/iommu.h>
#include <linux/module.h>
#include <linux/slab.h>

#include "iommufd2/compat.h"
#include "iommufd2/kapi.h"
#include "iommufd2/pages.h"

/**
 * struct ifd_dmabuf - iommufd2's attachment to one dma-buf
 * @dmabuf: the buffer (a reference is held)
 * @attach: our pinned dynamic attachment
 * @paddr: physical address of the first page of the pages object
 * @lock: protects @revoked and @maps
 * @revoked: the exporter took the memory back
 * @maps: struct ifd_dmabuf_map, the translations made in domains
 */
struct ifd_dmabuf {
	struct dma_buf *dmabuf;
	struct dma_buf_attachment *attach;
	phys_addr_t paddr;
	struct mutex lock;	/* see above */
	bool revoked;
	struct list_head maps;
};

/* One translation of (part of) the buffer in one domain. */
struct ifd_dmabuf_map {
	struct list_head link;
	struct iommu_domain *domain;
	unsigned long iova;
	size_t length;
};

static DEFINE_MUTEX(ifd_exporters_lock);
static LIST_HEAD(ifd_exporters);

/**
 * iommufd2_dmabuf_exporter_register() - let iommufd2 map an exporter's
 *	dma-bufs
 * @exp: the exporter; lives until unregistered
 *
 * Return: 0, or -EEXIST if its buffers are served already.
 */
int iommufd2_dmabuf_exporter_register(struct iommufd2_dmabuf_exporter *exp)
{
	struct iommufd2_dmabuf_exporter *cur;
	int rc = 0;

	mutex_lock(&ifd_exporters_lock);
	list_for_each_entry(cur, &ifd_exporters, link)
		if (cur->ops == exp->ops)
			rc = -EEXIST;
	if (!rc)
		list_add_tail(&exp->link, &ifd_exporters);
	mutex_unlock(&ifd_exporters_lock);
	return rc;
}
EXPORT_SYMBOL_NS_GPL(iommufd2_dmabuf_exporter_register, "IOMMUFD2");

/**
 * iommufd2_dmabuf_exporter_unregister() - withdraw an exporter
 * @exp: the exporter; buffers mapped already keep their physical range
 */
void iommufd2_dmabuf_exporter_unregister(struct iommufd2_dmabuf_exporter *exp)
{
	mutex_lock(&ifd_exporters_lock);
	list_del(&exp->link);
	mutex_unlock(&ifd_exporters_lock);
}
EXPORT_SYMBOL_NS_GPL(iommufd2_dmabuf_exporter_unregister, "IOMMUFD2");

/* Ask the buffer's exporter where it lives (reservation lock held). */
static int ifd_dmabuf_phys(struct dma_buf_attachment *attach,
			   phys_addr_t *paddr, size_t *len)
{
	struct iommufd2_dmabuf_exporter *exp;
	int rc = -EOPNOTSUPP;

	mutex_lock(&ifd_exporters_lock);
	list_for_each_entry(exp, &ifd_exporters, link) {
		if (exp->ops == attach->dmabuf->ops) {
			rc = exp->phys(attach, paddr, len);
			break;
		}
	}
	mutex_unlock(&ifd_exporters_lock);
	return rc;
}

/* The exporter revokes the memory: remove every translation, for good. */
static void ifd_dmabuf_invalidate(struct dma_buf_attachment *attach)
{
	struct ifd_dmabuf *d = attach->importer_priv;
	struct ifd_dmabuf_map *m, *next;

	dma_resv_assert_held(attach->dmabuf->resv);
	mutex_lock(&d->lock);
	list_for_each_entry_safe(m, next, &d->maps, link) {
		if (iommu_unmap(m->domain, m->iova, m->length) != m->length)
			pr_err("domain kept part of revoked IOVA 0x%lx\n",
			       m->iova);
		list_del(&m->link);
		kfree(m);
	}
	d->revoked = true;
	mutex_unlock(&d->lock);
}

static const struct dma_buf_attach_ops ifd_dmabuf_importer = {
	.allow_peer2peer = true,
	IFD_COMPAT_DMA_BUF_INVALIDATE_OP(ifd_dmabuf_invalidate),
};

static void ifd_dmabuf_detach(struct ifd_dmabuf *d, bool pinned)
{
	if (pinned) {
		dma_resv_lock(d->dmabuf->resv, NULL);
		dma_buf_unpin(d->attach);
		dma_resv_unlock(d->dmabuf->resv);
	}
	dma_buf_detach(d->dmabuf, d->attach);
	dma_buf_put(d->dmabuf);
	mutex_destroy(&d->lock);
	kfree(d);
}

/* Attach, pin and locate [@start, @start + @length) of @dmabuf. */
static struct ifd_dmabuf *ifd_dmabuf_attach(struct dma_buf *dmabuf,
					    struct device *dev,
					    unsigned long start,
					    unsigned long length)
{
	struct ifd_dmabuf *d;
	phys_addr_t paddr;
	size_t len;
	int rc;

	d = kzalloc_obj(*d, GFP_KERNEL_ACCOUNT);
	if (!d)
		return ERR_PTR(-ENOMEM);
	mutex_init(&d->lock);
	INIT_LIST_HEAD(&d->maps);
	get_dma_buf(dmabuf);
	d->dmabuf = dmabuf;
	d->attach = dma_buf_dynamic_attach(dmabuf, dev, &ifd_dmabuf_importer,
					   d);
	if (IS_ERR(d->attach)) {
		rc = PTR_ERR(d->attach);
		dma_buf_put(dmabuf);
		mutex_destroy(&d->lock);
		kfree(d);
		return ERR_PTR(rc);
	}

	dma_resv_lock(dmabuf->resv, NULL);
	rc = dma_buf_pin(d->attach);
	if (!rc) {
		rc = ifd_dmabuf_phys(d->attach, &paddr, &len);
		if (!rc && len < start + length)
			rc = -EINVAL;
		if (rc)
			dma_buf_unpin(d->attach);
	}
	dma_resv_unlock(dmabuf->resv);
	if (rc) {
		ifd_dmabuf_detach(d, false);
		return ERR_PTR(rc);
	}
	d->paddr = (paddr + start) & PAGE_MASK;
	return d;
}

/**
 * ifd_pages_from_dmabuf() - the pages object of a dma-buf range
 * @dmabuf: the buffer (the caller's reference)
 * @dev: the device iommufd2 attaches as
 * @start: byte offset of the range in the buffer
 * @length: bytes
 * @writable: devices may write
 *
 * Nothing is pinned or charged: the exporter keeps the memory until it
 * revokes it.
 *
 * Return: the pages with one reference, or ERR_PTR: -EINVAL for an empty
 * range or one past the buffer's end, -EOVERFLOW, -EOPNOTSUPP for a buffer
 * of an exporter iommufd2 does not know, the exporter's error (-ENODEV for
 * a revoked buffer), -ENOMEM.
 */
struct ifd_pages *ifd_pages_from_dmabuf(struct dma_buf *dmabuf,
					struct device *dev,
					unsigned long start,
					unsigned long length, bool writable)
{
	struct ifd_pages *pages;
	unsigned long last, pfn, i, n;
	struct ifd_dmabuf *d;

	if (!length)
		return ERR_PTR(-EINVAL);
	if (check_add_overflow(start, length - 1, &last))
		return ERR_PTR(-EOVERFLOW);
	if (last >= dmabuf->size)
		return ERR_PTR(-EINVAL);

	d = ifd_dmabuf_attach(dmabuf, dev, start, length);
	if (IS_ERR(d))
		return ERR_CAST(d);
	pages = ifd_pages_desc_alloc();
	if (!pages)
		goto err_detach;
	pages->offset = start & ~PAGE_MASK;
	pages->npages = DIV_ROUND_UP(pages->offset + length, PAGE_SIZE);
	pages->runs = kvmalloc_array(DIV_ROUND_UP(pages->npages,
						  IFD_RUN_MAX_PAGES),
				     sizeof(*pages->runs), GFP_KERNEL_ACCOUNT);
	if (!pages->runs)
		goto err_free;
	pages->runs_cap = DIV_ROUND_UP(pages->npages, IFD_RUN_MAX_PAGES);
	kref_init(&pages->kref);
	pages->length = length;
	pages->writable = writable;
	pages->is_file = true;
	pages->source = start;
	pages->dmabuf = d;
	pages->populated = true;
	pfn = PHYS_PFN(d->paddr);
	for (i = 0; i < pages->npages; i += n) {
		n = min(pages->npages - i, IFD_RUN_MAX_PAGES);
		pages->runs[pages->nr_runs++] =
			((u64)(pfn + i) << IFD_RUN_LEN_BITS) | (n - 1);
	}
	return pages;

err_free:
	ifd_pages_desc_free(pages);
err_detach:
	ifd_dmabuf_detach(d, true);
	return ERR_PTR(-ENOMEM);
}

/**
 * ifd_dmabuf_release() - drop the attachment of a dma-buf pages object
 * @pages: the pages, no longer mapped anywhere
 */
void ifd_dmabuf_release(struct ifd_pages *pages)
{
	struct ifd_dmabuf *d = pages->dmabuf;

	WARN_ON(!list_empty(&d->maps));
	ifd_dmabuf_detach(d, true);
}

/**
 * ifd_dmabuf_map() - translate pages of a dma-buf in a domain
 * @pages: a dma-buf pages object
 * @domain: the domain
 * @iova: where page @first goes
 * @first: the first page
 * @npages: how many
 * @prot: IOMMU_READ / IOMMU_WRITE / IOMMU_CACHE
 *
 * A revoked buffer is left unmapped, successfully.
 *
 * Return: 0, -ENOMEM or the domain's error.
 */
int ifd_dmabuf_map(struct ifd_pages *pages, struct iommu_domain *domain,
		   unsigned long iova, unsigned long first,
		   unsigned long npages, int prot)
{
	struct ifd_dmabuf *d = pages->dmabuf;
	struct ifd_dmabuf_map *m;
	int rc = 0;

	m = kzalloc_obj(*m, GFP_KERNEL_ACCOUNT);
	if (!m)
		return -ENOMEM;
	m->domain = domain;
	m->iova = iova;
	m->length = npages << PAGE_SHIFT;

	mutex_lock(&d->lock);
	if (!d->revoked)
		rc = iommu_map(domain, iova, d->paddr + (first << PAGE_SHIFT),
			       m->length, prot, GFP_KERNEL_ACCOUNT);
	if (!rc && !d->revoked) {
		list_add_tail(&m->link, &d->maps);
		m = NULL;
	}
	mutex_unlock(&d->lock);
	kfree(m);
	return rc;
}

/**
 * ifd_dmabuf_unmap() - remove a translation made by ifd_dmabuf_map()
 * @pages: the dma-buf pages object
 * @domain: the domain
 * @iova: the translation's start; gone already if the buffer was revoked
 */
void ifd_dmabuf_unmap(struct ifd_pages *pages, struct iommu_domain *domain,
		      unsigned long iova)
{
	struct ifd_dmabuf *d = pages->dmabuf;
	struct ifd_dmabuf_map *m, *found = NULL;

	mutex_lock(&d->lock);
	list_for_each_entry(m, &d->maps, link) {
		if (m->domain == domain && m->iova == iova) {
			found = m;
			break;
		}
	}
	if (found) {
		if (iommu_unmap(domain, iova, found->length) != found->length)
			pr_err("domain kept part of IOVA 0x%lx\n", iova);
		list_del(&found->link);
	}
	mutex_unlock(&d->lock);
	kfree(found);
}

IFD_MODULE_IMPORT_NS("DMA_BUF");
