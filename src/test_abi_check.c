// SPDX-License-Identifier: GPL-2.0
/*
 * Compile-time proof that uapi/iommufd2/iommufd_test.h, our statement of
 * the test command's ABI, matches upstream's drivers/iommu/iommufd/
 * iommufd_test.h of the target kernel (built only when the bench supplies
 * that source; see Kbuild).  The method is src/abi_check.c's.
 */
#include <linux/build_bug.h>
#include <linux/stddef.h>
#include <uapi/linux/iommufd.h>
#include "iommufd/iommufd_test.h"

#define IFD2ABI_IOMMUFD_TYPE		IOMMUFD_TYPE
#define IFD2ABI_IOMMUFD_CMD_BASE	IOMMUFD_CMD_BASE
#include "abi_ours.h"
#include "abi_asserts.h"
