/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Module-wide counters: live contexts, objects by type, tombstones and
 * pinned pages.
 * Tests read them (debugfs iommufd2/objects) to prove that closing a file
 * releases everything it held.
 */
#ifndef IOMMUFD2_STATS_H
#define IOMMUFD2_STATS_H

#include "iommufd2/object.h"

void ifd_stats_object(enum ifd_obj_type type, int delta);
void ifd_stats_tombstones(long delta);
void ifd_stats_contexts(int delta);
void ifd_stats_pinned(long pages, long runs);

/**
 * struct ifd_stats_snap - the counters at one moment
 * @objects: live objects per type
 * @contexts: open contexts
 * @tombstones: tombstones in all contexts
 * @pinned: pinned pages
 */
struct ifd_stats_snap {
	long objects[IFD_OBJ_NR];
	long contexts;
	long tombstones;
	long pinned;
};

void ifd_stats_snapshot(struct ifd_stats_snap *snap);

int ifd_stats_init(void);
void ifd_stats_exit(void);

#endif /* IOMMUFD2_STATS_H */
