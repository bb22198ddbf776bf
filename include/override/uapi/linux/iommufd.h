/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * Every iommufd2 build puts include/override first on the include path
 * (Kbuild), so this file stands in for the kernel's own
 * include/uapi/linux/iommufd.h, which the kernel's linux/iommu.h includes.
 * Our code and the kernel's headers then see one ABI, the one iommufd2
 * serves: a superset of every supported kernel's, and binary identical to
 * it wherever both define a name (src/abi_check.c proves that against the
 * kernel's copy of the header).
 */
#include <iommufd2/iommufd.h>
