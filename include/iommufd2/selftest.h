/* SPDX-License-Identifier: GPL-2.0 */
/*
 * In-kernel self-test of the object table (module parameter selftest=1).
 */
#ifndef IOMMUFD2_SELFTEST_H
#define IOMMUFD2_SELFTEST_H

int ifd_selftest_run(void);

#endif /* IOMMUFD2_SELFTEST_H */
