// SPDX-License-Identifier: GPL-2.0
/*
 * The mock IOMMU driver: paging domains with a real (software) page table,
 * nested domains over them, replace-capable set_dev_pasid, I/O page fault
 * reporting, failure injection, and devices created on demand.  See mock.h.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bitfield.h>
#include <linux/highmem.h>
#include <linux/iommu.h>
#include <linux/module.h>
#include <linux/property.h>
#include <linux/slab.h>

#include <iommufd2/iommufd.h>

#include "iommufd2/compat.h"
#include "iommufd2/kapi.h"
#include "iommufd2/iommufd_test.h"
#include "mock_uapi.h"
#include "mock.h"

#define MOCK_MAX_PASID_BITS	20
/* The largest leaf of a selftest domain: 1 GiB. */
#define MOCK_MAX_PAGE_SHIFT	30

/**
 * struct mock_domain - a paging domain
 * @domain: the core's view
 * @lock: serialises unmapping against translations in flight
 * @pgshift: log2 of the page table's granule: PAGE_SHIFT, or 11
 *	(MOCK_PAGE_SIZE) for selftest devices, whose domains map half pages
 * @tracking: dirty tracking is on
 * @ptes: IOVA >> @pgshift -> a mock PTE (an xarray value, see mock_pte()):
 *	one per granule; a mapping larger than the granule (a huge page)
 *	fills all of its granules, and its first one carries its dirty bit
 */
struct mock_domain {
	struct iommu_domain domain;
	spinlock_t lock;	/* see above */
	unsigned int pgshift;
	bool tracking;
	struct xarray ptes;
};

/* A mock PTE: the granule's physical address >> pgshift, the log2 of the
 * page it belongs to, and a dirty bit.
 */
#define MOCK_PTE_ADDR		GENMASK_ULL(39, 0)
#define MOCK_PTE_ORDER		GENMASK_ULL(47, 40)
#define MOCK_PTE_DIRTY		BIT_ULL(48)

/**
 * struct mock_nested - a nested domain in upstream's selftest format
 * @domain: the core's view (IOMMU_DOMAIN_NESTED)
 * @parent: the paging domain it translates through; its stage 1 is the
 *	identity, so a DMA sees the parent's translation
 * @iotlb: the emulated IOTLB entries the guest invalidates (set from the
 *	allocation data, cleared by IOMMU_HWPT_INVALIDATE)
 * @on_viommu: allocated on a vIOMMU: a device needs a vDevice there to
 *	attach (its virtual ID is what the guest's table speaks of)
 */
struct mock_nested {
	struct iommu_domain domain;
	struct mock_domain *parent;
	u32 iotlb[MOCK_NESTED_DOMAIN_IOTLB_NUM];
	bool on_viommu;
};

static void *mock_pte(unsigned long addr, unsigned int order)
{
	return xa_mk_value(FIELD_PREP(MOCK_PTE_ADDR, addr) |
			   FIELD_PREP(MOCK_PTE_ORDER, order));
}

static struct iommu_device mock_iommu;
static struct fwnode_handle *mock_fwnode;
static struct iopf_queue *mock_iopf_queue;
static DEFINE_MUTEX(mock_devs_lock);
static LIST_HEAD(mock_devs);	/* devices being added, for probe */

static atomic_t mock_fail_set_dev_pasid;
static atomic_t mock_fail_attach_dev;
static atomic64_t mock_nr_set_dev_pasid;
static atomic64_t mock_nr_set_dev_pasid_replace;
static atomic64_t mock_nr_attach_dev;
static atomic64_t mock_nr_domains;
static atomic64_t mock_nr_vdev_init;
static atomic64_t mock_nr_vdev_destroy;
static atomic64_t mock_nr_vdev_destroy_unowned;

static struct mock_domain *to_mock_domain(struct iommu_domain *domain)
{
	return container_of(domain, struct mock_domain, domain);
}

static bool mock_should_fail(atomic_t *counter)
{
	return atomic_dec_if_positive(counter) >= 0;
}

static struct mock_dev *mock_dev_of(struct device *dev)
{
	return dev_iommu_priv_get(dev);
}

/*
 * Page requests are reported for a device while a domain with a fault
 * handler is attached to its RID or one of its PASIDs: the first such
 * attachment adds it to the IOPF queue, the last one removes it.  Called
 * by the core's attach paths, which it serialises per group.
 */
static int mock_iopf_get(struct mock_dev *mdev, struct iommu_domain *domain)
{
	int rc;

	if (!domain || !domain->iopf_handler)
		return 0;
	if (mdev->iopf_users++)
		return 0;
	rc = iopf_queue_add_device(mock_iopf_queue, &mdev->pdev->dev);
	if (rc)
		mdev->iopf_users = 0;
	return rc;
}

static void mock_iopf_put(struct mock_dev *mdev, struct iommu_domain *domain)
{
	if (!domain || !domain->iopf_handler || WARN_ON(!mdev->iopf_users))
		return;
	if (!--mdev->iopf_users)
		iopf_queue_remove_device(mock_iopf_queue, &mdev->pdev->dev);
}

/* The mock's emulated page-response path: nothing to tell a device. */
static void mock_page_response(struct device *dev, struct iopf_fault *evt,
			       struct iommu_page_response *msg)
{
}

/* Selftest devices track dirty pages unless created without. */
static bool mock_dirty_capable(struct mock_dev *mdev)
{
	return (mdev->flags & MOCK_DEV_SELFTEST) &&
	       !(mdev->flags & MOCK_DEV_NO_DIRTY);
}

static int mock_blocked_attach(struct iommu_domain *domain, struct device *dev,
			       struct iommu_domain *old)
{
	struct mock_dev *mdev = mock_dev_of(dev);

	spin_lock(&mdev->lock);
	mdev->rid = NULL;
	spin_unlock(&mdev->lock);
	mock_iopf_put(mdev, old);
	return 0;
}

static int mock_blocked_set_pasid(struct iommu_domain *domain,
				  struct device *dev, ioasid_t pasid,
				  struct iommu_domain *old)
{
	struct mock_dev *mdev = mock_dev_of(dev);

	spin_lock(&mdev->lock);
	xa_erase(&mdev->pasids, pasid);
	spin_unlock(&mdev->lock);
	mock_iopf_put(mdev, old);
	if (pasid == IOMMU_TEST_PASID_RESERVED)
		atomic_set(&mdev->reserved_pasid_fail, 0);
	return 0;
}

/* What the device's RID is attached to now (NULL: blocked). */
static struct iommu_domain *mock_rid_domain(struct device *dev)
{
	struct mock_dev *mdev = mock_dev_of(dev);
	struct iommu_domain *domain;

	spin_lock(&mdev->lock);
	domain = mdev->rid;
	spin_unlock(&mdev->lock);
	return domain;
}

/* attach_dev for kernels that do not say what is replaced (compat.h). */
static __maybe_unused int
mock_blocked_attach_compat(struct iommu_domain *domain, struct device *dev)
{
	return mock_blocked_attach(domain, dev, mock_rid_domain(dev));
}

static const struct iommu_domain_ops mock_blocked_ops = {
	IFD_COMPAT_ATTACH_DEV_OP(mock_blocked_attach_compat,
				 mock_blocked_attach),
	.set_dev_pasid = mock_blocked_set_pasid,
};

/* 6.12's way to end a PASID's attachment (compat.h). */
static __maybe_unused void mock_remove_dev_pasid(struct device *dev,
						 ioasid_t pasid,
						 struct iommu_domain *domain)
{
	mock_blocked_set_pasid(NULL, dev, pasid, domain);
}

static struct iommu_domain mock_blocked_domain = {
	.type = IOMMU_DOMAIN_BLOCKED,
	.ops = &mock_blocked_ops,
};

static const struct iommu_domain_ops mock_nested_ops;

/* A vIOMMU's nested domain translates only devices it has a vDevice for. */
static bool mock_needs_vdevice(struct iommu_domain *domain,
			       struct mock_dev *mdev)
{
	return domain->ops == &mock_nested_ops &&
	       container_of(domain, struct mock_nested, domain)->on_viommu &&
	       !READ_ONCE(mdev->viommu);
}

static int mock_attach_dev(struct iommu_domain *domain, struct device *dev,
			   struct iommu_domain *old)
{
	struct mock_dev *mdev = mock_dev_of(dev);
	int rc;

	atomic64_inc(&mock_nr_attach_dev);
	if (mock_should_fail(&mock_fail_attach_dev))
		return -EIO;
	if (domain->dirty_ops && !mock_dirty_capable(mdev))
		return -EINVAL;
	if (mock_needs_vdevice(domain, mdev))
		return -ENOENT;
	rc = mock_iopf_get(mdev, domain);
	if (rc)
		return rc;
	spin_lock(&mdev->lock);
	mdev->rid = domain;
	spin_unlock(&mdev->lock);
	mock_iopf_put(mdev, old);
	return 0;
}

static __maybe_unused int
mock_attach_dev_compat(struct iommu_domain *domain, struct device *dev)
{
	return mock_attach_dev(domain, dev, mock_rid_domain(dev));
}

/*
 * Install @domain for @pasid in one step, whatever was there (@old): the
 * replace semantics a hardware driver implements with one PASID-table
 * entry update.  An injected failure leaves @old in place.
 */
static int mock_set_dev_pasid(struct iommu_domain *domain, struct device *dev,
			      ioasid_t pasid, struct iommu_domain *old)
{
	struct mock_dev *mdev = mock_dev_of(dev);
	void *prev;
	int rc;

	atomic64_inc(&mock_nr_set_dev_pasid);
	if (old && old != &mock_blocked_domain)
		atomic64_inc(&mock_nr_set_dev_pasid_replace);
	if (mock_should_fail(&mock_fail_set_dev_pasid))
		return -EIO;
	/*
	 * Upstream's selftest fault: on a selftest device every second
	 * installation on IOMMU_TEST_PASID_RESERVED fails, until blocked.
	 */
	if ((mdev->flags & MOCK_DEV_SELFTEST) &&
	    pasid == IOMMU_TEST_PASID_RESERVED) {
		if (atomic_cmpxchg(&mdev->reserved_pasid_fail, 1, 0))
			return -ENOMEM;
		atomic_set(&mdev->reserved_pasid_fail, 1);
	}
	if (domain->dirty_ops && !mock_dirty_capable(mdev))
		return -EINVAL;
	rc = mock_iopf_get(mdev, domain);
	if (rc)
		return rc;
	spin_lock(&mdev->lock);
	prev = xa_store(&mdev->pasids, pasid, domain, GFP_ATOMIC);
	spin_unlock(&mdev->lock);
	if (xa_is_err(prev)) {
		mock_iopf_put(mdev, domain);
		return xa_err(prev);
	}
	mock_iopf_put(mdev, old);
	return 0;
}

static int mock_map_pages(struct iommu_domain *domain, unsigned long iova,
			  phys_addr_t paddr, size_t pgsize, size_t pgcount,
			  int prot, gfp_t gfp, size_t *mapped)
{
	struct mock_domain *md = to_mock_domain(domain);
	unsigned long first = iova >> md->pgshift, i, n;
	int rc;

	n = pgcount * (pgsize >> md->pgshift);
	for (i = 0; i < n; i++) {
		rc = xa_insert(&md->ptes, first + i,
			       mock_pte((paddr >> md->pgshift) + i,
					ilog2(pgsize)), gfp);
		if (rc) {
			spin_lock(&md->lock);
			while (i--)
				xa_erase(&md->ptes, first + i);
			spin_unlock(&md->lock);
			return rc;
		}
	}
	*mapped = pgcount * pgsize;
	return 0;
}

static size_t mock_unmap_pages(struct iommu_domain *domain, unsigned long iova,
			       size_t pgsize, size_t pgcount,
			       struct iommu_iotlb_gather *gather)
{
	struct mock_domain *md = to_mock_domain(domain);
	unsigned long first = iova >> md->pgshift, i, n;
	size_t done = 0;

	n = pgcount * (pgsize >> md->pgshift);
	spin_lock(&md->lock);
	for (i = 0; i < n; i++) {
		if (!xa_erase(&md->ptes, first + i))
			break;
		done += 1UL << md->pgshift;
	}
	spin_unlock(&md->lock);
	return done;
}

static phys_addr_t mock_iova_to_phys(struct iommu_domain *domain,
				     dma_addr_t iova)
{
	struct mock_domain *md = to_mock_domain(domain);
	void *pte = xa_load(&md->ptes, iova >> md->pgshift);

	if (!pte)
		return 0;
	return ((phys_addr_t)FIELD_GET(MOCK_PTE_ADDR, xa_to_value(pte)) <<
		md->pgshift) | (iova & ((1UL << md->pgshift) - 1));
}

/* The index of the first granule of the page holding granule @idx. */
static unsigned long mock_pte_head(struct mock_domain *md, unsigned long idx,
				   void *pte)
{
	unsigned int order = FIELD_GET(MOCK_PTE_ORDER, xa_to_value(pte));

	return round_down(idx, 1UL << (order - md->pgshift));
}

static int mock_set_dirty_tracking(struct iommu_domain *domain, bool enable)
{
	struct mock_domain *md = to_mock_domain(domain);

	spin_lock(&md->lock);
	md->tracking = enable;
	spin_unlock(&md->lock);
	return 0;
}

static int mock_read_and_clear_dirty(struct iommu_domain *domain,
				     unsigned long iova, size_t size,
				     unsigned long flags,
				     struct iommu_dirty_bitmap *dirty)
{
	struct mock_domain *md = to_mock_domain(domain);
	unsigned long idx = iova >> md->pgshift;
	unsigned long last = (iova + size - 1) >> md->pgshift;
	void *pte;

	spin_lock(&md->lock);
	pte = xa_load(&md->ptes, idx);
	if (pte)
		idx = mock_pte_head(md, idx, pte);
	xa_for_each_range(&md->ptes, idx, pte, idx, last) {
		u64 v = xa_to_value(pte);
		unsigned int order = FIELD_GET(MOCK_PTE_ORDER, v);

		if (mock_pte_head(md, idx, pte) != idx ||
		    !(v & MOCK_PTE_DIRTY))
			continue;
		iommufd2_dirty_record(dirty, idx << md->pgshift, 1UL << order);
		if (!(flags & IOMMU_DIRTY_NO_CLEAR))
			xa_store(&md->ptes, idx, xa_mk_value(v & ~MOCK_PTE_DIRTY),
				 GFP_ATOMIC);
	}
	spin_unlock(&md->lock);
	return 0;
}

static const struct iommu_dirty_ops mock_dirty_ops = {
	.set_dirty_tracking = mock_set_dirty_tracking,
	.read_and_clear_dirty = mock_read_and_clear_dirty,
};

/**
 * mock_domain_set_dirty() - a device wrote through @iova: mark its page
 * @domain: a mock domain with dirty tracking on
 * @iova: the IOVA written
 *
 * Return: 0; -EINVAL if @domain is not a mock domain tracking dirty pages.
 */
int mock_domain_set_dirty(struct iommu_domain *domain, unsigned long iova)
{
	struct mock_domain *md = to_mock_domain(domain);
	unsigned long idx;
	void *pte;
	int rc = 0;

	if (domain->dirty_ops != &mock_dirty_ops)
		return -EINVAL;
	spin_lock(&md->lock);
	if (!md->tracking) {
		rc = -EINVAL;
	} else {
		idx = iova >> md->pgshift;
		pte = xa_load(&md->ptes, idx);
		if (pte) {
			idx = mock_pte_head(md, idx, pte);
			pte = xa_load(&md->ptes, idx);
			xa_store(&md->ptes, idx,
				 xa_mk_value(xa_to_value(pte) | MOCK_PTE_DIRTY),
				 GFP_ATOMIC);
		}
	}
	spin_unlock(&md->lock);
	return rc;
}

static void mock_domain_free(struct iommu_domain *domain)
{
	struct mock_domain *md = to_mock_domain(domain);

	WARN_ON(!xa_empty(&md->ptes));
	xa_destroy(&md->ptes);
	kfree(md);
	atomic64_dec(&mock_nr_domains);
}

static const struct iommu_domain_ops mock_domain_ops = {
	IFD_COMPAT_ATTACH_DEV_OP(mock_attach_dev_compat, mock_attach_dev),
	.set_dev_pasid = mock_set_dev_pasid,
	.map_pages = mock_map_pages,
	.unmap_pages = mock_unmap_pages,
	.iova_to_phys = mock_iova_to_phys,
	.free = mock_domain_free,
};

static struct iommu_domain *
mock_domain_alloc_paging_flags(struct device *dev, u32 flags,
			       const struct iommu_user_data *user_data)
{
	struct mock_dev *mdev = mock_dev_of(dev);
	struct iommu_hwpt_selftest cfg = {};
	struct mock_domain *md;
	int rc;

	if (flags & ~(IOMMU_HWPT_ALLOC_PASID | IOMMU_HWPT_ALLOC_NEST_PARENT |
		      IOMMU_HWPT_ALLOC_DIRTY_TRACKING))
		return ERR_PTR(-EOPNOTSUPP);
	if ((flags & IOMMU_HWPT_ALLOC_DIRTY_TRACKING) &&
	    !mock_dirty_capable(mdev))
		return ERR_PTR(-EOPNOTSUPP);
	if (user_data) {
		if (!(mdev->flags & MOCK_DEV_SELFTEST) ||
		    user_data->type != IOMMU_HWPT_DATA_SELFTEST)
			return ERR_PTR(-EOPNOTSUPP);
		rc = iommu_copy_struct_from_user(&cfg, user_data,
						 IOMMU_HWPT_DATA_SELFTEST,
						 iotlb);
		if (rc)
			return ERR_PTR(rc);
		if (cfg.pagetable_type != MOCK_IOMMUPT_DEFAULT &&
		    cfg.pagetable_type != MOCK_IOMMUPT_HUGE)
			return ERR_PTR(-EOPNOTSUPP);
	}
	md = kzalloc_obj(*md, GFP_KERNEL);
	if (!md)
		return ERR_PTR(-ENOMEM);
	spin_lock_init(&md->lock);
	xa_init(&md->ptes);
	md->domain.ops = &mock_domain_ops;
	md->domain.geometry.force_aperture = true;
	if (mdev->flags & MOCK_DEV_SELFTEST) {
		/*
		 * Upstream's selftest geometry: half-page granules and a 2 GiB
		 * window.  Its default format (AMD v1) has a leaf of every
		 * power of two, so a CPU page mapped whole is one IOPTE and is
		 * dirtied as one.
		 */
		md->pgshift = ilog2(MOCK_PAGE_SIZE);
		md->domain.pgsize_bitmap = GENMASK(MOCK_MAX_PAGE_SHIFT,
						   md->pgshift);
		md->domain.geometry.aperture_start = MOCK_APERTURE_START;
		md->domain.geometry.aperture_end = MOCK_APERTURE_LAST;
	} else {
		md->pgshift = PAGE_SHIFT;
		md->domain.pgsize_bitmap = PAGE_SIZE;
		md->domain.geometry.aperture_start = 0;
		md->domain.geometry.aperture_end = (1UL << 48) - 1;
	}
	if (cfg.pagetable_type == MOCK_IOMMUPT_HUGE) {
		/* Huge pages only, plus the CPU page iommufd2 requires. */
		md->domain.geometry.aperture_start = 0;
		md->domain.geometry.aperture_end = (1UL << 48) - 1;
		md->domain.pgsize_bitmap = MOCK_HUGE_PAGE_SIZE | PAGE_SIZE;
	}
	if (flags & IOMMU_HWPT_ALLOC_DIRTY_TRACKING)
		md->domain.dirty_ops = &mock_dirty_ops;
	atomic64_inc(&mock_nr_domains);
	return &md->domain;
}

static struct mock_nested *to_mock_nested(struct iommu_domain *domain)
{
	return container_of(domain, struct mock_nested, domain);
}

static void mock_nested_free(struct iommu_domain *domain)
{
	kfree(to_mock_nested(domain));
	atomic64_dec(&mock_nr_domains);
}

/**
 * struct mock_inv - one selftest invalidation request, either format
 * @flags: IOMMU_TEST_INVALIDATE_FLAG_ALL or 0
 * @id: the table entry to clear (all of them with the flag)
 * @vdev_id: for the vIOMMU format, the device whose table it is
 */
struct mock_inv {
	u32 flags;
	u32 id;
	u32 vdev_id;
};

static void mock_inv_clear(u32 *table, unsigned int n,
			   const struct mock_inv *req)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (i == req->id || (req->flags & IOMMU_TEST_INVALIDATE_FLAG_ALL))
			WRITE_ONCE(table[i], 0);
}

/*
 * Both selftest formats clear entries of small tables: run the requests
 * of @array in order (@read converts one, @apply carries it out) until
 * one is refused; entry_num ends as the number carried out.
 */
static int mock_inv_run(struct iommu_user_data_array *array, u32 type,
			u32 id_max,
			int (*read)(struct iommu_user_data_array *array,
				    u32 index, struct mock_inv *req),
			int (*apply)(const struct mock_inv *req, void *arg),
			void *arg)
{
	struct mock_inv req;
	u32 done = 0;
	int rc = 0;

	if (array->type != type)
		rc = -EINVAL;
	for (; !rc && done < array->entry_num; done += !rc) {
		rc = read(array, done, &req);
		if (!rc && (req.flags & ~IOMMU_TEST_INVALIDATE_FLAG_ALL))
			rc = -EOPNOTSUPP;
		else if (!rc && req.id > id_max)
			rc = -EINVAL;
		if (!rc)
			rc = apply(&req, arg);
	}
	array->entry_num = done;
	return rc;
}

static int mock_nested_read_inv(struct iommu_user_data_array *array,
				u32 index, struct mock_inv *req)
{
	struct iommu_hwpt_invalidate_selftest inv = {};
	int rc;

	rc = iommu_copy_struct_from_user_array(&inv, array,
					       IOMMU_HWPT_INVALIDATE_DATA_SELFTEST,
					       index, iotlb_id);
	*req = (struct mock_inv){ .flags = inv.flags, .id = inv.iotlb_id };
	return rc;
}

static int mock_nested_apply_inv(const struct mock_inv *req, void *arg)
{
	struct mock_nested *mn = arg;

	mock_inv_clear(mn->iotlb, ARRAY_SIZE(mn->iotlb), req);
	return 0;
}

/* IOMMU_HWPT_INVALIDATE_DATA_SELFTEST: entries of the emulated IOTLB. */
static int mock_nested_invalidate(struct iommu_domain *domain,
				  struct iommu_user_data_array *array)
{
	return mock_inv_run(array, IOMMU_HWPT_INVALIDATE_DATA_SELFTEST,
			    MOCK_NESTED_DOMAIN_IOTLB_ID_MAX,
			    mock_nested_read_inv, mock_nested_apply_inv,
			    to_mock_nested(domain));
}

static const struct iommu_domain_ops mock_nested_ops = {
	IFD_COMPAT_ATTACH_DEV_OP(mock_attach_dev_compat, mock_attach_dev),
	.set_dev_pasid = mock_set_dev_pasid,
	.cache_invalidate_user = mock_nested_invalidate,
	.free = mock_nested_free,
};

/* Mock domains of either kind: the paging one a DMA goes through. */
static struct mock_domain *mock_translating(struct iommu_domain *domain)
{
	if (domain->ops == &mock_nested_ops)
		return to_mock_nested(domain)->parent;
	return to_mock_domain(domain);
}

/*
 * A nested domain on a mock paging @parent (made with NEST_PARENT), from
 * struct iommu_hwpt_selftest: every IOTLB entry starts at its iotlb value.
 */
static struct iommu_domain *
mock_domain_alloc_nested(struct device *dev, struct iommu_domain *parent,
			 u32 flags, const struct iommu_user_data *user_data)
{
	struct iommu_hwpt_selftest cfg;
	struct mock_nested *mn;
	int rc, i;

	if (flags & ~IOMMU_HWPT_ALLOC_PASID)
		return ERR_PTR(-EOPNOTSUPP);
	if (!parent || parent->ops != &mock_domain_ops)
		return ERR_PTR(-EINVAL);
	if (user_data->type != IOMMU_HWPT_DATA_SELFTEST)
		return ERR_PTR(-EOPNOTSUPP);
	rc = iommu_copy_struct_from_user(&cfg, user_data,
					 IOMMU_HWPT_DATA_SELFTEST, iotlb);
	if (rc)
		return ERR_PTR(rc);
	mn = kzalloc_obj(*mn, GFP_KERNEL_ACCOUNT);
	if (!mn)
		return ERR_PTR(-ENOMEM);
	mn->domain.type = IOMMU_DOMAIN_NESTED;
	mn->domain.ops = &mock_nested_ops;
	mn->parent = to_mock_domain(parent);
	for (i = 0; i < MOCK_NESTED_DOMAIN_IOTLB_NUM; i++)
		mn->iotlb[i] = cfg.iotlb;
	atomic64_inc(&mock_nr_domains);
	return &mn->domain;
}

static struct iommu_domain *
mock_viommu_alloc_nested(struct device *dev, struct iommu_domain *parent,
			 u32 flags, const struct iommu_user_data *user_data)
{
	struct iommu_domain *domain;

	domain = mock_domain_alloc_nested(dev, parent, flags, user_data);
	if (!IS_ERR(domain))
		to_mock_nested(domain)->on_viommu = true;
	return domain;
}

/**
 * mock_nested_check_iotlb() - compare an emulated IOTLB entry
 * @domain: a domain of any driver
 * @id: the entry, up to MOCK_NESTED_DOMAIN_IOTLB_ID_MAX
 * @value: what it must hold
 *
 * Return: 0 if equal; -EINVAL if not, for another kind of domain or a bad
 * @id.
 */
int mock_nested_check_iotlb(struct iommu_domain *domain, u32 id, u32 value)
{
	if (domain->ops != &mock_nested_ops ||
	    id > MOCK_NESTED_DOMAIN_IOTLB_ID_MAX)
		return -EINVAL;
	return READ_ONCE(to_mock_nested(domain)->iotlb[id]) == value ? 0 :
									-EINVAL;
}

/**
 * mock_report_page_request() - a mock device asks for a page
 * @mdev: the device
 * @pasid: IOMMU_NO_PASID, or the PASID it asks for
 * @grpid: the page request group
 * @perm: IOMMU_PGFAULT_PERM_* it needs
 * @addr: the address
 *
 * The core hands the request to the fault handler of the domain attached
 * there, or answers it itself when there is none.
 */
void mock_report_page_request(struct mock_dev *mdev, u32 pasid, u32 grpid,
			      u32 perm, u64 addr)
{
	struct iopf_fault evt = {
		.fault = {
			.type = IOMMU_FAULT_PAGE_REQ,
			.prm = {
				.flags = IOMMU_FAULT_PAGE_REQUEST_LAST_PAGE,
				.pasid = pasid,
				.grpid = grpid,
				.perm = perm,
				.addr = addr,
			},
		},
	};

	if (pasid != IOMMU_NO_PASID)
		evt.fault.prm.flags |= IOMMU_FAULT_PAGE_REQUEST_PASID_VALID;
	iommu_report_device_fault(&mdev->pdev->dev, &evt);
}

static struct iommu_device *mock_probe_device(struct device *dev)
{
	struct iommu_fwspec *fwspec = dev_iommu_fwspec_get(dev);
	struct mock_dev *mdev;

	if (!fwspec || fwspec->iommu_fwnode != mock_fwnode)
		return ERR_PTR(-ENODEV);
	mutex_lock(&mock_devs_lock);
	list_for_each_entry(mdev, &mock_devs, link) {
		if (&mdev->pdev->dev == dev) {
			dev_iommu_priv_set(dev, mdev);
			mutex_unlock(&mock_devs_lock);
			return &mock_iommu;
		}
	}
	mutex_unlock(&mock_devs_lock);
	return ERR_PTR(-ENODEV);
}

static bool mock_capable(struct device *dev, enum iommu_cap cap)
{
	if (cap == IOMMU_CAP_DIRTY_TRACKING)
		return mock_dirty_capable(mock_dev_of(dev));
	return cap == IOMMU_CAP_CACHE_COHERENCY;
}

/*
 * IOMMU_GET_HW_INFO data: upstream's selftest register block, for
 * selftest devices; the others have none.
 */
static void *mock_hw_info(struct device *dev, u32 *length,
			  enum iommu_hw_info_type *type)
{
	struct iommu_test_hw_info *info;

	if (!(mock_dev_of(dev)->flags & MOCK_DEV_SELFTEST)) {
		*length = 0;
		*type = IOMMU_HW_INFO_TYPE_NONE;
		return NULL;
	}
	if (*type != IOMMU_HW_INFO_TYPE_DEFAULT &&
	    *type != IOMMU_HW_INFO_TYPE_SELFTEST)
		return ERR_PTR(-EOPNOTSUPP);
	info = kzalloc_obj(*info, GFP_KERNEL);
	if (!info)
		return ERR_PTR(-ENOMEM);
	info->test_reg = IOMMU_HW_INFO_SELFTEST_REGVAL;
	*length = sizeof(*info);
	*type = IOMMU_HW_INFO_TYPE_SELFTEST;
	return info;
}

/**
 * mock_domain_check_map() - compare a domain's translation with a page
 * @domain: a domain of any driver
 * @iova: where to translate
 * @phys: what it must translate to
 *
 * Return: 0 if equal; -EINVAL if not, or if @domain is not a mock domain.
 */
int mock_domain_check_map(struct iommu_domain *domain, unsigned long iova,
			  phys_addr_t phys)
{
	if (domain->ops != &mock_domain_ops)
		return -EINVAL;
	return mock_iova_to_phys(domain, iova) == phys ? 0 : -EINVAL;
}

/**
 * mock_is_mock_device() - whether @dev sits behind the mock IOMMU
 * @dev: a device
 *
 * Return: the mock device or NULL.
 */
struct mock_dev *mock_is_mock_device(struct device *dev)
{
	if (!dev->iommu || dev->iommu->iommu_dev != &mock_iommu)
		return NULL;
	return mock_dev_of(dev);
}

/* Both allocators in one, for kernels that have only that (compat.h). */
static __maybe_unused struct iommu_domain *
mock_domain_alloc_user(struct device *dev, u32 flags,
		       struct iommu_domain *parent,
		       const struct iommu_user_data *data)
{
	if (parent)
		return mock_domain_alloc_nested(dev, parent, flags, data);
	return mock_domain_alloc_paging_flags(dev, flags, data);
}

static const struct iommu_ops mock_ops = {
	.owner = THIS_MODULE,
	.capable = mock_capable,
	.hw_info = mock_hw_info,
	IFD_COMPAT_DOMAIN_ALLOC_OPS(mock_domain_alloc_user,
				    mock_domain_alloc_paging_flags,
				    mock_domain_alloc_nested),
	.page_response = mock_page_response,
	/* Faults tagged with a PASID may belong to a nested RID domain. */
	.user_pasid_table = true,
	.probe_device = mock_probe_device,
	.device_group = generic_device_group,
	IFD_COMPAT_REMOVE_DEV_PASID_OP(mock_remove_dev_pasid)
	.blocked_domain = &mock_blocked_domain,
	.default_domain = &mock_blocked_domain,
	.default_domain_ops = &mock_domain_ops,
};

/**
 * mock_dma() - a DMA write by a mock device
 * @mdev: the device
 * @pasid: MOCK_NO_PASID for the RID, else the PASID
 * @iova: where the device writes
 * @value: what it writes
 *
 * Return: 0, or -EFAULT if nothing translates @iova for (@mdev, @pasid).
 */
int mock_dma(struct mock_dev *mdev, u32 pasid, u64 iova, u32 value)
{
	struct iommu_domain *domain;
	struct mock_domain *md;
	phys_addr_t phys;
	int rc = -EFAULT;
	void *va;

	if (iova & 3)
		return -EINVAL;
	spin_lock(&mdev->lock);
	domain = pasid == MOCK_NO_PASID ? mdev->rid :
					  xa_load(&mdev->pasids, pasid);
	if (domain) {
		md = mock_translating(domain);
		spin_lock(&md->lock);
		phys = mock_iova_to_phys(&md->domain, iova);
		if (phys) {
			va = kmap_local_pfn(PHYS_PFN(phys));
			*(u32 *)(va + offset_in_page(phys)) = value;
			kunmap_local(va);
			rc = 0;
		}
		spin_unlock(&md->lock);
	}
	spin_unlock(&mdev->lock);
	return rc;
}

/**
 * mock_dev_domain() - the domain translating a PASID (or the RID) now
 * @mdev: the device
 * @pasid: IOMMU_NO_PASID for the RID
 *
 * Return: the domain, NULL when blocked; for comparison only.
 */
struct iommu_domain *mock_dev_domain(struct mock_dev *mdev, u32 pasid)
{
	struct iommu_domain *domain;

	spin_lock(&mdev->lock);
	domain = pasid == IOMMU_NO_PASID ? mdev->rid :
					   xa_load(&mdev->pasids, pasid);
	spin_unlock(&mdev->lock);
	return domain;
}

/*
 * Add the platform device with its fwspec pointing at our IOMMU, so the
 * core probes it with our ops.  The core wants fwspecs set up under its
 * probe lock; kernels built for iommufd testing export a helper that does
 * so, stock kernels (no lockdep) let us set it up before adding.
 */
#ifdef MOCK_HAVE_IOMMU_MOCK_DEVICE_ADD
int iommu_mock_device_add(struct device *dev, struct iommu_device *iommu);

static int mock_platform_device_add(struct platform_device *pdev)
{
	pdev->dev.parent = &platform_bus;
	pdev->dev.bus = &platform_bus_type;
	dev_set_name(&pdev->dev, "%s.%d", pdev->name, pdev->id);
	return iommu_mock_device_add(&pdev->dev, &mock_iommu);
}
#else
static int mock_platform_device_add(struct platform_device *pdev)
{
	int rc = iommu_fwspec_init(&pdev->dev, mock_fwnode);

	return rc ?: platform_device_add(pdev);
}
#endif

/**
 * mock_dev_create() - a new mock device, probed behind the mock IOMMU
 * @index: its name in the test interface
 * @pasid_bits: PASID width, 0 for a device without PASID support
 * @flags: MOCK_DEV_* flags
 *
 * Return: the device or an ERR_PTR.
 */
struct mock_dev *mock_dev_create(u32 index, u32 pasid_bits, u32 flags)
{
	struct property_entry props[2] = {};
	struct mock_dev *mdev;
	unsigned int i;
	int rc;

	if (pasid_bits > MOCK_MAX_PASID_BITS)
		return ERR_PTR(-EINVAL);
	mdev = kzalloc_obj(*mdev, GFP_KERNEL);
	if (!mdev)
		return ERR_PTR(-ENOMEM);
	mdev->index = index;
	mdev->flags = flags;
	for (i = 0; i < ARRAY_SIZE(mdev->cache); i++)
		mdev->cache[i] = IOMMU_TEST_DEV_CACHE_DEFAULT;
	spin_lock_init(&mdev->lock);
	mutex_init(&mdev->vdev_lock);
	xa_init(&mdev->pasids);
	xa_init(&mdev->attached);
	mdev->pdev = platform_device_alloc(flags & MOCK_DEV_SELFTEST ?
					   "iommufd2-mock-st" :
					   "iommufd2-mock-dev", index);
	if (!mdev->pdev) {
		rc = -ENOMEM;
		goto out_free;
	}
	if (pasid_bits) {
		props[0] = PROPERTY_ENTRY_U32("pasid-num-bits", pasid_bits);
		rc = device_create_managed_software_node(&mdev->pdev->dev,
							 props, NULL);
		if (rc)
			goto out_put;
	}
	mutex_lock(&mock_devs_lock);
	list_add(&mdev->link, &mock_devs);
	mutex_unlock(&mock_devs_lock);
	rc = mock_platform_device_add(mdev->pdev);
	if (!rc && !mdev->pdev->dev.iommu_group) {
		platform_device_del(mdev->pdev);
		rc = -ENODEV;
	}
	if (rc) {
		mutex_lock(&mock_devs_lock);
		list_del(&mdev->link);
		mutex_unlock(&mock_devs_lock);
		goto out_put;
	}
	/* Probed: the device is found through its iommu private data now. */
	mutex_lock(&mock_devs_lock);
	list_del_init(&mdev->link);
	mutex_unlock(&mock_devs_lock);
	return mdev;

out_put:
	platform_device_put(mdev->pdev);
out_free:
	kfree(mdev);
	return ERR_PTR(rc);
}

/**
 * mock_dev_destroy() - remove a mock device (unbound from iommufd2)
 * @mdev: the device
 */
void mock_dev_destroy(struct mock_dev *mdev)
{
	platform_device_unregister(mdev->pdev);
	WARN_ON(mdev->rid || !xa_empty(&mdev->pasids));
	xa_destroy(&mdev->pasids);
	xa_destroy(&mdev->attached);
	kfree(mdev);
}

/**
 * mock_inject() - fail the next @count calls of an operation
 * @op: enum mock_fail_op
 * @count: how many
 */
void mock_inject(u32 op, u32 count)
{
	if (op == MOCK_FAIL_SET_DEV_PASID)
		atomic_set(&mock_fail_set_dev_pasid, count);
	else if (op == MOCK_FAIL_ATTACH_DEV)
		atomic_set(&mock_fail_attach_dev, count);
}

/**
 * mock_get_stats() - the driver's call counters
 * @stats: filled in
 */
void mock_get_stats(struct mock_stats *stats)
{
	stats->set_dev_pasid = atomic64_read(&mock_nr_set_dev_pasid);
	stats->set_dev_pasid_replace =
		atomic64_read(&mock_nr_set_dev_pasid_replace);
	stats->attach_dev = atomic64_read(&mock_nr_attach_dev);
	stats->domains_live = atomic64_read(&mock_nr_domains);
	stats->vdev_init = atomic64_read(&mock_nr_vdev_init);
	stats->vdev_destroy = atomic64_read(&mock_nr_vdev_destroy);
	stats->vdev_destroy_unowned =
		atomic64_read(&mock_nr_vdev_destroy_unowned);
}

static bool mock_viommu_match(struct device *dev)
{
	return mock_is_mock_device(dev);
}

/* Stand-ins for a security manager's bind and unbind of the device. */
static int mock_vdevice_init(struct ifd_viommu *viommu, struct device *dev,
			     u64 virt_id)
{
	struct mock_dev *mdev = mock_dev_of(dev);

	atomic64_inc(&mock_nr_vdev_init);
	mutex_lock(&mdev->vdev_lock);
	WRITE_ONCE(mdev->viommu, viommu);
	mdev->virt_id = virt_id;
	mutex_unlock(&mdev->vdev_lock);
	return 0;
}

static void mock_vdevice_destroy(struct ifd_viommu *viommu,
				 struct device *dev, u64 virt_id)
{
	struct mock_dev *mdev = mock_dev_of(dev);

	atomic64_inc(&mock_nr_vdev_destroy);
	mutex_lock(&mdev->vdev_lock);
	WRITE_ONCE(mdev->viommu, NULL);
	mutex_unlock(&mdev->vdev_lock);
	/* The unbind must happen while the device is still owned for DMA. */
	if (!iommu_group_dma_owner_claimed(dev->iommu_group))
		atomic64_inc(&mock_nr_vdev_destroy_unowned);
}

/**
 * mock_dev_report_vevent() - the selftest vIOMMU reports an event for a
 *	device, naming it by its virtual ID
 * @mdev: the device
 *
 * Return: 0; -ENOENT without a vDevice; or iommufd2's answer.
 */
int mock_dev_report_vevent(struct mock_dev *mdev)
{
	struct iommu_viommu_event_selftest ev = {};
	int rc = -ENOENT;

	/* The vDevice, and so its vIOMMU, lives while this is held. */
	mutex_lock(&mdev->vdev_lock);
	if (mdev->viommu) {
		ev.virt_id = mdev->virt_id;
		rc = iommufd2_viommu_report_event(mdev->viommu,
						  IOMMU_VEVENTQ_TYPE_SELFTEST,
						  &ev, sizeof(ev));
	}
	mutex_unlock(&mdev->vdev_lock);
	return rc;
}

/* Clear a mock device's cache entries as one request of the guest asks. */
static int mock_dev_cache_clear(struct device *dev, void *arg)
{
	struct mock_dev *mdev = mock_dev_of(dev);

	mock_inv_clear(mdev->cache, ARRAY_SIZE(mdev->cache), arg);
	return 0;
}

static int mock_viommu_read_inv(struct iommu_user_data_array *array,
				u32 index, struct mock_inv *req)
{
	struct iommu_viommu_invalidate_selftest inv = {};
	int rc;

	rc = iommu_copy_struct_from_user_array(&inv, array,
					       IOMMU_VIOMMU_INVALIDATE_DATA_SELFTEST,
					       index, cache_id);
	*req = (struct mock_inv){
		.flags = inv.flags,
		.id = inv.cache_id,
		.vdev_id = inv.vdev_id,
	};
	return rc;
}

/* Only mock devices have vDevices in a mock vIOMMU. */
static int mock_viommu_apply_inv(const struct mock_inv *req, void *arg)
{
	return iommufd2_viommu_vdev_call(arg, req->vdev_id,
					 mock_dev_cache_clear, (void *)req);
}

/*
 * The selftest vIOMMU's invalidation: device cache entries, the device
 * named by its virtual ID.
 */
static int mock_viommu_cache_invalidate(struct ifd_viommu *viommu,
					struct iommu_user_data_array *array)
{
	return mock_inv_run(array, IOMMU_VIOMMU_INVALIDATE_DATA_SELFTEST,
			    MOCK_DEV_CACHE_ID_MAX, mock_viommu_read_inv,
			    mock_viommu_apply_inv, viommu);
}

static struct iommufd2_viommu_type mock_viommu_type = {
	.type = MOCK_VIOMMU_TYPE_SELFTEST,
	.needs_nest_parent = true,
	.owner = THIS_MODULE,
	.match = mock_viommu_match,
	.vdevice_init = mock_vdevice_init,
	.vdevice_destroy = mock_vdevice_destroy,
	.alloc_domain_nested = mock_viommu_alloc_nested,
	.cache_invalidate = mock_viommu_cache_invalidate,
	.init = mock_viommu_init,
	.destroy = mock_viommu_destroy,
	.hw_queue_init = mock_hw_queue_init,
	.hw_queue_destroy = mock_hw_queue_destroy,
};

/**
 * mock_iommu_init() - register the mock IOMMU
 *
 * Return: 0 or an error.
 */
int mock_iommu_init(void)
{
	int rc;

	mock_iopf_queue = iopf_queue_alloc("iommufd2-mock-iopf");
	if (!mock_iopf_queue)
		return -ENOMEM;
	mock_fwnode = fwnode_create_software_node(NULL, NULL);
	if (IS_ERR(mock_fwnode)) {
		iopf_queue_free(mock_iopf_queue);
		return PTR_ERR(mock_fwnode);
	}
	mock_iommu.fwnode = mock_fwnode;
	mock_iommu.max_pasids = 1U << MOCK_MAX_PASID_BITS;
	/* The core links probed devices to the IOMMU's sysfs device. */
	rc = iommu_device_sysfs_add(&mock_iommu, NULL, NULL, "iommufd2-mock");
	if (rc)
		goto out_fwnode;
	rc = iommu_device_register(&mock_iommu, &mock_ops, NULL);
	if (rc)
		goto out_sysfs;
	rc = iommufd2_viommu_type_register(&mock_viommu_type);
	if (rc)
		goto out_unregister;
	rc = iommufd2_dirty_ops_register(&mock_dirty_ops);
	if (rc)
		goto out_vtype;
	return 0;

out_vtype:
	iommufd2_viommu_type_unregister(&mock_viommu_type);
out_unregister:
	iommu_device_unregister(&mock_iommu);
out_sysfs:
	iommu_device_sysfs_remove(&mock_iommu);
out_fwnode:
	fwnode_remove_software_node(mock_fwnode);
	iopf_queue_free(mock_iopf_queue);
	return rc;
}

/**
 * mock_iommu_exit() - unregister the mock IOMMU (no devices are left)
 */
void mock_iommu_exit(void)
{
	iommufd2_dirty_ops_unregister(&mock_dirty_ops);
	iommufd2_viommu_type_unregister(&mock_viommu_type);
	iommu_device_unregister(&mock_iommu);
	iommu_device_sysfs_remove(&mock_iommu);
	fwnode_remove_software_node(mock_fwnode);
	iopf_queue_free(mock_iopf_queue);
}
