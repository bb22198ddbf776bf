// SPDX-License-Identifier: GPL-2.0
/*
 * The mock as an emulated-access owner: creates accesses through
 * iommufd2's in-kernel API, pins, copies, and answers unmap callbacks by
 * unpinning, as a well-behaved driver must.
 *
 * Each access handle has a rw_semaphore: commands hold it for reading so
 * they run concurrently (the races are iommufd2's to handle), destroy holds
 * it for writing so no command outlives the access.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/file.h>
#include <linux/highmem.h>
#include <linux/mm.h>
#include <linux/rwsem.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "iommufd2/kapi.h"
#include "mock_uapi.h"
#include "mock.h"

#define MOCK_RW_MAX	(64 * 1024)

/**
 * struct mock_acc - the mock's handle on one emulated access
 * @link: in the file's list (under the file's lock)
 * @index: its name in the test interface
 * @sem: commands read, destroy writes
 * @access: iommufd2's access
 * @ctx: the context it was created in
 * @pins_lock: protects @pins
 * @pins: struct mock_pin entries
 */
struct mock_acc {
	struct list_head link;
	u32 index;
	struct rw_semaphore sem;
	struct ifd_access *access;
	struct ifd_ctx *ctx;
	struct mutex pins_lock;	/* see above */
	struct list_head pins;
};

/* A range the mock holds pinned. */
struct mock_pin {
	struct list_head link;
	unsigned long iova;
	unsigned long length;
};

static atomic64_t mock_nr_unmap_calls;
static atomic64_t mock_nr_pins;
static atomic_t mock_next_access;

/* The unmap callback: hand back every pin inside the range. */
static void mock_access_unmap(void *data, unsigned long iova,
			      unsigned long length)
{
	struct mock_acc *acc = data;
	unsigned long last = iova + length - 1;
	struct mock_pin *pin, *tmp;
	LIST_HEAD(doomed);

	atomic64_inc(&mock_nr_unmap_calls);
	mutex_lock(&acc->pins_lock);
	list_for_each_entry_safe(pin, tmp, &acc->pins, link)
		if (pin->iova <= last && pin->iova + pin->length - 1 >= iova)
			list_move(&pin->link, &doomed);
	mutex_unlock(&acc->pins_lock);
	list_for_each_entry_safe(pin, tmp, &doomed, link) {
		iommufd2_access_unpin_pages(acc->access, pin->iova,
					    pin->length);
		atomic64_dec(&mock_nr_pins);
		kfree(pin);
	}
}

static const struct iommufd2_access_ops mock_access_ops = {
	.unmap = mock_access_unmap,
	.needs_pin_pages = true,
};

static int mock_acc_create(struct list_head *accesses, struct mutex *lock,
			   struct mock_access *cmd)
{
	struct mock_acc *acc;
	struct file *file;
	int rc;

	acc = kzalloc_obj(*acc, GFP_KERNEL);
	if (!acc)
		return -ENOMEM;
	init_rwsem(&acc->sem);
	mutex_init(&acc->pins_lock);
	INIT_LIST_HEAD(&acc->pins);
	file = fget(cmd->iommufd);
	if (!file) {
		rc = -EBADF;
		goto out_free;
	}
	acc->ctx = iommufd2_ctx_from_file(file);
	fput(file);
	if (IS_ERR(acc->ctx)) {
		rc = PTR_ERR(acc->ctx);
		goto out_free;
	}
	acc->access = iommufd2_access_create(acc->ctx, &mock_access_ops, acc,
					     &cmd->out_access_id);
	if (IS_ERR(acc->access)) {
		rc = PTR_ERR(acc->access);
		iommufd2_ctx_put(acc->ctx);
		goto out_free;
	}
	mutex_lock(lock);
	acc->index = atomic_inc_return(&mock_next_access);
	cmd->index = acc->index;
	list_add(&acc->link, accesses);
	mutex_unlock(lock);
	return 0;

out_free:
	kfree(acc);
	return rc;
}

static void mock_acc_destroy(struct mock_acc *acc)
{
	down_write(&acc->sem);
	/* Detach hands back every pin through the callback. */
	iommufd2_access_destroy(acc->access);
	up_write(&acc->sem);
	WARN_ON(!list_empty(&acc->pins));
	iommufd2_ctx_put(acc->ctx);
	kfree(acc);
}

static int mock_acc_pin(struct mock_acc *acc, struct mock_access *cmd)
{
	unsigned long npages = cmd->length >> PAGE_SHIFT, i;
	struct mock_pin *pin;
	struct page **pages;
	int rc;

	/* This mock's pins are whole pages (the core takes any range). */
	if (!npages || npages > MOCK_RW_MAX / sizeof(*pages) ||
	    !PAGE_ALIGNED(cmd->iova) || !PAGE_ALIGNED(cmd->length))
		return -EINVAL;
	pages = kvcalloc(npages, sizeof(*pages), GFP_KERNEL);
	pin = kzalloc_obj(*pin, GFP_KERNEL);
	if (!pages || !pin) {
		rc = -ENOMEM;
		goto out;
	}
	/*
	 * Record the pin under the lock the unmap callback takes, so a
	 * callback can't miss a pin that iommufd2 already sees.
	 */
	mutex_lock(&acc->pins_lock);
	rc = iommufd2_access_pin_pages(acc->access, cmd->iova, cmd->length,
				       pages,
				       cmd->flags & MOCK_ACCESS_WRITE ?
				       IOMMUFD2_ACCESS_RW_WRITE : 0);
	if (rc) {
		mutex_unlock(&acc->pins_lock);
		goto out;
	}
	/* Use the pages as a device would: write through them. */
	if (cmd->flags & MOCK_ACCESS_WRITE) {
		for (i = 0; i < npages; i++) {
			u32 *va = kmap_local_page(pages[i]);

			*va = cmd->value;
			kunmap_local(va);
		}
	}
	pin->iova = cmd->iova;
	pin->length = cmd->length;
	list_add(&pin->link, &acc->pins);
	mutex_unlock(&acc->pins_lock);
	atomic64_inc(&mock_nr_pins);
	pin = NULL;
out:
	kfree(pin);
	kvfree(pages);
	return rc;
}

static int mock_acc_unpin(struct mock_acc *acc, struct mock_access *cmd)
{
	struct mock_pin *pin, *found = NULL;

	/* Unpin under the callback's lock too: it sees a pin or nothing. */
	mutex_lock(&acc->pins_lock);
	list_for_each_entry(pin, &acc->pins, link) {
		if (pin->iova == cmd->iova && pin->length == cmd->length) {
			found = pin;
			list_del(&pin->link);
			iommufd2_access_unpin_pages(acc->access, pin->iova,
						    pin->length);
			break;
		}
	}
	mutex_unlock(&acc->pins_lock);
	if (!found)
		return -ENOENT;
	atomic64_dec(&mock_nr_pins);
	kfree(found);
	return 0;
}

static int mock_acc_rw(struct mock_acc *acc, struct mock_access *cmd)
{
	bool write = cmd->flags & MOCK_ACCESS_WRITE;
	void __user *ubuf = u64_to_user_ptr(cmd->uptr);
	void *buf;
	int rc;

	if (!cmd->length || cmd->length > MOCK_RW_MAX)
		return -EINVAL;
	buf = kvmalloc(cmd->length, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	rc = write && copy_from_user(buf, ubuf, cmd->length) ? -EFAULT : 0;
	if (!rc)
		rc = iommufd2_access_rw(acc->access, cmd->iova, buf,
					cmd->length,
					write ? IOMMUFD2_ACCESS_RW_WRITE : 0);
	if (!rc && !write && copy_to_user(ubuf, buf, cmd->length))
		rc = -EFAULT;
	kvfree(buf);
	return rc;
}

/**
 * mock_access_ioctl() - the MOCK_ACCESS_* commands of one file
 * @accesses: the file's access handles
 * @lock: the file's lock, protecting @accesses
 * @num: the command
 * @uarg: its struct mock_access
 *
 * Return: 0, a negative errno, or -ENOTTY for another command.
 */
long mock_access_ioctl(struct list_head *accesses, struct mutex *lock,
		       unsigned int num, void __user *uarg)
{
	struct mock_acc *acc = NULL, *cur;
	struct mock_access cmd;
	long rc;

	if (_IOC_TYPE(num) != MOCK_TYPE || _IOC_NR(num) < 10 ||
	    _IOC_NR(num) > 17)
		return -ENOTTY;
	if (copy_from_user(&cmd, uarg, sizeof(cmd)))
		return -EFAULT;
	if (num == MOCK_ACCESS_CREATE) {
		rc = mock_acc_create(accesses, lock, &cmd);
		if (!rc && copy_to_user(uarg, &cmd, sizeof(cmd)))
			rc = -EFAULT;
		return rc;
	}

	mutex_lock(lock);
	list_for_each_entry(cur, accesses, link)
		if (cur->index == cmd.index)
			acc = cur;
	if (acc && num == MOCK_ACCESS_DESTROY)
		list_del(&acc->link);
	else if (acc)
		down_read(&acc->sem);
	mutex_unlock(lock);
	if (!acc)
		return -ENOENT;
	if (num == MOCK_ACCESS_DESTROY) {
		mock_acc_destroy(acc);
		return 0;
	}

	switch (num) {
	case MOCK_ACCESS_ATTACH:
		rc = iommufd2_access_attach(acc->access, cmd.ioas_id);
		break;
	case MOCK_ACCESS_REPLACE:
		rc = iommufd2_access_replace(acc->access, cmd.ioas_id);
		break;
	case MOCK_ACCESS_DETACH:
		iommufd2_access_detach(acc->access);
		rc = 0;
		break;
	case MOCK_ACCESS_PIN:
		rc = mock_acc_pin(acc, &cmd);
		break;
	case MOCK_ACCESS_UNPIN:
		rc = mock_acc_unpin(acc, &cmd);
		break;
	case MOCK_ACCESS_RW:
		rc = mock_acc_rw(acc, &cmd);
		break;
	default:
		rc = -ENOTTY;
	}
	up_read(&acc->sem);
	return rc;
}

/**
 * mock_access_release_all() - destroy a closing file's accesses
 * @accesses: the file's access handles; no command is running
 */
void mock_access_release_all(struct list_head *accesses)
{
	struct mock_acc *acc, *tmp;

	list_for_each_entry_safe(acc, tmp, accesses, link) {
		list_del(&acc->link);
		mock_acc_destroy(acc);
	}
}

/**
 * mock_access_stats() - the access counters
 * @stats: filled in
 */
void mock_access_stats(struct mock_stats *stats)
{
	stats->access_unmap_calls = atomic64_read(&mock_nr_unmap_calls);
	stats->access_pins_live = atomic64_read(&mock_nr_pins);
}
