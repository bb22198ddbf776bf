#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# check.sh MACHINE...: boot each machine variant in check mode and account
# for the results.  Counted as failures besides failed TAP cases: a suite
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
# run against: upstream-* suites (against iommufd2) and baseline-* suites
# (against upstream's own iommufd on the reference kernel).  Listed cases
# count as skipped, with their reason; one that passes is pointed out.
known_list() {
	case $1 in
	upstream-*) echo "$REPO/tests/upstream-known-failures.txt" ;;
	baseline-*) echo "$REPO/tests/baseline-known-failures.txt" ;;
	esac
}

# The listed case names of a known-failures file (none for no file).
known_names() {
	[ -n "$1" ] && grep -v '^#' "$1" | cut -f1
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
		[ -n "$known" ] && sed -nE 's/^ok [0-9]+ ([^ ]+)$/\1/p' <<<"$block" |
			grep -Fx -f <(printf '%s' "$names") |
			sed "s|^|[bench] $machine: passes now, remove from $(basename "$known"): |" >&2
		if [ "$rc" != 0 ] && [ "$f" = 0 ]; then
			f=1
			log "$machine/$name: exited $rc without a failed case"
		fi
		printf '[bench] %-10s %-24s pass %3d  fail %3d  skip %3d\n' \
			"$machine" "$name" "$p" "$f" "$s" >&2
		[ -n "$unlisted" ] &&
			sed "s|^|[bench] $machine: $name: |" <<<"$unlisted" >&2
		passed=$((passed + p))
		failed=$((failed + f))
		skipped=$((skipped + s))
	done < <(sed -n -E 's/^### end ([^ ]+) rc=([0-9]+)$/\1 \2/p' "$tap")
}

if [ -f "$BUILD/lint.result" ]; then
	if [ "$(cat "$BUILD/lint.result")" = pass ]; then
		passed=$((passed + 1))
		log "lint (W=1, sparse, checkpatch): pass"
	else
		failed=$((failed + 1))
		log "lint (W=1, sparse, checkpatch): FAIL (build/lint.log)"
	fi
fi

# The kernel died before it started init, so before any of our code was
# loaded: a fault of the kernel or the emulator, not of iommufd2.
died_before_init() {
	grep -Eq "$SPLAT" "$1" && ! grep -q 'Run /init as init process' "$1"
}

for machine in "$@"; do
	out=$(machine_out "$machine")
	"$BENCH_DIR/vm.sh" check "$machine"
	for boot in 2 3; do
		died_before_init "$out/console.log" || break
		# Kept for a look; the last boot is the one that counts.
		mv "$out/console.log" "$out/console-before-init-$boot.log"
		log "$machine: the kernel died before init (no iommufd2 code loaded; $out/console-before-init-$boot.log); boot $boot of at most 3"
		"$BENCH_DIR/vm.sh" check "$machine"
	done
	[ -f "$out/tap.log" ] || : >"$out/tap.log"
	[ -f "$out/console.log" ] || : >"$out/console.log"
	account_tap "$machine" "$out/tap.log"
	if ! grep -q '^### done' "$out/tap.log"; then
		failed=$((failed + 1))
		log "$machine: the guest did not finish (crash or timeout)"
	fi
	if grep -Eq "$SPLAT" "$out/console.log"; then
		failed=$((failed + 1))
		log "$machine: kernel splat in the console:"
		grep -En -A3 "$SPLAT" "$out/console.log" | head -n 40 >&2
	fi
done

echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" = 0 ] && [ "$passed" -gt 0 ]
