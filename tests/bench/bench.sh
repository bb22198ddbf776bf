#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The iommufd2 test bench.
#
#   bench.sh demo  [--machine M]   provision, build, dkms install, boot the VM
#                                  and run the demo
#   bench.sh check [--machine M ...]
#                                  the same, then lint and the full suite on
#                                  each machine variant (default: all)
#   bench.sh check-debug [--machine M ...]
#                                  build (or reuse) a lockdep + KASAN +
#                                  kmemleak kernel and run the suite on it
#   bench.sh check-upstream [--machine M]
#                                  upstream's iommufd selftests, unmodified,
#                                  against /dev/iommufd2 (default machine vtd)
#   bench.sh check-baseline [--machine M]
#                                  on the ref kernel (built or reused):
#                                  upstream's selftests against its own
#                                  iommufd, the differential run (the same
#                                  sequences against both), then upstream's
#                                  selftests against /dev/iommufd2
#   bench.sh bench [--machine M]   run the map benchmark in the VM
#                                  (map_bench arguments: IOMMUFD2_BENCH_ARGS)
#   bench.sh compare [--machine M] the map benchmark on the ref kernel:
#                                  upstream, iommufd2 and the physical limit
#                                  interleaved, printed as one table
#   bench.sh shell [--machine M]   boot the VM to a shell on this terminal
#
# Machine variants: see machine_args in vm.sh.  Output: build/<machine>/
# (console.log, tap.log), and the closing line "N passed, M failed".

. "$(dirname "$0")/lib.sh"

mode=${1:-}
[ -n "$mode" ] && shift
machines=()
while [ $# -gt 0 ]; do
	case $1 in
	--machine) machines+=("$2"); shift 2 ;;
	*) die "unknown argument $1" ;;
	esac
done

case $mode in
demo | check | check-debug | shell | bench) ;;
check-baseline)
	export IOMMUFD2_SUITES=${IOMMUFD2_SUITES:-"baseline differential upstream"}
	export IOMMUFD2_SIDE_BY_SIDE=1
	[ ${#machines[@]} -gt 0 ] || machines=(vtd) ;;
compare)
	export IOMMUFD2_SIDE_BY_SIDE=1
	# A 1 GiB buffer beside a 1 GiB hugetlb pool; 4 KiB maps are slow
	# under TCG.
	export IOMMUFD2_VM_MEM=${IOMMUFD2_VM_MEM:-4G}
	export IOMMUFD2_VM_TIMEOUT=${IOMMUFD2_VM_TIMEOUT:-3000} ;;
check-upstream)
	export IOMMUFD2_SUITES=upstream
	[ ${#machines[@]} -gt 0 ] || machines=(vtd) ;;
*) sed -n '4,29s/^# \{0,1\}//p' "$0"; exit 2 ;;
esac

need_root_user
# One run at a time on a cache: runs share the root (each installs its
# own build of the packages there) and the machine's two cores, and
# upstream's igb driver test times the device in real time.  The lock is
# held by this shell and whatever it execs, until the run ends.
mkdir -p "$CACHE"
exec 9>>"$CACHE/run.lock"
if ! flock -n 9; then
	log "another bench run holds $CACHE/run.lock; waiting for it"
	flock 9
fi
with_cache_lock "provision-$ROOT_KEY" "$BENCH_DIR/provision.sh" || exit 1
if [ "$mode" = check-debug ]; then
	IOMMUFD2_KERNEL_DIR=$(with_cache_lock kernel-debug "$BENCH_DIR/kernel.sh" debug) || exit 1
	export IOMMUFD2_KERNEL_DIR
	# Our suites.  Upstream's harness kills a case after 30 s, which
	# KASAN under TCG makes upstream iommufd itself overrun; ask for
	# them with IOMMUFD2_SUITES="ours upstream".
	export IOMMUFD2_SUITES=${IOMMUFD2_SUITES:-ours}
	# KASAN and lockdep under TCG are slow.
	export IOMMUFD2_VM_TIMEOUT=${IOMMUFD2_VM_TIMEOUT:-2400}
	mode=check
fi
if [ "$mode" = check-baseline ] || [ "$mode" = compare ]; then
	IOMMUFD2_KERNEL_DIR=$(with_cache_lock kernel-ref "$BENCH_DIR/kernel.sh" ref) || exit 1
	export IOMMUFD2_KERNEL_DIR
	[ "$mode" = compare ] && mode=bench || mode=check-upstream
fi
"$BENCH_DIR/build.sh" "$mode" || exit 1

case $mode in
check-upstream)
	exec "$BENCH_DIR/check.sh" "${machines[@]}" ;;
demo | shell | bench)
	exec "$BENCH_DIR/vm.sh" "$mode" "${machines[0]:-vtd}" ;;
check)
	[ ${#machines[@]} -gt 0 ] || machines=($ALL_MACHINES)
	exec "$BENCH_DIR/check.sh" "${machines[@]}" ;;
esac
