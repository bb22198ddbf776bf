// SPDX-License-Identifier: GPL-2.0
/*
 * iommufd2ctl: look at iommufd2's objects from outside, over generic
 * netlink (uapi/iommufd2/iommufd2_nl.h), with libnl-genl-3.
 *
 *   iommufd2ctl [--json] [--pid PID] show      contexts and their objects
 *   iommufd2ctl [--json] [--pid PID] devices   bound devices
 *   iommufd2ctl [--json] stats                 module-wide counters
 *   iommufd2ctl [--json] monitor [--count N]   live events
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/netlink.h>

#include <iommufd2/iommufd2_nl.h>

static bool json;
static int family;

static const char *const type_names[] = {
	[IOMMUFD2_OBJ_IOAS] = "ioas",
	[IOMMUFD2_OBJ_HWPT_PAGING] = "hwpt_paging",
	[IOMMUFD2_OBJ_DEVICE] = "device",
	[IOMMUFD2_OBJ_VIOMMU] = "viommu",
	[IOMMUFD2_OBJ_VDEVICE] = "vdevice",
	[IOMMUFD2_OBJ_ACCESS] = "access",
	[IOMMUFD2_OBJ_HWPT_NESTED] = "hwpt_nested",
	[IOMMUFD2_OBJ_FAULT] = "fault",
	[IOMMUFD2_OBJ_VEVENTQ] = "veventq",
	[IOMMUFD2_OBJ_HW_QUEUE] = "hw_queue",
};

static const char *const state_names[] = {
	[IOMMUFD2_STATE_LIVE] = "live",
	[IOMMUFD2_STATE_DESTROYING] = "destroying",
	[IOMMUFD2_STATE_TOMBSTONE] = "tombstone",
	[IOMMUFD2_STATE_RESERVED] = "reserved",
};

static const char *const link_names[] = {
	[IOMMUFD2_LINK_IOAS] = "ioas",
	[IOMMUFD2_LINK_HWPT] = "hwpt",
	[IOMMUFD2_LINK_ATTACHED] = "attached",
	[IOMMUFD2_LINK_VIOMMU] = "viommu",
	[IOMMUFD2_LINK_DEVICE] = "device",
	[IOMMUFD2_LINK_VDEVICE] = "vdevice",
};

static const char *const event_names[] = {
	[IOMMUFD2_EVENT_CREATED] = "created",
	[IOMMUFD2_EVENT_DESTROYED] = "destroyed",
	[IOMMUFD2_EVENT_TOMBSTONED] = "tombstoned",
	[IOMMUFD2_EVENT_BOUND] = "bound",
	[IOMMUFD2_EVENT_UNBOUND] = "unbound",
};

#define NAME(table, i) \
	((i) < sizeof(table) / sizeof(table[0]) && table[i] ? table[i] : "?")

static void usage(FILE *f)
{
	fprintf(f,
		"usage: iommufd2ctl [--json] [--pid PID] show\n"
		"       iommufd2ctl [--json] [--pid PID] devices\n"
		"       iommufd2ctl [--json] stats\n"
		"       iommufd2ctl [--json] monitor [--count N]\n"
		"\n"
		"Shows iommufd2's contexts, objects (type, users, state, links),\n"
		"bound devices and counters, or follows object and device events.\n"
		"Other processes' contexts need CAP_SYS_ADMIN.\n");
}

/* The kernel's answer to a request: 0 or a positive errno. */
static int kernel_error;

static int on_error(struct sockaddr_nl *nla, struct nlmsgerr *err, void *arg)
{
	kernel_error = -err->error;
	return NL_STOP;
}

static struct nlattr **parse(struct nl_msg *msg)
{
	static struct nlattr *tb[IOMMUFD2_A_MAX + 1];

	if (genlmsg_parse(nlmsg_hdr(msg), 0, tb, IOMMUFD2_A_MAX, NULL))
		return NULL;
	return tb;
}

static uint32_t u32_of(struct nlattr **tb, int attr)
{
	return tb[attr] ? nla_get_u32(tb[attr]) : 0;
}

static uint64_t u64_of(struct nlattr **tb, int attr)
{
	return tb[attr] ? nla_get_u64(tb[attr]) : 0;
}

/* Runs one request, calling @fn for each answer; returns an errno. */
static int request(struct nl_sock *sk, uint8_t cmd, int flags, uint32_t ctx,
		   uint32_t pid, nl_recvmsg_msg_cb_t fn, void *arg)
{
	struct nl_msg *msg = nlmsg_alloc();
	struct nl_cb *cb = nl_cb_alloc(NL_CB_DEFAULT);
	int rc;

	if (!msg || !cb)
		return ENOMEM;
	genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, family, 0, flags, cmd,
		    IOMMUFD2_GENL_VERSION);
	if (ctx)
		nla_put_u32(msg, IOMMUFD2_A_CTX_ID, ctx);
	if (pid)
		nla_put_u32(msg, IOMMUFD2_A_CTX_PID, pid);
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, fn, arg);
	nl_cb_err(cb, NL_CB_CUSTOM, on_error, NULL);
	kernel_error = 0;
	rc = nl_send_auto(sk, msg);
	nlmsg_free(msg);
	if (rc >= 0)
		rc = nl_recvmsgs(sk, cb);
	nl_cb_put(cb);
	if (kernel_error)
		return kernel_error;
	return rc < 0 ? EIO : 0;
}

/* --- show ------------------------------------------------------------ */

struct ctx_info {
	uint32_t id, pid;
	char comm[32];
	uint64_t pinned;
};

struct ctx_list {
	struct ctx_info *v;
	int n;
};

static int on_ctx(struct nl_msg *msg, void *arg)
{
	struct ctx_list *l = arg;
	struct nlattr **tb = parse(msg);
	struct ctx_info *c;

	if (!tb)
		return NL_SKIP;
	l->v = realloc(l->v, (l->n + 1) * sizeof(*l->v));
	c = &l->v[l->n++];
	memset(c, 0, sizeof(*c));
	c->id = u32_of(tb, IOMMUFD2_A_CTX_ID);
	c->pid = u32_of(tb, IOMMUFD2_A_CTX_PID);
	c->pinned = u64_of(tb, IOMMUFD2_A_CTX_PINNED);
	if (tb[IOMMUFD2_A_CTX_COMM])
		snprintf(c->comm, sizeof(c->comm), "%s",
			 nla_get_string(tb[IOMMUFD2_A_CTX_COMM]));
	return NL_OK;
}

static int printed;	/* objects printed in the current JSON array */

static void print_links(struct nlattr *msg_attrs, int len)
{
	struct nlattr *a, *l[IOMMUFD2_A_MAX + 1];
	int rem, first = 1;

	nla_for_each_attr(a, msg_attrs, len, rem) {
		uint32_t kind, id;

		if (nla_type(a) != IOMMUFD2_A_OBJ_LINK)
			continue;
		if (nla_parse_nested(l, IOMMUFD2_A_MAX, a, NULL))
			continue;
		kind = u32_of(l, IOMMUFD2_A_LINK_KIND);
		id = u32_of(l, IOMMUFD2_A_LINK_ID);
		if (json) {
			printf("%s{\"kind\":\"%s\",\"id\":%u", first ? "" : ",",
			       NAME(link_names, kind), id);
			if (l[IOMMUFD2_A_LINK_PASID])
				printf(",\"pasid\":%u",
				       u32_of(l, IOMMUFD2_A_LINK_PASID));
			printf("}");
		} else if (kind == IOMMUFD2_LINK_ATTACHED) {
			printf("  pasid %u -> hwpt %u",
			       u32_of(l, IOMMUFD2_A_LINK_PASID), id);
		} else {
			printf("  -> %s %u", NAME(link_names, kind), id);
		}
		first = 0;
	}
}

static int on_obj(struct nl_msg *msg, void *arg)
{
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	struct nlattr **tb = parse(msg);
	uint32_t type, state;

	if (!tb)
		return NL_SKIP;
	type = u32_of(tb, IOMMUFD2_A_OBJ_TYPE);
	state = u32_of(tb, IOMMUFD2_A_OBJ_STATE);
	if (json) {
		printf("%s{\"ctx\":%u,\"id\":%u,\"type\":\"%s\",\"state\":\"%s\"",
		       printed++ ? "," : "", u32_of(tb, IOMMUFD2_A_CTX_ID),
		       u32_of(tb, IOMMUFD2_A_OBJ_ID), NAME(type_names, type),
		       NAME(state_names, state));
		if (tb[IOMMUFD2_A_OBJ_USERS])
			printf(",\"users\":%u,\"shortterm\":%u",
			       u32_of(tb, IOMMUFD2_A_OBJ_USERS),
			       u32_of(tb, IOMMUFD2_A_OBJ_SHORTTERM));
		if (tb[IOMMUFD2_A_DEV_NAME])
			printf(",\"name\":\"%s\",\"group\":%u",
			       nla_get_string(tb[IOMMUFD2_A_DEV_NAME]),
			       u32_of(tb, IOMMUFD2_A_DEV_GROUP));
		printf(",\"links\":[");
		print_links(genlmsg_attrdata(nlmsg_data(nlh), 0),
			    genlmsg_attrlen(nlmsg_data(nlh), 0));
		printf("]}");
	} else {
		printf("  %-12s %-4u %-10s", NAME(type_names, type),
		       u32_of(tb, IOMMUFD2_A_OBJ_ID), NAME(state_names, state));
		if (tb[IOMMUFD2_A_OBJ_USERS])
			printf(" users %u inflight %u",
			       u32_of(tb, IOMMUFD2_A_OBJ_USERS),
			       u32_of(tb, IOMMUFD2_A_OBJ_SHORTTERM));
		if (tb[IOMMUFD2_A_DEV_NAME])
			printf("  %s group %u",
			       nla_get_string(tb[IOMMUFD2_A_DEV_NAME]),
			       u32_of(tb, IOMMUFD2_A_DEV_GROUP));
		print_links(genlmsg_attrdata(nlmsg_data(nlh), 0),
			    genlmsg_attrlen(nlmsg_data(nlh), 0));
		printf("\n");
	}
	return NL_OK;
}

static int cmd_show(struct nl_sock *sk, uint32_t pid)
{
	struct ctx_list l = {};
	int rc, i;

	rc = request(sk, IOMMUFD2_CMD_CTX_GET, NLM_F_DUMP, 0, pid, on_ctx, &l);
	if (rc)
		return rc;
	if (json)
		printf("{\"contexts\":[");
	for (i = 0; i < l.n; i++) {
		struct ctx_info *c = &l.v[i];

		if (json)
			printf("%s{\"id\":%u,\"pid\":%u,\"comm\":\"%s\","
			       "\"pinned\":%" PRIu64 ",\"objects\":[",
			       i ? "," : "", c->id, c->pid, c->comm,
			       c->pinned);
		else
			printf("context %u  pid %u (%s)  pinned %" PRIu64
			       " pages\n", c->id, c->pid, c->comm, c->pinned);
		printed = 0;
		rc = request(sk, IOMMUFD2_CMD_OBJ_GET, NLM_F_DUMP, c->id, 0,
			     on_obj, NULL);
		/* A context that closed meanwhile has nothing to show. */
		if (rc && rc != ENOENT)
			break;
		rc = 0;
		if (json)
			printf("]}");
	}
	if (json)
		printf("]}\n");
	free(l.v);
	return rc;
}

static int cmd_devices(struct nl_sock *sk, uint32_t pid)
{
	int rc;

	printed = 0;
	if (json)
		printf("{\"devices\":[");
	rc = request(sk, IOMMUFD2_CMD_DEV_GET, NLM_F_DUMP, 0, pid, on_obj,
		     NULL);
	if (json)
		printf("]}\n");
	return rc;
}

static int on_stats(struct nl_msg *msg, void *arg)
{
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	struct nlattr **tb = parse(msg), *a, *c[IOMMUFD2_A_MAX + 1];
	int rem, n = 0;

	if (!tb)
		return NL_SKIP;
	printf(json ? "{\"contexts\":%" PRIu64 ",\"tombstones\":%" PRIu64
		      ",\"pinned_pages\":%" PRIu64 ",\"objects\":{" :
		      "contexts %" PRIu64 "\ntombstones %" PRIu64
		      "\npinned_pages %" PRIu64 "\n",
	       u64_of(tb, IOMMUFD2_A_STAT_CONTEXTS),
	       u64_of(tb, IOMMUFD2_A_STAT_TOMBSTONES),
	       u64_of(tb, IOMMUFD2_A_STAT_PINNED));
	nla_for_each_attr(a, genlmsg_attrdata(nlmsg_data(nlh), 0),
			  genlmsg_attrlen(nlmsg_data(nlh), 0), rem) {
		if (nla_type(a) != IOMMUFD2_A_CTX_COUNT ||
		    nla_parse_nested(c, IOMMUFD2_A_MAX, a, NULL))
			continue;
		printf(json ? "%s\"%s\":%" PRIu64 : "%s%s %" PRIu64 "\n",
		       json && n++ ? "," : "",
		       NAME(type_names, u32_of(c, IOMMUFD2_A_OBJ_TYPE)),
		       u64_of(c, IOMMUFD2_A_COUNT));
	}
	if (json)
		printf("}}\n");
	return NL_OK;
}

static int cmd_stats(struct nl_sock *sk)
{
	return request(sk, IOMMUFD2_CMD_STATS_GET, 0, 0, 0, on_stats, NULL);
}

/* --- monitor --------------------------------------------------------- */

static long events_left = -1;

static int on_event(struct nl_msg *msg, void *arg)
{
	struct nlattr **tb = parse(msg);
	uint32_t ev;

	if (!tb || genlmsg_hdr(nlmsg_hdr(msg))->cmd != IOMMUFD2_CMD_EVENT)
		return NL_SKIP;
	ev = u32_of(tb, IOMMUFD2_A_EVENT);
	if (json)
		printf("{\"event\":\"%s\",\"ctx\":%u,\"id\":%u,\"type\":\"%s\"",
		       NAME(event_names, ev), u32_of(tb, IOMMUFD2_A_CTX_ID),
		       u32_of(tb, IOMMUFD2_A_OBJ_ID),
		       NAME(type_names, u32_of(tb, IOMMUFD2_A_OBJ_TYPE)));
	else
		printf("%-10s ctx %u %s %u", NAME(event_names, ev),
		       u32_of(tb, IOMMUFD2_A_CTX_ID),
		       NAME(type_names, u32_of(tb, IOMMUFD2_A_OBJ_TYPE)),
		       u32_of(tb, IOMMUFD2_A_OBJ_ID));
	if (tb[IOMMUFD2_A_DEV_NAME])
		printf(json ? ",\"name\":\"%s\"" : " %s",
		       nla_get_string(tb[IOMMUFD2_A_DEV_NAME]));
	printf(json ? "}\n" : "\n");
	fflush(stdout);
	if (events_left > 0)
		events_left--;
	return NL_OK;
}

static int cmd_monitor(struct nl_sock *sk)
{
	int grp = genl_ctrl_resolve_grp(sk, IOMMUFD2_GENL_NAME,
					IOMMUFD2_GENL_EVENTS_GROUP);
	int rc;

	if (grp < 0)
		return EIO;
	/* Events are for administrators (CAP_SYS_ADMIN) only. */
	rc = nl_socket_add_membership(sk, grp);
	if (rc)
		return rc == -NLE_PERM ? EPERM : EIO;
	nl_socket_disable_seq_check(sk);
	nl_socket_modify_cb(sk, NL_CB_VALID, NL_CB_CUSTOM, on_event, NULL);
	/* Scripts wait for this line before causing events. */
	printf(json ? "{\"listening\":true}\n" : "# listening\n");
	fflush(stdout);
	while (events_left != 0)
		if (nl_recvmsgs_default(sk) < 0)
			return EIO;
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "pid", required_argument, NULL, 'p' },
		{ "count", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	struct nl_sock *sk;
	uint32_t pid = 0;
	const char *cmd;
	int opt, rc;

	while ((opt = getopt_long(argc, argv, "jp:c:h", opts, NULL)) != -1) {
		switch (opt) {
		case 'j':
			json = true;
			break;
		case 'p':
			pid = strtoul(optarg, NULL, 0);
			break;
		case 'c':
			events_left = strtol(optarg, NULL, 0);
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc - 1) {
		usage(stderr);
		return 2;
	}
	cmd = argv[optind];

	sk = nl_socket_alloc();
	if (!sk || genl_connect(sk)) {
		fprintf(stderr, "iommufd2ctl: no generic netlink socket\n");
		return 1;
	}
	family = genl_ctrl_resolve(sk, IOMMUFD2_GENL_NAME);
	if (family < 0) {
		fprintf(stderr, "iommufd2ctl: iommufd2 is not loaded\n");
		return 1;
	}
	if (!strcmp(cmd, "show"))
		rc = cmd_show(sk, pid);
	else if (!strcmp(cmd, "devices"))
		rc = cmd_devices(sk, pid);
	else if (!strcmp(cmd, "stats"))
		rc = cmd_stats(sk);
	else if (!strcmp(cmd, "monitor"))
		rc = cmd_monitor(sk);
	else {
		usage(stderr);
		return 2;
	}
	nl_socket_free(sk);
	if (rc) {
		fprintf(stderr, "iommufd2ctl: %s: %s\n", cmd, strerror(rc));
		return 1;
	}
	return 0;
}
