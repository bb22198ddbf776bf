/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Fault queues (IOMMU_FAULT_QUEUE_ALLOC): I/O page faults of HWPTs
 * allocated with IOMMU_HWPT_FAULT_ID_VALID, handed to userspace through the
 * queue's file descriptor.
 *
 * The IOMMU core reports a fault group to ifd_fault_iopf_handler() for a
 * domain whose HWPT has a queue; the group joins @deliver.  read() moves
 * whole groups from @deliver to @pending, keyed by a cookie, and returns one
 * struct iommu_hwpt_pgfault per fault; write() takes struct
 * iommu_hwpt_page_response entries and answers the group of each cookie.
 * Every group is answered exactly once: by userspace, by the end of the
 * attachment it arrived on (IOMMU_PAGE_RESP_INVALID, see
 * ifd_fault_flush_handle()), or when the queue is destroyed.
 *
 * Locking: @lock (a spinlock, taken by the core's reporting path) protects
 * @deliver; @mutex serialises read, write and flushes and protects @pending.
 * Lifetime: the file holds a long-term reference on the object and keeps
 * the context's file open; each HWPT using the queue holds a long-term
 * reference, so IOMMU_DESTROY is EBUSY until the fd is closed and those
 * HWPTs are gone.
 */
#ifndef IOMMUFD2_FAULT_H
#define IOMMUFD2_FAULT_H

#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/wait.h>
#include <linux/xarray.h>

#include "iommufd2/object.h"

struct ifd_attach_handle;
struct ifd_ctx;
struct file;
struct iopf_group;

/**
 * struct ifd_fault - a fault queue
 * @obj: table entry
 * @ctx_file: the context's file, held by the queue's file
 * @lock: protects @deliver
 * @deliver: groups reported and not yet read
 * @mutex: serialises readers, writers and flushes; protects @pending
 * @pending: cookie -> group read by userspace, waiting for its response
 * @wait: readers and pollers waiting for @deliver
 */
struct ifd_fault {
	struct ifd_object obj;
	struct file *ctx_file;
	spinlock_t lock;	/* see above */
	struct list_head deliver;
	struct mutex mutex;	/* see above */
	struct xarray pending;
	wait_queue_head_t wait;
};

struct ifd_fault *ifd_fault_get(struct ifd_ctx *ctx, u32 id);
int ifd_fault_iopf_handler(struct iopf_group *group);
void ifd_fault_flush_handle(struct ifd_fault *fault,
			    struct ifd_attach_handle *handle);

#endif /* IOMMUFD2_FAULT_H */
