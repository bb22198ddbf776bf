#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# check.sh MACHINE...: boot each machine variant in check mode, on each
# kernel of $IOMMUFD2_KERNELS (default: the root's, backports and trixie;
# trixie's runs the machines of $IOMMUFD2_TRIXIE_MACHINES, default vtd),
# and account for the results; every line names the kernel series.  Counted as failures besides failed TAP cases: a suite
# that exits non-zero without reporting a failed case, a guest that never
# reached "### done", any kernel splat in the console, a failed lint.  A
# kernel that dies before it starts init is booted again, up to 3 boots
# (seen on the KASAN kernel under TCG: an early interrupt during CPU
# identification, before any module can load).
# Ends with "N passed, M failed, K skipped"; exits 1 if anything failed or
# nothing ran.

. "$(dirname "$0")/lib.sh"

# Kernel reports that fail a run, whatever the tests said.  (IOMMU fault
# lines such as "DMAR: [DMA Write NO_PASID] ..." are expected by the DMA
# tests and are not listed here.)
SPLAT='WARNING:|BUG:|Oops|Kernel panic|general protection fault|KASAN:|UBSAN:|'
SPLAT+='possible circular locking|possible recursive locking|'
SPLAT+='inconsistent lock state|possible irq lock inversion|'
SPLAT+='suspicious RCU usage|lock held when returning|'
SPLAT+='unreferenced object|Call Trace:|blocked for more than|'
SPLAT+='self-detected stall|rcu.*stall'

passed=0
failed=0
skipped=0

# Cases of upstream's selftests known not to pass, one list per side they
# run against: upstream-* suites (the newest kernel's selftests against
# iommufd2; on an older kernel also upstream-known-failures-on-SERIES.txt),
# upstream-SERIES-* (an older kernel's own selftests) and baseline-*
# (against upstream's own iommufd on the reference kernel).  Listed cases
# count as skipped, with their reason; one that passes is pointed out.
known_list() {
	local series=$(root_kernel_series)

	case $1 in
	upstream-"$series"-*)
		echo "$REPO/tests/upstream-$series-known-failures.txt" ;;
	upstream-*)
		echo "$REPO/tests/upstream-known-failures.txt"
		[ "$KTAG" != backports ] &&
			echo "$REPO/tests/upstream-known-failures-on-$series.txt" ;;
	baseline-*) echo "$REPO/tests/baseline-known-failures.txt" ;;
	esac
}

# The listed case names of known-failures files (none for no file).
known_names() {
	local f

	for f in $1; do
		[ -f "$f" ] && grep -v '^#' "$f" | cut -f1
	done
}

# Accounts the suites of one tap.log; prints a line per suite, then the
# failed cases that are not listed.
account_tap() {
	local machine=$1 tap=$2
	local name p f s k rc block known names unlisted

	while read -r name rc; do
		block=$(sed -n "/^### suite $name\$/,/^### end $name /p" "$tap")
		p=$(grep -E '^ok [0-9]+' <<<"$block" | grep -vc '# SKIP')
		s=$(grep -Ec '^ok [0-9]+.*# SKIP' <<<"$block")
		f=$(grep -Ec '^not ok [0-9]+' <<<"$block")
		known=$(known_list "$name")
		names=$(known_names "$known")
		# The failed cases that are not listed; the rest are known.
		unlisted=$(grep -E '^not ok [0-9]+' <<<"$block" |
			awk -v names="$names" '
				BEGIN { n = split(names, a, "\n")
					for (i = 1; i <= n; i++) k[a[i]] = 1 }
				!($4 in k)')
		k=$((f - $(grep -c . <<<"$unlisted" || :)))
		if [ "$k" -gt 0 ]; then
			f=$((f - k))
			s=$((s + k))
			[ "$rc" != 0 ] && [ "$f" = 0 ] && rc=0
		fi
		[ -n "$names" ] && sed -nE 's/^ok [0-9]+ ([^ ]+)$/\1/p' <<<"$block" |
			grep -Fx -f <(printf '%s\n' "$names") |
			sed "s|^|[bench] $label: passes now, remove from a known-failures list: |" >&2
		# A program that skips itself whole (kselftest's exit 4
		# after "1..0 # SKIP reason") is one skipped item.
		if [ "$rc" = 4 ] && [ "$p$f" = 00 ] &&
		   grep -q '^1\.\.0 # SKIP' <<<"$block"; then
			s=$((s + 1))
			rc=0
			log "$label/$name: $(sed -n 's/^1\.\.0 # SKIP //p' <<<"$block" | head -n1) (skipped)"
		fi
		if [ "$rc" != 0 ] && [ "$f" = 0 ]; then
			f=1
			log "$label/$name: exited $rc without a failed case"
		fi
		printf '[bench] %-15s %-28s pass %3d  fail %3d  skip %3d\n' \
			"$label" "$name" "$p" "$f" "$s" >&2
		[ -n "$unlisted" ] &&
			sed "s|^|[bench] $label: $name: |" <<<"$unlisted" >&2
		passed=$((passed + p))
		failed=$((failed + f))
		skipped=$((skipped + s))
	done < <(sed -n -E 's/^### end ([^ ]+) rc=([0-9]+)$/\1 \2/p' "$tap")
}

# The kernel died before it started init, so before any of our code was
# loaded: a fault of the kernel or the emulator, not of iommufd2.
died_before_init() {
	grep -Eq "$SPLAT" "$1" && ! grep -q 'Run /init as init process' "$1"
}

# check_kernel MACHINE...: lint verdict and machines on kernel $KTAG.
check_kernel() {
	local machine out boot label result own
	local series=$(root_kernel_series)

	result=$(kernel_build_dir lint).result
	if [ -f "$result" ]; then
		if [ "$(cat "$result")" = pass ]; then
			passed=$((passed + 1))
			log "$series lint (W=1, sparse, checkpatch): pass"
		else
			failed=$((failed + 1))
			log "$series lint (W=1, sparse, checkpatch): FAIL ($(kernel_build_dir lint).log)"
		fi
	fi
	# An older kernel's own upstream selftests that do not build.
	own=$(kernel_build_dir guest).result
	if [ "$KTAG" != backports ] && [ -s "$own" ]; then
		skipped=$((skipped + 1))
		log "$series upstream-$series: its own selftests do not build from linux-source-$series (skipped; $(kernel_build_dir guest).log):"
		sed 's/^/[bench]   /' "$own" >&2
	fi

	for machine in "$@"; do
		out=$(machine_out "$machine")
		label="$series $machine"
		"$BENCH_DIR/vm.sh" check "$machine"
		for boot in 2 3; do
			died_before_init "$out/console.log" || break
			# Kept for a look; the last boot is the one that counts.
			mv "$out/console.log" "$out/console-before-init-$boot.log"
			log "$label: the kernel died before init (no iommufd2 code loaded; $out/console-before-init-$boot.log); boot $boot of at most 3"
			"$BENCH_DIR/vm.sh" check "$machine"
		done
		[ -f "$out/tap.log" ] || : >"$out/tap.log"
		[ -f "$out/console.log" ] || : >"$out/console.log"
		account_tap "$machine" "$out/tap.log"
		if ! grep -q '^### done' "$out/tap.log"; then
			failed=$((failed + 1))
			log "$label: the guest did not finish (crash or timeout)"
		fi
		if grep -Eq "$SPLAT" "$out/console.log"; then
			failed=$((failed + 1))
			log "$label: kernel splat in the console:"
			grep -En -A3 "$SPLAT" "$out/console.log" | head -n 40 >&2
		fi
	done
}

# A kernel built by kernel.sh replaces the backports kernel alone.
[ -n "${IOMMUFD2_KERNEL_DIR:-}" ] && IOMMUFD2_KERNELS=backports
for KTAG in ${IOMMUFD2_KERNELS:-$ALL_KTAGS}; do
	export IOMMUFD2_KTAG=$KTAG
	if [ "$KTAG" = backports ]; then
		check_kernel "$@"
	else
		machines=()
		for m in "$@"; do
			case " ${IOMMUFD2_TRIXIE_MACHINES:-vtd} " in
			*" $m "*) machines+=("$m") ;;
			esac
		done
		check_kernel "${machines[@]}"
	fi
done

echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" = 0 ] && [ "$passed" -gt 0 ]
