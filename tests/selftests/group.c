// SPDX-License-Identifier: GPL-2.0
/*
 * Two devices in one IOMMU group (two iommu-testdevs behind a PCIe-to-PCI
 * bridge: the vtd-group machine): the first-device and last-device paths
 * of a group's attachment.  Both are bound to one context and attached to
 * one IOAS, replaced to another, and one is unbound while the other stays
 * attached; after every step each device's DMA lands where its group's
 * attachment says, or faults.  Skipped where no two testdevs share a group.
 */
#include <libgen.h>

#include "kselftest_harness.h"
#include "ifd2_dev.h"

#define PAGE		4096UL
#define IOVA		0x100000ULL

/* The IOMMU group number of @bdf, or -1. */
static int group_of(const char *bdf)
{
	char path[300], link[300];
	ssize_t n;

	snprintf(path, sizeof(path), IFD2_SYSFS_PCI "/%s/iommu_group", bdf);
	n = readlink(path, link, sizeof(link) - 1);
	if (n < 0)
		return -1;
	link[n] = 0;
	return atoi(basename(link));
}

struct gdev {
	char bdf[64];
	int devfd;
	__u32 devid;
	volatile __u32 *bar;
	size_t bar_len;
};

FIXTURE(group) {
	int fd;
	struct gdev d[2];
	__u32 ioas[2];
	__u32 *page[2];
	__u64 gpa[2];
};

/* Unmap the BAR and close the node: the device is unbound. */
static void close_dev(struct gdev *g)
{
	if (g->devfd < 0)
		return;
	if (g->bar && g->bar != MAP_FAILED)
		munmap((void *)g->bar, g->bar_len);
	close(g->devfd);
	g->devfd = -1;
}

static void open_dev(struct __test_metadata *_metadata, struct gdev *g,
		     int fd)
{
	ASSERT_EQ(0, ifd2_pci_bind_driver(g->bdf));
	g->devfd = ifd2_pci_open(g->bdf);
	ASSERT_LE(0, g->devfd);
	ASSERT_EQ(0, ifd2_dev_bind(g->devfd, fd, &g->devid));
	/* Where the node has a config region, mastering is the user's. */
	ASSERT_EQ(0, ifd2_pci_enable_master(g->devfd));
	g->bar = ifd2_map_bar(g->devfd, 0, &g->bar_len);
	ASSERT_NE(MAP_FAILED, g->bar);
}

FIXTURE_SETUP(group)
{
	int i, g0, g1;
	__u64 iova;

	self->fd = -1;
	self->d[0].devfd = self->d[1].devfd = -1;
	if (ifd2_find_pci_nth(TESTDEV_ID, 0, self->d[0].bdf,
			      sizeof(self->d[0].bdf)) ||
	    ifd2_find_pci_nth(TESTDEV_ID, 1, self->d[1].bdf,
			      sizeof(self->d[1].bdf)))
		SKIP(return, "fewer than two iommu-testdevs");
	g0 = group_of(self->d[0].bdf);
	g1 = group_of(self->d[1].bdf);
	if (g0 < 0 || g0 != g1)
		SKIP(return, "the testdevs are in groups of their own");
	self->fd = ifd2_open();
	ASSERT_LE(0, self->fd);
	for (i = 0; i < 2; i++) {
		open_dev(_metadata, &self->d[i], self->fd);
		ASSERT_EQ(0, ifd2_ioas_alloc(self->fd, &self->ioas[i]));
		self->page[i] = ifd2_dma_page(&self->gpa[i]);
		ASSERT_NE(NULL, self->page[i]);
		ASSERT_NE(0, self->gpa[i]);
		/* IOAS i translates IOVA to page i. */
		iova = IOVA;
		ASSERT_EQ(0, ifd2_map(self->fd, self->ioas[i], self->page[i],
				      PAGE, &iova, IFD2_FIXED));
	}
}

FIXTURE_TEARDOWN(group)
{
	int i;

	if (self->fd < 0)
		return;
	for (i = 0; i < 2; i++)
		close_dev(&self->d[i]);
	close(self->fd);
}

/*
 * Where device @i's DMA to IOVA lands: 0 or 1 (the page IOAS 0 or 1
 * maps there), -1 when it faults, -2 otherwise.  The pages are cleared
 * first: the device checks its pattern at a GPA, and a pattern an earlier
 * DMA left behind would pass that check.
 */
static int lands(struct _test_data_group *self, int i)
{
	__u32 rc;
	int j;

	for (j = 0; j < 2; j++)
		__atomic_store_n(&self->page[j][0], 0, __ATOMIC_SEQ_CST);
	rc = testdev_dma(self->d[i].bar, IOVA, 4, self->gpa[0]);
	if (rc == TESTDEV_FAULT)
		return -1;
	for (j = 0; j < 2; j++)
		if (__atomic_load_n(&self->page[j][0], __ATOMIC_SEQ_CST) ==
		    TESTDEV_PATTERN)
			return j;
	return -2;
}

TEST_F(group, attach_replace_unbind_one)
{
	__u32 pt0 = self->ioas[0], pt1 = self->ioas[0], other;

	/* Bound, nothing attached: the whole group is blocked. */
	EXPECT_EQ(-1, lands(self, 0));
	EXPECT_EQ(-1, lands(self, 1));

	/* The first device makes the group's attachment... */
	ASSERT_EQ(0, ifd2_dev_attach(self->d[0].devfd, &pt0));
	/* ...the second shares it: by IOAS it finds the same auto HWPT. */
	ASSERT_EQ(0, ifd2_dev_attach(self->d[1].devfd, &pt1));
	EXPECT_EQ(pt0, pt1);
	EXPECT_EQ(0, lands(self, 0));
	EXPECT_EQ(0, lands(self, 1));

	/* Replace through one device moves the whole group, atomically. */
	other = self->ioas[1];
	ASSERT_EQ(0, ifd2_dev_attach(self->d[0].devfd, &other));
	EXPECT_EQ(1, lands(self, 0));
	EXPECT_EQ(1, lands(self, 1));
	/* The first auto HWPT lost its last user: gone. */
	EXPECT_EQ(1, ifd2_counter("hwpt_paging"));

	/* Device 0, whose replace made the attachment, goes; 1 stays. */
	close_dev(&self->d[0]);
	EXPECT_EQ(1, lands(self, 1));
	EXPECT_EQ(1, ifd2_counter("device"));

	/* The last device detaches: the group is blocked, the HWPT gone. */
	ASSERT_EQ(0, ifd2_dev_detach(self->d[1].devfd));
	EXPECT_EQ(-1, lands(self, 1));
	EXPECT_EQ(0, ifd2_counter("hwpt_paging"));
}

TEST_HARNESS_MAIN
