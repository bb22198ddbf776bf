// SPDX-License-Identifier: GPL-2.0
/*
 * Introspection over generic netlink: who holds what.  The protocol is in
 * uapi/iommufd2/iommufd2_nl.h.
 *
 * Contexts are found through a module-wide registry under ifd_nl_lock.  A
 * dump takes a reference on the context it describes (ctx->nl_refs) and
 * drops ifd_nl_lock before taking any lock of that context, so a context
 * whose owner sits in one of its own locks stalls only dumps of itself,
 * never the opening and closing of other contexts; unregistering waits for
 * the dumps holding a reference.  Objects are described from the table
 * under its spinlock, so each entry is one consistent snapshot; device
 * attachments are read under the context's groups_lock and the group's
 * lock.  Dumps resume by context and object ID.
 *
 * Access (README, reliability): events and statistics are for
 * CAP_SYS_ADMIN only.  Without it, a dump must be filtered by the caller's
 * own PID and shows only contexts whose opener had the caller's effective
 * UID: visibility follows the opener's credentials, captured at open, not
 * a PID that may since have been reused.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/iommu.h>
#include <linux/mutex.h>
#include <linux/sched.h>
#include <linux/xarray.h>
#include <net/genetlink.h>
#include <net/netlink.h>

#include "iommufd2/access.h"
#include "iommufd2/ctx.h"
#include "iommufd2/device.h"
#include "iommufd2/hwpt.h"
#include "iommufd2/ioas.h"
#include "iommufd2/netlink.h"
#include "iommufd2/stats.h"
#include "iommufd2/viommu.h"

static DEFINE_MUTEX(ifd_nl_lock);
static DEFINE_XARRAY_ALLOC1(ifd_nl_ctxs);
static struct genl_family ifd_nl_family;

/* cb->args[] of a dump */
enum {
	IFD_NL_ARG_CTX,		/* next context ID */
	IFD_NL_ARG_OBJ,		/* next object ID */
	IFD_NL_ARG_PID,		/* pid filter, 0: none */
	IFD_NL_ARG_ONE_CTX,	/* object dump: the context's ID */
};

/**
 * ifd_nl_register_ctx() - make a new context visible to introspection
 * @ctx: the context, owned by the calling process
 *
 * Return: 0 or -ENOMEM.
 */
int ifd_nl_register_ctx(struct ifd_ctx *ctx)
{
	int rc;

	ctx->owner_tgid = task_tgid_nr(current);
	get_task_comm(ctx->owner_comm, current);
	refcount_set(&ctx->nl_refs, 1);
	init_completion(&ctx->nl_gone);
	mutex_lock(&ifd_nl_lock);
	rc = xa_alloc(&ifd_nl_ctxs, &ctx->nl_id, ctx, xa_limit_31b,
		      GFP_KERNEL);
	mutex_unlock(&ifd_nl_lock);
	if (!rc)
		ctx->owner_cred = get_current_cred();
	return rc;
}

/**
 * ifd_nl_unregister_ctx() - hide a closing context; waits for dumps of it
 * @ctx: the context
 */
void ifd_nl_unregister_ctx(struct ifd_ctx *ctx)
{
	mutex_lock(&ifd_nl_lock);
	xa_erase(&ifd_nl_ctxs, ctx->nl_id);
	mutex_unlock(&ifd_nl_lock);
	if (!refcount_dec_and_test(&ctx->nl_refs))
		wait_for_completion(&ctx->nl_gone);
	put_cred(ctx->owner_cred);
}

/* Drop a dump's reference on a context. */
static void ifd_nl_ctx_put(struct ifd_ctx *ctx)
{
	if (refcount_dec_and_test(&ctx->nl_refs))
		complete(&ctx->nl_gone);
}

static u32 ifd_nl_type(enum ifd_obj_type type)
{
	switch (type) {
	case IFD_OBJ_IOAS:
		return IOMMUFD2_OBJ_IOAS;
	case IFD_OBJ_HWPT_PAGING:
		return IOMMUFD2_OBJ_HWPT_PAGING;
	case IFD_OBJ_DEVICE:
		return IOMMUFD2_OBJ_DEVICE;
	case IFD_OBJ_VIOMMU:
		return IOMMUFD2_OBJ_VIOMMU;
	case IFD_OBJ_VDEVICE:
		return IOMMUFD2_OBJ_VDEVICE;
	case IFD_OBJ_ACCESS:
		return IOMMUFD2_OBJ_ACCESS;
	case IFD_OBJ_HWPT_NESTED:
		return IOMMUFD2_OBJ_HWPT_NESTED;
	case IFD_OBJ_FAULT:
		return IOMMUFD2_OBJ_FAULT;
	case IFD_OBJ_VEVENTQ:
		return IOMMUFD2_OBJ_VEVENTQ;
	case IFD_OBJ_HW_QUEUE:
		return IOMMUFD2_OBJ_HW_QUEUE;
	default:
		return 0;	/* internal types are not shown */
	}
}

static int ifd_nl_put_link(struct sk_buff *skb, u32 kind, u32 id, u32 pasid,
			   bool with_pasid)
{
	struct nlattr *nest = nla_nest_start(skb, IOMMUFD2_A_OBJ_LINK);

	if (!nest)
		return -EMSGSIZE;
	if (nla_put_u32(skb, IOMMUFD2_A_LINK_KIND, kind) ||
	    nla_put_u32(skb, IOMMUFD2_A_LINK_ID, id) ||
	    (with_pasid && nla_put_u32(skb, IOMMUFD2_A_LINK_PASID, pasid))) {
		nla_nest_cancel(skb, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	return 0;
}

/* Links readable under the table lock (the objects linked to are live). */
static int ifd_nl_put_links(struct sk_buff *skb, struct ifd_object *obj)
{
	struct ifd_object *to = NULL;
	struct ifd_vdevice *vdev;
	struct ifd_ioas *ioas;
	u32 kind = 0;

	switch (obj->ops->type) {
	case IFD_OBJ_HWPT_PAGING:
		kind = IOMMUFD2_LINK_IOAS;
		to = &container_of(obj, struct ifd_hwpt, obj)->ioas->obj;
		break;
	case IFD_OBJ_HWPT_NESTED:
		kind = IOMMUFD2_LINK_HWPT;
		to = &container_of(obj, struct ifd_hwpt, obj)->parent->obj;
		break;
	case IFD_OBJ_VIOMMU:
		kind = IOMMUFD2_LINK_HWPT;
		to = &container_of(obj, struct ifd_viommu, obj)->hwpt->obj;
		break;
	case IFD_OBJ_VDEVICE:
		vdev = container_of(obj, struct ifd_vdevice, obj);
		if (ifd_nl_put_link(skb, IOMMUFD2_LINK_VIOMMU,
				    vdev->viommu->obj.id, 0, false))
			return -EMSGSIZE;
		kind = IOMMUFD2_LINK_DEVICE;
		to = &vdev->idev->obj;
		break;
	case IFD_OBJ_VEVENTQ:
		kind = IOMMUFD2_LINK_VIOMMU;
		to = &ifd_veventq_viommu(obj)->obj;
		break;
	case IFD_OBJ_HW_QUEUE:
		kind = IOMMUFD2_LINK_VIOMMU;
		to = &container_of(obj, struct ifd_hw_queue, obj)->viommu->obj;
		break;
	case IFD_OBJ_ACCESS:
		ioas = READ_ONCE(container_of(obj, struct ifd_access,
					      obj)->ioas_unpin);
		kind = IOMMUFD2_LINK_IOAS;
		to = ioas ? &ioas->obj : NULL;
		break;
	default:
		break;
	}
	return to ? ifd_nl_put_link(skb, kind, to->id, 0, false) : 0;
}

/* Attachments of a device, under its group's lock. */
static int ifd_nl_put_attachments(struct sk_buff *skb, struct ifd_group *ig,
				  u32 id)
{
	struct ifd_attach *att;
	unsigned long pasid;
	int rc = 0;

	mutex_lock(&ig->lock);
	xa_for_each(&ig->attaches, pasid, att) {
		if (!xa_load(&att->devices, id))
			continue;
		rc = ifd_nl_put_link(skb, IOMMUFD2_LINK_ATTACHED,
				     att->hwpt->obj.id, pasid, true);
		if (rc)
			break;
	}
	mutex_unlock(&ig->lock);
	return rc;
}

/*
 * Describe the first object with an ID >= *@next as one message.  Returns
 * 1 when there is none, 0 with *@next advanced, or -EMSGSIZE (message
 * cancelled, *@next unchanged).  The caller holds ctx->groups_lock, which
 * keeps device groups alive.
 */
static int ifd_nl_fill_obj(struct sk_buff *skb, struct netlink_callback *cb,
			   struct ifd_ctx *ctx, unsigned long *next, u8 cmd,
			   bool devices_only)
{
	struct ifd_group *igroup = NULL;
	struct ifd_object *obj;
	unsigned long index = *next;
	u32 type = 0, state;
	void *hdr;
	int rc = 0;

	hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid, cb->nlh->nlmsg_seq,
			  &ifd_nl_family, NLM_F_MULTI, cmd);
	if (!hdr)
		return -EMSGSIZE;

	xa_lock(&ctx->objects);
	for (;;) {
		obj = xa_find(&ctx->objects, &index, ULONG_MAX, XA_PRESENT);
		if (!obj)
			break;
		/* Not there yet for anyone: being built. */
		if (!xa_is_value(obj) && !ifd_entry_published(obj)) {
			index++;
			continue;
		}
		type = xa_is_value(obj) ? ifd_nl_type(xa_to_value(obj)) :
					  ifd_nl_type(obj->ops->type);
		if (type && (!devices_only || type == IOMMUFD2_OBJ_DEVICE))
			break;
		index++;
	}
	if (!obj) {
		xa_unlock(&ctx->objects);
		genlmsg_cancel(skb, hdr);
		return 1;
	}
	if (xa_is_value(obj)) {
		state = IOMMUFD2_STATE_TOMBSTONE;
	} else {
		state = IOMMUFD2_STATE_LIVE;
		if (type == IOMMUFD2_OBJ_DEVICE) {
			struct ifd_device *idev =
				container_of(obj, struct ifd_device, obj);

			if (READ_ONCE(idev->unbinding))
				state = IOMMUFD2_STATE_DESTROYING;
			igroup = idev->igroup;
			if (nla_put_string(skb, IOMMUFD2_A_DEV_NAME,
					   dev_name(idev->dev)) ||
			    nla_put_u32(skb, IOMMUFD2_A_DEV_GROUP,
					iommu_group_id(igroup->group)))
				rc = -EMSGSIZE;
		}
	}
	if (!rc && (nla_put_u32(skb, IOMMUFD2_A_CTX_ID, ctx->nl_id) ||
		    nla_put_u32(skb, IOMMUFD2_A_OBJ_ID, index) ||
		    nla_put_u32(skb, IOMMUFD2_A_OBJ_TYPE, type) ||
		    nla_put_u32(skb, IOMMUFD2_A_OBJ_STATE, state)))
		rc = -EMSGSIZE;
	if (!rc && !xa_is_value(obj) &&
	    (nla_put_u32(skb, IOMMUFD2_A_OBJ_USERS,
			 refcount_read(&obj->users)) ||
	     nla_put_u32(skb, IOMMUFD2_A_OBJ_SHORTTERM,
			 refcount_read(&obj->shortterm) - 1) ||
	     ifd_nl_put_links(skb, obj)))
		rc = -EMSGSIZE;
	xa_unlock(&ctx->objects);

	if (!rc && igroup)
		rc = ifd_nl_put_attachments(skb, igroup, index);
	if (rc) {
		genlmsg_cancel(skb, hdr);
		return rc;
	}
	genlmsg_end(skb, hdr);
	*next = index + 1;
	return 0;
}

static bool ifd_nl_may_see(struct netlink_callback *cb, struct ifd_ctx *ctx)
{
	return netlink_capable(cb->skb, CAP_SYS_ADMIN) ||
	       uid_eq(ctx->owner_cred->euid, current_euid());
}

static int ifd_nl_dump_start(struct netlink_callback *cb)
{
	const struct genl_dumpit_info *info = genl_dumpit_info(cb);
	struct nlattr **attrs = info->info.attrs;
	u32 pid = attrs[IOMMUFD2_A_CTX_PID] ?
		  nla_get_u32(attrs[IOMMUFD2_A_CTX_PID]) : 0;

	/* Only an administrator looks at other processes' contexts. */
	if (!netlink_capable(cb->skb, CAP_SYS_ADMIN) &&
	    pid != task_tgid_nr(current))
		return -EPERM;
	cb->args[IFD_NL_ARG_PID] = pid;
	if (info->op.cmd == IOMMUFD2_CMD_OBJ_GET) {
		struct ifd_ctx *ctx;
		int rc = 0;

		if (!attrs[IOMMUFD2_A_CTX_ID])
			return -EINVAL;
		cb->args[IFD_NL_ARG_ONE_CTX] =
			nla_get_u32(attrs[IOMMUFD2_A_CTX_ID]);
		/* Answer up front (an error ack) for a wrong context. */
		mutex_lock(&ifd_nl_lock);
		ctx = xa_load(&ifd_nl_ctxs, cb->args[IFD_NL_ARG_ONE_CTX]);
		if (!ctx)
			rc = -ENOENT;
		else if (!ifd_nl_may_see(cb, ctx))
			rc = -EPERM;
		mutex_unlock(&ifd_nl_lock);
		return rc;
	}
	return 0;
}

static int ifd_nl_fill_ctx(struct sk_buff *skb, struct netlink_callback *cb,
			   struct ifd_ctx *ctx)
{
	long counts[IFD_OBJ_NR] = {};
	struct ifd_object *obj;
	unsigned long index;
	struct nlattr *nest;
	int type;
	void *hdr;

	xa_lock(&ctx->objects);
	xa_for_each(&ctx->objects, index, obj)
		if (ifd_entry_published(obj))
			counts[obj->ops->type]++;
	xa_unlock(&ctx->objects);

	hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid, cb->nlh->nlmsg_seq,
			  &ifd_nl_family, NLM_F_MULTI, IOMMUFD2_CMD_CTX_GET);
	if (!hdr)
		return -EMSGSIZE;
	if (nla_put_u32(skb, IOMMUFD2_A_CTX_ID, ctx->nl_id) ||
	    nla_put_u32(skb, IOMMUFD2_A_CTX_PID, ctx->owner_tgid) ||
	    nla_put_string(skb, IOMMUFD2_A_CTX_COMM, ctx->owner_comm) ||
	    nla_put_u64_64bit(skb, IOMMUFD2_A_CTX_PINNED,
			      atomic_long_read(&ctx->pinned),
			      IOMMUFD2_A_UNSPEC))
		goto cancel;
	for (type = 0; type < IFD_OBJ_NR; type++) {
		if (!ifd_nl_type(type) || !counts[type])
			continue;
		nest = nla_nest_start(skb, IOMMUFD2_A_CTX_COUNT);
		if (!nest ||
		    nla_put_u32(skb, IOMMUFD2_A_OBJ_TYPE, ifd_nl_type(type)) ||
		    nla_put_u64_64bit(skb, IOMMUFD2_A_COUNT, counts[type],
				      IOMMUFD2_A_UNSPEC))
			goto cancel;
		nla_nest_end(skb, nest);
	}
	genlmsg_end(skb, hdr);
	return 0;
cancel:
	genlmsg_cancel(skb, hdr);
	return -EMSGSIZE;
}

static bool ifd_nl_wanted(struct netlink_callback *cb, struct ifd_ctx *ctx)
{
	u32 pid = cb->args[IFD_NL_ARG_PID];

	return (!pid || ctx->owner_tgid == pid) && ifd_nl_may_see(cb, ctx);
}

static int ifd_nl_ctx_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	unsigned long index = cb->args[IFD_NL_ARG_CTX];
	struct ifd_ctx *ctx;

	mutex_lock(&ifd_nl_lock);
	xa_for_each_start(&ifd_nl_ctxs, index, ctx, index) {
		if (!ifd_nl_wanted(cb, ctx))
			continue;
		if (ifd_nl_fill_ctx(skb, cb, ctx))
			break;
		cb->args[IFD_NL_ARG_CTX] = index + 1;
	}
	mutex_unlock(&ifd_nl_lock);
	return skb->len;
}

/*
 * Describe @ctx's objects from cb->args[OBJ] on.  Returns 0 once all are
 * out, -EMSGSIZE when the message buffer is full.
 */
static int ifd_nl_dump_ctx_objects(struct sk_buff *skb,
				   struct netlink_callback *cb,
				   struct ifd_ctx *ctx, u8 cmd, bool devices)
{
	unsigned long next = cb->args[IFD_NL_ARG_OBJ];
	int rc;

	mutex_lock(&ctx->groups_lock);
	while (!(rc = ifd_nl_fill_obj(skb, cb, ctx, &next, cmd, devices)))
		cb->args[IFD_NL_ARG_OBJ] = next;
	mutex_unlock(&ctx->groups_lock);
	return rc < 0 ? rc : 0;
}

/* A full buffer ends this round; an object too big for any is an error. */
static int ifd_nl_dump_result(struct sk_buff *skb, int rc)
{
	if (rc == -EMSGSIZE && skb->len)
		return skb->len;
	return rc ?: skb->len;
}

static int ifd_nl_obj_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct ifd_ctx *ctx;
	int rc = 0;

	mutex_lock(&ifd_nl_lock);
	ctx = xa_load(&ifd_nl_ctxs, cb->args[IFD_NL_ARG_ONE_CTX]);
	if (!ctx)
		/* Gone mid-dump: end it; never there: say so. */
		rc = cb->args[IFD_NL_ARG_CTX] ? 0 : -ENOENT;
	else if (!ifd_nl_may_see(cb, ctx))
		rc = -EPERM;
	else
		refcount_inc(&ctx->nl_refs);
	mutex_unlock(&ifd_nl_lock);
	if (!ctx || rc)
		return ifd_nl_dump_result(skb, rc);

	cb->args[IFD_NL_ARG_CTX] = 1;	/* started */
	rc = ifd_nl_dump_ctx_objects(skb, cb, ctx, IOMMUFD2_CMD_OBJ_GET, false);
	ifd_nl_ctx_put(ctx);
	return ifd_nl_dump_result(skb, rc);
}

/* The first wanted context with an ID >= *@index, held; NULL for none. */
static struct ifd_ctx *ifd_nl_next_ctx(struct netlink_callback *cb,
				       unsigned long *index)
{
	struct ifd_ctx *ctx;

	mutex_lock(&ifd_nl_lock);
	xa_for_each_start(&ifd_nl_ctxs, *index, ctx, *index)
		if (ifd_nl_wanted(cb, ctx)) {
			/* Registered, so at least its own reference is there. */
			refcount_inc(&ctx->nl_refs);
			break;
		}
	mutex_unlock(&ifd_nl_lock);
	return ctx;
}

static int ifd_nl_dev_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	unsigned long index = cb->args[IFD_NL_ARG_CTX];
	struct ifd_ctx *ctx;
	int rc = 0;

	while ((ctx = ifd_nl_next_ctx(cb, &index))) {
		if (index != cb->args[IFD_NL_ARG_CTX])
			cb->args[IFD_NL_ARG_OBJ] = 0;	/* a new context */
		cb->args[IFD_NL_ARG_CTX] = index;
		rc = ifd_nl_dump_ctx_objects(skb, cb, ctx, IOMMUFD2_CMD_DEV_GET,
					     true);
		ifd_nl_ctx_put(ctx);
		if (rc)
			break;	/* full: resume in this context */
		cb->args[IFD_NL_ARG_OBJ] = 0;
		cb->args[IFD_NL_ARG_CTX] = ++index;
	}
	return ifd_nl_dump_result(skb, rc);
}

static int ifd_nl_stats(struct sk_buff *skb, struct genl_info *info)
{
	struct ifd_stats_snap snap;
	struct sk_buff *msg;
	struct nlattr *nest;
	void *hdr;
	int type;

	ifd_stats_snapshot(&snap);
	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put_reply(msg, info, &ifd_nl_family, 0,
				IOMMUFD2_CMD_STATS_GET);
	if (!hdr)
		goto nospace;
	if (nla_put_u64_64bit(msg, IOMMUFD2_A_STAT_CONTEXTS, snap.contexts,
			      IOMMUFD2_A_UNSPEC) ||
	    nla_put_u64_64bit(msg, IOMMUFD2_A_STAT_TOMBSTONES, snap.tombstones,
			      IOMMUFD2_A_UNSPEC) ||
	    nla_put_u64_64bit(msg, IOMMUFD2_A_STAT_PINNED, snap.pinned,
			      IOMMUFD2_A_UNSPEC))
		goto nospace;
	for (type = 0; type < IFD_OBJ_NR; type++) {
		if (!ifd_nl_type(type))
			continue;
		nest = nla_nest_start(msg, IOMMUFD2_A_CTX_COUNT);
		if (!nest ||
		    nla_put_u32(msg, IOMMUFD2_A_OBJ_TYPE, ifd_nl_type(type)) ||
		    nla_put_u64_64bit(msg, IOMMUFD2_A_COUNT, snap.objects[type],
				      IOMMUFD2_A_UNSPEC))
			goto nospace;
		nla_nest_end(msg, nest);
	}
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);
nospace:
	nlmsg_free(msg);
	return -EMSGSIZE;
}

/* Requests carry only these; everything else is an output. */
static const struct nla_policy ifd_nl_policy[IOMMUFD2_A_MAX + 1] = {
	[IOMMUFD2_A_CTX_ID] = { .type = NLA_U32 },
	[IOMMUFD2_A_CTX_PID] = { .type = NLA_U32 },
	[IOMMUFD2_A_CTX_COMM ... IOMMUFD2_A_MAX] = { .type = NLA_REJECT },
};

static const struct genl_ops ifd_nl_ops[] = {
	{
		.cmd = IOMMUFD2_CMD_CTX_GET,
		.start = ifd_nl_dump_start,
		.dumpit = ifd_nl_ctx_dump,
	},
	{
		.cmd = IOMMUFD2_CMD_OBJ_GET,
		.start = ifd_nl_dump_start,
		.dumpit = ifd_nl_obj_dump,
	},
	{
		.cmd = IOMMUFD2_CMD_DEV_GET,
		.start = ifd_nl_dump_start,
		.dumpit = ifd_nl_dev_dump,
	},
	{
		.cmd = IOMMUFD2_CMD_STATS_GET,
		.doit = ifd_nl_stats,
		/* Module-wide numbers: the administrator's. */
		.flags = GENL_ADMIN_PERM,
	},
};

/* Every context's events, device names included: the administrator's. */
static const struct genl_multicast_group ifd_nl_groups[] = {
	{ .name = IOMMUFD2_GENL_EVENTS_GROUP,
	  .flags = GENL_MCAST_CAP_SYS_ADMIN },
};

static struct genl_family ifd_nl_family = {
	.name = IOMMUFD2_GENL_NAME,
	.version = IOMMUFD2_GENL_VERSION,
	.maxattr = IOMMUFD2_A_MAX,
	.policy = ifd_nl_policy,
	.module = THIS_MODULE,
	.ops = ifd_nl_ops,
	.n_ops = ARRAY_SIZE(ifd_nl_ops),
	.resv_start_op = IOMMUFD2_CMD_EVENT + 1,
	.mcgrps = ifd_nl_groups,
	.n_mcgrps = ARRAY_SIZE(ifd_nl_groups),
};

static void ifd_nl_send_event(struct ifd_ctx *ctx, u32 event, u32 id,
			      u32 type, const char *name)
{
	struct sk_buff *skb;
	void *hdr;

	if (!genl_has_listeners(&ifd_nl_family, &init_net, 0))
		return;
	/* Called from object paths that may hold spinlocks. */
	skb = genlmsg_new(NLMSG_GOODSIZE, GFP_ATOMIC);
	if (!skb)
		return;
	hdr = genlmsg_put(skb, 0, 0, &ifd_nl_family, 0, IOMMUFD2_CMD_EVENT);
	if (!hdr ||
	    nla_put_u32(skb, IOMMUFD2_A_EVENT, event) ||
	    nla_put_u32(skb, IOMMUFD2_A_CTX_ID, ctx->nl_id) ||
	    nla_put_u32(skb, IOMMUFD2_A_OBJ_ID, id) ||
	    (type && nla_put_u32(skb, IOMMUFD2_A_OBJ_TYPE, type)) ||
	    (name && nla_put_string(skb, IOMMUFD2_A_DEV_NAME, name))) {
		nlmsg_free(skb);
		return;
	}
	genlmsg_end(skb, hdr);
	genlmsg_multicast(&ifd_nl_family, skb, 0, 0, GFP_ATOMIC);
}

/**
 * ifd_nl_object_event() - tell listeners an object came or went
 * @ctx: its context
 * @obj: the object (its type and ID are read, nothing else)
 * @event: IOMMUFD2_EVENT_CREATED, _DESTROYED or _TOMBSTONED
 */
void ifd_nl_object_event(struct ifd_ctx *ctx, struct ifd_object *obj,
			 enum iommufd2_nl_event event)
{
	u32 type = ifd_nl_type(obj->ops->type);

	if (type)
		ifd_nl_send_event(ctx, event, obj->id, type, NULL);
}

/**
 * ifd_nl_device_event() - tell listeners a device was bound or unbound
 * @ctx: the context
 * @id: the device's ID in it
 * @name: the device's name
 * @event: IOMMUFD2_EVENT_BOUND or _UNBOUND
 */
void ifd_nl_device_event(struct ifd_ctx *ctx, u32 id, const char *name,
			 enum iommufd2_nl_event event)
{
	ifd_nl_send_event(ctx, event, id, IOMMUFD2_OBJ_DEVICE, name);
}

/**
 * ifd_nl_init() - register the generic netlink family
 *
 * Return: 0 or an error.
 */
int ifd_nl_init(void)
{
	return genl_register_family(&ifd_nl_family);
}

/**
 * ifd_nl_exit() - unregister the family
 */
void ifd_nl_exit(void)
{
	genl_unregister_family(&ifd_nl_family);
}
