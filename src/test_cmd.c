// SPDX-License-Identifier: GPL-2.0
/*
 * IOMMU_TEST_CMD: the test command upstream's selftests drive.  iommufd2
 * owns the ioctl slot and its structure rules; what each operation does is
 * up to the test provider, a module that registers itself here (the mock
 * IOMMU, tests/mock).  Without a provider the command does not exist:
 * ENOTTY, as on a kernel without CONFIG_IOMMUFD_TEST.
 *
 * Locking: ifd_test_lock protects ifd_test_provider.  A command pins the
 * provider's module for its duration, so unregistering (from the module's
 * exit) never races a running command.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/uaccess.h>

#include "iommufd2/kapi.h"
#include "iommufd2/ucmd.h"
#include "iommufd2/iommufd_test.h"

static DEFINE_MUTEX(ifd_test_lock);
static const struct iommufd2_test_provider *ifd_test_provider;

/**
 * iommufd2_test_provider_register() - serve IOMMU_TEST_CMD
 * @provider: the operations; stays registered until unregistered
 *
 * Return: 0, or -EBUSY if another provider is registered.
 */
int iommufd2_test_provider_register(const struct iommufd2_test_provider *provider)
{
	int rc = 0;

	mutex_lock(&ifd_test_lock);
	if (ifd_test_provider)
		rc = -EBUSY;
	else
		ifd_test_provider = provider;
	mutex_unlock(&ifd_test_lock);
	return rc;
}
EXPORT_SYMBOL_NS_GPL(iommufd2_test_provider_register, "IOMMUFD2");

/**
 * iommufd2_test_provider_unregister() - stop serving IOMMU_TEST_CMD
 * @provider: what iommufd2_test_provider_register() was given
 */
void iommufd2_test_provider_unregister(const struct iommufd2_test_provider *provider)
{
	mutex_lock(&ifd_test_lock);
	if (ifd_test_provider == provider)
		ifd_test_provider = NULL;
	mutex_unlock(&ifd_test_lock);
}
EXPORT_SYMBOL_NS_GPL(iommufd2_test_provider_unregister, "IOMMUFD2");

/**
 * iommufd2_test_respond() - copy a test command's results to its caller
 * @call: the command
 *
 * Return: 0 or -EFAULT.
 */
int iommufd2_test_respond(struct iommufd2_test_call *call)
{
	struct ifd_ucmd *ucmd = call->ucmd;

	return ifd_ucmd_respond(ucmd, sizeof(struct iommu_test_cmd));
}
EXPORT_SYMBOL_NS_GPL(iommufd2_test_respond, "IOMMUFD2");

int ifd_cmd_test(struct ifd_ucmd *ucmd)
{
	const struct iommufd2_test_provider *provider;
	struct iommufd2_test_call call = {
		.ctx = ucmd->ctx,
		.cmd = ucmd->cmd,
		.ucmd = ucmd,
	};
	int rc;

	mutex_lock(&ifd_test_lock);
	provider = ifd_test_provider;
	if (provider && !try_module_get(provider->owner))
		provider = NULL;
	mutex_unlock(&ifd_test_lock);
	if (!provider)
		return -ENOTTY;
	if (call.cmd->__reserved)
		rc = -EOPNOTSUPP;
	else
		rc = provider->run(&call);
	module_put(provider->owner);
	return rc;
}
