/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Introspection over generic netlink (uapi/iommufd2/iommufd2_nl.h): the
 * registry of live contexts, the dumps, and the event group.
 */
#ifndef IOMMUFD2_NETLINK_H
#define IOMMUFD2_NETLINK_H

#include <linux/types.h>

#include "iommufd2/object.h"
#include "iommufd2/iommufd2_nl.h"

struct ifd_ctx;

int ifd_nl_register_ctx(struct ifd_ctx *ctx);
void ifd_nl_unregister_ctx(struct ifd_ctx *ctx);

void ifd_nl_object_event(struct ifd_ctx *ctx, struct ifd_object *obj,
			 enum iommufd2_nl_event event);
void ifd_nl_device_event(struct ifd_ctx *ctx, u32 id, const char *name,
			 enum iommufd2_nl_event event);

int ifd_nl_init(void);
void ifd_nl_exit(void);

#endif /* IOMMUFD2_NETLINK_H */
