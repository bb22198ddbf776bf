// SPDX-License-Identifier: GPL-2.0
/*
 * Compile-time proof that uapi/iommufd2/iommufd_test.h, our statement of
 * the test command's ABI (the mock IOMMU's), and drivers/iommu/iommufd/
 * iommufd_test.h of the newest upstream kernel source the bench has
 * (IFD_NEWEST_SRC) define the same names, identically; the method is
 * src/abi_check.c's.  Older kernels' test ABI differs (6.12's mock has
 * flags and fields 7.x dropped), so the mock serves only the newest one.
 */
#include <linux/build_bug.h>
#include <linux/stddef.h>
#include <uapi/linux/iommufd.h>
#include "iommufd/iommufd_test.h"

#define IFD2ABI_IOMMUFD_TYPE		IOMMUFD_TYPE
#define IFD2ABI_IOMMUFD_CMD_BASE	IOMMUFD_CMD_BASE
#include "abi_ours.h"
#include "abi_asserts.h"
