// SPDX-License-Identifier: GPL-2.0
/*
 * MSI isolation at bind: a device whose IOMMU group cannot isolate MSIs
 * (no interrupt remapping: the virtio machine) is refused with EPERM,
 * as by VFIO and upstream iommufd, unless the administrator sets
 * iommufd2.allow_unsafe_interrupts; an unprivileged user who was given
 * the device node and /dev/iommufd2 can neither bind such a device nor
 * change the parameter.  With interrupt remapping (the VT-d machines) the
 * same bind succeeds with the parameter off.
 */
#include <sys/stat.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "ifd2_dev.h"
#include "iommufd2/iommufd2.h"

#define PARAM "/sys/module/iommufd2/parameters/allow_unsafe_interrupts"
#define NOBODY 65534

/* Interrupt remapping is on if any interrupt goes through an IR chip. */
static int have_irq_remapping(void)
{
	char line[512];
	FILE *f = fopen("/proc/interrupts", "r");
	int found = 0;

	if (!f)
		return 0;
	while (!found && fgets(line, sizeof(line), f))
		found = strstr(line, " IR-") != NULL;
	fclose(f);
	return found;
}

/* The device node iommufd2_pci made for @bdf, as a path. */
static int node_path(const char *bdf, char *out, size_t len)
{
	static const char *const dirs[][2] = {
		{ "iommufd2-dev", "iommufd2-dev" },
		{ "vfio-dev", "vfio/devices" },
	};
	char path[300];
	struct dirent *e;
	unsigned int i;
	DIR *d;

	for (i = 0; i < 2; i++) {
		snprintf(path, sizeof(path), IFD2_SYSFS_PCI "/%s/%s", bdf,
			 dirs[i][0]);
		d = opendir(path);
		if (!d)
			continue;
		while ((e = readdir(d)))
			if (e->d_name[0] != '.')
				break;
		if (e)
			snprintf(out, len, "/dev/%s/%s", dirs[i][1], e->d_name);
		closedir(d);
		if (e)
			return 0;
	}
	return -1;
}

/* As user nobody: bind @node to a new context; returns the errno. */
static int bind_as_nobody(const char *node)
{
	int status, devfd, fd, rc;
	pid_t pid = fork();

	if (pid < 0)
		return -1;
	if (!pid) {
		if (setgid(NOBODY) || setuid(NOBODY))
			_exit(250);
		/* The parameter is the administrator's alone. */
		if (open(PARAM, O_WRONLY) >= 0 || errno != EACCES)
			_exit(251);
		fd = ifd2_open();
		devfd = open(node, O_RDWR | O_CLOEXEC);
		if (fd < 0 || devfd < 0)
			_exit(252);
		rc = ifd2_dev_bind(devfd, fd, NULL);
		_exit(rc > 200 ? 253 : rc);
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

FIXTURE(msi) {
	char bdf[32], node[300], saved[8];
	mode_t node_mode, ctl_mode;
};

FIXTURE_SETUP(msi)
{
	struct stat st;

	if (ifd2_find_pci(TESTDEV_ID, self->bdf, sizeof(self->bdf)))
		SKIP(return, "no iommu-testdev");
	ASSERT_EQ(0, ifd2_pci_bind_driver(self->bdf));
	ASSERT_EQ(0, node_path(self->bdf, self->node, sizeof(self->node)));
	ASSERT_EQ(0, ifd2_read_file(PARAM, self->saved, sizeof(self->saved)));
	/* Hand both nodes to "the VMM user", as an administrator would. */
	ASSERT_EQ(0, stat(self->node, &st));
	self->node_mode = st.st_mode & 07777;
	ASSERT_EQ(0, stat(IFD2_DEV, &st));
	self->ctl_mode = st.st_mode & 07777;
	ASSERT_EQ(0, chmod(self->node, 0666));
	ASSERT_EQ(0, chmod(IFD2_DEV, 0666));
}

FIXTURE_TEARDOWN(msi)
{
	if (!self->node[0])
		return;
	chmod(self->node, self->node_mode);
	chmod(IFD2_DEV, self->ctl_mode);
	ifd2_write_file(PARAM, self->saved[0] == 'Y' ? "1" : "0");
}

TEST_F(msi, bind_needs_isolation_or_admin_consent)
{
	int ir = have_irq_remapping();
	int devfd, fd;

	ASSERT_EQ(0, ifd2_write_file(PARAM, "0"));
	EXPECT_EQ(ir ? 0 : EPERM, bind_as_nobody(self->node));

	/* The administrator's consent makes the same bind work. */
	ASSERT_EQ(0, ifd2_write_file(PARAM, "1"));
	EXPECT_EQ(0, bind_as_nobody(self->node));

	/* Refused again once withdrawn; nothing was left bound. */
	ASSERT_EQ(0, ifd2_write_file(PARAM, "0"));
	fd = ifd2_open();
	devfd = open(self->node, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, fd);
	ASSERT_LE(0, devfd);
	EXPECT_EQ(ir ? 0 : EPERM, ifd2_dev_bind(devfd, fd, NULL));
	EXPECT_EQ(ir ? 1 : 0, ifd2_counter("device"));
	close(devfd);
	close(fd);
	printf("# interrupt remapping %s\n", ir ? "on" : "off");
}

TEST_HARNESS_MAIN
