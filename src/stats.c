// SPDX-License-Identifier: GPL-2.0
/*
 * Module-wide object counters, shown in debugfs as iommufd2/objects:
 *
 *	contexts <n>
 *	tombstones <n>
 *	pinned_pages <n>
 *	pinned_runs <n>		physically contiguous runs they form
 *	<type> <n>		one line per object type
 *
 * The pinned-page counters change on every map and unmap, so each CPU
 * keeps its own share (one add instruction, no atomic, no lock) and a
 * reader sums the shares of every CPU.  A sum taken while maps run is as
 * current as any count read then.  The object counters change only with
 * objects.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/debugfs.h>
#include <linux/percpu.h>
#include <linux/seq_file.h>

#include "iommufd2/stats.h"

static const char *const ifd_type_names[IFD_OBJ_NR] = {
	[IFD_OBJ_ANY] = "any",
	[IFD_OBJ_IOAS] = "ioas",
	[IFD_OBJ_HWPT_PAGING] = "hwpt_paging",
	[IFD_OBJ_HWPT_NESTED] = "hwpt_nested",
	[IFD_OBJ_DEVICE] = "device",
	[IFD_OBJ_VIOMMU] = "viommu",
	[IFD_OBJ_VDEVICE] = "vdevice",
	[IFD_OBJ_ACCESS] = "access",
	[IFD_OBJ_FAULT] = "fault",
	[IFD_OBJ_VEVENTQ] = "veventq",
	[IFD_OBJ_HW_QUEUE] = "hw_queue",
	[IFD_OBJ_SELFTEST] = "selftest",
	[IFD_OBJ_DRIVER] = "driver",
};

static atomic_long_t ifd_live_objects[IFD_OBJ_NR];
static atomic_long_t ifd_live_tombstones;
static atomic_t ifd_live_contexts;

/* This CPU's share of the pinned pages and runs; any share may be < 0. */
struct ifd_pinned_share {
	long pages;
	long runs;
};

static DEFINE_PER_CPU(struct ifd_pinned_share, ifd_pinned);
static struct dentry *ifd_debugfs_dir;

void ifd_stats_object(enum ifd_obj_type type, int delta)
{
	atomic_long_add(delta, &ifd_live_objects[type]);
}

void ifd_stats_tombstones(long delta)
{
	atomic_long_add(delta, &ifd_live_tombstones);
}

void ifd_stats_contexts(int delta)
{
	atomic_add(delta, &ifd_live_contexts);
}

void ifd_stats_pinned(long pages, long runs)
{
	this_cpu_add(ifd_pinned.pages, pages);
	this_cpu_add(ifd_pinned.runs, runs);
}

/* Every CPU's shares added up. */
static struct ifd_pinned_share ifd_pinned_sum(void)
{
	struct ifd_pinned_share sum = {};
	int cpu;

	for_each_possible_cpu(cpu) {
		sum.pages += per_cpu(ifd_pinned.pages, cpu);
		sum.runs += per_cpu(ifd_pinned.runs, cpu);
	}
	return sum;
}

/**
 * ifd_stats_snapshot() - read every counter
 * @snap: filled in
 */
void ifd_stats_snapshot(struct ifd_stats_snap *snap)
{
	int type;

	for (type = 0; type < IFD_OBJ_NR; type++)
		snap->objects[type] = atomic_long_read(&ifd_live_objects[type]);
	snap->contexts = atomic_read(&ifd_live_contexts);
	snap->tombstones = atomic_long_read(&ifd_live_tombstones);
	snap->pinned = ifd_pinned_sum().pages;
}

static int ifd_objects_show(struct seq_file *m, void *unused)
{
	struct ifd_pinned_share pinned = ifd_pinned_sum();
	int type;

	seq_printf(m, "contexts %d\n", atomic_read(&ifd_live_contexts));
	seq_printf(m, "tombstones %ld\n", atomic_long_read(&ifd_live_tombstones));
	seq_printf(m, "pinned_pages %ld\n", pinned.pages);
	seq_printf(m, "pinned_runs %ld\n", pinned.runs);
	for (type = IFD_OBJ_ANY + 1; type < IFD_OBJ_NR; type++)
		seq_printf(m, "%s %ld\n", ifd_type_names[type],
			   atomic_long_read(&ifd_live_objects[type]));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(ifd_objects);

/**
 * ifd_stats_init() - create the debugfs file
 *
 * Return: 0.
 */
int ifd_stats_init(void)
{
	ifd_debugfs_dir = debugfs_create_dir(KBUILD_MODNAME, NULL);
	debugfs_create_file("objects", 0400, ifd_debugfs_dir, NULL,
			    &ifd_objects_fops);
	return 0;
}

/**
 * ifd_stats_exit() - remove the debugfs file
 */
void ifd_stats_exit(void)
{
	debugfs_remove_recursive(ifd_debugfs_dir);
}
