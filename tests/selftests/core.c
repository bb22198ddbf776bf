// SPDX-License-Identifier: GPL-2.0
/*
 * The iommufd2 core as userspace sees it: the object table and IOMMU_DESTROY,
 * the ioctl dispatcher's extensible-struct rules, IOAS_ALLOC, IOVA_RANGES
 * of an empty IOAS, IOMMU_OPTION, release on close and module pinning.
 * Expected errnos are upstream iommufd's.
 */
#include <linux/capability.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "ifd2_util.h"

/* An extended command: the kernel's structure plus a tail it doesn't know. */
struct ioas_alloc_ext {
	struct iommu_ioas_alloc base;
	__u32 pad;
	__u64 tail;
};

FIXTURE(ctx) {
	int fd;
	long base_ioas;
};

FIXTURE_SETUP(ctx)
{
	self->fd = ifd2_open();
	ASSERT_LE(0, self->fd);
	self->base_ioas = ifd2_counter("ioas");
	ASSERT_LE(0, self->base_ioas);
}

FIXTURE_TEARDOWN(ctx)
{
	close(self->fd);
}

TEST_F(ctx, ioas_ids_and_destroy)
{
	__u32 a, b;

	ASSERT_EQ(0, ifd2_ioas_alloc(self->fd, &a));
	ASSERT_EQ(0, ifd2_ioas_alloc(self->fd, &b));
	EXPECT_NE(0, a);
	EXPECT_NE(0, b);
	EXPECT_NE(a, b);
	EXPECT_EQ(self->base_ioas + 2, ifd2_counter("ioas"));

	EXPECT_EQ(0, ifd2_destroy(self->fd, a));
	EXPECT_EQ(ENOENT, ifd2_destroy(self->fd, a));
	EXPECT_EQ(self->base_ioas + 1, ifd2_counter("ioas"));
	EXPECT_EQ(ENOENT, ifd2_destroy(self->fd, 0));
	EXPECT_EQ(ENOENT, ifd2_destroy(self->fd, UINT32_MAX));
	EXPECT_EQ(ENOENT, ifd2_destroy(self->fd, b + 1000));
	EXPECT_EQ(0, ifd2_destroy(self->fd, b));
	EXPECT_EQ(self->base_ioas, ifd2_counter("ioas"));
}

/*
 * ID 0 is never handed out, but the table keeps a placeholder in its slot:
 * every lookup must take it for "nothing there".
 */
TEST_F(ctx, id_zero_names_nothing)
{
	struct iommu_ioas_iova_ranges ranges = { .size = sizeof(ranges) };
	static char page[4096] __attribute__((aligned(4096)));
	long pinned = ifd2_counter("pinned_pages");
	__u64 iova = 1ul << 20;

	EXPECT_EQ(ENOENT, ifd2_ioctl(self->fd, IOMMU_IOAS_IOVA_RANGES, &ranges));
	EXPECT_EQ(ENOENT, ifd2_map(self->fd, 0, page, sizeof(page), &iova,
				   IFD2_FIXED));
	EXPECT_EQ(ENOENT, ifd2_unmap(self->fd, 0, iova, sizeof(page), NULL));
	EXPECT_EQ(ENOENT, ifd2_destroy(self->fd, 0));
	EXPECT_EQ(pinned, ifd2_counter("pinned_pages"));
	EXPECT_EQ(self->base_ioas, ifd2_counter("ioas"));
}

TEST_F(ctx, ioas_alloc_rejects_flags)
{
	struct iommu_ioas_alloc cmd = { .size = sizeof(cmd), .flags = 1 };

	EXPECT_EQ(EOPNOTSUPP, ifd2_ioctl(self->fd, IOMMU_IOAS_ALLOC, &cmd));
	cmd.flags = 1u << 31;
	EXPECT_EQ(EOPNOTSUPP, ifd2_ioctl(self->fd, IOMMU_IOAS_ALLOC, &cmd));
	EXPECT_EQ(self->base_ioas, ifd2_counter("ioas"));
}

TEST_F(ctx, unknown_ioctls)
{
	__u32 buf[16] = { sizeof(buf) };

	EXPECT_EQ(ENOTTY, ifd2_ioctl(self->fd, _IO(IOMMUFD_TYPE, 0x7f), buf));
	EXPECT_EQ(ENOTTY, ifd2_ioctl(self->fd, _IO(IOMMUFD_TYPE, 0xfe), buf));
	EXPECT_EQ(ENOTTY, ifd2_ioctl(self->fd, _IO('x', IOMMUFD_CMD_DESTROY),
				     buf));
	/* The right number with size or direction bits is another command. */
	EXPECT_EQ(ENOTTY, ifd2_ioctl(self->fd,
				     _IOW(IOMMUFD_TYPE, IOMMUFD_CMD_DESTROY,
					  struct iommu_destroy), buf));
	EXPECT_EQ(ENOTTY, ifd2_ioctl(self->fd,
				     _IOR(IOMMUFD_TYPE, IOMMUFD_CMD_IOAS_ALLOC,
					  __u32), buf));
}

TEST_F(ctx, struct_size_rules)
{
	struct ioas_alloc_ext ext = { .base.size = sizeof(ext) };
	struct iommu_destroy destroy = { .size = 4 };
	__u32 id;

	/* Smaller than the first version of the command. */
	EXPECT_EQ(EINVAL, ifd2_ioctl(self->fd, IOMMU_DESTROY, &destroy));
	destroy.size = 0;
	EXPECT_EQ(EINVAL, ifd2_ioctl(self->fd, IOMMU_DESTROY, &destroy));
	ext.base.size = offsetof(struct iommu_ioas_alloc, out_ioas_id);
	EXPECT_EQ(EINVAL, ifd2_ioctl(self->fd, IOMMU_IOAS_ALLOC, &ext));
	EXPECT_EQ(self->base_ioas, ifd2_counter("ioas"));

	/* Larger, zero tail: accepted, output written within our size. */
	ext.base.size = sizeof(ext);
	ASSERT_EQ(0, ifd2_ioctl(self->fd, IOMMU_IOAS_ALLOC, &ext));
	EXPECT_NE(0, ext.base.out_ioas_id);
	EXPECT_EQ(0, ext.tail);
	id = ext.base.out_ioas_id;

	/* Larger with anything in the tail: E2BIG, and nothing created. */
	ext.tail = 1;
	EXPECT_EQ(E2BIG, ifd2_ioctl(self->fd, IOMMU_IOAS_ALLOC, &ext));
	ext.tail = 0;
	ext.pad = 0x100;
	EXPECT_EQ(E2BIG, ifd2_ioctl(self->fd, IOMMU_IOAS_ALLOC, &ext));
	EXPECT_EQ(self->base_ioas + 1, ifd2_counter("ioas"));
	EXPECT_EQ(0, ifd2_destroy(self->fd, id));
}

TEST_F(ctx, bad_user_pointers)
{
	EXPECT_EQ(EFAULT, ifd2_ioctl(self->fd, IOMMU_DESTROY, NULL));
	EXPECT_EQ(EFAULT, ifd2_ioctl(self->fd, IOMMU_IOAS_ALLOC,
				     (void *)16));
	EXPECT_EQ(self->base_ioas, ifd2_counter("ioas"));
}

TEST_F(ctx, iova_ranges_of_empty_ioas)
{
	struct iommu_iova_range ranges[2];
	struct iommu_ioas_iova_ranges cmd = {
		.size = sizeof(cmd),
		.allowed_iovas = (uintptr_t)ranges,
	};

	ASSERT_EQ(0, ifd2_ioas_alloc(self->fd, &cmd.ioas_id));

	/* No room: the count still comes back, with EMSGSIZE. */
	EXPECT_EQ(EMSGSIZE, ifd2_ioctl(self->fd, IOMMU_IOAS_IOVA_RANGES, &cmd));
	EXPECT_EQ(1, cmd.num_iovas);
	EXPECT_EQ(1, cmd.out_iova_alignment);

	memset(ranges, 0xa5, sizeof(ranges));
	cmd.num_iovas = 2;
	ASSERT_EQ(0, ifd2_ioctl(self->fd, IOMMU_IOAS_IOVA_RANGES, &cmd));
	EXPECT_EQ(1, cmd.num_iovas);
	EXPECT_EQ(0, ranges[0].start);
	EXPECT_EQ(UINT64_MAX, ranges[0].last);
	/* Only the reported entries are written. */
	EXPECT_EQ(0xa5a5a5a5a5a5a5a5ULL, ranges[1].start);

	cmd.__reserved = 1;
	EXPECT_EQ(EOPNOTSUPP, ifd2_ioctl(self->fd, IOMMU_IOAS_IOVA_RANGES,
					 &cmd));
	cmd.__reserved = 0;
	cmd.allowed_iovas = 8;
	cmd.num_iovas = 1;
	EXPECT_EQ(EFAULT, ifd2_ioctl(self->fd, IOMMU_IOAS_IOVA_RANGES, &cmd));
	cmd.ioas_id += 100;
	EXPECT_EQ(ENOENT, ifd2_ioctl(self->fd, IOMMU_IOAS_IOVA_RANGES, &cmd));
}

static struct iommu_option option(__u32 id, __u16 op, __u32 obj, __u64 val)
{
	return (struct iommu_option){
		.size = sizeof(struct iommu_option),
		.option_id = id,
		.op = op,
		.object_id = obj,
		.val64 = val,
	};
}

TEST_F(ctx, option_rlimit_mode)
{
	struct iommu_option cmd = option(IOMMU_OPTION_RLIMIT_MODE,
					 IOMMU_OPTION_OP_GET, 0, 7);
	__u32 id;

	ASSERT_EQ(0, ifd2_ioctl(self->fd, IOMMU_OPTION, &cmd));
	EXPECT_EQ(0, cmd.val64);

	cmd = option(IOMMU_OPTION_RLIMIT_MODE, IOMMU_OPTION_OP_SET, 0, 2);
	EXPECT_EQ(EINVAL, ifd2_ioctl(self->fd, IOMMU_OPTION, &cmd));
	cmd = option(IOMMU_OPTION_RLIMIT_MODE, IOMMU_OPTION_OP_SET, 1, 1);
	EXPECT_EQ(EOPNOTSUPP, ifd2_ioctl(self->fd, IOMMU_OPTION, &cmd));
	cmd = option(IOMMU_OPTION_RLIMIT_MODE, 2, 0, 1);
	EXPECT_EQ(EOPNOTSUPP, ifd2_ioctl(self->fd, IOMMU_OPTION, &cmd));
	cmd = option(IOMMU_OPTION_RLIMIT_MODE, IOMMU_OPTION_OP_SET, 0, 1);
	cmd.__reserved = 1;
	EXPECT_EQ(EOPNOTSUPP, ifd2_ioctl(self->fd, IOMMU_OPTION, &cmd));

	cmd = option(IOMMU_OPTION_RLIMIT_MODE, IOMMU_OPTION_OP_SET, 0, 1);
	ASSERT_EQ(0, ifd2_ioctl(self->fd, IOMMU_OPTION, &cmd));
	cmd = option(IOMMU_OPTION_RLIMIT_MODE, IOMMU_OPTION_OP_GET, 0, 0);
	ASSERT_EQ(0, ifd2_ioctl(self->fd, IOMMU_OPTION, &cmd));
	EXPECT_EQ(1, cmd.val64);

	/* Only an empty context may change mode. */
	ASSERT_EQ(0, ifd2_ioas_alloc(self->fd, &id));
	cmd = option(IOMMU_OPTION_RLIMIT_MODE, IOMMU_OPTION_OP_SET, 0, 0);
	EXPECT_EQ(EBUSY, ifd2_ioctl(self->fd, IOMMU_OPTION, &cmd));
	cmd = option(IOMMU_OPTION_RLIMIT_MODE, IOMMU_OPTION_OP_GET, 0, 0);
	ASSERT_EQ(0, ifd2_ioctl(self->fd, IOMMU_OPTION, &cmd));
	EXPECT_EQ(1, cmd.val64);
	ASSERT_EQ(0, ifd2_destroy(self->fd, id));
	cmd = option(IOMMU_OPTION_RLIMIT_MODE, IOMMU_OPTION_OP_SET, 0, 0);
	EXPECT_EQ(0, ifd2_ioctl(self->fd, IOMMU_OPTION, &cmd));
}

static int drop_cap_sys_resource(void)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[2];

	if (syscall(SYS_capget, &hdr, data))
		return -1;
	data[CAP_TO_INDEX(CAP_SYS_RESOURCE)].effective &=
		~CAP_TO_MASK(CAP_SYS_RESOURCE);
	return syscall(SYS_capset, &hdr, data);
}

TEST_F(ctx, option_rlimit_mode_needs_cap_sys_resource)
{
	struct iommu_option cmd = option(IOMMU_OPTION_RLIMIT_MODE,
					 IOMMU_OPTION_OP_SET, 0, 1);

	ASSERT_EQ(0, drop_cap_sys_resource());
	EXPECT_EQ(EPERM, ifd2_ioctl(self->fd, IOMMU_OPTION, &cmd));
	cmd = option(IOMMU_OPTION_RLIMIT_MODE, IOMMU_OPTION_OP_GET, 0, 0);
	ASSERT_EQ(0, ifd2_ioctl(self->fd, IOMMU_OPTION, &cmd));
	EXPECT_EQ(0, cmd.val64);
}

TEST_F(ctx, option_huge_pages)
{
	struct iommu_option cmd;
	__u32 id;

	ASSERT_EQ(0, ifd2_ioas_alloc(self->fd, &id));
	cmd = option(IOMMU_OPTION_HUGE_PAGES, IOMMU_OPTION_OP_GET, id, 7);
	ASSERT_EQ(0, ifd2_ioctl(self->fd, IOMMU_OPTION, &cmd));
	EXPECT_EQ(1, cmd.val64);

	cmd = option(IOMMU_OPTION_HUGE_PAGES, IOMMU_OPTION_OP_SET, id, 0);
	ASSERT_EQ(0, ifd2_ioctl(self->fd, IOMMU_OPTION, &cmd));
	cmd = option(IOMMU_OPTION_HUGE_PAGES, IOMMU_OPTION_OP_GET, id, 7);
	ASSERT_EQ(0, ifd2_ioctl(self->fd, IOMMU_OPTION, &cmd));
	EXPECT_EQ(0, cmd.val64);

	cmd = option(IOMMU_OPTION_HUGE_PAGES, IOMMU_OPTION_OP_SET, id, 2);
	EXPECT_EQ(EINVAL, ifd2_ioctl(self->fd, IOMMU_OPTION, &cmd));
	cmd = option(IOMMU_OPTION_HUGE_PAGES, 5, id, 1);
	EXPECT_EQ(EOPNOTSUPP, ifd2_ioctl(self->fd, IOMMU_OPTION, &cmd));
	cmd = option(IOMMU_OPTION_HUGE_PAGES, IOMMU_OPTION_OP_SET, 0, 1);
	EXPECT_EQ(ENOENT, ifd2_ioctl(self->fd, IOMMU_OPTION, &cmd));
	cmd = option(IOMMU_OPTION_HUGE_PAGES, IOMMU_OPTION_OP_SET, id + 1, 1);
	EXPECT_EQ(ENOENT, ifd2_ioctl(self->fd, IOMMU_OPTION, &cmd));
	cmd = option(IOMMU_OPTION_HUGE_PAGES, IOMMU_OPTION_OP_SET, id, 1);
	cmd.__reserved = 0x8000;
	EXPECT_EQ(EOPNOTSUPP, ifd2_ioctl(self->fd, IOMMU_OPTION, &cmd));
	cmd = option(99, IOMMU_OPTION_OP_GET, id, 0);
	EXPECT_EQ(EOPNOTSUPP, ifd2_ioctl(self->fd, IOMMU_OPTION, &cmd));

	/* The failed SETs changed nothing. */
	cmd = option(IOMMU_OPTION_HUGE_PAGES, IOMMU_OPTION_OP_GET, id, 7);
	ASSERT_EQ(0, ifd2_ioctl(self->fd, IOMMU_OPTION, &cmd));
	EXPECT_EQ(0, cmd.val64);
}

TEST(close_releases_every_object)
{
	long base_ioas = ifd2_counter("ioas");
	long base_ctx = ifd2_counter("contexts");
	int fd = ifd2_open();
	__u32 id;
	int i;

	ASSERT_LE(0, fd);
	ASSERT_LE(0, base_ioas);
	EXPECT_EQ(base_ctx + 1, ifd2_counter("contexts"));
	for (i = 0; i < 500; i++)
		ASSERT_EQ(0, ifd2_ioas_alloc(fd, &id));
	EXPECT_EQ(base_ioas + 500, ifd2_counter("ioas"));
	ASSERT_EQ(0, close(fd));
	EXPECT_EQ(base_ioas, ifd2_counter("ioas"));
	EXPECT_EQ(base_ctx, ifd2_counter("contexts"));
}

TEST(ids_are_per_context)
{
	int a = ifd2_open(), b = ifd2_open();
	__u32 ida, idb;

	ASSERT_LE(0, a);
	ASSERT_LE(0, b);
	ASSERT_EQ(0, ifd2_ioas_alloc(a, &ida));
	ASSERT_EQ(0, ifd2_ioas_alloc(b, &idb));
	/* Each table numbers from the same start; IDs don't cross files. */
	EXPECT_EQ(ida, idb);
	EXPECT_EQ(0, ifd2_destroy(a, ida));
	EXPECT_EQ(ENOENT, ifd2_destroy(a, ida));
	EXPECT_EQ(0, ifd2_destroy(b, idb));
	close(a);
	close(b);
}

TEST(unload_refused_while_open)
{
	int fd = ifd2_open();

	ASSERT_LE(0, fd);
	EXPECT_EQ(-1, syscall(SYS_delete_module, "iommufd2", O_NONBLOCK));
	EXPECT_EQ(EWOULDBLOCK, errno);
	EXPECT_EQ(0, access(IFD2_DEV, F_OK));
	close(fd);
}

/* Destroy racing destroy and lookups of the same object. */
struct race {
	int fd;
	__u32 id;
	pthread_barrier_t go;
	int destroy_ok, destroy_busy, destroy_enoent, other;
	int lookups_ok, lookups_enoent;
};

static void *race_destroy(void *arg)
{
	struct race *r = arg;
	int rc;

	pthread_barrier_wait(&r->go);
	do {
		rc = ifd2_destroy(r->fd, r->id);
		if (rc == EBUSY)
			__atomic_add_fetch(&r->destroy_busy, 1, __ATOMIC_RELAXED);
	} while (rc == EBUSY);
	if (rc == 0)
		__atomic_add_fetch(&r->destroy_ok, 1, __ATOMIC_RELAXED);
	else if (rc == ENOENT)
		__atomic_add_fetch(&r->destroy_enoent, 1, __ATOMIC_RELAXED);
	else
		__atomic_add_fetch(&r->other, 1, __ATOMIC_RELAXED);
	return NULL;
}

static void *race_lookup(void *arg)
{
	struct race *r = arg;
	struct iommu_iova_range range;
	struct iommu_ioas_iova_ranges cmd = {
		.size = sizeof(cmd),
		.ioas_id = r->id,
		.num_iovas = 1,
		.allowed_iovas = (uintptr_t)&range,
	};
	int rc;

	pthread_barrier_wait(&r->go);
	for (;;) {
		rc = ifd2_ioctl(r->fd, IOMMU_IOAS_IOVA_RANGES, &cmd);
		if (rc == ENOENT) {
			__atomic_add_fetch(&r->lookups_enoent, 1, __ATOMIC_RELAXED);
			return NULL;
		}
		if (rc)
			__atomic_add_fetch(&r->other, 1, __ATOMIC_RELAXED);
		__atomic_add_fetch(&r->lookups_ok, 1, __ATOMIC_RELAXED);
	}
}

TEST(destroy_races_destroy_and_lookups)
{
	long base = ifd2_counter("ioas");
	pthread_t t[4];
	int i, round;

	for (round = 0; round < 300; round++) {
		struct race r = { .fd = ifd2_open() };

		ASSERT_LE(0, r.fd);
		ASSERT_EQ(0, ifd2_ioas_alloc(r.fd, &r.id));
		pthread_barrier_init(&r.go, NULL, 4);
		pthread_create(&t[0], NULL, race_destroy, &r);
		pthread_create(&t[1], NULL, race_destroy, &r);
		pthread_create(&t[2], NULL, race_lookup, &r);
		pthread_create(&t[3], NULL, race_lookup, &r);
		for (i = 0; i < 4; i++)
			pthread_join(t[i], NULL);
		pthread_barrier_destroy(&r.go);
		/* Exactly one destroy wins; the lookups end on ENOENT. */
		ASSERT_EQ(1, r.destroy_ok);
		ASSERT_EQ(1, r.destroy_enoent);
		ASSERT_EQ(0, r.other);
		ASSERT_EQ(2, r.lookups_enoent);
		ASSERT_EQ(base, ifd2_counter("ioas"));
		close(r.fd);
	}
}

TEST_HARNESS_MAIN
