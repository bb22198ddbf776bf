// SPDX-License-Identifier: GPL-2.0
/*
 * The emulated accesses of IOMMU_TEST_CMD: CREATE_ACCESS returns a file
 * descriptor standing for an iommufd2 access attached to an IOAS; the other
 * access operations name it by that descriptor.  Closing it destroys the
 * access.  Pages pinned through ACCESS_PAGES are "items", released by
 * DESTROY_ACCESS_PAGES, by an unmap of their IOVA (the unmap callback) or
 * with the file.
 *
 * Locking: @lock of a struct mock_st_access protects its items, and is
 * held across iommufd2_access_pin_pages() and the recording of the pin, as
 * the unmap callback takes it (see iommufd2_access_ops in kapi.h).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/anon_inodes.h>
#include <linux/file.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "iommufd2/kapi.h"
#include "iommufd2/iommufd_test.h"
#include "mock.h"

/* The most an access operation moves at once, as upstream. */
#define MOCK_ST_ACCESS_MAX	SZ_16M

/**
 * struct mock_st_access - the object behind an access file descriptor
 * @access: the iommufd2 access (NULL until fully created)
 * @file: the file
 * @pins: whether ACCESS_PAGES is allowed (CREATE_NEEDS_PIN_PAGES)
 * @lock: see the top of this file
 * @items: struct mock_st_item, the pinned ranges
 * @next_id: the ID of the next item
 */
struct mock_st_access {
	struct ifd_access *access;
	struct file *file;
	bool pins;
	struct mutex lock;	/* see above */
	struct list_head items;
	u32 next_id;
};

/* One ACCESS_PAGES pin. */
struct mock_st_item {
	struct list_head link;
	unsigned long iova;
	unsigned long length;
	u32 id;
};

static const struct file_operations mock_st_access_fops;

static struct mock_st_access *mock_st_access_get(int fd)
{
	struct file *file = fget(fd);

	if (!file)
		return ERR_PTR(-EBADFD);
	if (file->f_op != &mock_st_access_fops) {
		fput(file);
		return ERR_PTR(-EBADFD);
	}
	return file->private_data;
}

static void mock_st_item_free(struct mock_st_access *sta,
			      struct mock_st_item *item)
{
	list_del(&item->link);
	iommufd2_access_unpin_pages(sta->access, item->iova, item->length);
	kfree(item);
}

static void mock_st_access_unmap(void *data, unsigned long iova,
				 unsigned long length)
{
	struct mock_st_access *sta = data;
	unsigned long last = iova + length - 1;
	struct mock_st_item *item, *next;

	mutex_lock(&sta->lock);
	list_for_each_entry_safe(item, next, &sta->items, link)
		if (item->iova <= last && item->iova + item->length - 1 >= iova)
			mock_st_item_free(sta, item);
	mutex_unlock(&sta->lock);
}

static const struct iommufd2_access_ops mock_st_access_ops = {
	.unmap = mock_st_access_unmap,
};

/* CREATE_NEEDS_PIN_PAGES: the IOAS keeps PAGE_SIZE alignment for it. */
static const struct iommufd2_access_ops mock_st_access_pin_ops = {
	.unmap = mock_st_access_unmap,
	.needs_pin_pages = true,
};

static int mock_st_access_release(struct inode *inode, struct file *file)
{
	struct mock_st_access *sta = file->private_data;

	if (sta->access) {
		mock_st_access_unmap(sta, 0, ULONG_MAX);
		iommufd2_access_destroy(sta->access);
	}
	mutex_destroy(&sta->lock);
	kfree(sta);
	return 0;
}

static const struct file_operations mock_st_access_fops = {
	.owner = THIS_MODULE,
	.release = mock_st_access_release,
};

static int mock_st_create_access(struct iommufd2_test_call *call)
{
	struct iommu_test_cmd *cmd = call->cmd;
	struct mock_st_access *sta;
	struct ifd_access *access;
	u32 id;
	int fd, rc;

	if (cmd->create_access.flags &
	    ~MOCK_FLAGS_ACCESS_CREATE_NEEDS_PIN_PAGES)
		return -EOPNOTSUPP;
	sta = kzalloc_obj(*sta, GFP_KERNEL_ACCOUNT);
	if (!sta)
		return -ENOMEM;
	mutex_init(&sta->lock);
	INIT_LIST_HEAD(&sta->items);
	sta->pins = cmd->create_access.flags &
		    MOCK_FLAGS_ACCESS_CREATE_NEEDS_PIN_PAGES;
	sta->file = anon_inode_getfile("[iommufd2-mock-access]",
				       &mock_st_access_fops, sta, O_RDWR);
	if (IS_ERR(sta->file)) {
		rc = PTR_ERR(sta->file);
		mutex_destroy(&sta->lock);
		kfree(sta);
		return rc;
	}
	fd = get_unused_fd_flags(O_CLOEXEC);
	if (fd < 0) {
		rc = fd;
		goto out_file;
	}
	access = iommufd2_access_create(call->ctx, sta->pins ?
					&mock_st_access_pin_ops :
					&mock_st_access_ops, sta, &id);
	if (IS_ERR(access)) {
		rc = PTR_ERR(access);
		goto out_fd;
	}
	rc = iommufd2_access_attach(access, cmd->id);
	if (rc)
		goto out_access;
	cmd->create_access.out_access_fd = fd;
	rc = iommufd2_test_respond(call);
	if (rc)
		goto out_access;
	sta->access = access;
	fd_install(fd, sta->file);
	return 0;

out_access:
	iommufd2_access_destroy(access);
out_fd:
	put_unused_fd(fd);
out_file:
	fput(sta->file);	/* frees @sta: no access is set */
	return rc;
}

/* The pinned pages are the ones userspace sees at @uptr. */
static int mock_st_check_pages(unsigned long uptr, struct page **pages,
			       unsigned long npages)
{
	unsigned long pfn;
	int rc;

	for (; npages; npages--, pages++, uptr += PAGE_SIZE) {
		rc = mock_user_pfn(uptr, &pfn, NULL);
		if (rc)
			return rc;
		if (pfn != page_to_pfn(*pages))
			return -EBADE;
	}
	return 0;
}

static int mock_st_access_pages(struct iommufd2_test_call *call,
				struct mock_st_access *sta)
{
	struct iommu_test_cmd *cmd = call->cmd;
	unsigned long iova = cmd->access_pages.iova;
	unsigned long length = cmd->access_pages.length;
	unsigned long uptr = cmd->access_pages.uptr;
	struct mock_st_item *item;
	unsigned long npages;
	struct page **pages;
	int rc;

	if (length > MOCK_ST_ACCESS_MAX)
		return -ENOMEM;
	/* Syzkaller's IOVA translation is not offered. */
	if (cmd->access_pages.flags & ~MOCK_FLAGS_ACCESS_WRITE)
		return -EOPNOTSUPP;
	if (!sta->pins)
		return -EOPNOTSUPP;
	npages = (ALIGN(iova + length, PAGE_SIZE) -
		  ALIGN_DOWN(iova, PAGE_SIZE)) >> PAGE_SHIFT;
	pages = kvcalloc(npages, sizeof(*pages), GFP_KERNEL_ACCOUNT);
	item = kzalloc_obj(*item, GFP_KERNEL_ACCOUNT);
	if (!pages || !item) {
		rc = -ENOMEM;
		goto out_free;
	}

	mutex_lock(&sta->lock);
	rc = iommufd2_access_pin_pages(sta->access, iova, length, pages,
				       cmd->access_pages.flags &
				       MOCK_FLAGS_ACCESS_WRITE ?
				       IOMMUFD2_ACCESS_RW_WRITE : 0);
	if (rc)
		goto out_unlock;
	if (uptr)
		rc = mock_st_check_pages(uptr - offset_in_page(iova), pages,
					 npages);
	if (!rc) {
		item->iova = iova;
		item->length = length;
		item->id = sta->next_id++;
		cmd->access_pages.out_access_pages_id = item->id;
		rc = iommufd2_test_respond(call);
	}
	if (rc) {
		iommufd2_access_unpin_pages(sta->access, iova, length);
		goto out_unlock;
	}
	list_add_tail(&item->link, &sta->items);
	item = NULL;
out_unlock:
	mutex_unlock(&sta->lock);
out_free:
	kfree(item);
	kvfree(pages);
	return rc;
}

static int mock_st_destroy_pages(struct iommufd2_test_call *call,
				 struct mock_st_access *sta)
{
	u32 id = call->cmd->destroy_access_pages.access_pages_id;
	struct mock_st_item *item;
	int rc = -ENOENT;

	mutex_lock(&sta->lock);
	list_for_each_entry(item, &sta->items, link) {
		if (item->id == id) {
			mock_st_item_free(sta, item);
			rc = 0;
			break;
		}
	}
	mutex_unlock(&sta->lock);
	return rc;
}

static int mock_st_access_rw(struct iommufd2_test_call *call,
			     struct mock_st_access *sta)
{
	struct iommu_test_cmd *cmd = call->cmd;
	void __user *ubuf = u64_to_user_ptr(cmd->access_rw.uptr);
	unsigned long length = cmd->access_rw.length;
	bool write = cmd->access_rw.flags & MOCK_ACCESS_RW_WRITE;
	void *buf;
	int rc;

	if (length > MOCK_ST_ACCESS_MAX)
		return -ENOMEM;
	/*
	 * iommufd2 has one copy path; SLOW_PATH (upstream's forced
	 * pin-and-copy) is accepted and means the same.
	 */
	if (cmd->access_rw.flags &
	    ~(MOCK_ACCESS_RW_WRITE | MOCK_ACCESS_RW_SLOW_PATH))
		return -EOPNOTSUPP;
	buf = kvzalloc(length, GFP_KERNEL_ACCOUNT);
	if (!buf)
		return -ENOMEM;
	if (write && copy_from_user(buf, ubuf, length)) {
		rc = -EFAULT;
		goto out;
	}
	rc = iommufd2_access_rw(sta->access, cmd->access_rw.iova, buf, length,
				write ? IOMMUFD2_ACCESS_RW_WRITE : 0);
	if (!rc && !write && copy_to_user(ubuf, buf, length))
		rc = -EFAULT;
out:
	kvfree(buf);
	return rc;
}

/**
 * mock_st_access() - the access operations of IOMMU_TEST_CMD
 * @call: the command
 *
 * Return: 0 or -errno.
 */
int mock_st_access(struct iommufd2_test_call *call)
{
	struct iommu_test_cmd *cmd = call->cmd;
	struct mock_st_access *sta;
	int rc;

	if (cmd->op == IOMMU_TEST_OP_CREATE_ACCESS)
		return mock_st_create_access(call);
	sta = mock_st_access_get(cmd->id);
	if (IS_ERR(sta))
		return PTR_ERR(sta);
	switch (cmd->op) {
	case IOMMU_TEST_OP_ACCESS_REPLACE_IOAS:
		rc = iommufd2_access_replace(sta->access,
					     cmd->access_replace_ioas.ioas_id);
		break;
	case IOMMU_TEST_OP_ACCESS_PAGES:
		rc = mock_st_access_pages(call, sta);
		break;
	case IOMMU_TEST_OP_DESTROY_ACCESS_PAGES:
		rc = mock_st_destroy_pages(call, sta);
		break;
	default:
		rc = mock_st_access_rw(call, sta);
		break;
	}
	fput(sta->file);
	return rc;
}
