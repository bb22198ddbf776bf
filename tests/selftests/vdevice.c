// SPDX-License-Identifier: GPL-2.0
/*
 * vIOMMU and vDevice: allocation rules, tombstones when the device goes,
 * and races between IOMMU_DESTROY, IOMMU_VDEVICE_ALLOC and unbind that
 * must end in exactly one teardown, run while the device is still owned
 * for DMA.  The mock's selftest vIOMMU type counts its vDevice hooks;
 * iommufd2's software type runs on a real PCI device.
 */
#include <pthread.h>
#include <sys/mman.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "ifd2_dev.h"
#include "iommufd2/iommufd2.h"
#include "iommufd2/iommufd_test.h"
#include "ifd2_mock.h"

static int viommu_alloc_data(int fd, __u32 type, __u32 dev, __u32 hwpt,
			     void *data, __u32 len, __u32 *out)
{
	return ifd2_viommu_alloc(fd, type, dev, hwpt, data, len, out);
}

static int viommu_alloc(int fd, __u32 type, __u32 dev, __u32 hwpt,
			__u32 *out)
{
	return viommu_alloc_data(fd, type, dev, hwpt, NULL, 0, out);
}

static int vdevice_alloc(int fd, __u32 viommu, __u32 dev, __u64 virt_id,
			 __u32 *out)
{
	struct iommu_vdevice_alloc cmd = {
		.size = sizeof(cmd),
		.viommu_id = viommu,
		.dev_id = dev,
		.virt_id = virt_id,
	};
	int rc = ifd2_ioctl(fd, IOMMU_VDEVICE_ALLOC, &cmd);

	if (!rc)
		*out = cmd.out_vdevice_id;
	return rc;
}

/* A bound mock device, a nest-parent HWPT and a selftest vIOMMU. */
FIXTURE(vdev) {
	int fd, mfd;
	__u32 dev, devid, ioas, hwpt, viommu;
	struct mock_stats base;
};

FIXTURE_SETUP(vdev)
{
	struct mock_dev_create c = { .pasid_bits = 0 };

	self->mfd = open(MOCK_DEV, O_RDWR);
	if (self->mfd < 0)
		SKIP(return, "no mock IOMMU");
	self->fd = ifd2_open();
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, ifd2_ioctl(self->mfd, MOCK_DEV_CREATE, &c));
	self->dev = c.out_index;
	ASSERT_EQ(0, mock_bind(self->mfd, self->dev, self->fd, &self->devid));
	ASSERT_EQ(0, ifd2_ioas_alloc(self->fd, &self->ioas));
	ASSERT_EQ(0, ifd2_hwpt_alloc(self->fd, self->devid, self->ioas,
				IOMMU_HWPT_ALLOC_NEST_PARENT, &self->hwpt));
	ASSERT_EQ(0, viommu_alloc(self->fd, MOCK_VIOMMU_TYPE_SELFTEST,
				  self->devid, self->hwpt, &self->viommu));
	self->base = mock_stats(self->mfd);
}

FIXTURE_TEARDOWN(vdev)
{
	if (self->mfd >= 0) {
		close(self->mfd);
		close(self->fd);
	}
}

/* Every vDevice hook call is paired, and none ran after DMA release. */
static void check_hooks(struct __test_metadata *_metadata,
			struct _test_data_vdev *self, long inits)
{
	struct mock_stats s = mock_stats(self->mfd);

	EXPECT_EQ(inits, (long)(s.vdev_init - self->base.vdev_init));
	EXPECT_EQ(inits, (long)(s.vdev_destroy - self->base.vdev_destroy));
	EXPECT_EQ(0, s.vdev_destroy_unowned);
}

TEST_F(vdev, viommu_alloc_rules)
{
	struct iommu_viommu_alloc cmd = {
		.size = sizeof(cmd),
		.type = MOCK_VIOMMU_TYPE_SELFTEST,
		.dev_id = self->devid,
		.hwpt_id = self->hwpt,
	};
	__u32 plain = 0, id = 0;

	cmd.flags = 1;
	EXPECT_EQ(EOPNOTSUPP, ifd2_ioctl(self->fd, IOMMU_VIOMMU_ALLOC, &cmd));
	cmd.flags = 0;
	cmd.__reserved = 1;
	EXPECT_EQ(EOPNOTSUPP, ifd2_ioctl(self->fd, IOMMU_VIOMMU_ALLOC, &cmd));
	cmd.__reserved = 0;
	/* Type data shorter than the type's own structure. */
	cmd.data_len = 4;
	cmd.data_uptr = (uintptr_t)&plain;
	EXPECT_EQ(EINVAL, ifd2_ioctl(self->fd, IOMMU_VIOMMU_ALLOC, &cmd));
	cmd.data_len = 0;
	EXPECT_EQ(EOPNOTSUPP, viommu_alloc(self->fd, IOMMU_VIOMMU_TYPE_DEFAULT,
					   self->devid, self->hwpt, &id));
	EXPECT_EQ(EOPNOTSUPP, viommu_alloc(self->fd,
					   IOMMU_VIOMMU_TYPE_ARM_SMMUV3,
					   self->devid, self->hwpt, &id));
	EXPECT_EQ(ENOENT, viommu_alloc(self->fd, MOCK_VIOMMU_TYPE_SELFTEST,
				       self->ioas, self->hwpt, &id));
	EXPECT_EQ(ENOENT, viommu_alloc(self->fd, MOCK_VIOMMU_TYPE_SELFTEST,
				       self->devid, self->ioas, &id));
	/* The selftest type needs a nest-parent HWPT, as upstream's. */
	ASSERT_EQ(0, ifd2_hwpt_alloc(self->fd, self->devid, self->ioas, 0, &plain));
	EXPECT_EQ(EINVAL, viommu_alloc(self->fd, MOCK_VIOMMU_TYPE_SELFTEST,
				       self->devid, plain, &id));
	/* The software type takes any paging HWPT, and no type data. */
	cmd.type = IOMMUFD2_VIOMMU_TYPE_SOFTWARE;
	cmd.hwpt_id = plain;
	cmd.data_len = 4;
	EXPECT_EQ(EOPNOTSUPP, ifd2_ioctl(self->fd, IOMMU_VIOMMU_ALLOC, &cmd));
	EXPECT_EQ(0, viommu_alloc(self->fd, IOMMUFD2_VIOMMU_TYPE_SOFTWARE,
				  self->devid, plain, &id));
	/* A vIOMMU holds its HWPT. */
	EXPECT_EQ(EBUSY, ifd2_destroy(self->fd, plain));
	EXPECT_EQ(0, ifd2_destroy(self->fd, id));
	EXPECT_EQ(0, ifd2_destroy(self->fd, plain));
}

TEST_F(vdev, vdevice_rules)
{
	struct mock_dev_create c = { .pasid_bits = 0 };
	__u32 vdev, other, other_devid, id = 0;

	ASSERT_EQ(0, vdevice_alloc(self->fd, self->viommu, self->devid, 0x10,
				   &vdev));
	EXPECT_EQ(1, ifd2_counter("vdevice"));
	/* One vDevice per device; virt_ids unique per vIOMMU. */
	EXPECT_EQ(EEXIST, vdevice_alloc(self->fd, self->viommu, self->devid,
					0x11, &id));
	ASSERT_EQ(0, ifd2_ioctl(self->mfd, MOCK_DEV_CREATE, &c));
	other = c.out_index;
	ASSERT_EQ(0, mock_bind(self->mfd, other, self->fd, &other_devid));
	EXPECT_EQ(EEXIST, vdevice_alloc(self->fd, self->viommu, other_devid,
					0x10, &id));
	EXPECT_EQ(0, vdevice_alloc(self->fd, self->viommu, other_devid, 0x12,
				   &id));
	EXPECT_EQ(ENOENT, vdevice_alloc(self->fd, self->ioas, self->devid,
					0x13, &id));
	EXPECT_EQ(ENOENT, vdevice_alloc(self->fd, self->viommu, self->ioas,
					0x13, &id));
	/* The vIOMMU is busy while vDevices use it. */
	EXPECT_EQ(EBUSY, ifd2_destroy(self->fd, self->viommu));
	EXPECT_EQ(0, ifd2_destroy(self->fd, vdev));
	EXPECT_EQ(ENOENT, ifd2_destroy(self->fd, vdev));
	EXPECT_EQ(0, ifd2_destroy(self->fd, id));
	EXPECT_EQ(0, ifd2_destroy(self->fd, self->viommu));
	check_hooks(_metadata, self, 2);
	EXPECT_EQ(0, ifd2_counter("vdevice"));
}

TEST_F(vdev, unbind_leaves_tombstone)
{
	long tombs = ifd2_counter("tombstones");
	__u32 vdev, id;
	int i;

	ASSERT_EQ(0, vdevice_alloc(self->fd, self->viommu, self->devid, 0x20,
				   &vdev));
	ASSERT_EQ(0, ifd2_ioctl(self->mfd, MOCK_UNBIND, &self->dev));
	/* Gone with its device; its ID answers ENOENT and stays taken. */
	EXPECT_EQ(ENOENT, ifd2_destroy(self->fd, vdev));
	EXPECT_EQ(tombs + 1, ifd2_counter("tombstones"));
	EXPECT_EQ(0, ifd2_counter("vdevice"));
	for (i = 0; i < 32; i++) {
		ASSERT_EQ(0, ifd2_ioas_alloc(self->fd, &id));
		EXPECT_NE(vdev, id);
	}
	check_hooks(_metadata, self, 1);
	/* Nothing holds the vIOMMU any more. */
	EXPECT_EQ(0, ifd2_destroy(self->fd, self->viommu));
	/* Tombstones go with the file. */
	close(self->fd);
	self->fd = ifd2_open();
	EXPECT_EQ(tombs, ifd2_counter("tombstones"));
}

/*
 * The races: one vDevice, IOMMU_DESTROY against unbind.  1500 rounds of
 * bind, two threads and unbind take seconds on a stock kernel and minutes
 * under KASAN and lockdep in TCG: the harness's 30 s default is too short
 * there.  A round that hangs still fails the case.
 */
#define RACE_TIMEOUT	600

struct race {
	struct _test_data_vdev *self;
	pthread_barrier_t go;
	__u32 vdev;
	int order;		/* 0: together, 1: destroy first, 2: unbind */
	int destroy_rc;
	int alloc_rc;
	__u32 alloc_id;
};

static void *race_destroy(void *arg)
{
	struct race *r = arg;
	int rc;

	pthread_barrier_wait(&r->go);
	if (r->order == 2)
		usleep(50);
	do {
		rc = ifd2_destroy(r->self->fd, r->vdev);
	} while (rc == EBUSY);
	r->destroy_rc = rc;
	return NULL;
}

static void *race_unbind(void *arg)
{
	struct race *r = arg;

	pthread_barrier_wait(&r->go);
	if (r->order == 1)
		usleep(50);
	ifd2_ioctl(r->self->mfd, MOCK_UNBIND, &r->self->dev);
	return NULL;
}

static void *race_alloc(void *arg)
{
	struct race *r = arg;

	pthread_barrier_wait(&r->go);
	r->alloc_rc = vdevice_alloc(r->self->fd, r->self->viommu,
				    r->self->devid, 0x30, &r->alloc_id);
	return NULL;
}

TEST_F_TIMEOUT(vdev, destroy_races_unbind, RACE_TIMEOUT)
{
	long tombs = ifd2_counter("tombstones");
	int i, destroyed = 0, retired = 0;
	pthread_t t[2];

	for (i = 0; i < 1500; i++) {
		struct race r = { .self = self, .order = i % 3 };

		if (i)
			ASSERT_EQ(0, mock_bind(self->mfd, self->dev, self->fd,
					       &self->devid));
		ASSERT_EQ(0, vdevice_alloc(self->fd, self->viommu,
					   self->devid, 0x40, &r.vdev));
		pthread_barrier_init(&r.go, NULL, 2);
		pthread_create(&t[0], NULL, race_destroy, &r);
		pthread_create(&t[1], NULL, race_unbind, &r);
		pthread_join(t[0], NULL);
		pthread_join(t[1], NULL);
		pthread_barrier_destroy(&r.go);

		/* Exactly one of the two tore it down. */
		ASSERT_TRUE(r.destroy_rc == 0 || r.destroy_rc == ENOENT);
		destroyed += r.destroy_rc == 0;
		retired += r.destroy_rc == ENOENT;
		ASSERT_EQ(ENOENT, ifd2_destroy(self->fd, r.vdev));
		ASSERT_EQ(0, ifd2_counter("vdevice"));
		ASSERT_EQ(0, ifd2_counter("device"));
	}
	check_hooks(_metadata, self, 1500);
	EXPECT_EQ(tombs + retired, ifd2_counter("tombstones"));
	printf("# destroy won %d, unbind won %d\n", destroyed, retired);
}

TEST_F_TIMEOUT(vdev, alloc_races_unbind, RACE_TIMEOUT)
{
	int i, made = 0;
	pthread_t t[2];

	for (i = 0; i < 1500; i++) {
		struct race r = { .self = self };

		if (i)
			ASSERT_EQ(0, mock_bind(self->mfd, self->dev, self->fd,
					       &self->devid));
		pthread_barrier_init(&r.go, NULL, 2);
		pthread_create(&t[0], NULL, race_alloc, &r);
		pthread_create(&t[1], NULL, race_unbind, &r);
		pthread_join(t[0], NULL);
		pthread_join(t[1], NULL);
		pthread_barrier_destroy(&r.go);

		/* Made and then retired, or refused: never left behind. */
		ASSERT_TRUE(r.alloc_rc == 0 || r.alloc_rc == ENOENT);
		if (!r.alloc_rc) {
			made++;
			ASSERT_EQ(ENOENT, ifd2_destroy(self->fd, r.alloc_id));
		}
		ASSERT_EQ(0, ifd2_counter("vdevice"));
	}
	/*
	 * An allocation refused at the last step (unbinding) had run the
	 * backend's init: each init still met exactly one destroy.
	 */
	struct mock_stats s = mock_stats(self->mfd);

	EXPECT_LE(made, (long)(s.vdev_init - self->base.vdev_init));
	check_hooks(_metadata, self, s.vdev_init - self->base.vdev_init);
	printf("# allocations that won %d of 1500\n", made);
}

/* IOMMU_DESTROY of the vIOMMU against vDevice allocations using it. */
struct viommu_race {
	struct _test_data_vdev *self;
	int stop, destroy_rc, bad;
};

static void *alloc_loop(void *arg)
{
	struct viommu_race *r = arg;
	__u32 id;
	int rc;

	while (!__atomic_load_n(&r->stop, __ATOMIC_ACQUIRE)) {
		rc = vdevice_alloc(r->self->fd, r->self->viommu,
				   r->self->devid, 0x50, &id);
		if (!rc) {
			if (ifd2_destroy(r->self->fd, id))
				r->bad++;
		} else if (rc != ENOENT) {
			r->bad++;
		}
	}
	return NULL;
}

TEST_F(vdev, viommu_destroy_races_users)
{
	struct viommu_race r = { .self = self };
	pthread_t t;
	int rc, busy = 0;

	ASSERT_EQ(0, pthread_create(&t, NULL, alloc_loop, &r));
	usleep(1000);
	/* EBUSY while an allocation holds it, then gone exactly once. */
	while ((rc = ifd2_destroy(self->fd, self->viommu)) == EBUSY)
		busy++;
	EXPECT_EQ(0, rc);
	__atomic_store_n(&r.stop, 1, __ATOMIC_RELEASE);
	pthread_join(t, NULL);
	EXPECT_EQ(0, r.bad);
	EXPECT_EQ(ENOENT, ifd2_destroy(self->fd, self->viommu));
	EXPECT_EQ(0, ifd2_counter("viommu"));
	EXPECT_EQ(0, ifd2_counter("vdevice"));
}

/* mmap() of the iommufd2 file: 0, or the errno. */
static int map_region(int fd, size_t len, __u64 offset, int prot, int flags,
		      void **out)
{
	void *p = mmap(NULL, len, prot, flags, fd, offset);

	if (p == MAP_FAILED)
		return errno;
	*out = p;
	return 0;
}

/* Type data in and out, and the region the vIOMMU lets userspace map. */
TEST_F(vdev, viommu_type_data_and_mmap)
{
	struct iommu_viommu_selftest data = { .in_data = 0x5eed };
	int rw = PROT_READ | PROT_WRITE;
	__u32 viommu = 0;
	size_t len;
	__u64 off;
	void *p = NULL;
	pid_t child;

	ASSERT_EQ(0, viommu_alloc_data(self->fd, MOCK_VIOMMU_TYPE_SELFTEST,
				       self->devid, self->hwpt, &data,
				       sizeof(data), &viommu));
	EXPECT_EQ(data.in_data, data.out_data);
	len = data.out_mmap_length;
	off = data.out_mmap_offset;
	ASSERT_EQ(2 * getpagesize(), (long)len);
	EXPECT_NE(0, off);

	/* Only the whole region, from its own offset, shared, not exec. */
	EXPECT_EQ(ENXIO, map_region(self->fd, len, off + getpagesize(), rw,
				    MAP_SHARED, &p));
	EXPECT_EQ(ENXIO, map_region(self->fd, len / 2, off, rw, MAP_SHARED,
				    &p));
	EXPECT_EQ(ENXIO, map_region(self->fd, len * 2, off, rw, MAP_SHARED,
				    &p));
	EXPECT_EQ(ENXIO, map_region(self->fd, len, 0, rw, MAP_SHARED, &p));
	EXPECT_EQ(EINVAL, map_region(self->fd, len, off, rw, MAP_PRIVATE,
				     &p));
	EXPECT_EQ(EPERM, map_region(self->fd, len, off, rw | PROT_EXEC,
				    MAP_SHARED, &p));

	ASSERT_EQ(0, map_region(self->fd, len, off, rw, MAP_SHARED, &p));
	EXPECT_EQ(data.in_data, *(__u32 *)p);
	/* Every mapping, a fork's copy too, keeps the vIOMMU. */
	child = fork();
	ASSERT_LE(0, child);
	if (!child)
		_exit(*(__u32 *)p == data.in_data ? 0 : 1);
	EXPECT_EQ(EBUSY, ifd2_destroy(self->fd, viommu));
	ASSERT_EQ(child, waitpid(child, NULL, 0));
	EXPECT_EQ(EBUSY, ifd2_destroy(self->fd, viommu));
	ASSERT_EQ(0, munmap(p, len));
	EXPECT_EQ(0, ifd2_destroy(self->fd, viommu));
	/* The region went with it. */
	EXPECT_EQ(ENXIO, map_region(self->fd, len, off, rw, MAP_SHARED, &p));
}

static int hw_queue_alloc(int fd, __u32 viommu, __u32 type, __u32 index,
			  __u64 iova, __u64 len, __u32 *out)
{
	struct iommu_hw_queue_alloc cmd = {
		.size = sizeof(cmd),
		.viommu_id = viommu,
		.type = type,
		.index = index,
		.nesting_parent_iova = iova,
		.length = len,
	};
	int rc = ifd2_ioctl(fd, IOMMU_HW_QUEUE_ALLOC, &cmd);

	if (!rc && out)
		*out = cmd.out_hw_queue_id;
	return rc;
}

/* HW queues: pinned guest memory, in index order, each needing the last. */
TEST_F(vdev, hw_queue_rules)
{
	const __u32 st = IOMMU_HW_QUEUE_TYPE_SELFTEST;
	long page = getpagesize();
	__u64 iova = 0x400000, twice = 0x800000;
	__u32 *buf = ifd2_pages(2);
	__u32 q[2], bad;

	ASSERT_NE(NULL, buf);
	EXPECT_EQ(EOPNOTSUPP, hw_queue_alloc(self->fd, self->viommu,
					     IOMMU_HW_QUEUE_TYPE_DEFAULT, 0,
					     iova, page, &bad));
	EXPECT_EQ(EINVAL, hw_queue_alloc(self->fd, self->viommu, st, 0, iova,
					 0, &bad));
	EXPECT_EQ(EOVERFLOW, hw_queue_alloc(self->fd, self->viommu, st, 0,
					    UINT64_MAX, page, &bad));
	EXPECT_EQ(ENOENT, hw_queue_alloc(self->fd, self->ioas, st, 0, iova,
					 page, &bad));
	/* Not mapped. */
	EXPECT_EQ(ENOENT, hw_queue_alloc(self->fd, self->viommu, st, 0, iova,
					 page, &bad));

	ASSERT_EQ(0, ifd2_map(self->fd, self->ioas, buf, 2 * page, &iova,
			      IFD2_FIXED));
	/* The same page twice: not physically contiguous. */
	ASSERT_EQ(0, ifd2_map(self->fd, self->ioas, buf, page, &twice,
			      IFD2_FIXED));
	twice += page;
	ASSERT_EQ(0, ifd2_map(self->fd, self->ioas, buf, page, &twice,
			      IFD2_FIXED));
	twice -= page;
	EXPECT_EQ(EFAULT, hw_queue_alloc(self->fd, self->viommu, st, 0, twice,
					 2 * page, &bad));

	EXPECT_EQ(EIO, hw_queue_alloc(self->fd, self->viommu, st, 1, iova,
				      page, &bad));
	EXPECT_EQ(EINVAL, hw_queue_alloc(self->fd, self->viommu, st,
					 IOMMU_TEST_HW_QUEUE_MAX, iova, page,
					 &bad));
	EXPECT_EQ(0, ifd2_counter("hw_queue"));
	ASSERT_EQ(0, hw_queue_alloc(self->fd, self->viommu, st, 0, iova,
				    page, &q[0]));
	EXPECT_EQ(EEXIST, hw_queue_alloc(self->fd, self->viommu, st, 0, iova,
					 page, &bad));
	/* The queue's page cannot be unmapped; its neighbour can. */
	EXPECT_EQ(EBUSY, ifd2_unmap(self->fd, self->ioas, iova, 2 * page,
				    NULL));
	/* Unaligned, inside a page. */
	ASSERT_EQ(0, hw_queue_alloc(self->fd, self->viommu, st, 1,
				    iova + page / 2, page / 2, &q[1]));
	EXPECT_EQ(2, ifd2_counter("hw_queue"));
	EXPECT_EQ(EBUSY, ifd2_destroy(self->fd, q[0]));
	EXPECT_EQ(EBUSY, ifd2_destroy(self->fd, self->viommu));
	EXPECT_EQ(0, ifd2_destroy(self->fd, q[1]));
	EXPECT_EQ(0, ifd2_destroy(self->fd, q[0]));
	EXPECT_EQ(0, ifd2_counter("hw_queue"));
	EXPECT_EQ(0, ifd2_unmap(self->fd, self->ioas, iova, 2 * page, NULL));

	/* Closing the file tears queues down in dependency order. */
	ASSERT_EQ(0, ifd2_map(self->fd, self->ioas, buf, page, &iova,
			      IFD2_FIXED));
	ASSERT_EQ(0, hw_queue_alloc(self->fd, self->viommu, st, 0, iova,
				    page, &q[0]));
	ASSERT_EQ(0, hw_queue_alloc(self->fd, self->viommu, st, 1, iova,
				    page, &q[1]));
}

/* The software vIOMMU type on a real device, gone with the device. */
TEST(software_viommu_on_pci_device)
{
	char bdf[256], path[300];
	__u32 devid = 0, ioas = 0, hwpt = 0, viommu = 0, vdev = 0;
	int fd, devfd;

	if (ifd2_find_pci(TESTDEV_ID, bdf, sizeof(bdf)))
		SKIP(return, "no iommu-testdev on this machine");
	ASSERT_EQ(0, ifd2_pci_bind_driver(bdf));
	fd = ifd2_open();
	devfd = ifd2_pci_open(bdf);
	ASSERT_LE(0, fd);
	ASSERT_LE(0, devfd);
	ASSERT_EQ(0, ifd2_dev_bind(devfd, fd, &devid));
	ASSERT_EQ(0, ifd2_ioas_alloc(fd, &ioas));
	ASSERT_EQ(0, ifd2_hwpt_alloc(fd, devid, ioas, 0, &hwpt));
	/* The selftest type is the mock's, not this IOMMU's. */
	EXPECT_EQ(EOPNOTSUPP, viommu_alloc(fd, MOCK_VIOMMU_TYPE_SELFTEST,
					   devid, hwpt, &viommu));
	ASSERT_EQ(0, viommu_alloc(fd, IOMMUFD2_VIOMMU_TYPE_SOFTWARE, devid,
				  hwpt, &viommu));
	ASSERT_EQ(0, vdevice_alloc(fd, viommu, devid, 7, &vdev));

	/* Driver unbind takes the vDevice with the device: a tombstone. */
	snprintf(path, sizeof(path), "/sys/bus/pci/drivers/%s/unbind",
		 IFD2_PCI_DRIVER);
	ASSERT_EQ(0, ifd2_write_file(path, bdf));
	EXPECT_EQ(ENOENT, ifd2_destroy(fd, vdev));
	EXPECT_EQ(0, ifd2_counter("vdevice"));
	EXPECT_EQ(0, ifd2_destroy(fd, viommu));
	close(devfd);
	close(fd);
	ifd2_pci_bind_driver(bdf);
}

TEST_HARNESS_MAIN
