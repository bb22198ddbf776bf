// SPDX-License-Identifier: GPL-2.0
/*
 * Emulated accesses through the mock (iommufd2's in-kernel access API):
 * pin and copy by IOVA, unmap of a pinned range through the owner's
 * callback, replace with no window and no change on failure, and races of
 * replace against detach and of pinning against unmap.
 */
#include <pthread.h>

#include "kselftest_harness.h"
#include "ifd2_mock.h"

#define PAGE 4096UL
#define X 0x200000ULL

static int acc_cmd(int mfd, unsigned long num, __u32 index,
		   struct mock_access *in)
{
	struct mock_access cmd = in ? *in : (struct mock_access){};

	cmd.index = index;
	return ifd2_ioctl(mfd, num, &cmd);
}

static int acc_ioas(int mfd, unsigned long num, __u32 index, __u32 ioas)
{
	struct mock_access cmd = { .ioas_id = ioas };

	return acc_cmd(mfd, num, index, &cmd);
}

static int acc_pin(int mfd, __u32 index, __u64 iova, __u64 len, __u32 flags,
		   __u32 value)
{
	struct mock_access cmd = { .iova = iova, .length = len,
				   .flags = flags, .value = value };

	return acc_cmd(mfd, MOCK_ACCESS_PIN, index, &cmd);
}

static int acc_unpin(int mfd, __u32 index, __u64 iova, __u64 len)
{
	struct mock_access cmd = { .iova = iova, .length = len };

	return acc_cmd(mfd, MOCK_ACCESS_UNPIN, index, &cmd);
}

static int acc_rw(int mfd, __u32 index, __u64 iova, void *buf, __u64 len,
		  bool write)
{
	struct mock_access cmd = { .iova = iova, .length = len,
				   .uptr = (uintptr_t)buf,
				   .flags = write ? MOCK_ACCESS_WRITE : 0 };

	return acc_cmd(mfd, MOCK_ACCESS_RW, index, &cmd);
}

/* Two IOASes mapping buffers a and b (4 pages) at X; an access. */
FIXTURE(access) {
	int fd, mfd;
	__u32 ioas[2], index, id;
	__u32 *buf[2];
	long base_pinned;
};

FIXTURE_SETUP(access)
{
	struct mock_access create;
	__u64 iova;
	int i;

	self->mfd = open(MOCK_DEV, O_RDWR);
	if (self->mfd < 0)
		SKIP(return, "no mock IOMMU");
	self->fd = ifd2_open();
	ASSERT_LE(0, self->fd);
	self->base_pinned = ifd2_counter("pinned_pages");
	for (i = 0; i < 2; i++) {
		self->buf[i] = ifd2_pages(4);
		ASSERT_NE(NULL, self->buf[i]);
		ASSERT_EQ(0, ifd2_ioas_alloc(self->fd, &self->ioas[i]));
		iova = X;
		ASSERT_EQ(0, ifd2_map(self->fd, self->ioas[i], self->buf[i],
				      4 * PAGE, &iova, IFD2_FIXED));
	}
	create = (struct mock_access){ .iommufd = self->fd };
	ASSERT_EQ(0, ifd2_ioctl(self->mfd, MOCK_ACCESS_CREATE, &create));
	self->index = create.index;
	self->id = create.out_access_id;
}

FIXTURE_TEARDOWN(access)
{
	if (self->mfd >= 0) {
		close(self->mfd);
		close(self->fd);
	}
}

TEST_F(access, pin_and_copy)
{
	char out[64], in[64];
	__u32 *ro = ifd2_pages(4);
	__u64 iova = 0x900000;

	/* Owned by its driver: not the user's to destroy. */
	EXPECT_EQ(EBUSY, ifd2_destroy(self->fd, self->id));
	EXPECT_EQ(1, ifd2_counter("access"));
	EXPECT_EQ(ENOENT, acc_pin(self->mfd, self->index, X, PAGE, 0, 0));
	ASSERT_EQ(0, acc_ioas(self->mfd, MOCK_ACCESS_ATTACH, self->index,
			      self->ioas[0]));
	EXPECT_EQ(EINVAL, acc_ioas(self->mfd, MOCK_ACCESS_ATTACH, self->index,
				   self->ioas[1]));
	/* The attached IOAS is in use. */
	EXPECT_EQ(EBUSY, ifd2_destroy(self->fd, self->ioas[0]));

	/* Pinned pages are the buffer's: a write through them lands. */
	ASSERT_EQ(0, acc_pin(self->mfd, self->index, X + PAGE, 2 * PAGE,
			     MOCK_ACCESS_WRITE, 0xfeed));
	EXPECT_EQ(0xfeed, self->buf[0][PAGE / 4]);
	EXPECT_EQ(0xfeed, self->buf[0][2 * PAGE / 4]);
	EXPECT_EQ(0, self->buf[0][0]);
	EXPECT_EQ(1, mock_stats(self->mfd).access_pins_live);
	EXPECT_EQ(0, acc_unpin(self->mfd, self->index, X + PAGE, 2 * PAGE));
	EXPECT_EQ(ENOENT, acc_unpin(self->mfd, self->index, X, PAGE));
	EXPECT_EQ(EINVAL, acc_pin(self->mfd, self->index, X + 8, PAGE, 0, 0));
	EXPECT_EQ(ENOENT, acc_pin(self->mfd, self->index, X + 4 * PAGE, PAGE,
				  0, 0));

	/* Copies at any alignment, across pages. */
	memset(in, 0x3c, sizeof(in));
	ASSERT_EQ(0, acc_rw(self->mfd, self->index, X + PAGE - 20, in,
			    sizeof(in), true));
	EXPECT_EQ(0x3c3c3c3c, self->buf[0][PAGE / 4]);
	EXPECT_EQ(0, acc_rw(self->mfd, self->index, X + PAGE - 20, out,
			    sizeof(out), false));
	EXPECT_EQ(0, memcmp(in, out, sizeof(in)));

	/* Writes need a writable mapping. */
	ASSERT_NE(NULL, ro);
	ASSERT_EQ(0, mprotect(ro, 4 * PAGE, PROT_READ));
	ASSERT_EQ(0, ifd2_map(self->fd, self->ioas[0], ro, PAGE, &iova,
			      IOMMU_IOAS_MAP_READABLE |
			      IOMMU_IOAS_MAP_FIXED_IOVA));
	EXPECT_EQ(EPERM, acc_rw(self->mfd, self->index, iova, in, 8, true));
	EXPECT_EQ(EPERM, acc_pin(self->mfd, self->index, iova, PAGE,
				 MOCK_ACCESS_WRITE, 1));
	EXPECT_EQ(0, acc_rw(self->mfd, self->index, iova, out, 8, false));

	EXPECT_EQ(0, acc_cmd(self->mfd, MOCK_ACCESS_DESTROY, self->index,
			     NULL));
	EXPECT_EQ(0, ifd2_counter("access"));
	EXPECT_EQ(0, ifd2_destroy(self->fd, self->ioas[0]));
}

TEST_F(access, unmap_of_pinned_range_calls_owner)
{
	struct mock_stats before = mock_stats(self->mfd), after;
	__u64 unmapped;

	ASSERT_EQ(0, acc_ioas(self->mfd, MOCK_ACCESS_ATTACH, self->index,
			      self->ioas[0]));
	/* No domain: the pages are pinned when the access first needs them. */
	EXPECT_EQ(self->base_pinned, ifd2_counter("pinned_pages"));
	ASSERT_EQ(0, acc_pin(self->mfd, self->index, X, 4 * PAGE, 0, 0));
	EXPECT_EQ(self->base_pinned + 4, ifd2_counter("pinned_pages"));
	ASSERT_EQ(0, ifd2_unmap(self->fd, self->ioas[0], X, 4 * PAGE,
				&unmapped));
	EXPECT_EQ(4 * PAGE, unmapped);
	after = mock_stats(self->mfd);
	EXPECT_EQ(before.access_unmap_calls + 1, after.access_unmap_calls);
	EXPECT_EQ(0, after.access_pins_live);
	/* IOAS a's pins went with the unmap; IOAS b's were never needed. */
	EXPECT_EQ(self->base_pinned, ifd2_counter("pinned_pages"));
}

TEST_F(access, replace_moves_without_a_gap)
{
	char v[4] = { 1, 2, 3, 4 };

	ASSERT_EQ(0, acc_ioas(self->mfd, MOCK_ACCESS_ATTACH, self->index,
			      self->ioas[0]));
	ASSERT_EQ(0, acc_pin(self->mfd, self->index, X, PAGE, 0, 0));
	/* A failed replace changes nothing. */
	EXPECT_EQ(ENOENT, acc_ioas(self->mfd, MOCK_ACCESS_REPLACE,
				   self->index, self->ioas[1] + 100));
	EXPECT_EQ(1, mock_stats(self->mfd).access_pins_live);
	EXPECT_EQ(EBUSY, ifd2_destroy(self->fd, self->ioas[0]));

	/* Replace hands the old pins back and moves. */
	ASSERT_EQ(0, acc_ioas(self->mfd, MOCK_ACCESS_REPLACE, self->index,
			      self->ioas[1]));
	EXPECT_EQ(0, mock_stats(self->mfd).access_pins_live);
	ASSERT_EQ(0, acc_rw(self->mfd, self->index, X, v, 4, true));
	EXPECT_EQ(0x04030201, self->buf[1][0]);
	EXPECT_EQ(0, self->buf[0][0]);
	/* A is free now, B is held. */
	EXPECT_EQ(0, ifd2_destroy(self->fd, self->ioas[0]));
	EXPECT_EQ(EBUSY, ifd2_destroy(self->fd, self->ioas[1]));
	/* Replacing to the same IOAS is a no-op; detach frees B. */
	EXPECT_EQ(0, acc_ioas(self->mfd, MOCK_ACCESS_REPLACE, self->index,
			      self->ioas[1]));
	EXPECT_EQ(0, acc_cmd(self->mfd, MOCK_ACCESS_DETACH, self->index,
			     NULL));
	EXPECT_EQ(ENOENT, acc_rw(self->mfd, self->index, X, v, 4, false));
	EXPECT_EQ(0, ifd2_destroy(self->fd, self->ioas[1]));
}

struct race {
	struct _test_data_access *self;
	int stop;
	int bad;
	int busy;
};

static void *replace_loop(void *arg)
{
	struct race *r = arg;
	int i, rc;

	for (i = 0; i < 2000; i++) {
		rc = acc_ioas(r->self->mfd, MOCK_ACCESS_REPLACE,
			      r->self->index, r->self->ioas[i & 1]);
		if (rc == EBUSY)
			__atomic_add_fetch(&r->busy, 1, __ATOMIC_RELAXED);
		else if (rc)
			__atomic_add_fetch(&r->bad, 1, __ATOMIC_RELAXED);
		acc_pin(r->self->mfd, r->self->index, X, PAGE, 0, 0);
	}
	return NULL;
}

static void *detach_loop(void *arg)
{
	struct race *r = arg;
	int i;

	for (i = 0; i < 2000; i++)
		acc_cmd(r->self->mfd, MOCK_ACCESS_DETACH, r->self->index,
			NULL);
	return NULL;
}

TEST_F(access, replace_races_detach)
{
	struct race r = { .self = self };
	pthread_t t[2];
	char v[4];
	int i, rc, attached = -1;

	ASSERT_EQ(0, pthread_create(&t[0], NULL, replace_loop, &r));
	ASSERT_EQ(0, pthread_create(&t[1], NULL, detach_loop, &r));
	pthread_join(t[0], NULL);
	pthread_join(t[1], NULL);
	EXPECT_EQ(0, r.bad);
	printf("# replace saw a racing detach %d times\n", r.busy);

	/* Consistent: attached to at most one IOAS, which is held. */
	for (i = 0; i < 2; i++) {
		if (ifd2_destroy(self->fd, self->ioas[i]) == EBUSY)
			attached = i;
		else
			self->ioas[i] = 0;
	}
	rc = acc_rw(self->mfd, self->index, X, v, 4, false);
	EXPECT_EQ(attached >= 0 ? 0 : ENOENT, rc);
	EXPECT_EQ(0, acc_cmd(self->mfd, MOCK_ACCESS_DESTROY, self->index,
			     NULL));
	EXPECT_EQ(0, mock_stats(self->mfd).access_pins_live);
	EXPECT_EQ(0, ifd2_counter("access"));
}

static void *pin_loop(void *arg)
{
	struct race *r = arg;
	int rc;

	while (!__atomic_load_n(&r->stop, __ATOMIC_ACQUIRE)) {
		rc = acc_pin(r->self->mfd, r->self->index, X, 2 * PAGE, 0, 0);
		if (rc && rc != ENOENT) {
			printf("# pin: %s\n", strerror(rc));
			__atomic_add_fetch(&r->bad, 1, __ATOMIC_RELAXED);
		}
		acc_unpin(r->self->mfd, r->self->index, X, 2 * PAGE);
	}
	return NULL;
}

TEST_F(access, pin_races_unmap)
{
	struct race r = { .self = self };
	pthread_t t;
	__u64 iova, unmapped;
	int i, rc;

	ASSERT_EQ(0, acc_ioas(self->mfd, MOCK_ACCESS_ATTACH, self->index,
			      self->ioas[0]));
	ASSERT_EQ(0, pthread_create(&t, NULL, pin_loop, &r));
	for (i = 0; i < 1000; i++) {
		rc = ifd2_unmap(self->fd, self->ioas[0], X, 4 * PAGE,
				&unmapped);
		if (rc) {
			printf("# unmap %d: %s\n", i, strerror(rc));
			r.bad++;
			break;
		}
		iova = X;
		ASSERT_EQ(0, ifd2_map(self->fd, self->ioas[0], self->buf[0],
				      4 * PAGE, &iova, IFD2_FIXED));
	}
	__atomic_store_n(&r.stop, 1, __ATOMIC_RELEASE);
	pthread_join(t, NULL);
	EXPECT_EQ(0, r.bad);
	EXPECT_EQ(0, mock_stats(self->mfd).access_pins_live);
	ASSERT_EQ(0, ifd2_unmap(self->fd, self->ioas[0], 0, UINT64_MAX,
				&unmapped));
	ASSERT_EQ(0, ifd2_unmap(self->fd, self->ioas[1], 0, UINT64_MAX,
				&unmapped));
	EXPECT_EQ(self->base_pinned, ifd2_counter("pinned_pages"));
}

TEST_HARNESS_MAIN
