// SPDX-License-Identifier: GPL-2.0
/*
 * Fault queues and their file descriptors; the rules are in
 * include/iommufd2/fault.h.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/err.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/iommu.h>
#include <linux/poll.h>
#include <linux/uaccess.h>

#include "iommufd2/ctx.h"
#include "iommufd2/device.h"
#include "iommufd2/fault.h"
#include "iommufd2/hwpt.h"
#include "iommufd2/object_file.h"
#include "iommufd2/ucmd.h"

static_assert((int)IOMMUFD_PAGE_RESP_SUCCESS == (int)IOMMU_PAGE_RESP_SUCCESS);
static_assert((int)IOMMUFD_PAGE_RESP_INVALID == (int)IOMMU_PAGE_RESP_INVALID);

static void ifd_fault_answer(struct iopf_group *group,
			     enum iommu_page_response_code code)
{
	iopf_group_response(group, code);
	iopf_free_group(group);
}

/* Answer every group that @match selects (all of them for NULL). */
static void ifd_fault_answer_all(struct ifd_fault *fault,
				 struct iommu_attach_handle *match)
{
	struct iopf_group *group, *next;
	unsigned long cookie;
	LIST_HEAD(answer);

	lockdep_assert_held(&fault->mutex);
	spin_lock(&fault->lock);
	list_for_each_entry_safe(group, next, &fault->deliver, node)
		if (!match || group->attach_handle == match)
			list_move_tail(&group->node, &answer);
	spin_unlock(&fault->lock);
	list_for_each_entry_safe(group, next, &answer, node) {
		list_del(&group->node);
		ifd_fault_answer(group, IOMMU_PAGE_RESP_INVALID);
	}
	xa_for_each(&fault->pending, cookie, group) {
		if (match && group->attach_handle != match)
			continue;
		xa_erase(&fault->pending, cookie);
		ifd_fault_answer(group, IOMMU_PAGE_RESP_INVALID);
	}
}

/**
 * ifd_fault_flush_handle() - answer the faults of an ended attachment
 * @fault: the queue of the HWPT that was attached
 * @handle: the attachment's handle, already detached or replaced in the
 *	core, about to be freed
 *
 * Faults read or not yet read get IOMMU_PAGE_RESP_INVALID: nobody can
 * answer them any more, and their groups point at @handle.
 */
void ifd_fault_flush_handle(struct ifd_fault *fault,
			    struct ifd_attach_handle *handle)
{
	mutex_lock(&fault->mutex);
	ifd_fault_answer_all(fault, &handle->core);
	mutex_unlock(&fault->mutex);
}

/**
 * ifd_fault_iopf_handler() - the IOMMU core reports a fault group
 * @group: the group; it now belongs to the queue until answered
 *
 * Return: 0.
 */
int ifd_fault_iopf_handler(struct iopf_group *group)
{
	struct ifd_attach_handle *handle =
		container_of(group->attach_handle, struct ifd_attach_handle,
			     core);
	struct ifd_fault *fault = handle->hwpt->fault;

	iopf_group_dequeue(group);
	spin_lock(&fault->lock);
	list_add_tail(&group->node, &fault->deliver);
	spin_unlock(&fault->lock);
	wake_up_interruptible(&fault->wait);
	return 0;
}

static struct iopf_group *ifd_fault_next(struct ifd_fault *fault)
{
	struct iopf_group *group;

	spin_lock(&fault->lock);
	group = list_first_entry_or_null(&fault->deliver, struct iopf_group,
					 node);
	if (group)
		list_del(&group->node);
	spin_unlock(&fault->lock);
	return group;
}

static void ifd_fault_unread(struct ifd_fault *fault, struct iopf_group *group)
{
	spin_lock(&fault->lock);
	list_add(&group->node, &fault->deliver);
	spin_unlock(&fault->lock);
}

/* Copy out one group's faults; 0 or -EFAULT. */
static int ifd_fault_copy_group(struct iopf_group *group, char __user *buf)
{
	struct ifd_attach_handle *handle =
		container_of(group->attach_handle, struct ifd_attach_handle,
			     core);
	struct iommu_hwpt_pgfault msg;
	struct iopf_fault *iopf;

	list_for_each_entry(iopf, &group->faults, list) {
		const struct iommu_fault_page_request *prm = &iopf->fault.prm;

		msg = (struct iommu_hwpt_pgfault) {
			.flags = prm->flags,
			.dev_id = READ_ONCE(handle->dev_id),
			.pasid = prm->pasid,
			.grpid = prm->grpid,
			.perm = prm->perm,
			.addr = prm->addr,
			.cookie = group->cookie,
		};
		if (copy_to_user(buf, &msg, sizeof(msg)))
			return -EFAULT;
		buf += sizeof(msg);
	}
	return 0;
}

/*
 * Whole groups only: a buffer too small for the first group is EINVAL.
 * Returns what was read, else the error.
 */
static ssize_t ifd_fault_read(struct file *filep, char __user *buf,
			      size_t count, loff_t *ppos)
{
	const size_t msg_size = sizeof(struct iommu_hwpt_pgfault);
	struct ifd_fault *fault = filep->private_data;
	struct iopf_group *group;
	size_t done = 0;
	int rc = 0;

	if (*ppos || count % msg_size)
		return -ESPIPE;

	mutex_lock(&fault->mutex);
	while ((group = ifd_fault_next(fault))) {
		if (group->fault_count * msg_size > count - done) {
			ifd_fault_unread(fault, group);
			if (!done)
				rc = -EINVAL;
			break;
		}
		rc = xa_alloc(&fault->pending, &group->cookie, group,
			      xa_limit_32b, GFP_KERNEL_ACCOUNT);
		if (rc) {
			ifd_fault_unread(fault, group);
			break;
		}
		rc = ifd_fault_copy_group(group, buf + done);
		if (rc) {
			xa_erase(&fault->pending, group->cookie);
			ifd_fault_unread(fault, group);
			break;
		}
		done += group->fault_count * msg_size;
	}
	mutex_unlock(&fault->mutex);
	return done ?: rc;
}

static ssize_t ifd_fault_write(struct file *filep, const char __user *buf,
			       size_t count, loff_t *ppos)
{
	const size_t resp_size = sizeof(struct iommu_hwpt_page_response);
	struct ifd_fault *fault = filep->private_data;
	struct iommu_hwpt_page_response resp;
	struct iopf_group *group;
	size_t done = 0;
	int rc = 0;

	if (*ppos || count % resp_size)
		return -ESPIPE;

	mutex_lock(&fault->mutex);
	for (; done < count; done += resp_size) {
		if (copy_from_user(&resp, buf + done, resp_size)) {
			rc = -EFAULT;
			break;
		}
		if (resp.code != IOMMUFD_PAGE_RESP_SUCCESS &&
		    resp.code != IOMMUFD_PAGE_RESP_INVALID) {
			rc = -EINVAL;
			break;
		}
		group = xa_erase(&fault->pending, resp.cookie);
		if (!group) {
			rc = -EINVAL;
			break;
		}
		ifd_fault_answer(group, resp.code);
	}
	mutex_unlock(&fault->mutex);
	return done ?: rc;
}

static __poll_t ifd_fault_poll(struct file *filep,
			       struct poll_table_struct *wait)
{
	struct ifd_fault *fault = filep->private_data;
	__poll_t mask = EPOLLOUT;

	poll_wait(filep, &fault->wait, wait);
	spin_lock(&fault->lock);
	if (!list_empty(&fault->deliver))
		mask |= EPOLLIN | EPOLLRDNORM;
	spin_unlock(&fault->lock);
	return mask;
}

static int ifd_fault_release(struct inode *inode, struct file *filep)
{
	struct ifd_fault *fault = filep->private_data;

	/* NULL: an allocation that failed already dropped the references. */
	if (fault)
		ifd_object_file_unref(&fault->obj, fault->ctx_file);
	return 0;
}

static const struct file_operations ifd_fault_fops = {
	.owner = THIS_MODULE,
	.read = ifd_fault_read,
	.write = ifd_fault_write,
	.poll = ifd_fault_poll,
	.release = ifd_fault_release,
};

static void ifd_fault_destroy(struct ifd_object *obj)
{
	struct ifd_fault *fault = container_of(obj, struct ifd_fault, obj);

	mutex_lock(&fault->mutex);
	ifd_fault_answer_all(fault, NULL);
	mutex_unlock(&fault->mutex);
	xa_destroy(&fault->pending);
	mutex_destroy(&fault->mutex);
}

static const struct ifd_object_ops ifd_fault_ops = {
	.type = IFD_OBJ_FAULT,
	.destroy = ifd_fault_destroy,
	.abort = ifd_fault_destroy,
};

/**
 * ifd_fault_get() - look up a fault queue for an operation
 * @ctx: the context
 * @id: the queue's ID
 *
 * Return: the queue with a short-term reference, or ERR_PTR(-ENOENT).
 */
struct ifd_fault *ifd_fault_get(struct ifd_ctx *ctx, u32 id)
{
	struct ifd_object *obj = ifd_object_get(ctx, id, IFD_OBJ_FAULT);

	if (IS_ERR(obj))
		return ERR_CAST(obj);
	return container_of(obj, struct ifd_fault, obj);
}

int ifd_cmd_fault_queue_alloc(struct ifd_ucmd *ucmd)
{
	struct iommu_fault_alloc *cmd = ucmd->cmd;
	struct ifd_ctx *ctx = ucmd->ctx;
	struct ifd_object_file of;
	struct ifd_fault *fault;
	int rc;

	if (cmd->flags)
		return -EOPNOTSUPP;

	fault = ifd_object_alloc(ctx, fault, &ifd_fault_ops);
	if (IS_ERR(fault))
		return PTR_ERR(fault);
	spin_lock_init(&fault->lock);
	INIT_LIST_HEAD(&fault->deliver);
	mutex_init(&fault->mutex);
	xa_init_flags(&fault->pending, XA_FLAGS_ALLOC1);
	init_waitqueue_head(&fault->wait);

	rc = ifd_object_file_open(ctx, &fault->obj, &fault->ctx_file,
				  "[iommufd2-fault]", &ifd_fault_fops, fault,
				  O_RDWR, &of);
	if (rc)
		goto out_abort;
	cmd->out_fault_id = fault->obj.id;
	cmd->out_fault_fd = of.fd;
	rc = ifd_ucmd_respond(ucmd, sizeof(*cmd));
	if (rc) {
		ifd_object_file_cancel(&of, &fault->obj, fault->ctx_file);
		goto out_abort;
	}
	ifd_object_finalize(ctx, &fault->obj);
	ifd_object_file_install(&of);
	return 0;

out_abort:
	ifd_object_abort(ctx, &fault->obj);
	return rc;
}
