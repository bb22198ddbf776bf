/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * iommufd2 introspection over generic netlink (family "iommufd2").
 *
 * Dumps (NLM_F_DUMP):
 *   IOMMUFD2_CMD_CTX_GET  one message per context: ID, owner pid and comm,
 *                         pinned pages, object counts per type (nested
 *                         IOMMUFD2_A_CTX_COUNT entries)
 *   IOMMUFD2_CMD_OBJ_GET  one message per object of context
 *                         IOMMUFD2_A_CTX_ID: ID, type, user counts, state
 *                         and links (nested IOMMUFD2_A_OBJ_LINK entries)
 *   IOMMUFD2_CMD_DEV_GET  one message per bound device: context, ID, name,
 *                         iommu group, attachments (links, per PASID)
 * Do:
 *   IOMMUFD2_CMD_STATS_GET module-wide counters (IOMMUFD2_A_CTX_COUNT
 *                         entries plus contexts, tombstones, pinned pages)
 *
 * Filtering by IOMMUFD2_A_CTX_PID limits context and device dumps to one
 * process.  Only a caller with CAP_SYS_ADMIN may see other processes'
 * contexts: an unprivileged dump must name its own pid (else EPERM).
 *
 * Multicast group "events": IOMMUFD2_CMD_EVENT messages with
 * IOMMUFD2_A_EVENT and the IDs concerned.
 */
#ifndef _UAPI_IOMMUFD2_NL_H
#define _UAPI_IOMMUFD2_NL_H

#define IOMMUFD2_GENL_NAME		"iommufd2"
#define IOMMUFD2_GENL_VERSION		1
#define IOMMUFD2_GENL_EVENTS_GROUP	"events"

enum iommufd2_nl_cmd {
	IOMMUFD2_CMD_UNSPEC,
	IOMMUFD2_CMD_CTX_GET,
	IOMMUFD2_CMD_OBJ_GET,
	IOMMUFD2_CMD_DEV_GET,
	IOMMUFD2_CMD_STATS_GET,
	IOMMUFD2_CMD_EVENT,
	__IOMMUFD2_CMD_MAX,
};

#define IOMMUFD2_CMD_MAX (__IOMMUFD2_CMD_MAX - 1)

enum iommufd2_nl_attr {
	IOMMUFD2_A_UNSPEC,
	IOMMUFD2_A_CTX_ID,		/* u32 */
	IOMMUFD2_A_CTX_PID,		/* u32, owner's tgid */
	IOMMUFD2_A_CTX_COMM,		/* string, owner's comm at open */
	IOMMUFD2_A_CTX_PINNED,		/* u64, pages pinned by its mappings */
	IOMMUFD2_A_CTX_COUNT,		/* nested: TYPE + COUNT */
	IOMMUFD2_A_OBJ_ID,		/* u32 */
	IOMMUFD2_A_OBJ_TYPE,		/* u32, enum iommufd2_nl_obj_type */
	IOMMUFD2_A_OBJ_USERS,		/* u32, long-term users */
	IOMMUFD2_A_OBJ_SHORTTERM,	/* u32, operations in flight */
	IOMMUFD2_A_OBJ_STATE,		/* u32, enum iommufd2_nl_obj_state */
	IOMMUFD2_A_OBJ_LINK,		/* nested: LINK_* */
	IOMMUFD2_A_LINK_KIND,		/* u32, enum iommufd2_nl_link */
	IOMMUFD2_A_LINK_ID,		/* u32, the object linked to */
	IOMMUFD2_A_LINK_PASID,		/* u32, for attachments */
	IOMMUFD2_A_COUNT,		/* u64 */
	IOMMUFD2_A_DEV_NAME,		/* string */
	IOMMUFD2_A_DEV_GROUP,		/* u32, iommu group ID */
	IOMMUFD2_A_EVENT,		/* u32, enum iommufd2_nl_event */
	IOMMUFD2_A_STAT_CONTEXTS,	/* u64 */
	IOMMUFD2_A_STAT_TOMBSTONES,	/* u64 */
	IOMMUFD2_A_STAT_PINNED,		/* u64 */
	__IOMMUFD2_A_MAX,
};

#define IOMMUFD2_A_MAX (__IOMMUFD2_A_MAX - 1)

enum iommufd2_nl_obj_type {
	IOMMUFD2_OBJ_IOAS = 1,
	IOMMUFD2_OBJ_HWPT_PAGING,
	IOMMUFD2_OBJ_DEVICE,
	IOMMUFD2_OBJ_VIOMMU,
	IOMMUFD2_OBJ_VDEVICE,
	IOMMUFD2_OBJ_ACCESS,
	IOMMUFD2_OBJ_HWPT_NESTED,
	IOMMUFD2_OBJ_FAULT,
	IOMMUFD2_OBJ_VEVENTQ,
	IOMMUFD2_OBJ_HW_QUEUE,
};

enum iommufd2_nl_obj_state {
	IOMMUFD2_STATE_LIVE,
	IOMMUFD2_STATE_DESTROYING,	/* unpublished, teardown under way */
	IOMMUFD2_STATE_TOMBSTONE,	/* kernel-destroyed; ID reserved */
	IOMMUFD2_STATE_RESERVED,	/* being created */
};

enum iommufd2_nl_link {
	IOMMUFD2_LINK_IOAS = 1,		/* HWPT or access -> its IOAS */
	IOMMUFD2_LINK_HWPT,		/* vIOMMU or nested HWPT -> its parent */
	IOMMUFD2_LINK_ATTACHED,		/* device -> HWPT, per PASID */
	IOMMUFD2_LINK_VIOMMU,		/* vDevice, vEVENTQ, HW queue -> vIOMMU */
	IOMMUFD2_LINK_DEVICE,		/* vDevice -> its device */
	IOMMUFD2_LINK_VDEVICE,		/* device -> its vDevice */
};

enum iommufd2_nl_event {
	IOMMUFD2_EVENT_CREATED = 1,	/* CTX_ID, OBJ_ID, OBJ_TYPE */
	IOMMUFD2_EVENT_DESTROYED,	/* CTX_ID, OBJ_ID, OBJ_TYPE */
	IOMMUFD2_EVENT_TOMBSTONED,	/* CTX_ID, OBJ_ID, OBJ_TYPE */
	IOMMUFD2_EVENT_BOUND,		/* CTX_ID, OBJ_ID, DEV_NAME */
	IOMMUFD2_EVENT_UNBOUND,		/* CTX_ID, OBJ_ID, DEV_NAME */
};

#endif /* _UAPI_IOMMUFD2_NL_H */
