#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# check.sh MACHINE...: boot each machine variant in check mode and account
# for the results.  Counted as failures besides failed TAP cases: a suite
# that exits non-zero without reporting a failed case, a guest that never
# reached "### done", any kernel splat in the console, a failed lint.  A
# kernel that dies before it starts init gets one more boot.
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
KNOWN=$REPO/tests/upstream-known-failures.txt

# Names of the failed cases of one suite that are listed in $KNOWN.
known_failures() {
	grep -E '^not ok [0-9]+' | sed -E 's/^not ok [0-9]+ ([^ ]+).*/\1/' |
		grep -Fxf <(grep -v '^#' "$KNOWN" | cut -f1)
}

# Accounts the suites of one tap.log; prints a line per suite.
account_tap() {
	local machine=$1 tap=$2
	local name p f s rc

	while read -r name rc; do
		p=$(sed -n "/^### suite $name\$/,/^### end $name /p" "$tap" |
			grep -E '^ok [0-9]+' | grep -vc '# SKIP')
		s=$(sed -n "/^### suite $name\$/,/^### end $name /p" "$tap" |
			grep -Ec '^ok [0-9]+.*# SKIP')
		f=$(sed -n "/^### suite $name\$/,/^### end $name /p" "$tap" |
			grep -Ec '^not ok [0-9]+')
		# Upstream's cases known not to pass yet count as skipped;
		# one that passes now is pointed out.
		case $name in
		upstream-*)
			k=$(sed -n "/^### suite $name\$/,/^### end $name /p" "$tap" |
				known_failures | wc -l)
			f=$((f - k))
			s=$((s + k))
			[ "$rc" != 0 ] && [ "$f" = 0 ] && rc=0
			sed -n "/^### suite $name\$/,/^### end $name /p" "$tap" |
				sed -nE 's/^ok [0-9]+ ([^ ]+)$/\1/p' |
				grep -Fxf <(grep -v '^#' "$KNOWN" | cut -f1) |
				sed "s|^|[bench] $machine: passes now, remove from $(basename "$KNOWN"): |" >&2
			;;
		esac
		if [ "$rc" != 0 ] && [ "$f" = 0 ]; then
			f=1
			log "$machine/$name: exited $rc without a failed case"
		fi
		printf '[bench] %-10s %-24s pass %3d  fail %3d  skip %3d\n' \
			"$machine" "$name" "$p" "$f" "$s" >&2
		passed=$((passed + p))
		failed=$((failed + f))
		skipped=$((skipped + s))
	done < <(sed -n -E 's/^### end ([^ ]+) rc=([0-9]+)$/\1 \2/p' "$tap")
	# Report failing cases by name (known upstream ones are listed).
	grep -E '^not ok [0-9]+' "$tap" | awk -v known="$KNOWN" '
		BEGIN { while ((getline l < known) > 0)
				if (l !~ /^#/) { split(l, a, "\t"); k[a[1]] = 1 } }
		!($4 in k)' | sed "s|^|[bench] $machine: |" >&2
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
	if died_before_init "$out/console.log"; then
		# Kept for a look; one more boot, and that one counts.
		mv "$out/console.log" "$out/console-before-init.log"
		log "$machine: the kernel died before init (no iommufd2 code loaded; $out/console-before-init.log); booting once more"
		"$BENCH_DIR/vm.sh" check "$machine"
	fi
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
