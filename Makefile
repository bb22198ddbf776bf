# SPDX-License-Identifier: GPL-2.0
#
#   make [KDIR=<kernel build dir>]   build iommufd2.ko (default: running kernel)
#   make lint                        W=1 and sparse builds, checkpatch
#   make demo                        the bench: build, dkms install, boot a VM,
#                                    show iommufd2 at work
#   make check                       the bench: the full test suite in the VM
#   make check-upstream              the bench: upstream's iommufd selftests,
#                                    unmodified, against /dev/iommufd2
#   make bench                       the bench: map benchmark in the VM
#   make check-debug                 the suite on a lockdep/KASAN kernel
#   make check-baseline              on the reference kernel: upstream's
#                                    selftests against its iommufd and ours,
#                                    and the differential run between them
#   make compare                     on the reference kernel: the map
#                                    benchmark against upstream, iommufd2
#                                    and the physical limit, as one table
#   make deb                         the Debian packages (iommufd2-dkms,
#                                    iommufd2-tools) in build/deb/
#   make clean

KDIR ?= /lib/modules/$(shell uname -r)/build
CHECKPATCH ?= $(KDIR)/scripts/checkpatch.pl
# Not a tree (no MAINTAINERS), and macro arguments we reuse only ever sit
# inside typeof()/sizeof().
CHECKPATCH_IGNORE = SPDX_LICENSE_TAG,FILE_PATH_CHANGES,MACRO_ARG_REUSE
# The compat header's op-selection macros leave one kernel's shape unused.
COMPAT_HEADER = include/iommufd2/compat.h
SOURCES = $(filter-out %.mod.c $(COMPAT_HEADER),$(wildcard src/*.c src/pci/*.[ch] \
	    include/iommufd2/*.h include/override/uapi/linux/*.h \
	    uapi/iommufd2/*.h tests/mock/*.[ch] \
	    tests/limit/*.[ch]))

all: modules

# What the kernel at KDIR provides (compile tests), for iommufd2/compat.h.
# Cheap when nothing changed: the script keeps a header made for the same
# kernel.
probes:
	sh scripts/probe.sh $(KDIR) $(CURDIR)/generated/probes.h

modules: probes
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

# Every warning is an error here: W=1 plus sparse (C=2 checks all files).
# IFD_IOMMU_PRIV_DIR=<kernel source>/drivers/iommu adds the check of our
# iommu-priv.h prototypes, IFD_NEWEST_SRC=<the newest upstream kernel
# source> the ABI checks against its headers (the bench sets
# both).
lint: probes
	$(MAKE) -C $(KDIR) M=$(CURDIR) clean
	$(MAKE) -C $(KDIR) M=$(CURDIR) W=1 C=2 \
		IFD_IOMMU_PRIV_DIR=$(IFD_IOMMU_PRIV_DIR) \
		IFD_NEWEST_SRC=$(IFD_NEWEST_SRC) modules 2>&1 | tee .lint.log
	$(MAKE) -C $(KDIR) M=$(CURDIR)/tests/mock W=1 C=2 \
		KBUILD_EXTRA_SYMBOLS=$(CURDIR)/Module.symvers modules 2>&1 | \
		tee -a .lint.log
	$(MAKE) -C $(KDIR) M=$(CURDIR)/tests/limit W=1 C=2 modules 2>&1 | \
		tee -a .lint.log
	@! grep -E "warning:|error:" .lint.log
	$(CHECKPATCH) --no-tree --strict --quiet --show-types \
		--ignore $(CHECKPATCH_IGNORE) -f $(SOURCES)
	$(CHECKPATCH) --no-tree --strict --quiet --show-types \
		--ignore $(CHECKPATCH_IGNORE),MACRO_ARG_UNUSED -f $(COMPAT_HEADER)
	@rm -f .lint.log

demo:
	tests/bench/bench.sh demo

check:
	tests/bench/bench.sh check

check-upstream:
	tests/bench/bench.sh check-upstream

check-baseline:
	tests/bench/bench.sh check-baseline

bench:
	tests/bench/bench.sh bench

compare:
	tests/bench/bench.sh compare

# The suite on a lockdep + KASAN + kmemleak kernel built from Debian's
# linux-source (first run builds it: ~15 minutes on 2 cores).
check-debug:
	tests/bench/bench.sh check-debug

# The Debian packages iommufd2-dkms and iommufd2-tools, built from a copy of
# the tree; the .debs land in build/deb/.  Needs debhelper and dh-dkms
# (Debian; the bench builds them in its root).
deb:
	rm -rf build/deb && mkdir -p build/deb/iommufd2
	tar --exclude=./build --exclude=./.git -cf - . | \
		tar -C build/deb/iommufd2 -xf -
	cd build/deb/iommufd2 && dpkg-buildpackage -b -uc -us

# The test-only mock IOMMU module, against this tree's Module.symvers.
mock: modules
	$(MAKE) -C $(KDIR) M=$(CURDIR)/tests/mock \
		KBUILD_EXTRA_SYMBOLS=$(CURDIR)/Module.symvers modules

# The benchmark's physical-limit reference (tests/limit), standalone.
limit: probes
	$(MAKE) -C $(KDIR) M=$(CURDIR)/tests/limit modules

clean:
	$(MAKE) -C $(KDIR) M=$(CURDIR) clean 2>/dev/null || true
	$(MAKE) -C $(KDIR) M=$(CURDIR)/tests/mock clean 2>/dev/null || true
	$(MAKE) -C $(KDIR) M=$(CURDIR)/tests/limit clean 2>/dev/null || true
	rm -rf generated .lint.log

.PHONY: all probes modules lint deb mock limit demo check check-upstream check-baseline check-debug bench compare clean
