// SPDX-License-Identifier: GPL-2.0
/*
 * Object-lifetime races of the object table (see the removal rule in
 * include/iommufd2/object.h): an auto HWPT that is being removed while a
 * device attaches to it, IOMMU_DESTROY spinning on an object a kernel path
 * is reaping, and an allocation whose predictable ID userspace destroys the
 * moment it is published.  Each runs thousands of rounds and checks that
 * every round ended in exactly one teardown with the device translating
 * through a live domain; the bench fails the run on any WARN, refcount,
 * KASAN or hung-task report in the console.
 */
#include <pthread.h>
#include <sys/mman.h>

#include "kselftest_harness.h"
#include "ifd2_util.h"
#include "iommufd2/iommufd2.h"
#include "ifd2_mock.h"

/* Under KASAN (make check-debug) a round is slow; the harness waits. */
#define RACE_TIMEOUT	600
#define ROUNDS		2000
#define IOVA		0x100000ULL

static int attach_pt(int mfd, __u32 index, __u32 *pt)
{
	struct mock_attach a = { .index = index, .pt_id = *pt };
	int rc = ifd2_ioctl(mfd, MOCK_ATTACH, &a);

	if (!rc)
		*pt = a.pt_id;
	return rc;
}

static int sw_viommu_alloc(int fd, __u32 dev, __u32 hwpt, __u32 *out)
{
	return ifd2_viommu_alloc(fd, IOMMUFD2_VIOMMU_TYPE_SOFTWARE, dev, hwpt,
				 NULL, 0, out);
}

/* Two bound mock devices (two groups) and an IOAS with one page mapped. */
FIXTURE(races) {
	int fd, mfd;
	__u32 dev[2], devid[2], ioas;
	__u32 *page;
};

FIXTURE_SETUP(races)
{
	__u64 iova = IOVA;
	int i;

	self->mfd = open(MOCK_DEV, O_RDWR);
	if (self->mfd < 0)
		SKIP(return, "no mock IOMMU");
	self->fd = ifd2_open();
	ASSERT_LE(0, self->fd);
	for (i = 0; i < 2; i++) {
		ASSERT_EQ(0, mock_create(self->mfd, 0, &self->dev[i]));
		ASSERT_EQ(0, mock_bind(self->mfd, self->dev[i], self->fd,
				       &self->devid[i]));
	}
	ASSERT_EQ(0, ifd2_ioas_alloc(self->fd, &self->ioas));
	self->page = ifd2_pages(1);
	ASSERT_NE(NULL, self->page);
	ASSERT_EQ(0, ifd2_map(self->fd, self->ioas, self->page, 4096, &iova,
			      IFD2_FIXED));
}

FIXTURE_TEARDOWN(races)
{
	if (self->mfd >= 0) {
		close(self->mfd);
		close(self->fd);
	}
}

/* The device translates IOVA into our page: the domain it uses is live. */
static int dma_lands(struct _test_data_races *self, int i, __u32 v)
{
	self->page[0] = 0;
	if (mock_dma(self->mfd, self->dev[i], MOCK_NO_PASID, IOVA, v))
		return 0;
	return __atomic_load_n(&self->page[0], __ATOMIC_SEQ_CST) == v;
}

struct race {
	struct _test_data_races *self;
	pthread_barrier_t go;
	__u32 hwpt;		/* the auto HWPT being removed */
	__u32 pt;		/* what the attaching device got */
	int destroy_rc, attach_rc;
};

static void *race_destroy_hwpt(void *arg)
{
	struct race *r = arg;

	pthread_barrier_wait(&r->go);
	r->destroy_rc = ifd2_destroy(r->self->fd, r->hwpt);
	return NULL;
}

static void *race_attach_ioas(void *arg)
{
	struct race *r = arg;

	r->pt = r->self->ioas;
	pthread_barrier_wait(&r->go);
	r->attach_rc = attach_pt(r->self->mfd, r->self->dev[1], &r->pt);
	return NULL;
}

static void *race_detach_dev0(void *arg)
{
	struct race *r = arg;

	pthread_barrier_wait(&r->go);
	mock_detach(r->self->mfd, r->self->dev[0], MOCK_NO_PASID);
	return NULL;
}

static void run2(struct race *r, void *(*a)(void *), void *(*b)(void *))
{
	pthread_t t[2];

	pthread_barrier_init(&r->go, NULL, 2);
	pthread_create(&t[0], NULL, a, r);
	pthread_create(&t[1], NULL, b, r);
	pthread_join(t[0], NULL);
	pthread_join(t[1], NULL);
	pthread_barrier_destroy(&r->go);
}

/*
 * An auto HWPT that only its ID holds (its vIOMMU, the last user, is gone)
 * is destroyed by IOMMU_DESTROY while a device attaches by IOAS: either the
 * destroy wins and the device gets a new auto HWPT, or the attach wins and
 * the destroy answers EBUSY.  Never a domain freed under a device.
 */
TEST_F_TIMEOUT(races, auto_hwpt_destroy_races_attach, RACE_TIMEOUT)
{
	int i, destroyed = 0, reused = 0;

	for (i = 0; i < ROUNDS; i++) {
		struct race r = { .self = self };
		__u32 viommu;

		r.hwpt = self->ioas;
		ASSERT_EQ(0, attach_pt(self->mfd, self->dev[0], &r.hwpt));
		ASSERT_EQ(0, sw_viommu_alloc(self->fd, self->devid[0], r.hwpt,
					     &viommu));
		ASSERT_EQ(0, mock_detach(self->mfd, self->dev[0],
					 MOCK_NO_PASID));
		ASSERT_EQ(0, ifd2_destroy(self->fd, viommu));

		run2(&r, race_destroy_hwpt, race_attach_ioas);
		ASSERT_EQ(0, r.attach_rc);
		/* A new auto HWPT may reuse the freed ID: no ID check. */
		if (r.destroy_rc == 0) {
			destroyed++;
		} else {
			ASSERT_EQ(EBUSY, r.destroy_rc);
			ASSERT_EQ(r.hwpt, r.pt);
			reused++;
		}
		ASSERT_TRUE(dma_lands(self, 1, 0x1000 + i));
		ASSERT_EQ(1, ifd2_counter("hwpt_paging"));
		ASSERT_EQ(0, mock_detach(self->mfd, self->dev[1],
					 MOCK_NO_PASID));
		/* The last device reaped it: gone, its ID free. */
		ASSERT_EQ(0, ifd2_counter("hwpt_paging"));
		ASSERT_EQ(ENOENT, ifd2_destroy(self->fd, r.pt));
	}
	printf("# destroy won %d, attach won %d\n", destroyed, reused);
}

/*
 * Device 0 lets go of its auto HWPT (the reap) while device 1, in another
 * group, attaches to the same IOAS and may pick that HWPT up.
 */
TEST_F_TIMEOUT(races, auto_hwpt_reap_races_attach, RACE_TIMEOUT)
{
	int i;

	for (i = 0; i < ROUNDS; i++) {
		struct race r = { .self = self };

		r.hwpt = self->ioas;
		ASSERT_EQ(0, attach_pt(self->mfd, self->dev[0], &r.hwpt));
		run2(&r, race_detach_dev0, race_attach_ioas);
		ASSERT_EQ(0, r.attach_rc);
		ASSERT_TRUE(dma_lands(self, 1, 0x2000 + i));
		ASSERT_FALSE(dma_lands(self, 0, 0x3000 + i));
		ASSERT_EQ(1, ifd2_counter("hwpt_paging"));
		ASSERT_EQ(0, mock_detach(self->mfd, self->dev[1],
					 MOCK_NO_PASID));
		ASSERT_EQ(0, ifd2_counter("hwpt_paging"));
	}
}

struct spin {
	struct _test_data_races *self;
	__u32 id;
	int stop;
	long busy, gone, destroyed;
};

static void *spin_destroy(void *arg)
{
	struct spin *s = arg;
	int rc;

	while (!__atomic_load_n(&s->stop, __ATOMIC_ACQUIRE)) {
		rc = ifd2_destroy(s->self->fd, s->id);
		if (rc == EBUSY)
			s->busy++;
		else if (rc == ENOENT)
			s->gone++;
		else
			s->destroyed++;
	}
	return NULL;
}

/*
 * IOMMU_DESTROY spins on a bound device's auto HWPT while the device is
 * unbound, which reaps the HWPT: the destroy never wins (the device holds
 * it until the reap claims it), and the reap is never disturbed by the
 * destroy's failed attempts.
 */
TEST_F_TIMEOUT(races, destroy_spins_while_unbind_reaps, RACE_TIMEOUT)
{
	struct spin s = { .self = self };
	pthread_t t;
	int i;

	for (i = 0; i < ROUNDS; i++) {
		__u32 hwpt = self->ioas;

		ASSERT_EQ(0, attach_pt(self->mfd, self->dev[0], &hwpt));
		s.id = hwpt;
		s.stop = 0;
		ASSERT_EQ(0, pthread_create(&t, NULL, spin_destroy, &s));
		usleep(i % 50);
		ASSERT_EQ(0, ifd2_ioctl(self->mfd, MOCK_UNBIND, &self->dev[0]));
		__atomic_store_n(&s.stop, 1, __ATOMIC_RELEASE);
		pthread_join(t, NULL);
		ASSERT_EQ(0, s.destroyed);
		ASSERT_EQ(ENOENT, ifd2_destroy(self->fd, hwpt));
		ASSERT_EQ(0, ifd2_counter("hwpt_paging"));
		ASSERT_EQ(0, mock_bind(self->mfd, self->dev[0], self->fd,
				       &self->devid[0]));
	}
	printf("# destroy saw busy %ld, gone %ld\n", s.busy, s.gone);
}

struct next_id {
	int fd;
	__u32 target;
	int stop;
	long destroyed;
};

/* Destroys whatever the next allocation will be, as soon as it exists. */
static void *destroy_next(void *arg)
{
	struct next_id *n = arg;

	while (!__atomic_load_n(&n->stop, __ATOMIC_ACQUIRE))
		if (!ifd2_destroy(n->fd,
				  __atomic_load_n(&n->target, __ATOMIC_ACQUIRE)))
			n->destroyed++;
	return NULL;
}

/*
 * IDs are predictable: a new IOAS can be destroyed by another thread the
 * moment it is published, while its creator is still finishing the ioctl.
 * Every IOAS either survives or was destroyed exactly once.
 */
TEST_F_TIMEOUT(races, alloc_races_destroy_of_new_id, RACE_TIMEOUT)
{
	struct next_id n = { .fd = self->fd };
	long base = ifd2_counter("ioas"), made = 0;
	__u32 id, last = self->ioas;
	pthread_t t;
	int i;

	n.target = last + 1;
	ASSERT_EQ(0, pthread_create(&t, NULL, destroy_next, &n));
	for (i = 0; i < 20000; i++) {
		ASSERT_EQ(0, ifd2_ioas_alloc(self->fd, &id));
		made++;
		__atomic_store_n(&n.target, id + 1, __ATOMIC_RELEASE);
	}
	__atomic_store_n(&n.stop, 1, __ATOMIC_RELEASE);
	pthread_join(t, NULL);
	EXPECT_EQ(base + made - n.destroyed, ifd2_counter("ioas"));
	printf("# %ld of %ld new IOASes destroyed at birth\n", n.destroyed,
	       made);
}

TEST_HARNESS_MAIN
