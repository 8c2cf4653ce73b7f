#!/bin/sh
# conformance.sh: the OCI runtime-tools validation suite (its validation/*.t
# programs) on Debian's runc and on lupine-runc, program by program in the
# same run. Writes a markdown table of the TAP checks passed/failed/skipped
# per program and runtime, the failed checks beside it, and one summary line.
# Usage: bench/conformance.sh [RESULTS.md]            (or: make conformance)
# Environment: RUNTIME_TOOLS_GIT (a clone URL or git dir of runtime-tools),
# TEST_TIMEOUT (seconds per program and runtime, default 300), TESTS (a
# space-separated subset of program names), LUPINE_RUNC, LUPINE.
set -eu
repo=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$repo/build/conformance/results.md}
timeout_s=${TEST_TIMEOUT:-300}
lupine=${LUPINE:-$repo/lupine}
lupine_runc=${LUPINE_RUNC:-$repo/lupine-runc}
git_src=${RUNTIME_TOOLS_GIT:-https://github.com/opencontainers/runtime-tools}
# the last commit whose go.mod says go 1.19 (Debian 12's Go), vendored modules
commit=260e151b8552afa2678ef6d41820ea0f31cd8be1
cache=${LUPINE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/lupine}

die() { echo "conformance: $*" >&2; exit 1; }
command -v go >/dev/null || die "no 'go' found: install Debian's golang-go"
command -v runc >/dev/null || die "no 'runc' found: install Debian's runc"
[ -x "$lupine_runc" ] && [ -x "$lupine" ] || die "no '$lupine_runc': run make lupine lupine-runc first"
[ "$(id -u)" = 0 ] || die "the runtimes need root: run as root"
case $lupine_runc in /*) ;; *) lupine_runc=$(pwd)/$lupine_runc ;; esac

# The suite, built once per commit and Go version into the cache, offline.
suite=$cache/runtime-tools/$commit-$(go env GOVERSION)
if [ ! -f "$suite/.built" ]; then
	rm -rf "$suite.tmp" && mkdir -p "$(dirname "$suite")"
	git clone -q "$git_src" "$suite.tmp" ||
		die "cannot clone '$git_src': set RUNTIME_TOOLS_GIT to a runtime-tools clone or git dir"
	git -C "$suite.tmp" -c advice.detachedHead=false checkout -q "$commit" ||
		die "'$git_src' has no commit $commit"
	echo "conformance: building runtime-tools $commit with $(go env GOVERSION)" >&2
	(cd "$suite.tmp" && export GOPROXY=off GOFLAGS=-mod=vendor GOTOOLCHAIN=local CGO_ENABLED=1 &&
		go build -tags "netgo osusergo" -ldflags "-extldflags -static" -o runtimetest ./cmd/runtimetest &&
		for f in validation/*/*.go; do
			case $f in validation/util/*) continue ;; esac
			go build -o "${f%.go}.t" "$f" || exit 1
		done) || die "building runtime-tools failed (see above)"
	touch "$suite.tmp/.built"
	rm -rf "$suite" && mv "$suite.tmp" "$suite"
fi

# lupine-runc boots lupine-general: build it (or wait for the build running) first,
# so no container's create pays for a kernel build
kernel=$("$lupine" kernel --general) || die "cannot build the general kernel"
kernel=$(echo "$kernel" | awk '$1 == "cache" { n = split($2, p, "/"); print substr(p[n], 1, 12) }')

# Each runtime gets its own --root through a wrapper, so clean-up after a
# timed-out program deletes only this run's containers.
work=$repo/build/conformance
rm -rf "$work/bin" "$work/tap" "$work/root-"* "$work/tmp" "$work/notes-"* && mkdir -p "$work/bin" "$work/tap" "$(dirname "$out")"
for r in runc lupine-runc; do
	real=$(command -v runc); [ $r = runc ] || real=$lupine_runc
	printf '#!/bin/sh\nexec "%s" --root "%s" "$@"\n' "$real" "$work/root-$r" >"$work/bin/$r"
	chmod +x "$work/bin/$r"
	mkdir -p "$work/tap/$r"
done

# TAP -> "passed failed skipped note". A program that timed out, exited
# non-zero or ran fewer checks than it planned counts one more failure; one
# that prints no check at all (the hook programs, process_rlimits_fail)
# counts as one check, passed if it exited 0 with no "error" in its YAML.
count() { # tapfile rc
	awk -v rc="$2" '
	/^ok / { if ($0 ~ /# (SKIP|skip)/) s++; else p++; n++ }
	/^not ok / { if ($0 ~ /# TODO/) s++; else f++; n++ }
	/^1\.\.[0-9]+/ { sub(/^1\.\./, ""); plan = $1 + 0 }
	/^Bail out!/ { note = "bailed out" }
	/^ +"error":/ { err = 1 }
	END {
		if (rc == 124 || rc == 137) note = "timed out"
		else if (rc != 0) note = "exit " rc
		if (plan > n) note = note (note ? ", " : "") (plan - n) " planned not run"
		if (n == 0 && note == "" && err) note = "no check, an error"
		if (note != "") f++
		else if (n == 0) p++
		printf "%d %d %d %s\n", p, f, s, note
	}' "$1"
}

names=${TESTS:-$(cd "$suite/validation" && ls -d */ | tr -d / | grep -v '^util$')}
rows=$work/rows
: >"$rows"
start=$(date +%s)
for name in $names; do
	prog=$suite/validation/$name/$name.t
	[ -x "$prog" ] || die "no validation program '$name' in $suite/validation"
	row=$name
	for r in runc lupine-runc; do
		tap=$work/tap/$r/$name.tap
		mkdir -p "$work/tmp"
		set +e
		# each program in a mount namespace of its own: one that removes the
		# container's (linux_ns_itype) has runc mount /proc, /dev, /sys and
		# mqueue into the bundle in the namespace the program runs in
		(cd "$suite" && TMPDIR=$work/tmp RUNTIME=$work/bin/$r timeout -k 10 "$timeout_s" \
			unshare --mount --propagation private "$prog") >"$tap" 2>"$work/tap/$r/$name.err" </dev/null
		rc=$?
		set -e
		echo $rc >"$work/tap/$r/$name.rc"
		# what a killed or failed program left behind: its containers, its bundles
		for id in $(ls "$work/root-$r" 2>/dev/null); do
			timeout 60 "$work/bin/$r" delete --force "$id" >/dev/null 2>&1 || true
		done
		! grep -q " $work/tmp" /proc/self/mountinfo || die "mounts left under $work/tmp; unmount them"
		rm -rf --one-file-system "$work/tmp"
		res=$(count "$tap" $rc)
		row="$row|$res"
		# why a program failed as a whole: its note and the start of its stderr
		case $res in *[a-z]*) echo "- $name: ${res#* * * }: $(head -c 300 "$work/tap/$r/$name.err" | tr '\n' ' ')" \
			>>"$work/notes-$r" ;; esac
	done
	echo "$row" >>"$rows"
	echo "conformance: $row" >&2
done
elapsed=$(($(date +%s) - start))

# the table, the totals and the failed checks
awk -F'|' -v date="$(date -u +%Y-%m-%d)" -v commit="$commit" -v gov="$(go env GOVERSION)" \
	-v runcv="$(runc --version | head -1)" -v lrev="$(git -C "$repo" describe --always --dirty)" \
	-v kernel="$kernel" -v secs="$elapsed" -v tmo="$timeout_s" -v summary="$work/summary" '
function pct(a, b) { return b ? sprintf("%.1f%%", 100 * a / b) : "n/a" }
{
	split($2, a, " "); split($3, b, " ")
	na = $2; sub(/^[0-9]+ [0-9]+ [0-9]+ ?/, "", na)
	nb = $3; sub(/^[0-9]+ [0-9]+ [0-9]+ ?/, "", nb)
	line[NR] = sprintf("| %s | %d | %d | %d | %s | %d | %d | %d | %s |", $1, a[1], a[2], a[3], na, b[1], b[2], b[3], nb)
	for (i = 1; i <= 3; i++) { ta[i] += a[i]; tb[i] += b[i] }
	if (a[2] == 0) oka++
	if (b[2] == 0) okb++
}
END {
	print "# OCI runtime-tools validation: runc vs lupine-runc\n"
	printf "%s, runtime-tools %s built with %s; %s; lupine %s on the general kernel %s; %d programs, %d s, each program given %d s per runtime.\n\n", \
		date, substr(commit, 1, 7), gov, runcv, lrev, kernel, NR, secs, tmo
	print "| program | runc pass | fail | skip | note | lupine-runc pass | fail | skip | note |"
	print "|---|---:|---:|---:|---|---:|---:|---:|---|"
	for (i = 1; i <= NR; i++) print line[i]
	printf "| **total** | %d | %d | %d | | %d | %d | %d | |\n\n", ta[1], ta[2], ta[3], tb[1], tb[2], tb[3]
	s = sprintf("conformance %s: runc passes %s of %d checks run (%d skipped, %d/%d programs clean), lupine-runc %s of %d (%d skipped, %d/%d programs clean)", \
		date, pct(ta[1], ta[1] + ta[2]), ta[1] + ta[2], ta[3], oka, NR, pct(tb[1], tb[1] + tb[2]), tb[1] + tb[2], tb[3], okb, NR)
	print "Pass ratio = passed / (passed + failed); a skip is neither. A program that timed out, exited non-zero or ran fewer checks than it planned adds one failure; one that printed no check counts as one, passed if it exited 0 with no error in its YAML.\n"
	print s
	print s >summary
}' "$rows" >"$out"

# every failed check as the suite words it, once, with the programs it failed in
# (runtimetest checks the whole config in each program that runs it)
fails=${out%.md}-failures.md
{
	for r in runc lupine-runc; do
		echo "## $r"; echo; echo "Programs that failed as a whole:"; echo
		cat "$work/notes-$r" 2>/dev/null || true
		echo; echo "Checks that failed, with the programs they failed in:"; echo
		for name in $names; do
			tr -d '\r' <"$work/tap/$r/$name.tap" | grep '^not ok' | grep -v '# TODO' | sed "s|^not ok [0-9]* *-* *|$name\t|" || true
		done | awk -F'\t' '!($2 in seen) { seen[$2] = ++n; text[n] = $2 }
			{ i = seen[$2]; if (index(" " progs[i] ",", " " $1 ",") == 0) progs[i] = progs[i] (progs[i] ? ", " : "") $1 }
			END { for (i = 1; i <= n; i++) printf "- %s (%s)\n", text[i] == "" ? "(no description)" : text[i], progs[i] }'
		echo
	done
} >"$fails"
cat "$work/summary"
echo "conformance: table in $out, failed checks in $fails, raw TAP in $work/tap/" >&2
