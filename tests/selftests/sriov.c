// SPDX-License-Identifier: GPL-2.0
/*
 * SR-IOV through iommufd2_pci: the VF token a PF's user sets and its VFs'
 * users must present, under races and without privilege.  Needs the igb
 * (82576, SR-IOV capable) the bench machines carry; iommufd2_pci's
 * enable_sriov is turned on for the test and restored after.
 */
#include <pthread.h>
#include <grp.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "ifd2_dev.h"

#define IGB_ID "0x8086 0x10c9"
#define SRIOV_PARAM "/sys/module/iommufd2_pci/parameters/enable_sriov"

struct vf_token {
	struct vfio_device_feature hdr;
	__u8 uuid[16];
};

static int set_token(int pffd, __u8 fill)
{
	struct vf_token t = {
		.hdr = { .argsz = sizeof(t),
			 .flags = VFIO_DEVICE_FEATURE_SET |
				  VFIO_DEVICE_FEATURE_PCI_VF_TOKEN },
	};

	memset(t.uuid, fill, sizeof(t.uuid));
	return ifd2_ioctl(pffd, VFIO_DEVICE_FEATURE, &t);
}

/* Bind @devfd to @iommufd with the token filled with @fill (0: none). */
static int bind_token(int devfd, int iommufd, __u8 fill)
{
	__u8 uuid[16];
	struct vfio_device_bind_iommufd bind = {
		.argsz = sizeof(bind),
		.iommufd = iommufd,
	};

	memset(uuid, fill, sizeof(uuid));
	if (fill) {
		bind.flags = VFIO_DEVICE_BIND_FLAG_TOKEN;
		bind.token_uuid_ptr = (uintptr_t)uuid;
	}
	return ifd2_ioctl(devfd, VFIO_DEVICE_BIND_IOMMUFD, &bind);
}

FIXTURE(sriov) {
	char pf[32], vf[32], param[8];
	int iommufd, pffd;
};

FIXTURE_SETUP(sriov)
{
	char path[300], link[300], *name;
	ssize_t n;

	self->iommufd = self->pffd = -1;
	self->param[0] = 0;
	if (ifd2_find_pci(IGB_ID, self->pf, sizeof(self->pf)))
		SKIP(return, "no igb on this machine");
	ASSERT_EQ(0, ifd2_pci_bind_driver(self->pf));
	if (ifd2_read_file(SRIOV_PARAM, self->param, sizeof(self->param)))
		SKIP(return, "iommufd2_pci has no enable_sriov");
	ASSERT_EQ(0, ifd2_write_file(SRIOV_PARAM, "1"));
	snprintf(path, sizeof(path), IFD2_SYSFS_PCI "/%s/sriov_numvfs",
		 self->pf);
	if (ifd2_write_file(path, "1"))
		SKIP(return, "the PF creates no VF");
	snprintf(path, sizeof(path), IFD2_SYSFS_PCI "/%s/virtfn0", self->pf);
	n = readlink(path, link, sizeof(link) - 1);
	ASSERT_LT(0, n);
	link[n] = 0;
	name = strrchr(link, '/');
	name = name ? name + 1 : link;
	ASSERT_GT(sizeof(self->vf), strlen(name));
	strcpy(self->vf, name);
	ASSERT_EQ(0, ifd2_pci_bind_driver(self->vf));

	self->iommufd = ifd2_open();
	ASSERT_LE(0, self->iommufd);
	self->pffd = ifd2_pci_open(self->pf);
	ASSERT_LE(0, self->pffd);
	ASSERT_EQ(0, bind_token(self->pffd, self->iommufd, 0));
}

FIXTURE_TEARDOWN(sriov)
{
	char path[300];

	if (self->pffd >= 0)
		close(self->pffd);
	if (self->iommufd >= 0)
		close(self->iommufd);
	if (self->param[0]) {
		snprintf(path, sizeof(path), IFD2_SYSFS_PCI "/%s/sriov_numvfs",
			 self->pf);
		ifd2_write_file(path, "0");
		ifd2_write_file(SRIOV_PARAM, self->param);
	}
}

/*
 * A VF binds with the token the PF's user set, not with another; while it
 * is bound the PF takes a bind only with that token.
 */
TEST_F(sriov, vf_bind_needs_the_pf_token)
{
	int vffd = ifd2_pci_open(self->vf), pffd;

	ASSERT_LE(0, vffd);
	ASSERT_EQ(0, set_token(self->pffd, 0x11));
	EXPECT_EQ(EACCES, bind_token(vffd, self->iommufd, 0));
	EXPECT_EQ(EACCES, bind_token(vffd, self->iommufd, 0x22));
	ASSERT_EQ(0, bind_token(vffd, self->iommufd, 0x11));

	close(self->pffd);
	pffd = self->pffd = ifd2_pci_open(self->pf);
	ASSERT_LE(0, pffd);
	EXPECT_EQ(EACCES, bind_token(pffd, self->iommufd, 0));
	EXPECT_EQ(EACCES, bind_token(pffd, self->iommufd, 0x22));
	EXPECT_EQ(0, bind_token(pffd, self->iommufd, 0x11));
	close(vffd);
}

/*
 * A PF bind that carries a token but fails (its iommufd is not one)
 * leaves the token as it was: the VFs still bind with the old one.
 */
TEST_F(sriov, refused_pf_bind_keeps_the_token)
{
	int vffd = ifd2_pci_open(self->vf), other = ifd2_pci_open(self->pf);

	ASSERT_LE(0, vffd);
	ASSERT_LE(0, other);
	ASSERT_EQ(0, set_token(self->pffd, 0x11));
	EXPECT_NE(0, bind_token(other, vffd, 0x33));
	EXPECT_EQ(0, bind_token(vffd, self->iommufd, 0x11));
	close(other);
	close(vffd);
}

struct token_flipper {
	int pffd;
	volatile int stop;
	long sets, errors;
};

static void *token_flip(void *arg)
{
	struct token_flipper *f = arg;

	while (!f->stop) {
		if (set_token(f->pffd, f->sets & 1 ? 0x22 : 0x11))
			f->errors++;
		f->sets++;
	}
	return NULL;
}

/*
 * Each round opens, binds and closes the VF: under KASAN and lockdep in
 * TCG that is far slower than the harness's default 30 s allows.
 */
#define RACE_ROUNDS	500
#define RACE_TIMEOUT	600

/*
 * VF binds and unbinds racing the PF's user changing the token: each bind
 * is 0 or EACCES, every set succeeds, and when the race is over no VF
 * binding is left counted (a fresh PF bind needs no token).
 */
TEST_F_TIMEOUT(sriov, vf_binds_race_token_changes, RACE_TIMEOUT)
{
	struct token_flipper f = { .pffd = self->pffd };
	long ok = 0, refused = 0, other = 0;
	pthread_t thread;
	int i, vffd, rc;

	ASSERT_EQ(0, pthread_create(&thread, NULL, token_flip, &f));
	for (i = 0; i < RACE_ROUNDS; i++) {
		vffd = ifd2_pci_open(self->vf);
		ASSERT_LE(0, vffd);
		rc = bind_token(vffd, self->iommufd, 0x11);
		if (!rc)
			ok++;
		else if (rc == EACCES)
			refused++;
		else
			other++;
		close(vffd);
	}
	f.stop = 1;
	pthread_join(thread, NULL);
	TH_LOG("%ld binds, %ld refused, %ld token sets", ok, refused, f.sets);
	EXPECT_EQ(0, other);
	EXPECT_EQ(0, f.errors);

	close(self->pffd);
	self->pffd = ifd2_pci_open(self->pf);
	ASSERT_LE(0, self->pffd);
	EXPECT_EQ(0, bind_token(self->pffd, self->iommufd, 0));
}

/*
 * The token is the right of whoever holds the PF's bound file, as with
 * vfio-pci: a process without privilege that was handed the files sets
 * it and binds the VF with it, but cannot open the device nodes itself.
 */
TEST_F(sriov, unprivileged_holder_of_the_files)
{
	int vffd = ifd2_pci_open(self->vf), status;
	pid_t pid;

	ASSERT_LE(0, vffd);
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		if (setgroups(0, NULL) || setresgid(65534, 65534, 65534) ||
		    setresuid(65534, 65534, 65534))
			_exit(10);
		if (ifd2_pci_open(self->vf) >= 0 || errno != EACCES)
			_exit(11);
		if (set_token(self->pffd, 0x44))
			_exit(12);
		if (bind_token(vffd, self->iommufd, 0x11) != EACCES)
			_exit(13);
		if (bind_token(vffd, self->iommufd, 0x44))
			_exit(14);
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
	close(vffd);
}

TEST_HARNESS_MAIN
