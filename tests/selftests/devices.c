// SPDX-License-Identifier: GPL-2.0
/*
 * Real devices through iommufd2_pci: binding, HWPTs, RID attach / replace /
 * detach proven by DMA from QEMU's iommu-testdev (which checks where its
 * write landed) and edu, reserved regions, hardware info, bad input, and
 * hot-unplug / driver unbind while bound and attached.
 */
#include <poll.h>
#include <pthread.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <setjmp.h>
#include <signal.h>
#include <stddef.h>

#include "kselftest_harness.h"
#include "ifd2_dev.h"

#define PAGE 4096UL
#define TEST_IOVA 0x40000000ULL

struct dev_ctx {
	char bdf[256];
	int iommufd;
	int devfd;
	__u32 devid;
	volatile __u32 *bar;
	size_t bar_len;
};

static int dev_setup(struct dev_ctx *d, const char *id)
{
	memset(d, 0, sizeof(*d));
	d->iommufd = d->devfd = -1;
	if (ifd2_find_pci(id, d->bdf, sizeof(d->bdf)))
		return -1;
	if (ifd2_pci_bind_driver(d->bdf))
		return -2;
	d->iommufd = ifd2_open();
	d->devfd = ifd2_pci_open(d->bdf);
	if (d->iommufd < 0 || d->devfd < 0)
		return -3;
	if (ifd2_dev_bind(d->devfd, d->iommufd, &d->devid) ||
	    ifd2_pci_enable_master(d->devfd))
		return -4;
	d->bar = ifd2_map_bar(d->devfd, 0, &d->bar_len);
	return d->bar == MAP_FAILED ? -5 : 0;
}

static void dev_teardown(struct dev_ctx *d)
{
	if (d->bar && d->bar != MAP_FAILED)
		munmap((void *)d->bar, d->bar_len);
	if (d->devfd >= 0)
		close(d->devfd);
	if (d->iommufd >= 0)
		close(d->iommufd);
}

static int map_fixed(int fd, __u32 ioas, void *va, __u64 len, __u64 iova)
{
	return ifd2_map(fd, ioas, va, len, &iova, IFD2_FIXED);
}

FIXTURE(testdev) {
	struct dev_ctx d;
	__u32 ioas;
	__u32 *buf;
	__u64 gpa;
};

FIXTURE_SETUP(testdev)
{
	int rc = dev_setup(&self->d, TESTDEV_ID);

	if (rc == -1)
		SKIP(return, "no iommu-testdev on this machine");
	ASSERT_EQ(0, rc);
	ASSERT_EQ(0, ifd2_ioas_alloc(self->d.iommufd, &self->ioas));
	self->buf = ifd2_dma_page(&self->gpa);
	ASSERT_NE(NULL, self->buf);
	ASSERT_NE(0, self->gpa);
}

FIXTURE_TEARDOWN(testdev)
{
	dev_teardown(&self->d);
}

TEST_F(testdev, device_info_and_regions)
{
	struct vfio_device_info info = { .argsz = sizeof(info) };
	struct vfio_region_info region = { .argsz = sizeof(region) };

	ASSERT_EQ(0, ifd2_ioctl(self->d.devfd, VFIO_DEVICE_GET_INFO, &info));
	EXPECT_TRUE(info.flags & VFIO_DEVICE_FLAGS_PCI);
	EXPECT_EQ(VFIO_PCI_NUM_REGIONS, info.num_regions);
	EXPECT_EQ(VFIO_PCI_NUM_IRQS, info.num_irqs);

	ASSERT_EQ(0, ifd2_ioctl(self->d.devfd, VFIO_DEVICE_GET_REGION_INFO,
				&region));
	EXPECT_EQ(4096, region.size);
	EXPECT_TRUE(region.flags & VFIO_REGION_INFO_FLAG_MMAP);
	region.index = VFIO_PCI_NUM_REGIONS;
	EXPECT_EQ(EINVAL, ifd2_ioctl(self->d.devfd,
				     VFIO_DEVICE_GET_REGION_INFO, &region));
	/* No VGA on this device; the config region is read/write only. */
	region.index = VFIO_PCI_VGA_REGION_INDEX;
	EXPECT_EQ(EINVAL, ifd2_ioctl(self->d.devfd,
				     VFIO_DEVICE_GET_REGION_INFO, &region));
	region.index = VFIO_PCI_CONFIG_REGION_INDEX;
	ASSERT_EQ(0, ifd2_ioctl(self->d.devfd, VFIO_DEVICE_GET_REGION_INFO,
				&region));
	EXPECT_LE(256, region.size);
	EXPECT_EQ(VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE,
		  region.flags);
	EXPECT_EQ((__u64)VFIO_PCI_CONFIG_REGION_INDEX << 40, region.offset);
	info.argsz = 4;
	EXPECT_EQ(EINVAL, ifd2_ioctl(self->d.devfd, VFIO_DEVICE_GET_INFO,
				     &info));
	/* The BAR answers: the result register is idle. */
	EXPECT_EQ(0xffffffffu, self->d.bar[TESTDEV_RESULT / 4]);
}

/* The PCI command register, read through sysfs (not through the file). */
static int sysfs_command(const char *bdf)
{
	char path[300];
	__u16 cmd;
	int fd, n;

	snprintf(path, sizeof(path), IFD2_SYSFS_PCI "/%s/config", bdf);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1;
	n = pread(fd, &cmd, sizeof(cmd), 4);
	close(fd);
	return n == sizeof(cmd) ? cmd : -1;
}

#define CMD_MASTER 0x4

#define CFG_OFF ((__u64)VFIO_PCI_CONFIG_REGION_INDEX << 40)

static __u32 cfg_read32(int devfd, unsigned int pos)
{
	__u32 v = 0xdeadbeef;

	if (pread(devfd, &v, 4, CFG_OFF + pos) != 4)
		return 0xdeadbeef;
	return v;
}

static int cfg_write32(int devfd, unsigned int pos, __u32 v)
{
	return pwrite(devfd, &v, 4, CFG_OFF + pos) == 4 ? 0 : errno;
}

static __u32 sysfs_config32(const char *bdf, unsigned int pos)
{
	char path[300];
	__u32 v = 0xdeadbeef;
	int fd;

	snprintf(path, sizeof(path), IFD2_SYSFS_PCI "/%s/config", bdf);
	fd = open(path, O_RDONLY);
	if (fd >= 0) {
		if (pread(fd, &v, 4, pos) != 4)
			v = 0xdeadbeef;
		close(fd);
	}
	return v;
}

/*
 * The config region: IDs from the device, BAR sizing on the virtual BAR
 * only, bus mastering through the command register (DMA needs it).
 */
TEST_F(testdev, config_space)
{
	__u32 id = sysfs_config32(self->d.bdf, 0), bar, hw_bar;
	__u16 cmd;
	__u8 b;
	__u32 pt = self->ioas;

	EXPECT_EQ(id, cfg_read32(self->d.devfd, 0));
	/* Byte and word reads see the same bytes. */
	ASSERT_EQ(1, pread(self->d.devfd, &b, 1, CFG_OFF + 1));
	EXPECT_EQ((id >> 8) & 0xff, b);

	hw_bar = sysfs_config32(self->d.bdf, 0x10);
	bar = cfg_read32(self->d.devfd, 0x10);
	EXPECT_EQ(hw_bar, bar);
	ASSERT_EQ(0, cfg_write32(self->d.devfd, 0x10, 0xffffffff));
	/* A 4 KiB 32-bit memory BAR answers its size mask. */
	EXPECT_EQ(~0xfffu | (hw_bar & 0xf), cfg_read32(self->d.devfd, 0x10));
	EXPECT_EQ(hw_bar, sysfs_config32(self->d.bdf, 0x10));
	ASSERT_EQ(0, cfg_write32(self->d.devfd, 0x10, bar));
	EXPECT_EQ(bar, cfg_read32(self->d.devfd, 0x10));
	/* An absent BAR reads 0 even after all ones. */
	ASSERT_EQ(0, cfg_write32(self->d.devfd, 0x24, 0xffffffff));
	EXPECT_EQ(0, cfg_read32(self->d.devfd, 0x24));
	/* The ID registers are read-only. */
	ASSERT_EQ(0, cfg_write32(self->d.devfd, 0, 0));
	EXPECT_EQ(id, cfg_read32(self->d.devfd, 0));
	/* Beyond config space. */
	EXPECT_EQ(-1, pread(self->d.devfd, &b, 1, CFG_OFF + 4096));
	EXPECT_EQ(EINVAL, errno);

	/* Bus mastering through the command register; DMA with it on. */
	ASSERT_EQ(0, map_fixed(self->d.iommufd, self->ioas, self->buf, PAGE,
			       TEST_IOVA));
	ASSERT_EQ(0, ifd2_dev_attach(self->d.devfd, &pt));
	ASSERT_EQ(2, pread(self->d.devfd, &cmd, 2, CFG_OFF + 4));
	EXPECT_TRUE(cmd & CMD_MASTER);
	cmd &= ~CMD_MASTER;
	ASSERT_EQ(2, pwrite(self->d.devfd, &cmd, 2, CFG_OFF + 4));
	EXPECT_EQ(0, sysfs_command(self->d.bdf) & CMD_MASTER);
	cmd |= CMD_MASTER;
	ASSERT_EQ(2, pwrite(self->d.devfd, &cmd, 2, CFG_OFF + 4));
	EXPECT_EQ(CMD_MASTER, sysfs_command(self->d.bdf) & CMD_MASTER);
	EXPECT_EQ(TESTDEV_OK, testdev_dma(self->d.bar, TEST_IOVA, 4,
					  self->gpa));
	EXPECT_EQ(TESTDEV_PATTERN, self->buf[0]);
}

/* BAR access by pread/pwrite, VFIO_DEVICE_FEATURE and RESET answers. */
TEST_F(testdev, region_rw_feature_reset)
{
	struct vfio_device_info info = { .argsz = sizeof(info) };
	struct {
		struct vfio_device_feature hdr;
		__u64 data[2];
	} feat = { .hdr = { .argsz = sizeof(feat) } };
	__u32 v = 0;

	v = 0x1234;
	ASSERT_EQ(4, pwrite(self->d.devfd, &v, 4, TESTDEV_LEN));
	EXPECT_EQ(0x1234, self->d.bar[TESTDEV_LEN / 4]);
	self->d.bar[TESTDEV_LEN / 4] = 0x2000;
	ASSERT_EQ(4, pread(self->d.devfd, &v, 4, TESTDEV_LEN));
	EXPECT_EQ(0x2000, v);
	/* Past the BAR, and a BAR the device does not have. */
	EXPECT_EQ(-1, pread(self->d.devfd, &v, 4, 4096));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, pread(self->d.devfd, &v, 4, 5ULL << 40));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, pwrite(self->d.devfd, &v, 4,
			     (__u64)VFIO_PCI_ROM_REGION_INDEX << 40));

	/* Features: none served (ENOTTY), bad flags EINVAL. */
	feat.hdr.flags = VFIO_DEVICE_FEATURE_PROBE | VFIO_DEVICE_FEATURE_GET |
			 VFIO_DEVICE_FEATURE_MIGRATION;
	EXPECT_EQ(ENOTTY, ifd2_ioctl(self->d.devfd, VFIO_DEVICE_FEATURE,
				     &feat));
	feat.hdr.flags = VFIO_DEVICE_FEATURE_GET | VFIO_DEVICE_FEATURE_SET |
			 VFIO_DEVICE_FEATURE_MIGRATION;
	EXPECT_EQ(EINVAL, ifd2_ioctl(self->d.devfd, VFIO_DEVICE_FEATURE,
				     &feat));
	feat.hdr.flags = 1u << 20;
	EXPECT_EQ(EINVAL, ifd2_ioctl(self->d.devfd, VFIO_DEVICE_FEATURE,
				     &feat));
	feat.hdr.argsz = 4;
	EXPECT_EQ(EINVAL, ifd2_ioctl(self->d.devfd, VFIO_DEVICE_FEATURE,
				     &feat));

	ASSERT_EQ(0, ifd2_ioctl(self->d.devfd, VFIO_DEVICE_GET_INFO, &info));
	EXPECT_EQ(info.flags & VFIO_DEVICE_FLAGS_RESET ? 0 : EINVAL,
		  ifd2_ioctl(self->d.devfd, VFIO_DEVICE_RESET, NULL));
}

static sigjmp_buf bar_fault_jmp;

static void bar_fault(int sig)
{
	siglongjmp(bar_fault_jmp, 1);
}

/* A read of the mapped BAR's word @i: 0 and *@v, or 1 after SIGBUS. */
static int bar_read(volatile __u32 *bar, unsigned int i, __u32 *v)
{
	struct sigaction sa = { .sa_handler = bar_fault }, old;
	int faulted = 0;

	sigaction(SIGBUS, &sa, &old);
	if (sigsetjmp(bar_fault_jmp, 1))
		faulted = 1;
	else
		*v = bar[i];
	sigaction(SIGBUS, &old, NULL);
	return faulted;
}

#define CMD_MEMORY 0x2

/*
 * The BAR mapping follows memory decode, as vfio-pci's: with decode off
 * an access through it is SIGBUS (nothing reaches a device that does not
 * decode), with decode back on the same mapping works again; a reset
 * leaves it working.  A device without SR-IOV has no VF token (ENOTTY).
 */
TEST_F(testdev, bar_mmap_follows_memory_decode)
{
	struct {
		struct vfio_device_feature hdr;
		__u8 uuid[16];
	} tok = { .hdr = { .argsz = sizeof(tok),
			   .flags = VFIO_DEVICE_FEATURE_SET |
				    VFIO_DEVICE_FEATURE_PCI_VF_TOKEN } };
	__u16 cmd;
	__u32 v = 0;

	self->d.bar[TESTDEV_LEN / 4] = 0x3000;
	ASSERT_EQ(0, bar_read(self->d.bar, TESTDEV_LEN / 4, &v));
	EXPECT_EQ(0x3000, v);
	ASSERT_EQ(2, pread(self->d.devfd, &cmd, 2, CFG_OFF + 4));
	ASSERT_TRUE(cmd & CMD_MEMORY);

	cmd &= ~CMD_MEMORY;
	ASSERT_EQ(2, pwrite(self->d.devfd, &cmd, 2, CFG_OFF + 4));
	EXPECT_EQ(0, sysfs_command(self->d.bdf) & CMD_MEMORY);
	EXPECT_EQ(1, bar_read(self->d.bar, TESTDEV_LEN / 4, &v));
	/* pread of the BAR with decode off is EIO. */
	EXPECT_EQ(-1, pread(self->d.devfd, &v, 4, TESTDEV_LEN));
	EXPECT_EQ(EIO, errno);

	cmd |= CMD_MEMORY;
	ASSERT_EQ(2, pwrite(self->d.devfd, &cmd, 2, CFG_OFF + 4));
	v = 0;
	ASSERT_EQ(0, bar_read(self->d.bar, TESTDEV_LEN / 4, &v));
	EXPECT_EQ(0x3000, v);

	if (!ifd2_ioctl(self->d.devfd, VFIO_DEVICE_RESET, NULL)) {
		ASSERT_EQ(0, bar_read(self->d.bar, TESTDEV_LEN / 4, &v));
		self->d.bar[TESTDEV_LEN / 4] = 0x1000;
		EXPECT_EQ(0x1000, self->d.bar[TESTDEV_LEN / 4]);
	}

	EXPECT_EQ(ENOTTY, ifd2_ioctl(self->d.devfd, VFIO_DEVICE_FEATURE,
				     &tok));
}

/* The reader of bar_fault_races_memory_decode. */
struct bar_reader {
	volatile __u32 *bar;
	volatile int stop;
	long reads, faults, stale;
};

static void *bar_reader_run(void *arg)
{
	struct bar_reader *r = arg;
	__u32 v;

	while (!r->stop) {
		if (bar_read(r->bar, TESTDEV_LEN / 4, &v))
			r->faults++;
		else if (v != 0x3000)
			r->stale++;
		r->reads++;
	}
	return NULL;
}

/*
 * A thread faulting the BAR mapping in while another turns memory decode
 * off and on: every read either faults (SIGBUS) or reaches a decoding
 * device; none reads through a mapping that outlived decode (all ones
 * from a device that does not decode).  Ends with decode on and the
 * mapping working.  The 2000 rounds overran the harness's 30 s default
 * on a host busy building a kernel beside the VM.
 */
TEST_F_TIMEOUT(testdev, bar_fault_races_memory_decode, 300)
{
	struct bar_reader r = { .bar = self->d.bar };
	pthread_t thread;
	__u16 cmd, off;
	__u32 v = 0;
	int i, bad = 0;

	self->d.bar[TESTDEV_LEN / 4] = 0x3000;
	ASSERT_EQ(2, pread(self->d.devfd, &cmd, 2, CFG_OFF + 4));
	off = cmd & ~CMD_MEMORY;
	ASSERT_EQ(0, pthread_create(&thread, NULL, bar_reader_run, &r));
	/* A failed write stops the toggling; the reader is joined first. */
	for (i = 0; i < 2000 && !bad; i++)
		bad = pwrite(self->d.devfd, &off, 2, CFG_OFF + 4) != 2 ||
		      pwrite(self->d.devfd, &cmd, 2, CFG_OFF + 4) != 2;
	r.stop = 1;
	pthread_join(thread, NULL);
	ASSERT_EQ(0, bad);
	TH_LOG("%ld reads, %ld faulted", r.reads, r.faults);
	EXPECT_LT(0, r.reads);
	EXPECT_EQ(0, r.stale);
	ASSERT_EQ(0, bar_read(self->d.bar, TESTDEV_LEN / 4, &v));
	EXPECT_EQ(0x3000, v);
}

TEST_F(testdev, dma_attach_replace_detach)
{
	__u64 gpa_b;
	__u32 *buf_b = ifd2_dma_page(&gpa_b);
	__u32 other, pt;

	ASSERT_NE(NULL, buf_b);
	ASSERT_EQ(0, map_fixed(self->d.iommufd, self->ioas, self->buf, PAGE,
			       TEST_IOVA));

	/* Attached to IOAS A: the pattern lands in A's buffer. */
	pt = self->ioas;
	ASSERT_EQ(0, ifd2_dev_attach(self->d.devfd, &pt));
	EXPECT_NE(self->ioas, pt);	/* the auto HWPT's ID */
	EXPECT_EQ(1, ifd2_counter("hwpt_paging"));
	EXPECT_EQ(TESTDEV_OK, testdev_dma(self->d.bar, TEST_IOVA, 4,
					  self->gpa));
	EXPECT_EQ(TESTDEV_PATTERN, self->buf[0]);
	/* An IOVA nothing is mapped at faults. */
	EXPECT_EQ(TESTDEV_FAULT, testdev_dma(self->d.bar, TEST_IOVA + 16 * PAGE,
					     4, self->gpa));

	/* Replace with IOAS B, another buffer at the same IOVA. */
	self->buf[0] = 0;
	ASSERT_EQ(0, ifd2_ioas_alloc(self->d.iommufd, &other));
	ASSERT_EQ(0, map_fixed(self->d.iommufd, other, buf_b, PAGE,
			       TEST_IOVA));
	pt = other;
	ASSERT_EQ(0, ifd2_dev_attach(self->d.devfd, &pt));
	EXPECT_EQ(TESTDEV_OK, testdev_dma(self->d.bar, TEST_IOVA, 4, gpa_b));
	EXPECT_EQ(TESTDEV_PATTERN, buf_b[0]);
	EXPECT_EQ(0, self->buf[0]);
	/* A's auto HWPT went away with its last device. */
	EXPECT_EQ(1, ifd2_counter("hwpt_paging"));

	/* Detached: DMA is blocked. */
	ASSERT_EQ(0, ifd2_dev_detach(self->d.devfd));
	buf_b[0] = 0;
	EXPECT_EQ(TESTDEV_FAULT, testdev_dma(self->d.bar, TEST_IOVA, 4,
					     gpa_b));
	EXPECT_EQ(0, buf_b[0]);
	EXPECT_EQ(0, ifd2_counter("hwpt_paging"));
	/* Detaching again is harmless. */
	EXPECT_EQ(0, ifd2_dev_detach(self->d.devfd));
}

TEST_F(testdev, unmap_while_attached_faults)
{
	__u32 pt = self->ioas;

	ASSERT_EQ(0, ifd2_dev_attach(self->d.devfd, &pt));
	/* Mapped after the attach: mirrored into the domain at once. */
	ASSERT_EQ(0, map_fixed(self->d.iommufd, self->ioas, self->buf, PAGE,
			       TEST_IOVA));
	EXPECT_EQ(TESTDEV_OK, testdev_dma(self->d.bar, TEST_IOVA, 4,
					  self->gpa));
	ASSERT_EQ(0, ifd2_unmap(self->d.iommufd, self->ioas, TEST_IOVA, PAGE,
				NULL));
	self->buf[0] = 0;
	EXPECT_EQ(TESTDEV_FAULT, testdev_dma(self->d.bar, TEST_IOVA, 4,
					     self->gpa));
	EXPECT_EQ(0, self->buf[0]);
}

TEST_F(testdev, explicit_hwpt)
{
	int fd = self->d.iommufd;
	__u32 hwpt, pt, hwpt2;

	ASSERT_EQ(0, map_fixed(fd, self->ioas, self->buf, PAGE, TEST_IOVA));
	ASSERT_EQ(0, ifd2_hwpt_alloc(fd, self->d.devid, self->ioas, 0, &hwpt));
	/* The IOAS is in use by the HWPT. */
	EXPECT_EQ(EBUSY, ifd2_destroy(fd, self->ioas));
	pt = hwpt;
	ASSERT_EQ(0, ifd2_dev_attach(self->d.devfd, &pt));
	EXPECT_EQ(hwpt, pt);
	EXPECT_EQ(TESTDEV_OK, testdev_dma(self->d.bar, TEST_IOVA, 4,
					  self->gpa));
	EXPECT_EQ(TESTDEV_PATTERN, self->buf[0]);
	/* Attached: the HWPT can't go; the device ID is never the user's. */
	EXPECT_EQ(EBUSY, ifd2_destroy(fd, hwpt));
	EXPECT_EQ(EBUSY, ifd2_destroy(fd, self->d.devid));

	/* Replace between two explicit HWPTs of the same IOAS. */
	ASSERT_EQ(0, ifd2_hwpt_alloc(fd, self->d.devid, self->ioas, 0, &hwpt2));
	pt = hwpt2;
	ASSERT_EQ(0, ifd2_dev_attach(self->d.devfd, &pt));
	EXPECT_EQ(0, ifd2_destroy(fd, hwpt));
	self->buf[0] = 0;
	EXPECT_EQ(TESTDEV_OK, testdev_dma(self->d.bar, TEST_IOVA, 4,
					  self->gpa));
	EXPECT_EQ(TESTDEV_PATTERN, self->buf[0]);

	ASSERT_EQ(0, ifd2_dev_detach(self->d.devfd));
	EXPECT_EQ(0, ifd2_destroy(fd, hwpt2));
	EXPECT_EQ(0, ifd2_destroy(fd, self->ioas));
}

TEST_F(testdev, hwpt_alloc_bad_input)
{
	int fd = self->d.iommufd;
	struct iommu_hwpt_alloc cmd = {
		.size = sizeof(cmd),
		.dev_id = self->d.devid,
		.pt_id = self->ioas,
	};
	long hwpts = ifd2_counter("hwpt_paging");
	__u32 hwpt;

	EXPECT_EQ(EOPNOTSUPP, ifd2_hwpt_alloc(fd, self->d.devid, self->ioas,
					 1u << 7, NULL));
	EXPECT_EQ(ENOENT, ifd2_hwpt_alloc(fd, self->ioas, self->ioas, 0, NULL));
	EXPECT_EQ(EINVAL, ifd2_hwpt_alloc(fd, self->d.devid, self->ioas + 50, 0,
				     NULL));
	EXPECT_EQ(EINVAL, ifd2_hwpt_alloc(fd, self->d.devid, self->d.devid, 0,
				     NULL));
	cmd.__reserved = 1;
	EXPECT_EQ(EOPNOTSUPP, ifd2_ioctl(fd, IOMMU_HWPT_ALLOC, &cmd));
	cmd.__reserved = 0;
	cmd.data_len = 8;
	EXPECT_EQ(EINVAL, ifd2_ioctl(fd, IOMMU_HWPT_ALLOC, &cmd));
	cmd.data_len = 0;
	cmd.data_type = IOMMU_HWPT_DATA_VTD_S1;
	EXPECT_EQ(EINVAL, ifd2_ioctl(fd, IOMMU_HWPT_ALLOC, &cmd));
	/* A HWPT parent asks for nesting, which these drivers lack here. */
	ASSERT_EQ(0, ifd2_hwpt_alloc(fd, self->d.devid, self->ioas, 0, &hwpt));
	EXPECT_EQ(EOPNOTSUPP, ifd2_hwpt_alloc(fd, self->d.devid, hwpt, 0, NULL));
	EXPECT_EQ(0, ifd2_destroy(fd, hwpt));
	EXPECT_EQ(hwpts, ifd2_counter("hwpt_paging"));
}

TEST_F(testdev, attach_bad_input)
{
	__u32 pt, hwpt;
	int other_fd;

	/* No such object, or an object that is no page table. */
	pt = self->ioas + 100;
	EXPECT_EQ(ENOENT, ifd2_dev_attach(self->d.devfd, &pt));
	pt = self->d.devid;
	EXPECT_EQ(EINVAL, ifd2_dev_attach(self->d.devfd, &pt));
	/* A PASID needs a PASID-capable HWPT and device. */
	ASSERT_EQ(0, ifd2_hwpt_alloc(self->d.iommufd, self->d.devid, self->ioas, 0,
				&hwpt));
	EXPECT_EQ(EINVAL, ifd2_dev_attach_pasid(self->d.devfd, 1, hwpt));
	EXPECT_EQ(EINVAL, ifd2_dev_attach_pasid(self->d.devfd, 1,
						self->ioas));
	/* Bind twice, or bind to a file that is not iommufd2. */
	EXPECT_EQ(EINVAL, ifd2_dev_bind(self->d.devfd, self->d.iommufd, NULL));
	other_fd = ifd2_pci_open(self->d.bdf);
	ASSERT_LE(0, other_fd);
	EXPECT_EQ(EBADFD, ifd2_dev_bind(other_fd, other_fd, NULL));
	EXPECT_EQ(EBADF, ifd2_dev_bind(other_fd, 12345, NULL));
	/* Unbound file: nothing to attach. */
	pt = self->ioas;
	EXPECT_EQ(EINVAL, ifd2_dev_attach(other_fd, &pt));
	close(other_fd);
	/* Nothing above changed the device: still detached. */
	EXPECT_EQ(1, ifd2_counter("hwpt_paging"));
	EXPECT_EQ(0, ifd2_destroy(self->d.iommufd, hwpt));
}


TEST_F(testdev, one_binding_per_device)
{
	int fd2 = ifd2_open(), devfd2 = ifd2_pci_open(self->d.bdf);
	struct vfio_device_info info = { .argsz = sizeof(info) };

	ASSERT_LE(0, fd2);
	ASSERT_LE(0, devfd2);
	/*
	 * A bound device takes no second binding, from another context or
	 * the same one: EINVAL, as upstream's vfio_df_open() for a device
	 * already open (issue 20 asked for EBUSY; upstream decides).
	 */
	EXPECT_EQ(EINVAL, ifd2_dev_bind(devfd2, fd2, NULL));
	EXPECT_EQ(EINVAL, ifd2_dev_bind(devfd2, self->d.iommufd, NULL));
	EXPECT_EQ(1, ifd2_counter("device"));
	/* The unbound file reaches nothing. */
	EXPECT_EQ(EINVAL, ifd2_ioctl(devfd2, VFIO_DEVICE_GET_INFO, &info));
	EXPECT_EQ(MAP_FAILED, mmap(NULL, PAGE, PROT_READ, MAP_SHARED, devfd2,
				   0));
	EXPECT_EQ(EINVAL, errno);
	close(devfd2);
	close(fd2);
}

/*
 * Before a bind the device neither masters the bus nor can be reached
 * through the file; after the binding ends it masters the bus no more.
 */
TEST(unbound_device_is_quiet)
{
	struct vfio_region_info region = { .argsz = sizeof(region) };
	char bdf[256];
	int iommufd, devfd;
	size_t len;
	volatile __u32 *bar;

	if (ifd2_find_pci(TESTDEV_ID, bdf, sizeof(bdf)))
		SKIP(return, "no iommu-testdev on this machine");
	ASSERT_EQ(0, ifd2_pci_bind_driver(bdf));
	iommufd = ifd2_open();
	devfd = ifd2_pci_open(bdf);
	ASSERT_LE(0, iommufd);
	ASSERT_LE(0, devfd);
	EXPECT_EQ(0, sysfs_command(bdf) & CMD_MASTER);
	EXPECT_EQ(EINVAL, ifd2_ioctl(devfd, VFIO_DEVICE_GET_REGION_INFO,
				     &region));
	EXPECT_EQ(MAP_FAILED, mmap(NULL, PAGE, PROT_READ | PROT_WRITE,
				   MAP_SHARED, devfd, 0));
	EXPECT_EQ(EINVAL, errno);

	ASSERT_EQ(0, ifd2_dev_bind(devfd, iommufd, NULL));
	ASSERT_EQ(0, ifd2_pci_enable_master(devfd));
	bar = ifd2_map_bar(devfd, 0, &len);
	ASSERT_NE(MAP_FAILED, bar);
	EXPECT_EQ(CMD_MASTER, sysfs_command(bdf) & CMD_MASTER);
	munmap((void *)bar, len);
	close(devfd);
	EXPECT_EQ(0, sysfs_command(bdf) & CMD_MASTER);
	EXPECT_EQ(0, ifd2_counter("device"));

	/* The next opener starts from the same quiet device. */
	devfd = ifd2_pci_open(bdf);
	ASSERT_LE(0, devfd);
	ASSERT_EQ(0, ifd2_dev_bind(devfd, iommufd, NULL));
	EXPECT_EQ(1, ifd2_counter("device"));
	close(devfd);
	close(iommufd);
}

static int iova_ranges(int fd, __u32 ioas, struct iommu_iova_range *r,
		       __u32 *n)
{
	struct iommu_ioas_iova_ranges cmd = {
		.size = sizeof(cmd),
		.ioas_id = ioas,
		.num_iovas = *n,
		.allowed_iovas = (uintptr_t)r,
	};
	int rc = ifd2_ioctl(fd, IOMMU_IOAS_IOVA_RANGES, &cmd);

	*n = cmd.num_iovas;
	return rc;
}

TEST_F(testdev, reserved_regions_follow_attach)
{
	struct iommu_iova_range r[8];
	__u64 msi = 0xfee00000;
	__u32 n = 8, pt = self->ioas, i;
	bool msi_reserved = true;

	ASSERT_EQ(0, ifd2_dev_attach(self->d.devfd, &pt));
	ASSERT_EQ(0, iova_ranges(self->d.iommufd, self->ioas, r, &n));
	/* Usable space is split around the MSI window. */
	EXPECT_LT(1, n);
	for (i = 0; i < n; i++)
		if (r[i].start <= msi && msi <= r[i].last)
			msi_reserved = false;
	EXPECT_TRUE(msi_reserved);
	EXPECT_EQ(EINVAL, map_fixed(self->d.iommufd, self->ioas, self->buf,
				    PAGE, msi));
	/* Mappings now need IOMMU page alignment. */
	EXPECT_EQ(EINVAL, map_fixed(self->d.iommufd, self->ioas, self->buf,
				    PAGE, TEST_IOVA + 8));

	/* Detach lifts the device's reservations. */
	ASSERT_EQ(0, ifd2_dev_detach(self->d.devfd));
	n = 8;
	ASSERT_EQ(0, iova_ranges(self->d.iommufd, self->ioas, r, &n));
	EXPECT_EQ(1, n);
	/* A mapping in the MSI window blocks a later attach. */
	ASSERT_EQ(0, map_fixed(self->d.iommufd, self->ioas, self->buf, PAGE,
			       msi));
	pt = self->ioas;
	EXPECT_EQ(EADDRINUSE, ifd2_dev_attach(self->d.devfd, &pt));
	EXPECT_EQ(0, ifd2_counter("hwpt_paging"));
}

TEST_F(testdev, hw_info)
{
	struct iommu_hw_info_vtd vtd;
	struct iommu_hw_info info = {
		.size = sizeof(info),
		.dev_id = self->d.devid,
		.data_len = sizeof(vtd),
		.data_uptr = (uintptr_t)&vtd,
	};

	memset(&vtd, 0xff, sizeof(vtd));
	ASSERT_EQ(0, ifd2_ioctl(self->d.iommufd, IOMMU_GET_HW_INFO, &info));
	/* No PASID capability on this device: width 0. */
	EXPECT_EQ(0, info.out_max_pasid_log2);
	if (info.out_data_type == IOMMU_HW_INFO_TYPE_INTEL_VTD) {
		EXPECT_EQ(sizeof(vtd), info.data_len);
		EXPECT_NE(0, vtd.cap_reg);
	} else {
		/* virtio-iommu has no hardware info; the buffer is zeroed. */
		EXPECT_EQ(IOMMU_HW_INFO_TYPE_NONE, info.out_data_type);
		EXPECT_EQ(0, info.data_len);
		EXPECT_EQ(0, vtd.cap_reg);
	}
	info.flags = 1u << 5;
	EXPECT_EQ(EOPNOTSUPP, ifd2_ioctl(self->d.iommufd, IOMMU_GET_HW_INFO,
					 &info));
	info.flags = 0;
	info.__reserved[1] = 1;
	EXPECT_EQ(EOPNOTSUPP, ifd2_ioctl(self->d.iommufd, IOMMU_GET_HW_INFO,
					 &info));
	info.__reserved[1] = 0;
	info.dev_id = self->ioas;
	EXPECT_EQ(ENOENT, ifd2_ioctl(self->d.iommufd, IOMMU_GET_HW_INFO,
				     &info));
}

TEST_F(testdev, close_iommufd_before_device)
{
	long ctxs = ifd2_counter("contexts");
	__u32 pt = self->ioas;

	ASSERT_EQ(0, map_fixed(self->d.iommufd, self->ioas, self->buf, PAGE,
			       TEST_IOVA));
	ASSERT_EQ(0, ifd2_dev_attach(self->d.devfd, &pt));
	close(self->d.iommufd);
	self->d.iommufd = -1;
	/* The bound device keeps the context, and DMA still works. */
	EXPECT_EQ(ctxs, ifd2_counter("contexts"));
	EXPECT_EQ(TESTDEV_OK, testdev_dma(self->d.bar, TEST_IOVA, 4,
					  self->gpa));
	munmap((void *)self->d.bar, self->d.bar_len);
	self->d.bar = NULL;
	close(self->d.devfd);
	self->d.devfd = -1;
	EXPECT_EQ(ctxs - 1, ifd2_counter("contexts"));
	EXPECT_EQ(0, ifd2_counter("device"));
	EXPECT_EQ(0, ifd2_counter("hwpt_paging"));
	EXPECT_EQ(0, ifd2_counter("ioas"));
	EXPECT_EQ(0, ifd2_counter("pinned_pages"));
}

static void put_device_back(const char *bdf)
{
	char path[300];

	snprintf(path, sizeof(path), IFD2_SYSFS_PCI "/%s", bdf);
	if (access(path, F_OK))
		ifd2_write_file("/sys/bus/pci/rescan", "1");
	ifd2_pci_bind_driver(bdf);
}

/* Removing the device (hot-unplug or driver unbind) while in use. */
static void check_device_gone(struct __test_metadata *_metadata,
			      struct dev_ctx *d)
{
	struct vfio_device_info info = { .argsz = sizeof(info) };
	__u32 pt = 1;

	EXPECT_EQ(ENODEV, ifd2_ioctl(d->devfd, VFIO_DEVICE_GET_INFO, &info));
	EXPECT_EQ(ENODEV, ifd2_dev_attach(d->devfd, &pt));
	EXPECT_EQ(0, ifd2_counter("device"));
	EXPECT_EQ(0, ifd2_counter("hwpt_paging"));
	/* The BAR mapping is gone too: the next access would fault. */
	munmap((void *)d->bar, d->bar_len);
	d->bar = NULL;
}

TEST_F(testdev, hot_unplug_while_attached)
{
	char path[300];
	__u32 pt = self->ioas;

	ASSERT_EQ(0, map_fixed(self->d.iommufd, self->ioas, self->buf, PAGE,
			       TEST_IOVA));
	ASSERT_EQ(0, ifd2_dev_attach(self->d.devfd, &pt));
	snprintf(path, sizeof(path), IFD2_SYSFS_PCI "/%s/remove", self->d.bdf);
	ASSERT_EQ(0, ifd2_write_file(path, "1"));
	check_device_gone(_metadata, &self->d);
	/* The context still works and closes cleanly. */
	EXPECT_EQ(0, ifd2_unmap(self->d.iommufd, self->ioas, TEST_IOVA, PAGE,
				NULL));
	dev_teardown(&self->d);
	self->d.devfd = self->d.iommufd = -1;
	EXPECT_EQ(0, ifd2_counter("pinned_pages"));
	put_device_back(self->d.bdf);
	snprintf(path, sizeof(path), IFD2_SYSFS_PCI "/%s", self->d.bdf);
	EXPECT_EQ(0, access(path, F_OK));
}

TEST_F(testdev, driver_unbind_while_attached)
{
	__u32 pt = self->ioas;

	ASSERT_EQ(0, ifd2_dev_attach(self->d.devfd, &pt));
	ASSERT_EQ(0, ifd2_write_file("/sys/bus/pci/drivers/" IFD2_PCI_DRIVER
				     "/unbind", self->d.bdf));
	check_device_gone(_metadata, &self->d);
	dev_teardown(&self->d);
	self->d.devfd = self->d.iommufd = -1;
	put_device_back(self->d.bdf);
}

/* edu: RAM -> device and device -> RAM through an IOVA. */
#define EDU_DMA_SRC	0x80
#define EDU_DMA_DST	0x88
#define EDU_DMA_COUNT	0x90
#define EDU_DMA_CMD	0x98
#define EDU_CMD_START	1
#define EDU_CMD_TO_RAM	2
#define EDU_BUF		0x40000

static int edu_dma(volatile __u32 *bar, __u64 src, __u64 dst, __u64 len,
		   __u64 cmd)
{
	volatile __u64 *regs = (volatile __u64 *)bar;
	int spins;

	regs[EDU_DMA_SRC / 8] = src;
	regs[EDU_DMA_DST / 8] = dst;
	regs[EDU_DMA_COUNT / 8] = len;
	regs[EDU_DMA_CMD / 8] = cmd | EDU_CMD_START;
	for (spins = 0; spins < 5000; spins++) {
		if (!(regs[EDU_DMA_CMD / 8] & EDU_CMD_START))
			return 0;
		usleep(1000);
	}
	return -1;
}

TEST(edu_dma_both_directions)
{
	struct dev_ctx d;
	__u64 gpa, iova = TEST_IOVA;
	unsigned char *buf;
	__u32 ioas, pt;
	__u16 cmd;
	int rc = dev_setup(&d, EDU_ID), i;

	if (rc == -1)
		SKIP(return, "no edu device on this machine");
	ASSERT_EQ(0, rc);
	ASSERT_EQ(0, ifd2_ioas_alloc(d.iommufd, &ioas));
	buf = (unsigned char *)ifd2_dma_page(&gpa);
	ASSERT_NE(NULL, buf);
	for (i = 0; i < 1024; i++)
		buf[i] = i * 7;
	ASSERT_EQ(0, map_fixed(d.iommufd, ioas, buf, PAGE, iova));
	pt = ioas;
	ASSERT_EQ(0, ifd2_dev_attach(d.devfd, &pt));

	/* RAM -> device buffer, then wipe RAM, then device -> RAM. */
	ASSERT_EQ(0, edu_dma(d.bar, iova, EDU_BUF, 1024, 0));
	memset(buf, 0, 1024);
	ASSERT_EQ(0, edu_dma(d.bar, EDU_BUF, iova + 1024, 1024,
			     EDU_CMD_TO_RAM));
	for (i = 0; i < 1024; i++)
		if (buf[1024 + i] != (unsigned char)(i * 7))
			break;
	EXPECT_EQ(1024, i);
	EXPECT_EQ(0, buf[0]);

	/* Bus mastering off (config region): the DMA reaches no memory. */
	memset(buf, 0, 2048);
	ASSERT_EQ(2, pread(d.devfd, &cmd, 2, CFG_OFF + 4));
	cmd &= ~CMD_MASTER;
	ASSERT_EQ(2, pwrite(d.devfd, &cmd, 2, CFG_OFF + 4));
	ASSERT_EQ(0, edu_dma(d.bar, EDU_BUF, iova + 1024, 1024,
			     EDU_CMD_TO_RAM));
	for (i = 0; i < 1024; i++)
		if (buf[1024 + i])
			break;
	EXPECT_EQ(1024, i);
	dev_teardown(&d);
}

static int hot_reset_info(int devfd, struct vfio_pci_hot_reset_info *info,
			  __u32 argsz)
{
	memset(info, 0, argsz);
	info->argsz = argsz;
	return ifd2_ioctl(devfd, VFIO_DEVICE_GET_PCI_HOT_RESET_INFO, info);
}

static int hot_reset(int devfd, __u32 flags, __u32 count)
{
	struct vfio_pci_hot_reset r = {
		.argsz = sizeof(r),
		.flags = flags,
		.count = count,
	};

	return ifd2_ioctl(devfd, VFIO_DEVICE_PCI_HOT_RESET, &r);
}

/*
 * Hot reset in the cdev convention.  On the root bus (no bridge to reset)
 * both ioctls are ENODEV, as vfio-pci; behind a port the info lists the
 * device by its devid, all owned, the reset works and DMA still lands.
 */
TEST(edu_hot_reset)
{
	struct {
		struct vfio_pci_hot_reset_info hdr;
		struct vfio_pci_dependent_device dev[8];
	} info;
	struct dev_ctx d;
	__u64 gpa, iova = TEST_IOVA;
	unsigned char *buf;
	__u32 ioas, pt;
	int rc = dev_setup(&d, EDU_ID), i;

	if (rc == -1)
		SKIP(return, "no edu device on this machine");
	ASSERT_EQ(0, rc);
	EXPECT_EQ(EINVAL, hot_reset_info(d.devfd, &info.hdr, 8));
	if (!strncmp(d.bdf, "0000:00:", 8)) {
		EXPECT_EQ(ENODEV, hot_reset_info(d.devfd, &info.hdr,
						 sizeof(info)));
		EXPECT_EQ(ENODEV, hot_reset(d.devfd, 0, 0));
		dev_teardown(&d);
		return;
	}
	/* Too small for the list: ENOSPC and the count. */
	EXPECT_EQ(ENOSPC, hot_reset_info(d.devfd, &info.hdr,
					 sizeof(info.hdr)));
	EXPECT_EQ(1, info.hdr.count);
	ASSERT_EQ(0, hot_reset_info(d.devfd, &info.hdr, sizeof(info)));
	ASSERT_EQ(1, info.hdr.count);
	EXPECT_EQ(VFIO_PCI_HOT_RESET_FLAG_DEV_ID |
		  VFIO_PCI_HOT_RESET_FLAG_DEV_ID_OWNED, info.hdr.flags);
	EXPECT_EQ(d.devid, info.dev[0].devid);
	/* Group fds or flags are not the cdev convention. */
	EXPECT_EQ(EINVAL, hot_reset(d.devfd, 0, 1));
	EXPECT_EQ(EINVAL, hot_reset(d.devfd, 1, 0));

	ASSERT_EQ(0, ifd2_ioas_alloc(d.iommufd, &ioas));
	buf = (unsigned char *)ifd2_dma_page(&gpa);
	ASSERT_NE(NULL, buf);
	ASSERT_EQ(0, map_fixed(d.iommufd, ioas, buf, PAGE, iova));
	pt = ioas;
	ASSERT_EQ(0, ifd2_dev_attach(d.devfd, &pt));
	ASSERT_EQ(0, hot_reset(d.devfd, 0, 0));
	/* The bus reset restored the config: DMA to RAM still lands. */
	for (i = 0; i < 64; i++)
		buf[i] = i;
	ASSERT_EQ(0, edu_dma(d.bar, iova, EDU_BUF, 64, 0));
	memset(buf, 0, 64);
	ASSERT_EQ(0, edu_dma(d.bar, EDU_BUF, iova + 1024, 64,
			     EDU_CMD_TO_RAM));
	for (i = 0; i < 64; i++)
		if (buf[1024 + i] != i)
			break;
	EXPECT_EQ(64, i);
	dev_teardown(&d);
}

/* edu's interrupt registers. */
#define EDU_IRQ_STATUS	0x24
#define EDU_IRQ_RAISE	0x60
#define EDU_IRQ_ACK	0x64

static int irq_info(int devfd, __u32 index, struct vfio_irq_info *info)
{
	memset(info, 0, sizeof(*info));
	info->argsz = sizeof(*info);
	info->index = index;
	return ifd2_ioctl(devfd, VFIO_DEVICE_GET_IRQ_INFO, info);
}

static int set_irqs(int devfd, __u32 index, __u32 flags, __u32 start,
		    __u32 count, const void *data, size_t len)
{
	struct {
		struct vfio_irq_set hdr;
		__u8 data[64];
	} set = {
		.hdr = {
			.argsz = sizeof(set.hdr) + len,
			.flags = flags,
			.index = index,
			.start = start,
			.count = count,
		},
	};

	memcpy(set.data, data, len);
	return ifd2_ioctl(devfd, VFIO_DEVICE_SET_IRQS, &set);
}

static int set_trigger(int devfd, __u32 index, int efd)
{
	return set_irqs(devfd, index, VFIO_IRQ_SET_DATA_EVENTFD |
			VFIO_IRQ_SET_ACTION_TRIGGER, 0, 1, &efd, sizeof(efd));
}

/* Did @efd fire within @ms?  Consumes the count. */
static int fired(int efd, int ms)
{
	struct pollfd p = { .fd = efd, .events = POLLIN };
	__u64 n;

	if (poll(&p, 1, ms) != 1)
		return 0;
	return read(efd, &n, sizeof(n)) == sizeof(n) ? (int)n : 0;
}

/*
 * Interrupts from edu through eventfds: MSI raised by the device and by
 * loopback, INTx automasked until unmasked, bad SET_IRQS headers.
 */
TEST(edu_interrupts)
{
	struct vfio_irq_info info;
	struct dev_ctx d;
	int rc = dev_setup(&d, EDU_ID), efd, bad = -5, fds[2];
	__u8 on = 1;

	if (rc == -1)
		SKIP(return, "no edu device on this machine");
	ASSERT_EQ(0, rc);
	ASSERT_EQ(0, irq_info(d.devfd, VFIO_PCI_MSI_IRQ_INDEX, &info));
	EXPECT_EQ(1, info.count);
	EXPECT_EQ(VFIO_IRQ_INFO_EVENTFD | VFIO_IRQ_INFO_NORESIZE, info.flags);
	ASSERT_EQ(0, irq_info(d.devfd, VFIO_PCI_MSIX_IRQ_INDEX, &info));
	EXPECT_EQ(0, info.count);
	ASSERT_EQ(0, irq_info(d.devfd, VFIO_PCI_INTX_IRQ_INDEX, &info));
	EXPECT_EQ(1, info.count);
	EXPECT_EQ(VFIO_IRQ_INFO_EVENTFD | VFIO_IRQ_INFO_MASKABLE |
		  VFIO_IRQ_INFO_AUTOMASKED, info.flags);
	ASSERT_EQ(0, irq_info(d.devfd, VFIO_PCI_REQ_IRQ_INDEX, &info));
	EXPECT_EQ(1, info.count);
	EXPECT_EQ(EINVAL, irq_info(d.devfd, VFIO_PCI_NUM_IRQS, &info));

	efd = eventfd(0, EFD_NONBLOCK);
	ASSERT_LE(0, efd);
	fds[0] = fds[1] = efd;
	/* Bad headers: two actions, no data type, past the vectors. */
	EXPECT_EQ(EINVAL, set_irqs(d.devfd, VFIO_PCI_MSI_IRQ_INDEX,
				   VFIO_IRQ_SET_DATA_EVENTFD |
				   VFIO_IRQ_SET_ACTION_TRIGGER |
				   VFIO_IRQ_SET_ACTION_MASK, 0, 1, &efd, 4));
	EXPECT_EQ(EINVAL, set_irqs(d.devfd, VFIO_PCI_MSI_IRQ_INDEX,
				   VFIO_IRQ_SET_ACTION_TRIGGER, 0, 1, &efd,
				   4));
	EXPECT_EQ(EINVAL, set_irqs(d.devfd, VFIO_PCI_MSI_IRQ_INDEX,
				   VFIO_IRQ_SET_DATA_EVENTFD |
				   VFIO_IRQ_SET_ACTION_TRIGGER, 0, 2, fds,
				   sizeof(fds)));
	EXPECT_EQ(EINVAL, set_irqs(d.devfd, VFIO_PCI_MSI_IRQ_INDEX,
				   VFIO_IRQ_SET_DATA_EVENTFD |
				   VFIO_IRQ_SET_ACTION_TRIGGER, 0, 1, &efd,
				   0));
	EXPECT_EQ(EBADF, set_trigger(d.devfd, VFIO_PCI_MSI_IRQ_INDEX, 1000));
	EXPECT_EQ(EINVAL, set_trigger(d.devfd, VFIO_PCI_MSI_IRQ_INDEX, bad));
	EXPECT_EQ(ENOTTY, set_irqs(d.devfd, VFIO_PCI_MSI_IRQ_INDEX,
				   VFIO_IRQ_SET_DATA_NONE |
				   VFIO_IRQ_SET_ACTION_MASK, 0, 1, NULL, 0));

	/* MSI: the device's interrupt and a loopback arrive. */
	ASSERT_EQ(0, set_trigger(d.devfd, VFIO_PCI_MSI_IRQ_INDEX, efd));
	/* INTx is busy while MSI is in use. */
	EXPECT_EQ(EINVAL, set_trigger(d.devfd, VFIO_PCI_INTX_IRQ_INDEX, efd));
	EXPECT_EQ(0, fired(efd, 0));
	d.bar[EDU_IRQ_RAISE / 4] = 1;
	EXPECT_EQ(1, fired(efd, 2000));
	d.bar[EDU_IRQ_ACK / 4] = 1;
	EXPECT_EQ(0, set_irqs(d.devfd, VFIO_PCI_MSI_IRQ_INDEX,
			      VFIO_IRQ_SET_DATA_NONE |
			      VFIO_IRQ_SET_ACTION_TRIGGER, 0, 1, NULL, 0));
	EXPECT_EQ(1, fired(efd, 0));
	EXPECT_EQ(0, set_irqs(d.devfd, VFIO_PCI_MSI_IRQ_INDEX,
			      VFIO_IRQ_SET_DATA_BOOL |
			      VFIO_IRQ_SET_ACTION_TRIGGER, 0, 1, &on, 1));
	EXPECT_EQ(1, fired(efd, 0));
	ASSERT_EQ(0, set_irqs(d.devfd, VFIO_PCI_MSI_IRQ_INDEX,
			      VFIO_IRQ_SET_DATA_NONE |
			      VFIO_IRQ_SET_ACTION_TRIGGER, 0, 0, NULL, 0));
	d.bar[EDU_IRQ_RAISE / 4] = 1;
	EXPECT_EQ(0, fired(efd, 300));
	d.bar[EDU_IRQ_ACK / 4] = 1;

	/* INTx: automasked after one interrupt until unmasked. */
	ASSERT_EQ(0, set_trigger(d.devfd, VFIO_PCI_INTX_IRQ_INDEX, efd));
	d.bar[EDU_IRQ_RAISE / 4] = 1;
	EXPECT_EQ(1, fired(efd, 2000));
	d.bar[EDU_IRQ_ACK / 4] = 1;
	d.bar[EDU_IRQ_RAISE / 4] = 2;
	EXPECT_EQ(0, fired(efd, 300));
	/* Unmasking delivers the line still asserted. */
	EXPECT_EQ(0, set_irqs(d.devfd, VFIO_PCI_INTX_IRQ_INDEX,
			      VFIO_IRQ_SET_DATA_NONE |
			      VFIO_IRQ_SET_ACTION_UNMASK, 0, 1, NULL, 0));
	EXPECT_EQ(1, fired(efd, 2000));
	EXPECT_EQ(2, d.bar[EDU_IRQ_STATUS / 4]);
	d.bar[EDU_IRQ_ACK / 4] = 2;
	EXPECT_EQ(0, set_irqs(d.devfd, VFIO_PCI_INTX_IRQ_INDEX,
			      VFIO_IRQ_SET_DATA_NONE |
			      VFIO_IRQ_SET_ACTION_UNMASK, 0, 1, NULL, 0));
	/* Closing with INTx set up tears it down (unload checks it). */
	dev_teardown(&d);
	close(efd);
}

/* The offset of capability @id in @bdf's config space (sysfs), or 0. */
static int sysfs_find_cap(const char *bdf, int id)
{
	int pos = sysfs_config32(bdf, 0x34) & 0xff, n;

	for (n = 0; pos && n < 48; n++) {
		__u32 hdr = sysfs_config32(bdf, pos & ~3);

		hdr >>= (pos & 3) * 8;
		if ((hdr & 0xff) == id)
			return pos;
		pos = (hdr >> 8) & 0xfc;
	}
	return 0;
}

/*
 * Closing the file with MSI enabled and bus mastering on leaves the
 * device with neither; the next opener enables MSI again.
 */
TEST(edu_close_quiesces)
{
	struct dev_ctx d;
	int rc = dev_setup(&d, EDU_ID), efd, msi;

	if (rc == -1)
		SKIP(return, "no edu device on this machine");
	ASSERT_EQ(0, rc);
	msi = sysfs_find_cap(d.bdf, 0x05);
	ASSERT_NE(0, msi);
	efd = eventfd(0, EFD_NONBLOCK);
	ASSERT_LE(0, efd);
	ASSERT_EQ(0, set_trigger(d.devfd, VFIO_PCI_MSI_IRQ_INDEX, efd));
	EXPECT_EQ(1, (sysfs_config32(d.bdf, msi) >> 16) & 1);
	EXPECT_EQ(CMD_MASTER, sysfs_command(d.bdf) & CMD_MASTER);
	dev_teardown(&d);
	EXPECT_EQ(0, (sysfs_config32(d.bdf, msi) >> 16) & 1);
	EXPECT_EQ(0, sysfs_command(d.bdf) & CMD_MASTER);

	ASSERT_EQ(0, dev_setup(&d, EDU_ID));
	ASSERT_EQ(0, set_trigger(d.devfd, VFIO_PCI_MSI_IRQ_INDEX, efd));
	d.bar[EDU_IRQ_RAISE / 4] = 1;
	EXPECT_EQ(1, fired(efd, 2000));
	d.bar[EDU_IRQ_ACK / 4] = 1;
	dev_teardown(&d);
	close(efd);
}

#define NOBODY 65534

/* Make a device node and /dev/iommufd2 usable by anyone; old modes out. */
static int open_up(const char *node, mode_t *node_mode, mode_t *ctl_mode)
{
	struct stat st;

	if (stat(node, &st))
		return -1;
	*node_mode = st.st_mode & 07777;
	if (stat("/dev/iommufd2", &st))
		return -1;
	*ctl_mode = st.st_mode & 07777;
	return chmod(node, 0666) || chmod("/dev/iommufd2", 0666);
}

/*
 * As user nobody, given the node: nothing reaches the device before the
 * bind (mmap, region reads, config, interrupts all EINVAL); after it the
 * BAR maps and the config space reads.  Exit code: the failed step.
 */
static int nobody_steps(const char *node)
{
	struct vfio_device_info info = { .argsz = sizeof(info) };
	__u32 v;
	void *p;
	int fd, devfd, efd;

	if (setgid(NOBODY) || setuid(NOBODY))
		return 1;
	fd = ifd2_open();
	devfd = open(node, O_RDWR | O_CLOEXEC);
	if (fd < 0 || devfd < 0)
		return 2;
	p = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, devfd, 0);
	if (p != MAP_FAILED || errno != EINVAL)
		return 3;
	if (pread(devfd, &v, 4, 0) != -1 || errno != EINVAL)
		return 4;
	if (pread(devfd, &v, 4, CFG_OFF) != -1 || errno != EINVAL)
		return 5;
	if (pwrite(devfd, &v, 4, CFG_OFF + 4) != -1 || errno != EINVAL)
		return 6;
	efd = eventfd(0, 0);
	if (set_trigger(devfd, VFIO_PCI_INTX_IRQ_INDEX, efd) != EINVAL)
		return 7;
	if (ifd2_ioctl(devfd, VFIO_DEVICE_RESET, NULL) != EINVAL ||
	    ifd2_ioctl(devfd, VFIO_DEVICE_GET_INFO, &info) != EINVAL)
		return 8;
	if (ifd2_dev_bind(devfd, fd, NULL))
		return 9;
	p = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, devfd, 0);
	if (p == MAP_FAILED || pread(devfd, &v, 4, CFG_OFF) != 4)
		return 10;
	return 0;
}

TEST(unprivileged_opener_reaches_nothing_before_bind)
{
	char bdf[256], node[300], path[300];
	mode_t node_mode, ctl_mode;
	struct dirent *e;
	int status;
	pid_t pid;
	DIR *dir;

	if (ifd2_find_pci(TESTDEV_ID, bdf, sizeof(bdf)))
		SKIP(return, "no iommu-testdev on this machine");
	ASSERT_EQ(0, ifd2_pci_bind_driver(bdf));
	snprintf(path, sizeof(path), IFD2_SYSFS_PCI "/%s/iommufd2-dev", bdf);
	dir = opendir(path);
	ASSERT_NE(NULL, dir);
	while ((e = readdir(dir)) && e->d_name[0] == '.')
		;
	ASSERT_NE(NULL, e);
	snprintf(node, sizeof(node), "/dev/iommufd2-dev/%s", e->d_name);
	closedir(dir);
	ASSERT_EQ(0, open_up(node, &node_mode, &ctl_mode));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid)
		_exit(nobody_steps(node));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	chmod(node, node_mode);
	chmod("/dev/iommufd2", ctl_mode);
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
	EXPECT_EQ(0, ifd2_counter("device"));
}

TEST_HARNESS_MAIN
