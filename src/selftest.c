// SPDX-License-Identifier: GPL-2.0
/*
 * Self-test of the object table, run at module load with selftest=1.
 *
 * It drives the parts userspace cannot reach directly yet: objects being
 * built, kernel-initiated removal that waits for in-flight users,
 * tombstones, and the dependency-ordered release of a closing context.
 * Results go to the kernel log as KTAP ("ok N - name"), and a failure
 * fails the module load.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/delay.h>
#include <linux/err.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/slab.h>

#include "iommufd2/ctx.h"
#include "iommufd2/object.h"
#include "iommufd2/selftest.h"

/**
 * struct ifd_st_obj - the self-test's object type
 * @obj: table entry
 * @parent: an object this one holds a long-term reference on, or NULL
 * @log: where teardown records the ID (release-order checks)
 * @log_len: entries used in @log
 * @inflight_done: set by an in-flight user before it drops its reference
 * @saw_inflight_done: @inflight_done as seen by the teardown
 * @aborted: the type's abort ran
 */
struct ifd_st_obj {
	struct ifd_object obj;
	struct ifd_object *parent;
	u32 *log;
	unsigned int *log_len;
	bool inflight_done;
	bool saw_inflight_done;
	bool *aborted;
};

static bool *ifd_st_destroyed_flag;

static void ifd_st_destroy(struct ifd_object *obj)
{
	struct ifd_st_obj *st = container_of(obj, struct ifd_st_obj, obj);

	if (st->log)
		st->log[(*st->log_len)++] = obj->id;
	if (st->parent)
		ifd_object_release(st->parent);
	if (ifd_st_destroyed_flag)
		*ifd_st_destroyed_flag = READ_ONCE(st->inflight_done);
}

static void ifd_st_abort(struct ifd_object *obj)
{
	struct ifd_st_obj *st = container_of(obj, struct ifd_st_obj, obj);

	*st->aborted = true;
}

static const struct ifd_object_ops ifd_st_ops = {
	.type = IFD_OBJ_SELFTEST,
	.destroy = ifd_st_destroy,
};

static const struct ifd_object_ops ifd_st_abort_ops = {
	.type = IFD_OBJ_SELFTEST,
	.destroy = ifd_st_destroy,
	.abort = ifd_st_abort,
};

static struct ifd_st_obj *ifd_st_new(struct ifd_ctx *ctx,
				     const struct ifd_object_ops *ops)
{
	struct ifd_st_obj *st = ifd_object_alloc(ctx, st, ops);

	return IS_ERR(st) ? NULL : st;
}

static struct ifd_st_obj *ifd_st_publish(struct ifd_ctx *ctx)
{
	struct ifd_st_obj *st = ifd_st_new(ctx, &ifd_st_ops);

	if (st)
		ifd_object_finalize(ctx, &st->obj);
	return st;
}

static bool ifd_st_check(bool ok, const char *func, int line,
			 const char *what)
{
	if (!ok)
		pr_err("selftest: %s:%d: check failed: %s\n", func, line, what);
	return ok;
}

/* True if @cond holds; logs the failed condition otherwise. */
#define ST_CHECK(cond) ifd_st_check(!!(cond), __func__, __LINE__, #cond)

static bool ifd_st_lookup_fails(struct ifd_ctx *ctx, u32 id,
				enum ifd_obj_type type)
{
	return PTR_ERR_OR_ZERO(ifd_object_get(ctx, id, type)) == -ENOENT;
}

/*
 * An object being built is invisible to every lookup and remover until
 * finalize; abort frees its ID for reuse.
 */
static int ifd_st_reserve_publish_abort(struct ifd_ctx *ctx)
{
	struct ifd_st_obj *st;
	struct ifd_object *got;
	struct xarray all;
	bool aborted = false;
	bool found;
	u32 id;

	st = ifd_st_new(ctx, &ifd_st_ops);
	if (!ST_CHECK(st))
		return -EINVAL;
	if (!ST_CHECK(ifd_st_lookup_fails(ctx, st->obj.id, IFD_OBJ_ANY)))
		return -EINVAL;
	if (!ST_CHECK(ifd_object_destroy_user(ctx, st->obj.id) == -ENOENT))
		return -EINVAL;
	if (!ST_CHECK(ifd_object_hold_published(ctx, &st->obj) == -ENOENT))
		return -EINVAL;
	if (!ST_CHECK(!ifd_object_destroy_kernel(ctx, &st->obj, false)))
		return -EINVAL;
	xa_init(&all);
	if (!ST_CHECK(!ifd_object_get_all(ctx, IFD_OBJ_SELFTEST, &all)))
		return -EINVAL;
	found = xa_load(&all, st->obj.id);
	ifd_object_put_all(&all);
	if (!ST_CHECK(!found))
		return -EINVAL;
	if (!ST_CHECK(refcount_read(&st->obj.users) == 1))
		return -EINVAL;
	ifd_object_finalize(ctx, &st->obj);
	got = ifd_object_get(ctx, st->obj.id, IFD_OBJ_SELFTEST);
	if (!ST_CHECK(got == &st->obj))
		return -EINVAL;
	ifd_object_put(got);
	if (!ST_CHECK(ifd_st_lookup_fails(ctx, st->obj.id, IFD_OBJ_IOAS)))
		return -EINVAL;

	st = ifd_st_new(ctx, &ifd_st_abort_ops);
	if (!ST_CHECK(st))
		return -EINVAL;
	st->aborted = &aborted;
	id = st->obj.id;
	ifd_object_abort(ctx, &st->obj);
	if (!ST_CHECK(aborted))
		return -EINVAL;
	st = ifd_st_publish(ctx);
	if (!ST_CHECK(st && st->obj.id == id))
		return -EINVAL;
	return 0;
}

/* IOMMU_DESTROY semantics: busy while used, gone afterwards. */
static int ifd_st_user_destroy(struct ifd_ctx *ctx)
{
	struct ifd_st_obj *parent, *child;
	struct ifd_object *got;

	parent = ifd_st_publish(ctx);
	if (!ST_CHECK(parent))
		return -EINVAL;
	got = ifd_object_get(ctx, parent->obj.id, IFD_OBJ_ANY);
	if (!ST_CHECK(!IS_ERR(got)))
		return -EINVAL;
	if (!ST_CHECK(ifd_object_destroy_user(ctx, parent->obj.id) == -EBUSY))
		return -EINVAL;
	ifd_object_put(got);

	child = ifd_st_new(ctx, &ifd_st_ops);
	if (!ST_CHECK(child))
		return -EINVAL;
	got = ifd_object_get(ctx, parent->obj.id, IFD_OBJ_ANY);
	if (!ST_CHECK(!IS_ERR(got)))
		return -EINVAL;
	if (!ST_CHECK(ifd_object_tryhold(got)))
		return -EINVAL;
	child->parent = got;
	ifd_object_put(got);
	ifd_object_finalize(ctx, &child->obj);

	if (!ST_CHECK(ifd_object_destroy_user(ctx, parent->obj.id) == -EBUSY))
		return -EINVAL;
	if (!ST_CHECK(refcount_read(&parent->obj.users) == 2))
		return -EINVAL;
	if (!ST_CHECK(refcount_read(&parent->obj.shortterm) == 1))
		return -EINVAL;
	if (!ST_CHECK(ifd_object_destroy_user(ctx, child->obj.id) == 0))
		return -EINVAL;
	if (!ST_CHECK(ifd_object_destroy_user(ctx, parent->obj.id) == 0))
		return -EINVAL;
	return 0;
}

struct ifd_st_inflight {
	struct ifd_st_obj *st;
	struct ifd_object *ref;
};

static int ifd_st_inflight_fn(void *data)
{
	struct ifd_st_inflight *in = data;

	msleep(100);
	WRITE_ONCE(in->st->inflight_done, true);
	ifd_object_put(in->ref);
	return 0;
}

/*
 * Kernel removal waits for an operation in flight, then tears down exactly
 * once; the tombstone keeps the ID out of use and answers ENOENT.
 */
static int ifd_st_kernel_destroy_tombstone(struct ifd_ctx *ctx)
{
	struct ifd_st_inflight in;
	struct task_struct *task;
	struct ifd_st_obj *st;
	bool saw_done = false;
	u32 id;
	int i;

	st = ifd_st_publish(ctx);
	if (!ST_CHECK(st))
		return -EINVAL;
	id = st->obj.id;
	in.st = st;
	in.ref = ifd_object_get(ctx, id, IFD_OBJ_SELFTEST);
	if (!ST_CHECK(!IS_ERR(in.ref)))
		return -EINVAL;
	task = kthread_run(ifd_st_inflight_fn, &in, "ifd2-selftest");
	if (IS_ERR(task)) {
		ifd_object_put(in.ref);
		if (!ST_CHECK(!IS_ERR(task)))
			return -EINVAL;
	}
	/* Keep the task around so it can be reaped after it finished. */
	get_task_struct(task);

	ifd_st_destroyed_flag = &saw_done;
	if (!ST_CHECK(ifd_object_destroy_kernel(ctx, &st->obj, true)))
		return -EINVAL;
	ifd_st_destroyed_flag = NULL;
	kthread_stop(task);
	put_task_struct(task);
	if (!ST_CHECK(saw_done))
		return -EINVAL;

	if (!ST_CHECK(xa_is_value(xa_load(&ctx->objects, id))))
		return -EINVAL;
	if (!ST_CHECK(ifd_st_lookup_fails(ctx, id, IFD_OBJ_ANY)))
		return -EINVAL;
	if (!ST_CHECK(ifd_object_destroy_user(ctx, id) == -ENOENT))
		return -EINVAL;
	for (i = 0; i < 64; i++) {
		st = ifd_st_publish(ctx);
		if (!ST_CHECK(st && st->obj.id != id))
			return -EINVAL;
	}
	return 0;
}

struct ifd_st_remover {
	struct ifd_ctx *ctx;
	struct ifd_st_obj *st;
	bool removed;
};

static int ifd_st_remover_fn(void *data)
{
	struct ifd_st_remover *r = data;

	r->removed = ifd_object_destroy_kernel(r->ctx, &r->st->obj, true);
	return 0;
}

/*
 * The removal claim: a remover that cannot claim changes nothing, the last
 * kernel holder's reap claims, and a claimed object refuses new long-term
 * references while its remover waits for the operations in flight.
 */
static int ifd_st_claim_rule(struct ifd_ctx *ctx)
{
	struct ifd_st_remover r = { .ctx = ctx };
	struct task_struct *task;
	struct ifd_object *ref;
	struct ifd_st_obj *st;
	bool ok;
	u32 id;
	int i;

	st = ifd_st_publish(ctx);
	if (!ST_CHECK(st && ifd_object_tryhold(&st->obj)))
		return -EINVAL;
	id = st->obj.id;
	if (!ST_CHECK(ifd_object_destroy_user(ctx, id) == -EBUSY))
		return -EINVAL;
	if (!ST_CHECK(!ifd_object_destroy_kernel(ctx, &st->obj, false)))
		return -EINVAL;
	/* Refused claims leave both counts exactly as they were. */
	if (!ST_CHECK(refcount_read(&st->obj.users) == 2 &&
		      refcount_read(&st->obj.shortterm) == 1))
		return -EINVAL;
	if (!ST_CHECK(ifd_object_reap(ctx, &st->obj)))
		return -EINVAL;
	if (!ST_CHECK(!xa_load(&ctx->objects, id)))
		return -EINVAL;

	st = ifd_st_publish(ctx);
	if (!ST_CHECK(st))
		return -EINVAL;
	id = st->obj.id;
	ref = ifd_object_get(ctx, id, IFD_OBJ_SELFTEST);
	if (!ST_CHECK(!IS_ERR(ref)))
		return -EINVAL;
	r.st = st;
	task = kthread_run(ifd_st_remover_fn, &r, "ifd2-selftest");
	if (IS_ERR(task)) {
		ifd_object_put(ref);
		if (!ST_CHECK(!IS_ERR(task)))
			return -EINVAL;
	}
	get_task_struct(task);
	/* The remover claims, tombstones, then waits for our reference. */
	for (i = 0; i < 1000 && !xa_is_value(xa_load(&ctx->objects, id)); i++)
		usleep_range(1000, 2000);
	/* Checked before letting the remover go on, whatever the result. */
	ok = ST_CHECK(xa_is_value(xa_load(&ctx->objects, id)));
	ok &= ST_CHECK(!ifd_object_tryhold(&st->obj));
	ok &= ST_CHECK(ifd_object_hold_published(ctx, &st->obj) == -ENOENT);
	ok &= ST_CHECK(ifd_object_destroy_user(ctx, id) == -ENOENT);
	ifd_object_put(ref);
	kthread_stop(task);
	put_task_struct(task);
	ok &= ST_CHECK(r.removed);
	return ok ? 0 : -EINVAL;
}

/* Closing a context tears children down before parents, tombstones too. */
static int ifd_st_release_order(struct ifd_ctx *ctx)
{
	struct ifd_st_obj *chain[4], *doomed;
	struct ifd_object *got;
	unsigned int log_len = 0;
	u32 ids[4], log[8];
	int i;

	/*
	 * chain[i] depends on chain[i - 1]: the leaf has the highest ID, so
	 * a single pass in ID order could not release them all.
	 */
	for (i = 0; i < 4; i++) {
		chain[i] = ifd_st_publish(ctx);
		if (!ST_CHECK(chain[i]))
			return -EINVAL;
		chain[i]->log = log;
		chain[i]->log_len = &log_len;
		ids[i] = chain[i]->obj.id;
		if (!i)
			continue;
		got = ifd_object_get(ctx, ids[i - 1], IFD_OBJ_ANY);
		if (!ST_CHECK(!IS_ERR(got)))
			return -EINVAL;
		if (!ST_CHECK(ifd_object_tryhold(got)))
			return -EINVAL;
		chain[i]->parent = got;
		ifd_object_put(got);
	}
	doomed = ifd_st_publish(ctx);
	if (!ST_CHECK(doomed))
		return -EINVAL;
	if (!ST_CHECK(ifd_object_destroy_kernel(ctx, &doomed->obj, true)))
		return -EINVAL;

	ifd_objects_release_all(ctx);
	if (!ST_CHECK(log_len == 4))
		return -EINVAL;
	for (i = 0; i < 4; i++)
		if (!ST_CHECK(log[i] == ids[3 - i]))
			return -EINVAL;
	ifd_objects_init(ctx);
	return 0;
}

static const struct {
	const char *name;
	int (*fn)(struct ifd_ctx *ctx);
} ifd_st_cases[] = {
	{ "reserve_publish_abort", ifd_st_reserve_publish_abort },
	{ "user_destroy", ifd_st_user_destroy },
	{ "kernel_destroy_tombstone", ifd_st_kernel_destroy_tombstone },
	{ "claim_rule", ifd_st_claim_rule },
	{ "release_order", ifd_st_release_order },
};

/**
 * ifd_selftest_run() - run every self-test case, each on a fresh context
 *
 * Return: 0 if all passed, -EINVAL otherwise.
 */
int ifd_selftest_run(void)
{
	unsigned int i, failed = 0;

	pr_info("selftest: KTAP version 1\n");
	pr_info("selftest: 1..%zu\n", ARRAY_SIZE(ifd_st_cases));
	for (i = 0; i < ARRAY_SIZE(ifd_st_cases); i++) {
		struct ifd_ctx *ctx = ifd_ctx_alloc();
		int rc = ctx ? ifd_st_cases[i].fn(ctx) : -ENOMEM;

		if (ctx)
			ifd_ctx_free(ctx);
		pr_info("selftest: %sok %u %s\n", rc ? "not " : "", i + 1,
			ifd_st_cases[i].name);
		failed += !!rc;
	}
	return failed ? -EINVAL : 0;
}
