#!/usr/bin/env bash
# make check-refs: the repository stands alone (docs/design.md §1). Scans every tracked text file
# (git ls-files, minus vendored and generated files) and fails, printing file:line, on:
#   - a markdown link whose relative target resolves outside the repository root;
#   - a markdown link to a relative path that is not in the repository (file or directory);
#   - any mention of the team's shared folder one level up (dot-dot, slash, "shared");
#   - a citation of the old external documents (the upper-case design and style notes, the
#     upstream contract notes): cite docs/design.md or docs/huawei-bss.md instead;
#   - a reference docs/<name>.md (comment, markdown, anything) to a file that is not in the
#     repository, or to a section of it (§2.3, §3.2–§3.4, §1 and §8, …) that has no heading.
# "In the repository" means tracked by git: a fresh clone (CI) has exactly those files.
#
# tools/check-refs.allow lists known findings to tolerate, one per line: `path<TAB>text`, where
# text is a fixed string on the offending line. An entry that no longer matches a finding is itself
# an error, so the list only shrinks.
set -euo pipefail

cd "$(dirname "$0")/.."
export LC_ALL=C

allow=tools/check-refs.allow
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Vendored, generated or lock files: not written by us, and not ours to fix.
git ls-files -z | tr '\0' '\n' | grep -Ev \
	-e '(^|/)node_modules/' \
	-e '(^|/)package-lock\.json$' \
	-e '(^|/)go\.sum$' \
	-e '^internal/http/docsui/redoc\.standalone\.js$' \
	-e '\.gen\.go$' \
	-e '^internal/store/internal/db/' \
	-e '^tools/check-refs\.allow$' \
	>"$tmp/files" || true

# Every tracked path, for existence checks (generated files included: they can be linked to).
git ls-files -z | tr '\0' '\n' >"$tmp/tracked"

# Text files only (grep -I skips binary ones); files deleted in the working tree are skipped.
while IFS= read -r f; do
	[[ -f $f ]] && printf '%s\n' "$f"
done <"$tmp/files" | tr '\n' '\0' | xargs -0 -r grep -lI '' >"$tmp/text" 2>/dev/null || true

mapfile -t text <"$tmp/text"
[[ ${#text[@]} -gt 0 ]] || text=(/dev/null)
[[ -f $allow ]] || allow=/dev/null

# shellcheck disable=SC2016 # awk program, not shell
awk -v tracked="$tmp/tracked" -v allowfile="$allow" '
function report(file, line, msg,    k, i) {
	for (i = 1; i <= nallow; i++) {
		if (allow_path[i] == file && index(lines[file, line], allow_text[i]) > 0) {
			allow_used[i] = 1
			return
		}
	}
	printf "%s:%d: %s\n", file, line, msg
	bad++
}

# normalize resolves "." and ".." in a slash-separated path relative to the root; returns
# "" for the root itself and "\001" when the path climbs above the root.
function normalize(p,    n, parts, out, depth, i, res) {
	n = split(p, parts, "/")
	depth = 0
	for (i = 1; i <= n; i++) {
		if (parts[i] == "" || parts[i] == ".") continue
		if (parts[i] == "..") {
			if (depth == 0) return "\001"
			depth--
			continue
		}
		out[++depth] = parts[i]
	}
	res = ""
	for (i = 1; i <= depth; i++) res = res (i > 1 ? "/" : "") out[i]
	return res
}

function dirof(f) { return (f ~ /\//) ? substr(f, 1, match(f, /\/[^\/]*$/) - 1) : "" }

function urldecode(s,    out) {
	out = s
	gsub(/%20/, " ", out)
	return out
}

function check_link(file, line, target,    t, resolved, base) {
	t = target
	sub(/^</, "", t); sub(/>$/, "", t)
	if (t == "" || t ~ /^#/ || t ~ /^[A-Za-z][A-Za-z0-9+.-]*:/ || t ~ /^\/\//) return
	sub(/[#?].*$/, "", t)
	if (t == "") return
	t = urldecode(t)
	if (t ~ /^\//) { base = "" ; t = substr(t, 2) } else base = dirof(file)
	resolved = normalize((base == "" ? "" : base "/") t)
	if (resolved == "\001") {
		report(file, line, "link target \"" target "\" leaves the repository")
		return
	}
	if (resolved == "") return
	if (!(resolved in exists)) report(file, line, "link target \"" target "\" (" resolved ") is not in the repository" untracked_hint(resolved))
}

function untracked_hint(p) {
	if (p ~ /^[A-Za-z0-9_.\/ -]+$/ && system("test -e \"" p "\"") == 0) return " (it exists but is not tracked: git add it)"
	return ""
}

BEGIN {
	while ((getline p < tracked) > 0) {
		exists[p] = 1
		d = p
		while (d ~ /\//) { d = dirof(d); exists[d] = 1 }
	}
	close(tracked)
	nallow = 0
	while ((getline a < allowfile) > 0) {
		if (a ~ /^[ \t]*(#|$)/) continue
		i = index(a, "\t")
		if (i == 0) { printf "%s: malformed line (want path<TAB>text): %s\n", allowfile, a; bad++; continue }
		nallow++
		allow_path[nallow] = substr(a, 1, i - 1)
		allow_text[nallow] = substr(a, i + 1)
	}
	close(allowfile)
	nrefs = 0
}

FNR == 1 { fence = 0; ismd = (FILENAME ~ /\.md$/) }

{
	file = FILENAME
	lines[file, FNR] = $0
	s = $0

	if (s ~ /[.][.]\/shared/)
		report(file, FNR, "refers to the shared folder outside the repository: restate what is needed in docs/")
	if (match(s, /DESIGN[.]md|STYLE[.]md/))
		report(file, FNR, "cites " substr(s, RSTART, RLENGTH) ", a document outside the repository: cite docs/design.md")
	if (tolower(s) ~ /bss[-]contract/)
		report(file, FNR, "cites the upstream contract notes outside the repository: cite docs/huawei-bss.md")

	# docs/<name>.md, optionally followed by a list of sections: §2.3, §3.2–§3.4, §1 and §8.
	rest = s
	while (match(rest, /(^|[^A-Za-z0-9_.\/-])docs\/[A-Za-z0-9_.\/-]*[.]md/)) {
		ref = substr(rest, RSTART, RLENGTH)
		sub(/^[^d]*/, "", ref)
		rest = substr(rest, RSTART + RLENGTH)
		nrefs++
		ref_file[nrefs] = file; ref_line[nrefs] = FNR; ref_path[nrefs] = ref; ref_secs[nrefs] = ""
		while (match(rest, /^(,|[ ]|–|-|and)*§[ ]?[0-9]+([.][0-9]+)*/)) {
			sec = substr(rest, RSTART, RLENGTH)
			rest = substr(rest, RSTART + RLENGTH)
			match(sec, /[0-9]+([.][0-9]+)*$/)
			ref_secs[nrefs] = ref_secs[nrefs] " " substr(sec, RSTART, RLENGTH)
		}
	}

	if (!ismd) next

	if (s ~ /^[ \t]*(```|~~~)/) { fence = !fence; next }
	if (fence) next

	# Headings give the sections a citation may name: "## 2. Rules", "### 2.3 Unknown is a state".
	if (s ~ /^#+[ \t]/) {
		h = s
		sub(/^#+[ \t]+/, "", h)
		sub(/^§[ ]?/, "", h)
		if (match(h, /^[0-9]+([.][0-9]+)*/)) heading[file, substr(h, RSTART, RLENGTH)] = 1
	}

	# Markdown links, outside code spans: inline [text](target) and reference definitions.
	gsub(/`[^`]*`/, "", s)
	if (match(s, /^[ ]*\[[^]]+\]:[ \t]*[^ \t]+/)) {
		t = substr(s, RSTART, RLENGTH)
		sub(/^[^]]*\]:[ \t]*/, "", t)
		check_link(file, FNR, t)
	}
	while (match(s, /\]\([^)]*\)/)) {
		t = substr(s, RSTART + 2, RLENGTH - 3)
		s = substr(s, RSTART + RLENGTH)
		sub(/^[ \t]+/, "", t)
		sub(/[ \t].*$/, "", t)
		check_link(file, FNR, t)
	}
}

END {
	for (i = 1; i <= nrefs; i++) {
		p = ref_path[i]
		if (!(p in exists)) {
			report(ref_file[i], ref_line[i], p " is not in the repository" untracked_hint(p))
			continue
		}
		n = split(ref_secs[i], secs, " ")
		for (j = 1; j <= n; j++)
			if (!((p, secs[j]) in heading))
				report(ref_file[i], ref_line[i], p " has no section " secs[j] " (no heading numbered " secs[j] ")")
	}
	for (i = 1; i <= nallow; i++)
		if (!allow_used[i]) {
			printf "%s: stale entry, nothing to tolerate any more (remove it): %s\t%s\n", allowfile, allow_path[i], allow_text[i]
			bad++
		}
	exit (bad > 0)
}
' "${text[@]}" | sort -t: -k1,1 -k2,2n >"$tmp/out" || status=$?

if [[ -s $tmp/out ]]; then
	cat "$tmp/out"
	echo "check-refs: $(wc -l <"$tmp/out") reference(s) leave the repository or point at nothing" >&2
	exit 1
fi
exit "${status:-0}"
