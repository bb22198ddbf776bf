// SPDX-License-Identifier: GPL-2.0
/*
 * IOMMU_TEST_CMD on /dev/iommufd2: the operations upstream's iommufd
 * selftests drive, served by the mock IOMMU through iommufd2's exported
 * API (iommufd2/kapi.h).
 *
 * A selftest device ("stdev") is a mock device with upstream's selftest
 * geometry, bound to the issuing context and owned by a driver object of
 * that context: destroying the stdev's ID (or closing the context) unbinds
 * and removes the device.  Operations on a stdev hold the object's
 * short-term reference, so they cannot race its destruction; @lock
 * serialises the attach/replace/detach calls the kapi wants serialised per
 * device.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/idr.h>
#include <linux/iommu.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <iommufd2/iommufd.h>

#include "iommufd2/kapi.h"
#include "iommufd2/iommufd_test.h"
#include "mock_uapi.h"
#include "mock.h"

/**
 * struct mock_stdev - a selftest device
 * @mdev: the mock device
 * @idev: its binding in the context
 * @lock: serialises attach/replace/detach of @idev
 */
struct mock_stdev {
	struct mock_dev *mdev;
	struct ifd_device *idev;
	struct mutex lock;	/* see above */
};

static DEFINE_IDA(mock_stdev_indexes);

static void mock_stdev_free(struct mock_stdev *st)
{
	u32 index = st->mdev->index;

	mock_dev_destroy(st->mdev);
	ida_free(&mock_stdev_indexes, index);
	mutex_destroy(&st->lock);
	kfree(st);
}

static void mock_stdev_destroy(void *data)
{
	struct mock_stdev *st = data;

	iommufd2_device_unbind(st->idev);
	mock_stdev_free(st);
}

static const struct iommufd2_driver_object_ops mock_stdev_ops = {
	.owner = THIS_MODULE,
	.destroy = mock_stdev_destroy,
};

static int mock_st_mock_domain(struct iommufd2_test_call *call)
{
	struct iommu_test_cmd *cmd = call->cmd;
	u32 dev_flags = 0, flags = MOCK_DEV_SELFTEST, pasid_bits = 0;
	struct ifd_driver_object *dobj;
	struct mock_stdev *st;
	u32 pt_id = cmd->id, stdev_id, idev_id;
	int index, rc;

	if (cmd->op == IOMMU_TEST_OP_MOCK_DOMAIN_FLAGS)
		dev_flags = cmd->mock_domain_flags.dev_flags;
	if (dev_flags & ~(MOCK_FLAGS_DEVICE_NO_DIRTY | MOCK_FLAGS_DEVICE_PASID))
		return -EINVAL;
	if (dev_flags & MOCK_FLAGS_DEVICE_NO_DIRTY)
		flags |= MOCK_DEV_NO_DIRTY;
	if (dev_flags & MOCK_FLAGS_DEVICE_PASID)
		pasid_bits = MOCK_PASID_WIDTH;

	st = kzalloc_obj(*st, GFP_KERNEL_ACCOUNT);
	if (!st)
		return -ENOMEM;
	mutex_init(&st->lock);
	dobj = iommufd2_driver_object_alloc(call->ctx, &mock_stdev_ops, st,
					    &stdev_id);
	if (IS_ERR(dobj)) {
		rc = PTR_ERR(dobj);
		goto out_free;
	}
	index = ida_alloc(&mock_stdev_indexes, GFP_KERNEL);
	if (index < 0) {
		rc = index;
		goto out_abort;
	}
	st->mdev = mock_dev_create(index, pasid_bits, flags);
	if (IS_ERR(st->mdev)) {
		rc = PTR_ERR(st->mdev);
		ida_free(&mock_stdev_indexes, index);
		goto out_abort;
	}
	/* The mock's "DMA" is kernel code: it cannot forge an MSI. */
	st->idev = iommufd2_device_bind_flags(call->ctx, &st->mdev->pdev->dev,
					      &idev_id, IOMMUFD2_BIND_OWNED |
					      IOMMUFD2_BIND_SOFTWARE_DMA);
	if (IS_ERR(st->idev)) {
		rc = PTR_ERR(st->idev);
		goto out_mdev;
	}
	rc = iommufd2_device_attach(st->idev, IOMMU_NO_PASID, &pt_id);
	if (rc)
		goto out_unbind;
	cmd->mock_domain.out_stdev_id = stdev_id;
	cmd->mock_domain.out_hwpt_id = pt_id;
	cmd->mock_domain.out_idev_id = idev_id;
	rc = iommufd2_test_respond(call);
	if (rc)
		goto out_unbind;
	iommufd2_driver_object_publish(dobj);
	return 0;

out_unbind:
	iommufd2_device_unbind(st->idev);
out_mdev:
	mock_dev_destroy(st->mdev);
	ida_free(&mock_stdev_indexes, index);
out_abort:
	iommufd2_driver_object_abort(dobj);
out_free:
	mutex_destroy(&st->lock);
	kfree(st);
	return rc;
}

static struct mock_stdev *mock_stdev_get(struct iommufd2_test_call *call,
					 struct ifd_driver_object **dobj)
{
	return iommufd2_driver_object_get(call->ctx, call->cmd->id,
					  &mock_stdev_ops, dobj);
}

/* MOCK_DOMAIN_REPLACE and the PASID operations on a selftest device. */
static int mock_st_attach_op(struct iommufd2_test_call *call)
{
	struct iommu_test_cmd *cmd = call->cmd;
	struct ifd_driver_object *dobj;
	struct mock_stdev *st;
	int rc = 0;

	st = mock_stdev_get(call, &dobj);
	if (IS_ERR(st))
		return PTR_ERR(st);
	mutex_lock(&st->lock);
	switch (cmd->op) {
	case IOMMU_TEST_OP_MOCK_DOMAIN_REPLACE:
		rc = iommufd2_device_replace(st->idev, IOMMU_NO_PASID,
					     &cmd->mock_domain_replace.pt_id);
		break;
	case IOMMU_TEST_OP_PASID_ATTACH:
		rc = iommufd2_device_attach(st->idev, cmd->pasid_attach.pasid,
					    &cmd->pasid_attach.pt_id);
		break;
	case IOMMU_TEST_OP_PASID_REPLACE:
		rc = iommufd2_device_replace(st->idev, cmd->pasid_replace.pasid,
					     &cmd->pasid_replace.pt_id);
		break;
	case IOMMU_TEST_OP_PASID_DETACH:
		iommufd2_device_detach(st->idev, cmd->pasid_detach.pasid);
		break;
	}
	if (!rc && cmd->op != IOMMU_TEST_OP_PASID_DETACH) {
		rc = iommufd2_test_respond(call);
		/* A fresh attachment the caller never learnt of is undone. */
		if (rc && cmd->op == IOMMU_TEST_OP_PASID_ATTACH)
			iommufd2_device_detach(st->idev,
					       cmd->pasid_attach.pasid);
	}
	mutex_unlock(&st->lock);
	iommufd2_driver_object_put(dobj);
	return rc;
}

static int mock_st_pasid_check_hwpt(struct iommufd2_test_call *call)
{
	struct iommu_test_cmd *cmd = call->cmd;
	struct iommu_domain *attached;
	struct ifd_driver_object *dobj;
	struct mock_stdev *st;
	struct ifd_hwpt *hwpt;
	int rc = 0;

	st = mock_stdev_get(call, &dobj);
	if (IS_ERR(st))
		return PTR_ERR(st);
	attached = mock_dev_domain(st->mdev, cmd->pasid_check.pasid);
	if (!cmd->pasid_check.hwpt_id) {
		if (attached)
			rc = -EINVAL;
		goto out;
	}
	hwpt = iommufd2_hwpt_get(call->ctx, cmd->pasid_check.hwpt_id);
	if (IS_ERR(hwpt)) {
		rc = PTR_ERR(hwpt);
		goto out;
	}
	if (attached != iommufd2_hwpt_domain(hwpt))
		rc = -EINVAL;
	iommufd2_hwpt_put(hwpt);
out:
	iommufd2_driver_object_put(dobj);
	return rc;
}

static int mock_st_add_reserved(struct iommufd2_test_call *call)
{
	struct iommu_test_cmd *cmd = call->cmd;
	unsigned long last;

	if (!cmd->add_reserved.length)
		return -EINVAL;
	if (check_add_overflow((unsigned long)cmd->add_reserved.start,
			       (unsigned long)cmd->add_reserved.length - 1,
			       &last))
		return -EOVERFLOW;
	return iommufd2_ioas_reserve(call->ctx, cmd->id,
				     cmd->add_reserved.start, last);
}

/**
 * mock_user_pfn() - the page behind a user address, without keeping it
 * @uaddr: the address (any alignment)
 * @pfn: receives its page frame
 * @refs: if not NULL, receives the page's pin count (U32_MAX for a
 *	compound page, whose pins are not counted per page)
 *
 * Return: 0 or -errno.
 */
int mock_user_pfn(unsigned long uaddr, unsigned long *pfn, unsigned int *refs)
{
	struct page *page;
	long n;

	n = get_user_pages_fast(uaddr & PAGE_MASK, 1, 0, &page);
	if (n < 0)
		return n;
	if (n != 1)
		return -EFAULT;
	*pfn = page_to_pfn(page);
	if (refs)
		*refs = PageCompound(page) ? U32_MAX :
			page_ref_count(page) / GUP_PIN_COUNTING_BIAS;
	put_page(page);
	return 0;
}

/* Every selftest page of [iova, iova + length) maps the user's memory. */
static int mock_st_check_map(struct iommufd2_test_call *call)
{
	struct iommu_test_cmd *cmd = call->cmd;
	unsigned long iova = cmd->check_map.iova;
	unsigned long uptr = cmd->check_map.uptr;
	unsigned long length = cmd->check_map.length;
	struct iommu_domain *domain;
	unsigned long pgsize, end, pfn;
	struct ifd_hwpt *hwpt;
	int rc = 0;

	hwpt = iommufd2_hwpt_get(call->ctx, cmd->id);
	if (IS_ERR(hwpt))
		return PTR_ERR(hwpt);
	domain = iommufd2_hwpt_domain(hwpt);
	/* Paging domains only: a nested one has no IOPTEs of ours. */
	if (!domain->pgsize_bitmap) {
		rc = -EINVAL;
		goto out;
	}
	pgsize = 1UL << __ffs(domain->pgsize_bitmap);
	if (iova % pgsize || length % pgsize || uptr % pgsize ||
	    check_add_overflow(uptr, length, &end)) {
		rc = -EINVAL;
		goto out;
	}
	for (; length && !rc; length -= pgsize) {
		rc = mock_user_pfn(uptr, &pfn, NULL);
		if (!rc)
			rc = mock_domain_check_map(domain, iova,
						   PFN_PHYS(pfn) +
						   offset_in_page(uptr));
		iova += pgsize;
		uptr += pgsize;
		cond_resched();
	}
out:
	iommufd2_hwpt_put(hwpt);
	return rc;
}

/* Each small page of the user range carries exactly @refs pins. */
static int mock_st_check_refs(struct iommufd2_test_call *call)
{
	struct iommu_test_cmd *cmd = call->cmd;
	unsigned long uptr = cmd->check_refs.uptr;
	unsigned long length = cmd->check_refs.length;
	unsigned long end, pfn;
	unsigned int refs;
	int rc;

	if (length % PAGE_SIZE || uptr % PAGE_SIZE ||
	    check_add_overflow(uptr, length, &end))
		return -EINVAL;
	for (; length; length -= PAGE_SIZE, uptr += PAGE_SIZE) {
		rc = mock_user_pfn(uptr, &pfn, &refs);
		if (rc)
			return rc;
		/* Pins of compound pages are not counted per page. */
		if (refs != U32_MAX && refs != cmd->check_refs.refs)
			return -EIO;
	}
	return 0;
}

static int mock_st_check_dev_cache(struct iommufd2_test_call *call)
{
	struct iommu_test_cmd *cmd = call->cmd;
	struct ifd_device *idev;
	struct mock_dev *mdev;
	int rc = 0;

	if (cmd->check_dev_cache.id > MOCK_DEV_CACHE_ID_MAX)
		return -EINVAL;
	idev = iommufd2_device_get(call->ctx, cmd->id);
	if (IS_ERR(idev))
		return PTR_ERR(idev);
	mdev = mock_is_mock_device(iommufd2_device_dev(idev));
	if (!mdev || READ_ONCE(mdev->cache[cmd->check_dev_cache.id]) !=
		     cmd->check_dev_cache.cache)
		rc = -EINVAL;
	iommufd2_device_put(idev);
	return rc;
}

static int mock_st_check_iotlb(struct iommufd2_test_call *call)
{
	struct iommu_test_cmd *cmd = call->cmd;
	struct ifd_hwpt *hwpt;
	int rc;

	hwpt = iommufd2_hwpt_get(call->ctx, cmd->id);
	if (IS_ERR(hwpt))
		return PTR_ERR(hwpt);
	rc = mock_nested_check_iotlb(iommufd2_hwpt_domain(hwpt),
				     cmd->check_iotlb.id,
				     cmd->check_iotlb.iotlb);
	iommufd2_hwpt_put(hwpt);
	return rc;
}

/* A page request from a bound mock device, as its hardware would send. */
static int mock_st_trigger_iopf(struct iommufd2_test_call *call)
{
	struct iommu_test_cmd *cmd = call->cmd;
	struct ifd_device *idev;
	struct mock_dev *mdev;

	idev = iommufd2_device_get(call->ctx, cmd->trigger_iopf.dev_id);
	if (IS_ERR(idev))
		return PTR_ERR(idev);
	mdev = mock_is_mock_device(iommufd2_device_dev(idev));
	if (mdev)
		mock_report_page_request(mdev, cmd->trigger_iopf.pasid,
					 cmd->trigger_iopf.grpid,
					 cmd->trigger_iopf.perm,
					 cmd->trigger_iopf.addr);
	iommufd2_device_put(idev);
	return mdev ? 0 : -EINVAL;
}

static int mock_st_trigger_vevent(struct iommufd2_test_call *call)
{
	struct iommu_test_cmd *cmd = call->cmd;
	struct ifd_device *idev;
	struct mock_dev *mdev;
	int rc = -EINVAL;

	idev = iommufd2_device_get(call->ctx, cmd->trigger_vevent.dev_id);
	if (IS_ERR(idev))
		return PTR_ERR(idev);
	mdev = mock_is_mock_device(iommufd2_device_dev(idev));
	if (mdev)
		rc = mock_dev_report_vevent(mdev);
	iommufd2_device_put(idev);
	return rc;
}

/* Mark the pages of the set bits of a user bitmap dirty in a domain. */
static int mock_st_dirty(struct iommufd2_test_call *call)
{
	struct iommu_test_cmd *cmd = call->cmd;
	unsigned long page_size = cmd->dirty.page_size;
	unsigned long iova = cmd->dirty.iova, nbits, i;
	unsigned long *bits;
	struct ifd_hwpt *hwpt;
	u64 count = 0;
	int rc = 0;

	if (!page_size || !cmd->dirty.length || iova % page_size ||
	    cmd->dirty.length % page_size || !cmd->dirty.uptr)
		return -EINVAL;
	nbits = cmd->dirty.length / page_size;
	if (nbits > SZ_16M * BITS_PER_BYTE)
		return -EOVERFLOW;
	hwpt = iommufd2_hwpt_get(call->ctx, cmd->id);
	if (IS_ERR(hwpt))
		return PTR_ERR(hwpt);
	bits = kvcalloc(BITS_TO_LONGS(nbits), sizeof(long), GFP_KERNEL_ACCOUNT);
	if (!bits) {
		rc = -ENOMEM;
		goto out;
	}
	if (copy_from_user(bits, u64_to_user_ptr(cmd->dirty.uptr),
			   DIV_ROUND_UP(nbits, BITS_PER_BYTE))) {
		rc = -EFAULT;
		goto out_free;
	}
	for_each_set_bit(i, bits, nbits) {
		rc = mock_domain_set_dirty(iommufd2_hwpt_domain(hwpt),
					   iova + i * page_size);
		if (rc)
			goto out_free;
		count++;
	}
	cmd->dirty.out_nr_dirty = count;
	rc = iommufd2_test_respond(call);
out_free:
	kvfree(bits);
out:
	iommufd2_hwpt_put(hwpt);
	return rc;
}

static int mock_st_run(struct iommufd2_test_call *call)
{
	struct iommu_test_cmd *cmd = call->cmd;

	switch (cmd->op) {
	case IOMMU_TEST_OP_MOCK_DOMAIN:
	case IOMMU_TEST_OP_MOCK_DOMAIN_FLAGS:
		return mock_st_mock_domain(call);
	case IOMMU_TEST_OP_MOCK_DOMAIN_REPLACE:
	case IOMMU_TEST_OP_PASID_ATTACH:
	case IOMMU_TEST_OP_PASID_REPLACE:
	case IOMMU_TEST_OP_PASID_DETACH:
		return mock_st_attach_op(call);
	case IOMMU_TEST_OP_PASID_CHECK_HWPT:
		return mock_st_pasid_check_hwpt(call);
	case IOMMU_TEST_OP_ADD_RESERVED:
		return mock_st_add_reserved(call);
	case IOMMU_TEST_OP_MD_CHECK_MAP:
		return mock_st_check_map(call);
	case IOMMU_TEST_OP_MD_CHECK_REFS:
		return mock_st_check_refs(call);
	case IOMMU_TEST_OP_DEV_CHECK_CACHE:
		return mock_st_check_dev_cache(call);
	case IOMMU_TEST_OP_DIRTY:
		return mock_st_dirty(call);
	case IOMMU_TEST_OP_DMABUF_GET:
		return mock_dmabuf_get(cmd->dmabuf_get.length,
				       cmd->dmabuf_get.open_flags);
	case IOMMU_TEST_OP_DMABUF_REVOKE:
		return mock_dmabuf_revoke(cmd->dmabuf_revoke.dmabuf_fd,
					  cmd->dmabuf_revoke.revoked);
	case IOMMU_TEST_OP_MD_CHECK_IOTLB:
		return mock_st_check_iotlb(call);
	case IOMMU_TEST_OP_TRIGGER_IOPF:
		return mock_st_trigger_iopf(call);
	case IOMMU_TEST_OP_TRIGGER_VEVENT:
		return mock_st_trigger_vevent(call);
	case IOMMU_TEST_OP_SET_TEMP_MEMORY_LIMIT:
		/* As upstream: room for at least one batch entry. */
		if (cmd->memory_limit.limit <
		    sizeof(unsigned long) + sizeof(u32))
			return -EINVAL;
		iommufd2_test_set_pin_batch(cmd->memory_limit.limit);
		return 0;
	case IOMMU_TEST_OP_CREATE_ACCESS:
	case IOMMU_TEST_OP_ACCESS_REPLACE_IOAS:
	case IOMMU_TEST_OP_ACCESS_PAGES:
	case IOMMU_TEST_OP_DESTROY_ACCESS_PAGES:
	case IOMMU_TEST_OP_ACCESS_RW:
		return mock_st_access(call);
	default:
		return -EOPNOTSUPP;
	}
}

static const struct iommufd2_test_provider mock_st_provider = {
	.owner = THIS_MODULE,
	.run = mock_st_run,
};

/**
 * mock_selftest_init() - serve IOMMU_TEST_CMD
 *
 * Return: 0 or an error.
 */
int mock_selftest_init(void)
{
	int rc = mock_dmabuf_init();

	if (rc)
		return rc;
	rc = iommufd2_test_provider_register(&mock_st_provider);
	if (rc)
		mock_dmabuf_exit();
	return rc;
}

/**
 * mock_selftest_exit() - stop serving it (no context can hold a stdev:
 * each one holds this module through its probed device)
 */
void mock_selftest_exit(void)
{
	iommufd2_test_provider_unregister(&mock_st_provider);
	mock_dmabuf_exit();
	ida_destroy(&mock_stdev_indexes);
}
