// SPDX-License-Identifier: GPL-2.0
/*
 * vEVENT queues (IOMMU_VEVENTQ_ALLOC): events a vIOMMU backend reports for
 * the guest (iommufd2_viommu_report_event()), read from the queue's fd as
 * struct iommufd_vevent_header followed by the backend's payload.
 *
 * A vIOMMU has at most one queue per type, on its @veventqs list under
 * @veventqs_rwsem (read: reporting; write: adding and removing queues).  A
 * queue holds at most @depth events; events beyond that are dropped and
 * replaced by one lost-events header at the queue's tail, which keeps its
 * own place in the sequence so that a reader sees the gap.
 *
 * Locking: @lock protects the queue's events and counters.  Lifetime: the
 * fd holds a long-term reference on the queue and keeps the context's file
 * open; the queue holds one on its vIOMMU.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/err.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/poll.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "iommufd2/ctx.h"
#include "iommufd2/kapi.h"
#include "iommufd2/object_file.h"
#include "iommufd2/ucmd.h"
#include "iommufd2/viommu.h"

/* Bounds a queue's memory, as upstream does. */
#define IFD_VEVENTQ_MAX_DEPTH	BIT(19)

/* One event, or the queue's lost-events marker (no payload). */
struct ifd_vevent {
	struct list_head link;
	struct iommufd_vevent_header hdr;
	size_t len;
	u8 data[] __counted_by(len);
};

/**
 * struct ifd_veventq - a vEVENT queue
 * @obj: table entry
 * @viommu: the vIOMMU whose events it receives
 * @ctx_file: the context's file, held by the queue's file
 * @link: on @viommu's queue list
 * @type: the event type it receives
 * @depth: the most events it holds
 * @read_lock: serialises readers, the only ones removing events
 * @lock: protects @deliver, @nr and @seq
 * @deliver: events not read yet, oldest first
 * @nr: events on @deliver, the marker not counted
 * @seq: sequence number of the next event
 * @lost: the lost-events marker, on @deliver or not
 * @wait: readers and pollers
 */
struct ifd_veventq {
	struct ifd_object obj;
	struct ifd_viommu *viommu;
	struct file *ctx_file;
	struct list_head link;
	u32 type;
	u32 depth;
	struct mutex read_lock;	/* see above */
	spinlock_t lock;	/* see above */
	struct list_head deliver;
	u32 nr;
	u32 seq;
	struct ifd_vevent lost;
	wait_queue_head_t wait;
};

/* Queue @ev (maybe the marker) at the tail, taking the marker's place. */
static void ifd_veventq_add(struct ifd_veventq *q, struct ifd_vevent *ev)
{
	lockdep_assert_held(&q->lock);
	if (list_is_last(&q->lost.link, &q->deliver))
		list_del_init(&q->lost.link);
	list_add_tail(&ev->link, &q->deliver);
	ev->hdr.sequence = q->seq;
	q->seq = (q->seq + 1) & INT_MAX;
	wake_up_interruptible(&q->wait);
}

/**
 * iommufd2_viommu_report_event() - a vIOMMU backend reports an event
 * @viommu: the vIOMMU
 * @type: the event's type; only a queue of that type receives it
 * @data: the payload
 * @len: its bytes, not 0
 *
 * May be called from any context that may take a rwsem for reading.
 *
 * Return: 0; -EOPNOTSUPP without a queue of @type; -ENOMEM (the event is
 * recorded as lost).
 */
int iommufd2_viommu_report_event(struct ifd_viommu *viommu, u32 type,
				 const void *data, size_t len)
{
	struct ifd_veventq *q, *found = NULL;
	struct ifd_vevent *ev;
	int rc = 0;

	if (WARN_ON_ONCE(!len || !data))
		return -EINVAL;
	down_read(&viommu->veventqs_rwsem);
	list_for_each_entry(q, &viommu->veventqs, link) {
		if (q->type == type) {
			found = q;
			break;
		}
	}
	if (!found) {
		up_read(&viommu->veventqs_rwsem);
		return -EOPNOTSUPP;
	}
	ev = kzalloc_flex(*ev, data, len, GFP_NOWAIT);
	if (ev) {
		ev->len = len;
		memcpy(ev->data, data, len);
	} else {
		rc = -ENOMEM;
	}
	spin_lock(&found->lock);
	if (ev && found->nr == found->depth) {
		kfree(ev);
		ev = NULL;
	}
	if (ev)
		found->nr++;
	ifd_veventq_add(found, ev ?: &found->lost);
	spin_unlock(&found->lock);
	up_read(&viommu->veventqs_rwsem);
	return rc;
}
EXPORT_SYMBOL_NS_GPL(iommufd2_viommu_report_event, "IOMMUFD2");

static struct ifd_vevent *ifd_veventq_first(struct ifd_veventq *q)
{
	struct ifd_vevent *ev;

	spin_lock(&q->lock);
	ev = list_first_entry_or_null(&q->deliver, struct ifd_vevent, link);
	spin_unlock(&q->lock);
	return ev;
}

/*
 * Whole events only; a buffer too small for the first one is EINVAL.
 * Readers alone remove events, one at a time (@read_lock), so the first
 * event stays valid while it is copied.
 */
static ssize_t ifd_veventq_read(struct file *filep, char __user *buf,
				size_t count, loff_t *ppos)
{
	struct ifd_veventq *q = filep->private_data;
	const size_t hdr_size = sizeof(struct iommufd_vevent_header);
	struct iommufd_vevent_header hdr;
	struct ifd_vevent *ev;
	size_t done = 0;
	int rc = 0;

	if (*ppos)
		return -ESPIPE;
	if (count < hdr_size)
		return -EINVAL;

	mutex_lock(&q->read_lock);
	while ((ev = ifd_veventq_first(q))) {
		size_t len = ev == &q->lost ? 0 : ev->len;

		if (hdr_size + len > count - done) {
			if (!done)
				rc = -EINVAL;
			break;
		}
		spin_lock(&q->lock);
		hdr = ev->hdr;
		spin_unlock(&q->lock);
		if (copy_to_user(buf + done, &hdr, hdr_size) ||
		    copy_to_user(buf + done + hdr_size, ev->data, len)) {
			rc = -EFAULT;
			break;
		}
		spin_lock(&q->lock);
		list_del_init(&ev->link);
		if (ev != &q->lost)
			q->nr--;
		spin_unlock(&q->lock);
		if (ev != &q->lost)
			kfree(ev);
		done += hdr_size + len;
	}
	mutex_unlock(&q->read_lock);
	return done ?: rc;
}

static __poll_t ifd_veventq_poll(struct file *filep,
				 struct poll_table_struct *wait)
{
	struct ifd_veventq *q = filep->private_data;
	__poll_t mask = 0;

	poll_wait(filep, &q->wait, wait);
	spin_lock(&q->lock);
	if (!list_empty(&q->deliver))
		mask = EPOLLIN | EPOLLRDNORM;
	spin_unlock(&q->lock);
	return mask;
}

static int ifd_veventq_release(struct inode *inode, struct file *filep)
{
	struct ifd_veventq *q = filep->private_data;

	if (q)
		ifd_object_file_unref(&q->obj, q->ctx_file);
	return 0;
}

static const struct file_operations ifd_veventq_fops = {
	.owner = THIS_MODULE,
	.read = ifd_veventq_read,
	.poll = ifd_veventq_poll,
	.release = ifd_veventq_release,
};

static void ifd_veventq_destroy(struct ifd_object *obj)
{
	struct ifd_veventq *q = container_of(obj, struct ifd_veventq, obj);
	struct ifd_viommu *viommu = q->viommu;
	struct ifd_vevent *ev, *next;

	/* Aborted before it held its vIOMMU: nothing linked, nothing queued. */
	if (!viommu) {
		mutex_destroy(&q->read_lock);
		return;
	}
	down_write(&viommu->veventqs_rwsem);
	list_del_init(&q->link);
	up_write(&viommu->veventqs_rwsem);
	list_for_each_entry_safe(ev, next, &q->deliver, link) {
		list_del(&ev->link);
		if (ev != &q->lost)
			kfree(ev);
	}
	mutex_destroy(&q->read_lock);
	ifd_object_release(&viommu->obj);
}

/**
 * ifd_veventq_viommu() - the vIOMMU a vEVENTQ reports for
 * @obj: a published vEVENTQ object
 *
 * Return: its vIOMMU, which the queue holds for its whole life.
 */
struct ifd_viommu *ifd_veventq_viommu(struct ifd_object *obj)
{
	return container_of(obj, struct ifd_veventq, obj)->viommu;
}

static const struct ifd_object_ops ifd_veventq_ops = {
	.type = IFD_OBJ_VEVENTQ,
	.destroy = ifd_veventq_destroy,
	.abort = ifd_veventq_destroy,
};

/* Link a new queue unless one of its type exists: 0 or -EEXIST. */
static int ifd_veventq_link(struct ifd_viommu *viommu, struct ifd_veventq *q)
{
	struct ifd_veventq *cur;
	int rc = 0;

	down_write(&viommu->veventqs_rwsem);
	list_for_each_entry(cur, &viommu->veventqs, link)
		if (cur->type == q->type)
			rc = -EEXIST;
	if (!rc)
		list_add_tail(&q->link, &viommu->veventqs);
	up_write(&viommu->veventqs_rwsem);
	return rc;
}

int ifd_cmd_veventq_alloc(struct ifd_ucmd *ucmd)
{
	struct iommu_veventq_alloc *cmd = ucmd->cmd;
	struct ifd_ctx *ctx = ucmd->ctx;
	struct ifd_viommu *viommu;
	struct ifd_object_file of;
	struct ifd_veventq *q;
	struct ifd_object *obj;
	int rc;

	if (cmd->flags || cmd->__reserved ||
	    cmd->type == IOMMU_VEVENTQ_TYPE_DEFAULT)
		return -EOPNOTSUPP;
	if (!cmd->veventq_depth || cmd->veventq_depth > IFD_VEVENTQ_MAX_DEPTH)
		return -EINVAL;
	obj = ifd_object_get(ctx, cmd->viommu_id, IFD_OBJ_VIOMMU);
	if (IS_ERR(obj))
		return PTR_ERR(obj);
	viommu = container_of(obj, struct ifd_viommu, obj);

	q = ifd_object_alloc(ctx, q, &ifd_veventq_ops);
	if (IS_ERR(q)) {
		rc = PTR_ERR(q);
		goto out_put;
	}
	q->type = cmd->type;
	q->depth = cmd->veventq_depth;
	INIT_LIST_HEAD(&q->link);
	mutex_init(&q->read_lock);
	spin_lock_init(&q->lock);
	INIT_LIST_HEAD(&q->deliver);
	INIT_LIST_HEAD(&q->lost.link);
	q->lost.hdr.flags = IOMMU_VEVENTQ_FLAG_LOST_EVENTS;
	init_waitqueue_head(&q->wait);
	if (!ifd_object_tryhold(&viommu->obj)) {
		rc = -ENOENT;
		goto out_abort;
	}
	q->viommu = viommu;
	rc = ifd_veventq_link(viommu, q);
	if (rc)
		goto out_abort;

	rc = ifd_object_file_open(ctx, &q->obj, &q->ctx_file,
				  "[iommufd2-viommu-event]", &ifd_veventq_fops,
				  q, O_RDONLY, &of);
	if (rc)
		goto out_abort;
	cmd->out_veventq_id = q->obj.id;
	cmd->out_veventq_fd = of.fd;
	rc = ifd_ucmd_respond(ucmd, sizeof(*cmd));
	if (rc) {
		ifd_object_file_cancel(&of, &q->obj, q->ctx_file);
		goto out_abort;
	}
	ifd_object_finalize(ctx, &q->obj);
	ifd_object_file_install(&of);
	goto out_put;

out_abort:
	ifd_object_abort(ctx, &q->obj);
out_put:
	ifd_object_put(obj);
	return rc;
}
