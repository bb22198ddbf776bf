// SPDX-License-Identifier: GPL-2.0
/*
 * Built only when the kernel's source is available (IFD_IOMMU_PRIV_DIR):
 * the kernel's own iommu-priv.h and our prototypes in compat.h in one unit,
 * so any signature drift is a "conflicting types" build error.
 */
#include "iommu-priv.h"
#include "iommufd2/compat.h"
