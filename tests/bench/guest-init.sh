#!/bin/busybox sh
# SPDX-License-Identifier: GPL-2.0
#
# /init of the bench's guest.  Loads iommufd2 (with its in-kernel
# self-test), runs the demo or every suite, unloads the module and powers
# off.  Program output goes to ttyS1, framed for the host's parser:
#   ### suite NAME
#   ...TAP...
#   ### end NAME rc=N
#   ### done

/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t debugfs debugfs /sys/kernel/debug
mount -t tmpfs tmpfs /tmp
. /etc/bench.conf

out=/dev/ttyS1
say() { echo "$*" >$out; }
kmsg() { echo "bench: $*" >/dev/kmsg; }

# Runs one suite: NAME COMMAND...
suite() {
	name=$1
	shift
	kmsg "suite $name start"
	say "### suite $name"
	"$@" >$out 2>&1
	rc=$?
	say "### end $name rc=$rc"
	kmsg "suite $name end rc=$rc"
}

# Where the profiled bench spent its time: by function (self), then by
# function with what it calls (children), for map_bench's samples (the
# ioctls it makes; not the idle CPU).
perf_report() {
	for c in --no-children --children; do
		echo "## perf report $c"
		/usr/bin/perf report -i /tmp/perf.data --stdio $c -g none \
			--no-inline --comms map_bench --percentage relative \
			--sort sym \
			--percent-limit 0.3 2>&1 |
			awk 'NF && (!/^#/ || /^# (Samples|Event count)/)'
	done
}

kernel_selftest() {
	dmesg | sed -n -E 's/.*iommufd2: selftest: ((not )?ok .*|1\.\.[0-9]+)$/\1/p'
	[ "$loaded" = 1 ]
}

unload() {
	n=0
	echo "1..3"
	for m in iommufd2_mock iommufd2_pci iommufd2; do
		n=$((n + 1))
		# A test process a harness killed may still be closing its
		# files (it holds the modules until it has): a few seconds.
		tries=0
		until rmmod $m 2>/dev/null || [ $tries -ge 10 ]; do
			tries=$((tries + 1))
			sleep 1
		done
		if [ ! -d /sys/module/$m ]; then
			echo "ok $n $m unloads once every file is closed"
		else
			echo "not ok $n $m unloads once every file is closed"
		fi
	done
}

# Upstream's selftests open /dev/iommu: make it our node (over upstream's
# own, on a kernel that has one).  They also map hugetlbfs pages (up to
# 128 MiB at a time).
upstream_dev() {
	echo 128 >/proc/sys/vm/nr_hugepages
	[ -L /dev/iommu ] && return
	if [ -e /dev/iommu ]; then
		mount --bind /dev/iommufd2 /dev/iommu
	else
		ln -s /dev/iommufd2 /dev/iommu
	fi
}

# Upstream's VFIO selftests, unmodified: iommufd2_pci reloaded with VFIO's
# names (alias_vfio: driver vfio-pci, vfio-dev nodes) so they find the igb
# and its VFs where they look, with SR-IOV enabled, and /dev/iommu made
# ours.  Each program runs in iommufd mode on the igb;
# the module is loaded as before afterwards.
# The igb's address, empty without one.
igb_bdf() {
	for d in /sys/bus/pci/devices/*; do
		if [ "$(cat $d/vendor) $(cat $d/device)" = "0x8086 0x10c9" ]; then
			echo "${d##*/}"
			return
		fi
	done
}

# Shared anonymous memory in huge pages (always) or small (never).  The
# VFIO selftests map and pin a 1 GiB shared buffer in every case; in
# 4 KiB pages that alone costs seconds under TCG, and init_remove's ten
# rounds come near the harness's 30-second limit per case on a loaded
# host, for upstream's vfio-pci as for ours.  Both sides run them with
# huge pages; our own suites keep the default.
shmem_thp() {
	f=/sys/kernel/mm/transparent_hugepage/shmem_enabled
	[ -w $f ] && echo $1 >$f
}

# Upstream's VFIO selftests against the kernel's own vfio-pci and iommufd
# (ref kernel, built in there): the baseline of the vfio suites.
vfio_baseline() {
	bdf=$(igb_bdf)
	[ -n "$bdf" ] && [ -d /sys/bus/pci/drivers/vfio-pci ] ||
		{ kmsg "no igb or no vfio-pci: VFIO baseline not run"; return; }
	[ -e /sys/bus/pci/devices/$bdf/driver ] &&
		echo $bdf >/sys/bus/pci/devices/$bdf/driver/unbind
	echo vfio-pci >/sys/bus/pci/devices/$bdf/driver_override
	echo $bdf >/sys/bus/pci/drivers_probe
	echo 1 >/sys/module/vfio_pci/parameters/enable_sriov 2>/dev/null
	shmem_thp always
	for t in /vfio/*; do
		[ -x "$t" ] && suite "baseline-${t##*/}" "$t" $bdf
	done
	shmem_thp never
	echo $bdf >/sys/bus/pci/drivers/vfio-pci/unbind
	echo >/sys/bus/pci/devices/$bdf/driver_override
}

vfio_suites() {
	bdf=$(igb_bdf)
	[ -n "$bdf" ] || { kmsg "no igb: vfio suites not run"; return; }
	rmmod iommufd2_pci
	insmod /lib/modules/iommufd2_pci.ko alias_vfio=1 enable_sriov=1 ||
		{ kmsg "cannot load iommufd2_pci alias_vfio=1"; return; }
	echo vfio-pci >/sys/bus/pci/devices/$bdf/driver_override
	echo $bdf >/sys/bus/pci/drivers_probe
	upstream_dev
	shmem_thp always
	for t in /vfio/*; do
		[ -x "$t" ] && suite "upstream-${t##*/}" "$t" $bdf
	done
	shmem_thp never
	echo $bdf >/sys/bus/pci/drivers/vfio-pci/unbind
	rmmod iommufd2_pci
	insmod /lib/modules/iommufd2_pci.ko || kmsg "cannot load iommufd2_pci"
}

for m in $(cat /etc/modules 2>/dev/null); do
	insmod /lib/modules/$m.ko || kmsg "cannot load $m"
done
loaded=0
insmod /lib/modules/iommufd2.ko selftest=1 $MODULE_ARGS && loaded=1
insmod /lib/modules/iommufd2_pci.ko || kmsg "cannot load iommufd2_pci"
insmod /lib/modules/iommufd2_mock.ko || kmsg "cannot load iommufd2_mock"

# kmemleak (debug kernels): scan after everything is unloaded; reports go
# to the console, where the host's splat filter sees them.
kmemleak() {
	echo "1..1"
	f=/sys/kernel/debug/kmemleak
	echo scan >$f
	sleep 2
	echo scan >$f
	cat $f >/dev/kmsg
	if [ -s $f ]; then
		echo "not ok 1 no leaked objects"
	else
		echo "ok 1 no leaked objects"
	fi
}

case $MODE in
demo)
	suite demo /bin/demo
	;;
bench)
	# The physical-limit reference takes the edu device: bench only.
	insmod /lib/modules/iommufd2_limit.ko || kmsg "cannot load iommufd2_limit"
	if [ -n "$PERF" ] && [ -x /usr/bin/perf ]; then
		# Sampled on the clock (no PMU under TCG), kernel call
		# chains; the report follows the bench's own output.
		suite bench /usr/bin/perf record -q -e cpu-clock -F 2000 -a -g \
			-o /tmp/perf.data -- /bin/map_bench $BENCH_ARGS
		suite perf-report perf_report
	else
		suite bench /bin/map_bench $BENCH_ARGS
	fi
	rmmod iommufd2_limit
	;;
check)
	case " $SUITES " in
	*" ours "*)
		suite kernel-selftest kernel_selftest
		for t in /tests/*; do
			# IOMMUFD2_TESTS on the host narrows "ours" to a few.
			case " ${TESTS:-${t##*/}} " in
			*" ${t##*/} "*) ;;
			*) continue ;;
			esac
			[ -x "$t" ] && suite "${t##*/}" "$t"
		done
		;;
	esac
	# Upstream's selftests against the kernel's own iommufd (ref kernel):
	# the baseline iommufd2 is held to.
	case " $SUITES " in
	*" baseline "*)
		echo 128 >/proc/sys/vm/nr_hugepages
		for t in /upstream/*; do
			[ -x "$t" ] && suite "baseline-${t##*/}" "$t"
		done
		vfio_baseline
		;;
	esac
	# The same sequences against upstream (/dev/iommu, vfio-pci) and
	# iommufd2, each with its own iommu-testdev (ref kernel).
	case " $SUITES " in
	*" differential "*)
		for t in /differential/*; do
			[ -x "$t" ] && suite "${t##*/}" "$t"
		done
		;;
	esac
	case " $SUITES " in
	*" upstream "*)
		upstream_dev
		for t in /upstream/*; do
			[ -x "$t" ] || continue
			# IOMMUFD2_UPSTREAM_TESTS on the host: only these cases
			# of upstream's iommufd (the harness's -t names).
			if [ -z "$UPSTREAM_TESTS" ]; then
				suite "upstream-${t##*/}" "$t"
			elif [ "${t##*/}" = iommufd ]; then
				suite upstream-iommufd "$t" $(for c in \
					$UPSTREAM_TESTS; do printf ' -t %s' "$c"; done)
			fi
		done
		# An older kernel's own selftests (suite upstream-6.12-...).
		for t in /upstream-own/*; do
			[ -x "$t" ] && suite "upstream-$SERIES-${t##*/}" "$t"
		done
		;;
	esac
	case " $SUITES " in
	*" vfio "*) vfio_suites ;;
	esac
	suite unload unload
	[ -e /sys/kernel/debug/kmemleak ] && suite kmemleak kmemleak
	;;
shell)
	echo "iommufd2 bench guest ($MACHINE); 'poweroff -f' to leave"
	setsid cttyhack sh
	;;
esac
say "### done"
sync
poweroff -f
