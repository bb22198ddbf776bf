// SPDX-License-Identifier: GPL-2.0
/*
 * Introspection: iommufd2ctl's view matches what a test built (types,
 * links, counts, tombstones), monitor reports events in order, other
 * processes' contexts need CAP_SYS_ADMIN, malformed requests get clean
 * errors, and dumps racing object churn stay whole.
 */
#include <pthread.h>
#include <sys/wait.h>

#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/netlink.h>

#include "kselftest_harness.h"
#include "ifd2_mock.h"
#include "iommufd2/iommufd2_nl.h"
#include "iommufd2/iommufd_test.h"

#define TOOL "/bin/iommufd2ctl"

/* Runs the tool, returns its stdout (caller frees) and exit status. */
static char *run_tool(const char *args, int *status)
{
	char cmd[256], *out = NULL;
	size_t len = 0;
	FILE *f;

	snprintf(cmd, sizeof(cmd), TOOL " %s 2>&1", args);
	f = popen(cmd, "r");
	if (!f)
		return NULL;
	out = calloc(1, 1 << 20);
	len = fread(out, 1, (1 << 20) - 1, f);
	out[len] = 0;
	*status = pclose(f);
	return out;
}

static bool has(const char *out, const char *fmt, ...)
{
	char want[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(want, sizeof(want), fmt, ap);
	va_end(ap);
	return out && strstr(out, want);
}

/* @links is what the JSON object of @type @id lists as its links. */
static bool links_are(const char *out, __u32 id, const char *type,
		      const char *links)
{
	char want[64];
	const char *p;

	snprintf(want, sizeof(want), "\"id\":%u,\"type\":\"%s\"", id, type);
	p = out ? strstr(out, want) : NULL;
	p = p ? strstr(p, "\"links\":") : NULL;
	return p && !strncmp(p + strlen("\"links\":"), links, strlen(links));
}

TEST(show_matches_objects)
{
	struct mock_dev_create c = {};
	struct mock_bind b = {};
	struct mock_attach a = {};
	struct iommu_hwpt_alloc h = { .size = sizeof(h) };
	struct iommu_viommu_alloc v = { .size = sizeof(v),
					.type = MOCK_VIOMMU_TYPE_SELFTEST };
	struct iommu_vdevice_alloc vd = { .size = sizeof(vd), .virt_id = 9 };
	struct iommu_veventq_alloc eq = {
		.size = sizeof(eq),
		.type = IOMMU_VEVENTQ_TYPE_SELFTEST,
		.veventq_depth = 2,
	};
	struct iommu_hw_queue_alloc hq = {
		.size = sizeof(hq),
		.type = IOMMU_HW_QUEUE_TYPE_SELFTEST,
		.length = getpagesize(),
	};
	int fd = ifd2_open(), mfd = open(MOCK_DEV, O_RDWR), st;
	__u64 queue_iova = 0x400000;
	__u32 ioas, ioas2, *queue = ifd2_pages(1);
	char args[64], to_viommu[64], *out;

	if (mfd < 0)
		SKIP(return, "no mock IOMMU");
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, ifd2_ioas_alloc(fd, &ioas));
	ASSERT_EQ(0, ifd2_ioas_alloc(fd, &ioas2));
	ASSERT_EQ(0, ifd2_ioctl(mfd, MOCK_DEV_CREATE, &c));
	b.index = c.out_index;
	b.iommufd = fd;
	ASSERT_EQ(0, ifd2_ioctl(mfd, MOCK_BIND, &b));
	h.dev_id = b.out_dev_id;
	h.pt_id = ioas;
	h.flags = IOMMU_HWPT_ALLOC_NEST_PARENT;
	ASSERT_EQ(0, ifd2_ioctl(fd, IOMMU_HWPT_ALLOC, &h));
	a.index = c.out_index;
	a.pt_id = h.out_hwpt_id;
	ASSERT_EQ(0, ifd2_ioctl(mfd, MOCK_ATTACH, &a));
	v.dev_id = b.out_dev_id;
	v.hwpt_id = h.out_hwpt_id;
	ASSERT_EQ(0, ifd2_ioctl(fd, IOMMU_VIOMMU_ALLOC, &v));
	vd.viommu_id = v.out_viommu_id;
	vd.dev_id = b.out_dev_id;
	ASSERT_EQ(0, ifd2_ioctl(fd, IOMMU_VDEVICE_ALLOC, &vd));
	eq.viommu_id = v.out_viommu_id;
	ASSERT_EQ(0, ifd2_ioctl(fd, IOMMU_VEVENTQ_ALLOC, &eq));
	ASSERT_NE(NULL, queue);
	ASSERT_EQ(0, ifd2_map(fd, ioas, queue, getpagesize(), &queue_iova,
			      IFD2_FIXED));
	hq.viommu_id = v.out_viommu_id;
	hq.nesting_parent_iova = queue_iova;
	ASSERT_EQ(0, ifd2_ioctl(fd, IOMMU_HW_QUEUE_ALLOC, &hq));

	snprintf(args, sizeof(args), "--json --pid %d show", getpid());
	out = run_tool(args, &st);
	ASSERT_EQ(0, st);
	EXPECT_TRUE(has(out, "\"pid\":%d", getpid()));
	EXPECT_TRUE(has(out, "\"id\":%u,\"type\":\"ioas\",\"state\":\"live\","
			"\"users\":2", ioas));	/* ID + the HWPT */
	EXPECT_TRUE(has(out, "\"id\":%u,\"type\":\"ioas\",\"state\":\"live\","
			"\"users\":1", ioas2));
	EXPECT_TRUE(has(out, "\"id\":%u,\"type\":\"hwpt_paging\"",
			h.out_hwpt_id));
	EXPECT_TRUE(has(out, "{\"kind\":\"ioas\",\"id\":%u}", ioas));
	EXPECT_TRUE(has(out, "{\"kind\":\"attached\",\"id\":%u,\"pasid\":0}",
			h.out_hwpt_id));
	EXPECT_TRUE(has(out, "{\"kind\":\"hwpt\",\"id\":%u}", h.out_hwpt_id));
	EXPECT_TRUE(has(out, "{\"kind\":\"viommu\",\"id\":%u},"
			"{\"kind\":\"device\",\"id\":%u}", v.out_viommu_id,
			b.out_dev_id));
	EXPECT_TRUE(has(out, "\"name\":\"iommufd2-mock-dev.%u\"",
			c.out_index));
	/* Event and HW queues show, each pointing at its vIOMMU. */
	snprintf(to_viommu, sizeof(to_viommu),
		 "[{\"kind\":\"viommu\",\"id\":%u}]", v.out_viommu_id);
	EXPECT_TRUE(links_are(out, eq.out_veventq_id, "veventq", to_viommu));
	EXPECT_TRUE(links_are(out, hq.out_hw_queue_id, "hw_queue", to_viommu));
	free(out);
	close(eq.out_veventq_fd);

	/* After unbind the vDevice is a tombstone, the device is gone. */
	ASSERT_EQ(0, ifd2_ioctl(mfd, MOCK_UNBIND, &c.out_index));
	out = run_tool(args, &st);
	ASSERT_EQ(0, st);
	EXPECT_TRUE(has(out, "\"id\":%u,\"type\":\"vdevice\","
			"\"state\":\"tombstone\"", vd.out_vdevice_id));
	EXPECT_FALSE(has(out, "\"type\":\"device\""));
	free(out);

	/* Text output and the other commands work too. */
	out = run_tool("stats", &st);
	EXPECT_EQ(0, st);
	EXPECT_TRUE(has(out, "tombstones "));
	free(out);
	out = run_tool("--json devices", &st);
	EXPECT_EQ(0, st);
	EXPECT_TRUE(has(out, "{\"devices\":["));
	free(out);
	out = run_tool("--help", &st);
	EXPECT_EQ(0, st);
	EXPECT_TRUE(has(out, "usage: iommufd2ctl"));
	free(out);
	close(mfd);
	close(fd);
}

TEST(monitor_reports_events_in_order)
{
	char line[256], want[4][128];
	__u32 a, b;
	FILE *f;
	int fd, i;

	f = popen(TOOL " --json monitor --count 4", "r");
	ASSERT_NE(NULL, f);
	ASSERT_NE(NULL, fgets(line, sizeof(line), f));
	ASSERT_TRUE(has(line, "\"listening\":true"));

	fd = ifd2_open();
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, ifd2_ioas_alloc(fd, &a));
	ASSERT_EQ(0, ifd2_ioas_alloc(fd, &b));
	ASSERT_EQ(0, ifd2_destroy(fd, a));
	close(fd);	/* destroys b */

	snprintf(want[0], 128, "\"event\":\"created\",\"ctx\"");
	for (i = 0; i < 4; i++) {
		ASSERT_NE(NULL, fgets(line, sizeof(line), f));
		switch (i) {
		case 0:
			EXPECT_TRUE(has(line, "\"created\""));
			EXPECT_TRUE(has(line, "\"id\":%u,\"type\":\"ioas\"", a));
			break;
		case 1:
			EXPECT_TRUE(has(line, "\"created\""));
			EXPECT_TRUE(has(line, "\"id\":%u,\"type\":\"ioas\"", b));
			break;
		case 2:
			EXPECT_TRUE(has(line, "\"destroyed\""));
			EXPECT_TRUE(has(line, "\"id\":%u,", a));
			break;
		case 3:
			EXPECT_TRUE(has(line, "\"destroyed\""));
			EXPECT_TRUE(has(line, "\"id\":%u,", b));
			break;
		}
	}
	EXPECT_EQ(0, pclose(f));
}

/*
 * Run the tool as user nobody with @args (a NULL-terminated list after
 * the command); its output goes to @out.  Returns the exit status.
 */
static int tool_as_nobody(char *out, size_t len, const char *cmd, ...)
{
	const char *argv[8] = { TOOL };
	int pipefd[2], st, i = 1;
	ssize_t n, got = 0;
	va_list ap;
	pid_t child;

	va_start(ap, cmd);
	for (argv[i] = cmd; argv[i] && i < 6; )
		argv[++i] = va_arg(ap, const char *);
	va_end(ap);
	argv[7] = NULL;
	out[0] = 0;
	if (pipe(pipefd))
		return -1;
	child = fork();
	if (child < 0)
		return -1;
	if (!child) {
		dup2(pipefd[1], 1);
		dup2(pipefd[1], 2);
		if (setgid(65534) || setuid(65534))
			_exit(3);
		execv(TOOL, (char *const *)argv);
		_exit(4);
	}
	close(pipefd[1]);
	while (got < (ssize_t)len - 1 &&
	       (n = read(pipefd[0], out + got, len - 1 - got)) > 0)
		got += n;
	out[got] = 0;
	close(pipefd[0]);
	if (waitpid(child, &st, 0) != child || !WIFEXITED(st))
		return -1;
	return WEXITSTATUS(st);
}

TEST(other_processes_need_admin)
{
	int fd = ifd2_open();
	char out[512], pid[16];

	ASSERT_LE(0, fd);
	/* An unprivileged user looking at everyone's contexts... */
	EXPECT_EQ(1, tool_as_nobody(out, sizeof(out), "show", NULL));
	EXPECT_TRUE(has(out, "Operation not permitted"));
	/* ...or at this (root's) process. */
	snprintf(pid, sizeof(pid), "%d", getpid());
	EXPECT_EQ(1, tool_as_nobody(out, sizeof(out), "--pid", pid, "show",
				    NULL));
	EXPECT_TRUE(has(out, "Operation not permitted"));
	close(fd);
}

/*
 * Every context's events (device names included) and the module-wide
 * statistics are the administrator's: an unprivileged listener cannot
 * join the event group, and its statistics request is refused.
 */
TEST(events_and_stats_need_admin)
{
	char out[512];

	EXPECT_EQ(1, tool_as_nobody(out, sizeof(out), "monitor", "--count",
				    "1", NULL));
	EXPECT_TRUE(has(out, "monitor: Operation not permitted"));
	EXPECT_FALSE(has(out, "listening"));
	EXPECT_EQ(1, tool_as_nobody(out, sizeof(out), "stats", NULL));
	EXPECT_TRUE(has(out, "stats: Operation not permitted"));
}

/* Raw requests for malformed-input checks; returns the kernel's errno. */
static int last_error;

static int on_err(struct sockaddr_nl *nla, struct nlmsgerr *err, void *arg)
{
	last_error = -err->error;
	return NL_STOP;
}

static int count_msgs(struct nl_msg *msg, void *arg)
{
	struct nlattr *tb[IOMMUFD2_A_MAX + 1];
	int *n = arg;

	/* Every object message is whole: ID, type and state present. */
	if (genlmsg_parse(nlmsg_hdr(msg), 0, tb, IOMMUFD2_A_MAX, NULL) ||
	    !tb[IOMMUFD2_A_OBJ_ID] || !tb[IOMMUFD2_A_OBJ_TYPE] ||
	    !tb[IOMMUFD2_A_OBJ_STATE])
		n[1]++;
	n[0]++;
	return NL_OK;
}

static int raw(struct nl_sock *sk, int family, int cmd, int flags,
	       void (*fill)(struct nl_msg *msg, void *arg), void *arg, int *n)
{
	struct nl_msg *msg = nlmsg_alloc();
	struct nl_cb *cb = nl_cb_alloc(NL_CB_DEFAULT);
	int rc;

	genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, family, 0, flags, cmd,
		    IOMMUFD2_GENL_VERSION);
	if (fill)
		fill(msg, arg);
	nl_cb_err(cb, NL_CB_CUSTOM, on_err, NULL);
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, count_msgs, n);
	last_error = 0;
	rc = nl_send_auto(sk, msg);
	nlmsg_free(msg);
	if (rc >= 0)
		rc = nl_recvmsgs(sk, cb);
	nl_cb_put(cb);
	return last_error ? last_error : (rc < 0 ? -1 : 0);
}

static void put_ctx_u32(struct nl_msg *msg, void *arg)
{
	nla_put_u32(msg, IOMMUFD2_A_CTX_ID, *(__u32 *)arg);
}

static void put_ctx_short(struct nl_msg *msg, void *arg)
{
	nla_put_u16(msg, IOMMUFD2_A_CTX_ID, 1);
}

static void put_output_attr(struct nl_msg *msg, void *arg)
{
	nla_put_u32(msg, IOMMUFD2_A_CTX_ID, *(__u32 *)arg);
	nla_put_u32(msg, IOMMUFD2_A_OBJ_ID, 1);
}

static void put_unknown_attr(struct nl_msg *msg, void *arg)
{
	nla_put_u32(msg, IOMMUFD2_A_CTX_ID, *(__u32 *)arg);
	nla_put_u32(msg, 200, 1);
}

/* The context ID of @fd's context, found through its first object. */
static __u32 my_ctx(struct nl_sock *sk, int family)
{
	static const char key[] = "\"contexts\":[{\"id\":";
	char args[64], *out, *at;
	unsigned int id = 0;
	int st;

	snprintf(args, sizeof(args), "--json --pid %d show", getpid());
	out = run_tool(args, &st);
	at = out ? strstr(out, key) : NULL;
	if (at)
		sscanf(at + strlen(key), "%u", &id);
	free(out);
	return id;
}

FIXTURE(nl) {
	struct nl_sock *sk;
	int family, fd;
	__u32 ctx;
};

FIXTURE_SETUP(nl)
{
	__u32 ioas;

	self->fd = ifd2_open();
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, ifd2_ioas_alloc(self->fd, &ioas));
	self->sk = nl_socket_alloc();
	ASSERT_NE(NULL, self->sk);
	ASSERT_EQ(0, genl_connect(self->sk));
	self->family = genl_ctrl_resolve(self->sk, IOMMUFD2_GENL_NAME);
	ASSERT_LT(0, self->family);
	self->ctx = my_ctx(self->sk, self->family);
	ASSERT_NE(0, self->ctx);
}

FIXTURE_TEARDOWN(nl)
{
	nl_socket_free(self->sk);
	close(self->fd);
}

TEST_F(nl, malformed_requests)
{
	int n[2] = {};
	__u32 none = 0x7ffffff0;

	EXPECT_EQ(0, raw(self->sk, self->family, IOMMUFD2_CMD_OBJ_GET,
			 NLM_F_DUMP, put_ctx_u32, &self->ctx, n));
	EXPECT_EQ(1, n[0]);
	EXPECT_EQ(0, n[1]);
	/* No context named; a wrong type; an output attribute; unknown. */
	EXPECT_EQ(EINVAL, raw(self->sk, self->family, IOMMUFD2_CMD_OBJ_GET,
			      NLM_F_DUMP, NULL, NULL, n));
	EXPECT_EQ(EINVAL, raw(self->sk, self->family, IOMMUFD2_CMD_OBJ_GET,
			      NLM_F_DUMP, put_ctx_short, NULL, n));
	EXPECT_EQ(EINVAL, raw(self->sk, self->family, IOMMUFD2_CMD_OBJ_GET,
			      NLM_F_DUMP, put_output_attr, &self->ctx, n));
	EXPECT_EQ(EINVAL, raw(self->sk, self->family, IOMMUFD2_CMD_OBJ_GET,
			      NLM_F_DUMP, put_unknown_attr, &self->ctx, n));
	EXPECT_EQ(ENOENT, raw(self->sk, self->family, IOMMUFD2_CMD_OBJ_GET,
			      NLM_F_DUMP, put_ctx_u32, &none, n));
	/* Unknown commands, and events are not requests. */
	EXPECT_EQ(EOPNOTSUPP, raw(self->sk, self->family, 99, 0, NULL, NULL,
				  n));
	EXPECT_EQ(EOPNOTSUPP, raw(self->sk, self->family, IOMMUFD2_CMD_EVENT,
				  0, NULL, NULL, n));
}

struct churn {
	int fd;
	int stop;
};

static void *churn_loop(void *arg)
{
	struct churn *c = arg;
	__u32 ids[8];
	int i;

	while (!__atomic_load_n(&c->stop, __ATOMIC_ACQUIRE)) {
		for (i = 0; i < 8; i++)
			ifd2_ioas_alloc(c->fd, &ids[i]);
		for (i = 0; i < 8; i++)
			ifd2_destroy(c->fd, ids[i]);
	}
	return NULL;
}

TEST_F(nl, dumps_during_churn_stay_whole)
{
	struct churn c = { .fd = self->fd };
	int n[2] = {}, i;
	pthread_t t;

	ASSERT_EQ(0, pthread_create(&t, NULL, churn_loop, &c));
	for (i = 0; i < 300; i++)
		ASSERT_EQ(0, raw(self->sk, self->family, IOMMUFD2_CMD_OBJ_GET,
				 NLM_F_DUMP, put_ctx_u32, &self->ctx, n));
	__atomic_store_n(&c.stop, 1, __ATOMIC_RELEASE);
	pthread_join(t, NULL);
	EXPECT_LE(300, n[0]);	/* at least the fixture's IOAS each time */
	EXPECT_EQ(0, n[1]);	/* no torn entry */
}

TEST_HARNESS_MAIN
