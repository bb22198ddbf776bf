/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Emulated accesses: in-kernel users (mdev-style drivers, the mock) that
 * reach an IOAS's memory by IOVA, pinning pages or copying through them,
 * instead of through an IOMMU.
 *
 * @lock protects @ioas, @ioas_unpin and @pins.  New pins and copies use
 * @ioas; existing pins live in @ioas_unpin.  Changing IOAS (attach,
 * replace, detach) takes the new IOAS's reference before dropping the old
 * one, so the access never holds neither; while a change is in progress
 * @ioas is NULL and differs from @ioas_unpin, and a second change fails
 * with EBUSY.  Before the old IOAS is let go its pins are handed back
 * through the owner's unmap callback (called without @lock).
 */
#ifndef IOMMUFD2_ACCESS_H
#define IOMMUFD2_ACCESS_H

#include <linux/list.h>
#include <linux/mutex.h>

#include "iommufd2/object.h"

struct ifd_ioas;
struct iommufd2_access_ops;

/**
 * struct ifd_access - an emulated access
 * @obj: table entry; the creating driver holds a long-term reference
 * @ctx: its context
 * @file: the context's file, held while the access exists
 * @ops: the owner's callbacks
 * @data: the owner's cookie for @ops
 * @lock: see above
 * @ioas: where new pins and copies go, NULL if none
 * @ioas_unpin: where the current pins live
 * @pins: struct ifd_access_pin entries
 */
struct ifd_access {
	struct ifd_object obj;
	struct ifd_ctx *ctx;
	struct file *file;
	const struct iommufd2_access_ops *ops;
	void *data;
	struct mutex lock;	/* see above */
	struct ifd_ioas *ioas;
	struct ifd_ioas *ioas_unpin;
	struct list_head pins;
};

bool ifd_access_tryget(struct ifd_access *access);
void ifd_access_put(struct ifd_access *access);
void ifd_access_notify_unmap(struct ifd_access *access, unsigned long iova,
			     unsigned long length);

#endif /* IOMMUFD2_ACCESS_H */
