// SPDX-License-Identifier: GPL-2.0
/*
 * PASID attach / replace / detach, proven by "DMA" from mock devices whose
 * writes are translated through whatever domain their PASID (or RID) has
 * at that moment: data lands in the attached IOAS's buffer, a refused
 * replace leaves the old domain translating, detach blocks.  On kernels
 * without an atomic PASID replace (6.12) replace is refused with
 * EOPNOTSUPP and changes nothing (docs/kernels.md).
 */
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <sys/utsname.h>

#include "kselftest_harness.h"
#include "ifd2_mock.h"

#define PAGE 4096UL
#define X 0x100000ULL

/*
 * A mock device with PASIDs bound to a context with IOAS A, B, C mapping
 * buffers a, b, c at the same IOVA X, and a PASID-capable HWPT on each.
 */
FIXTURE(pasid) {
	int fd, mfd;
	__u32 dev, devid;
	__u32 ioas[3], hwpt[3];
	__u32 *buf[3];
};

FIXTURE_SETUP(pasid)
{
	__u64 iova;
	int i;

	self->mfd = open(MOCK_DEV, O_RDWR);
	if (self->mfd < 0)
		SKIP(return, "no mock IOMMU");
	self->fd = ifd2_open();
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, mock_create(self->mfd, 20, &self->dev));
	ASSERT_EQ(0, mock_bind(self->mfd, self->dev, self->fd, &self->devid));
	for (i = 0; i < 3; i++) {
		self->buf[i] = ifd2_pages(1);
		ASSERT_NE(NULL, self->buf[i]);
		ASSERT_EQ(0, ifd2_ioas_alloc(self->fd, &self->ioas[i]));
		iova = X;
		ASSERT_EQ(0, ifd2_map(self->fd, self->ioas[i], self->buf[i],
				      PAGE, &iova, IFD2_FIXED));
		ASSERT_EQ(0, ifd2_hwpt_alloc(self->fd, self->devid, self->ioas[i],
					IOMMU_HWPT_ALLOC_PASID,
					&self->hwpt[i]));
	}
}

FIXTURE_TEARDOWN(pasid)
{
	if (self->mfd >= 0) {
		close(self->mfd);
		close(self->fd);
	}
}

/* Where a DMA of @v by (dev, pasid) landed: buffer index, -1 none. */
static int landed(struct _test_data_pasid *self, __u32 pasid, __u32 v)
{
	int i, hit = -1;

	for (i = 0; i < 3; i++)
		self->buf[i][0] = 0;
	if (mock_dma(self->mfd, self->dev, pasid, X, v))
		return -1;
	for (i = 0; i < 3; i++)
		if (self->buf[i][0] == v)
			hit = i;
	return hit;
}

/*
 * Whether the running kernel replaces a PASID's domain in one step
 * (iommu_replace_device_pasid(), Linux 6.15 and later).
 */
static bool kernel_replaces_pasids(void)
{
	struct utsname u;
	int major, minor;

	if (uname(&u) || sscanf(u.release, "%d.%d", &major, &minor) != 2)
		return true;
	return major > 6 || (major == 6 && minor >= 15);
}

#define NEED_PASID_REPLACE()						\
	do {								\
		if (!kernel_replaces_pasids())				\
			SKIP(return, "no PASID replace on this kernel "	\
			     "(replace_refused_changes_nothing)");	\
	} while (0)

TEST_F(pasid, replace_refused_changes_nothing)
{
	struct mock_stats before, after;
	__u32 p = 6;

	if (kernel_replaces_pasids())
		SKIP(return, "this kernel replaces PASIDs (attach_replace_detach)");
	ASSERT_EQ(0, mock_attach(self->mfd, self->dev, p, self->hwpt[0]));
	before = mock_stats(self->mfd);
	EXPECT_EQ(EOPNOTSUPP, mock_attach(self->mfd, self->dev, p,
					  self->hwpt[1]));
	after = mock_stats(self->mfd);
	/* The driver was not asked, A's domain still translates. */
	EXPECT_EQ(before.set_dev_pasid, after.set_dev_pasid);
	EXPECT_EQ(0, landed(self, p, 0x12));
	EXPECT_EQ(EBUSY, ifd2_destroy(self->fd, self->hwpt[0]));
	EXPECT_EQ(0, ifd2_destroy(self->fd, self->hwpt[1]));
	/* Detach, then attach elsewhere: the way that remains. */
	ASSERT_EQ(0, mock_detach(self->mfd, self->dev, p));
	EXPECT_EQ(-1, landed(self, p, 0x13));
	ASSERT_EQ(0, mock_attach(self->mfd, self->dev, p, self->hwpt[2]));
	EXPECT_EQ(2, landed(self, p, 0x14));
}

TEST_F(pasid, attach_replace_detach)
{
	struct mock_stats before, after;
	__u32 p = 5;

	NEED_PASID_REPLACE();
	EXPECT_EQ(-1, landed(self, p, 0x11));	/* blocked before attach */
	ASSERT_EQ(0, mock_attach(self->mfd, self->dev, p, self->hwpt[0]));
	EXPECT_EQ(0, landed(self, p, 0x22));
	/* The RID is still blocked. */
	EXPECT_EQ(-1, landed(self, MOCK_NO_PASID, 0x23));

	/* Replace is one set_dev_pasid call that sees the old domain. */
	before = mock_stats(self->mfd);
	ASSERT_EQ(0, mock_attach(self->mfd, self->dev, p, self->hwpt[1]));
	after = mock_stats(self->mfd);
	EXPECT_EQ(before.set_dev_pasid + 1, after.set_dev_pasid);
	EXPECT_EQ(before.set_dev_pasid_replace + 1,
		  after.set_dev_pasid_replace);
	EXPECT_EQ(1, landed(self, p, 0x33));

	/* Replace to an IOAS's HWPT by HWPT ID; detach blocks. */
	ASSERT_EQ(0, mock_detach(self->mfd, self->dev, p));
	EXPECT_EQ(-1, landed(self, p, 0x44));
	/* A detached HWPT can go; an attached one cannot. */
	ASSERT_EQ(0, mock_attach(self->mfd, self->dev, p, self->hwpt[2]));
	EXPECT_EQ(EBUSY, ifd2_destroy(self->fd, self->hwpt[2]));
	EXPECT_EQ(0, ifd2_destroy(self->fd, self->hwpt[0]));
}

TEST_F(pasid, failed_replace_keeps_old_domain)
{
	__u32 p = 9;

	NEED_PASID_REPLACE();
	ASSERT_EQ(0, mock_attach(self->mfd, self->dev, p, self->hwpt[0]));
	ASSERT_EQ(0, mock_inject(self->mfd, MOCK_FAIL_SET_DEV_PASID, 1));
	EXPECT_EQ(EIO, mock_attach(self->mfd, self->dev, p, self->hwpt[1]));
	/* Still A's domain translating, still attached to A's HWPT. */
	EXPECT_EQ(0, landed(self, p, 0x55));
	EXPECT_EQ(EBUSY, ifd2_destroy(self->fd, self->hwpt[0]));
	EXPECT_EQ(0, ifd2_destroy(self->fd, self->hwpt[1]));
	/* And a later replace works. */
	ASSERT_EQ(0, mock_attach(self->mfd, self->dev, p, self->hwpt[2]));
	EXPECT_EQ(2, landed(self, p, 0x66));

	/* A failed first attach leaves the PASID blocked and free. */
	ASSERT_EQ(0, mock_inject(self->mfd, MOCK_FAIL_SET_DEV_PASID, 1));
	EXPECT_EQ(EIO, mock_attach(self->mfd, self->dev, 10, self->hwpt[0]));
	EXPECT_EQ(-1, landed(self, 10, 0x67));
	EXPECT_EQ(0, mock_attach(self->mfd, self->dev, 10, self->hwpt[0]));
	EXPECT_EQ(0, landed(self, 10, 0x68));
}

TEST_F(pasid, rid_and_pasids_at_once)
{
	__u32 p;

	ASSERT_EQ(0, mock_attach(self->mfd, self->dev, MOCK_NO_PASID,
				 self->hwpt[2]));
	for (p = 1; p <= 16; p++)
		ASSERT_EQ(0, mock_attach(self->mfd, self->dev, p,
					 self->hwpt[p & 1]));
	EXPECT_EQ(2, landed(self, MOCK_NO_PASID, 0x77));
	for (p = 1; p <= 16; p++)
		EXPECT_EQ((int)(p & 1), landed(self, p, 0x100 + p));
	/* Detaching one PASID leaves the others and the RID alone. */
	ASSERT_EQ(0, mock_detach(self->mfd, self->dev, 3));
	EXPECT_EQ(-1, landed(self, 3, 0x88));
	EXPECT_EQ(0, landed(self, 2, 0x89));
	EXPECT_EQ(1, landed(self, 5, 0x8a));
	EXPECT_EQ(2, landed(self, MOCK_NO_PASID, 0x8b));
	/* The RID can be replaced under attached PASIDs. */
	ASSERT_EQ(0, mock_attach(self->mfd, self->dev, MOCK_NO_PASID,
				 self->hwpt[0]));
	EXPECT_EQ(0, landed(self, MOCK_NO_PASID, 0x8c));
	EXPECT_EQ(1, landed(self, 7, 0x8d));
}

TEST_F(pasid, many_pasids)
{
	__u32 p;

	for (p = 1; p <= 512; p++)
		ASSERT_EQ(0, mock_attach(self->mfd, self->dev, p,
					 self->hwpt[p % 3]));
	for (p = 1; p <= 512; p++)
		ASSERT_EQ((int)(p % 3), landed(self, p, 0x1000 + p));
	for (p = 1; p <= 512; p += 2)
		ASSERT_EQ(0, mock_detach(self->mfd, self->dev, p));
	for (p = 1; p <= 512; p++)
		ASSERT_EQ(p & 1 ? -1 : (int)(p % 3),
			  landed(self, p, 0x2000 + p));
}

TEST_F(pasid, compatibility_rules)
{
	__u32 plain, pt, hwpt_np;
	struct iommu_hw_info info = { .size = sizeof(info) };
	__u32 nopasid, nodev;

	ASSERT_EQ(0, ifd2_hwpt_alloc(self->fd, self->devid, self->ioas[0], 0,
				&plain));
	/* PASIDs need a PASID-capable HWPT (an IOAS's auto one is not). */
	EXPECT_EQ(EINVAL, mock_attach(self->mfd, self->dev, 1, plain));
	EXPECT_EQ(EINVAL, mock_attach(self->mfd, self->dev, 1,
				      self->ioas[0]));
	/* A RID on a plain HWPT excludes PASIDs... */
	ASSERT_EQ(0, mock_attach(self->mfd, self->dev, MOCK_NO_PASID, plain));
	EXPECT_EQ(EINVAL, mock_attach(self->mfd, self->dev, 1,
				      self->hwpt[0]));
	/* ...and attached PASIDs exclude a plain RID. */
	ASSERT_EQ(0, mock_attach(self->mfd, self->dev, MOCK_NO_PASID,
				 self->hwpt[1]));
	ASSERT_EQ(0, mock_attach(self->mfd, self->dev, 1, self->hwpt[0]));
	EXPECT_EQ(EINVAL, mock_attach(self->mfd, self->dev, MOCK_NO_PASID,
				      plain));
	pt = self->ioas[2];
	EXPECT_EQ(EINVAL, mock_attach(self->mfd, self->dev, MOCK_NO_PASID,
				      pt));
	EXPECT_EQ(1, landed(self, MOCK_NO_PASID, 0x99));
	/* PASIDs beyond the device's width. */
	EXPECT_EQ(EINVAL, mock_attach(self->mfd, self->dev, 1u << 20,
				      self->hwpt[0]));

	/* The width is reported; a device without PASIDs reports 0... */
	info.dev_id = self->devid;
	ASSERT_EQ(0, ifd2_ioctl(self->fd, IOMMU_GET_HW_INFO, &info));
	EXPECT_EQ(20, info.out_max_pasid_log2);
	EXPECT_EQ(IOMMU_HW_INFO_TYPE_NONE, info.out_data_type);
	ASSERT_EQ(0, mock_create(self->mfd, 0, &nodev));
	ASSERT_EQ(0, mock_bind(self->mfd, nodev, self->fd, &nopasid));
	info.dev_id = nopasid;
	ASSERT_EQ(0, ifd2_ioctl(self->fd, IOMMU_GET_HW_INFO, &info));
	EXPECT_EQ(0, info.out_max_pasid_log2);
	/* ...and is refused PASID attach, even to a PASID-capable HWPT. */
	ASSERT_EQ(0, ifd2_hwpt_alloc(self->fd, nopasid, self->ioas[1],
				IOMMU_HWPT_ALLOC_PASID, &hwpt_np));
	EXPECT_EQ(EINVAL, mock_attach(self->mfd, nodev, 1, hwpt_np));
	EXPECT_EQ(EINVAL, mock_attach(self->mfd, nodev, 1, self->hwpt[0]));
}

TEST_F(pasid, unbind_releases_everything)
{
	long hwpts = ifd2_counter("hwpt_paging");
	struct mock_stats s;
	__u32 p, i;

	ASSERT_EQ(0, mock_attach(self->mfd, self->dev, MOCK_NO_PASID,
				 self->hwpt[2]));
	for (p = 1; p <= 8; p++)
		ASSERT_EQ(0, mock_attach(self->mfd, self->dev, p,
					 self->hwpt[p % 3]));
	for (i = 0; i < 3; i++)
		EXPECT_EQ(EBUSY, ifd2_destroy(self->fd, self->hwpt[i]));
	ASSERT_EQ(0, ifd2_ioctl(self->mfd, MOCK_UNBIND, &self->dev));
	EXPECT_EQ(hwpts, ifd2_counter("hwpt_paging"));
	EXPECT_EQ(0, ifd2_counter("device"));
	for (p = 0; p <= 8; p++)
		EXPECT_EQ(-1, landed(self, p, 0xab));
	/* Nothing holds the HWPTs any more. */
	for (i = 0; i < 3; i++)
		EXPECT_EQ(0, ifd2_destroy(self->fd, self->hwpt[i]));
	s = mock_stats(self->mfd);
	EXPECT_EQ(0, s.domains_live);
}

TEST_F(pasid, mock_module_pinned_while_in_use)
{
	EXPECT_EQ(-1, syscall(SYS_delete_module, "iommufd2_mock",
			      O_NONBLOCK));
	EXPECT_EQ(EWOULDBLOCK, errno);
	EXPECT_EQ(0, access(MOCK_DEV, F_OK));
}

/* Replace, detach and DMA racing on one PASID. */
struct race {
	struct _test_data_pasid *self;
	int stop;
	int bad;
};

static void *race_replace(void *arg)
{
	struct race *r = arg;
	int i, rc;

	for (i = 0; i < 2000; i++) {
		rc = mock_attach(r->self->mfd, r->self->dev, 7,
				 r->self->hwpt[i % 3]);
		if (rc && rc != EINVAL)
			__atomic_add_fetch(&r->bad, 1, __ATOMIC_RELAXED);
	}
	return NULL;
}

static void *race_detach(void *arg)
{
	struct race *r = arg;
	int i;

	for (i = 0; i < 2000; i++)
		if (mock_detach(r->self->mfd, r->self->dev, 7))
			__atomic_add_fetch(&r->bad, 1, __ATOMIC_RELAXED);
	return NULL;
}

static void *race_dma(void *arg)
{
	struct race *r = arg;
	int rc;

	while (!__atomic_load_n(&r->stop, __ATOMIC_RELAXED)) {
		rc = mock_dma(r->self->mfd, r->self->dev, 7, X, 0x5a5a);
		if (rc && rc != EFAULT)
			__atomic_add_fetch(&r->bad, 1, __ATOMIC_RELAXED);
	}
	return NULL;
}

TEST_F(pasid, concurrent_replace_detach_dma)
{
	struct race r = { .self = self };
	pthread_t t[3];
	int i, where;

	NEED_PASID_REPLACE();
	ASSERT_EQ(0, pthread_create(&t[0], NULL, race_replace, &r));
	ASSERT_EQ(0, pthread_create(&t[1], NULL, race_detach, &r));
	ASSERT_EQ(0, pthread_create(&t[2], NULL, race_dma, &r));
	pthread_join(t[0], NULL);
	pthread_join(t[1], NULL);
	__atomic_store_n(&r.stop, 1, __ATOMIC_RELAXED);
	pthread_join(t[2], NULL);
	EXPECT_EQ(0, r.bad);

	/* Consistent: either detached or attached to exactly one HWPT. */
	where = landed(self, 7, 0x77);
	if (where >= 0) {
		EXPECT_EQ(EBUSY, ifd2_destroy(self->fd, self->hwpt[where]));
		ASSERT_EQ(0, mock_detach(self->mfd, self->dev, 7));
	}
	EXPECT_EQ(-1, landed(self, 7, 0x78));
	for (i = 0; i < 3; i++)
		EXPECT_EQ(0, ifd2_destroy(self->fd, self->hwpt[i]));
}

TEST_HARNESS_MAIN
