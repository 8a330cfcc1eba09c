#!/usr/bin/env bash
# Writes section-1 man pages for swift-argument-parser executables from their --help text:
# one page per command and subcommand, git-style names (bssd.1, bssd-run.1, …).
#
#   bash scripts/manpages.sh OUTDIR EXECUTABLE...
#
# Why not the package's `generate-manual` plugin: it drops every non-ASCII character, and the
# help text needs them ("256…8192" becomes "2568192", "0 < α < 1" becomes "0 <  < 1"). The help
# text is kept as laid out for a 72-column terminal, one roff section per help section; a man
# page therefore always says exactly what `--help` says. SOURCE_DATE_EPOCH fixes the page date.
set -euo pipefail

[[ $# -ge 2 ]] || { echo "usage: $0 OUTDIR EXECUTABLE..." >&2; exit 64; }
outdir=$1
shift
mkdir -p "$outdir"
date=$(date -u ${SOURCE_DATE_EPOCH:+-d "@$SOURCE_DATE_EPOCH"} +%Y-%m-%d)

# page EXECUTABLE WORD... : the page for the command WORD... (the executable's name, then
# subcommands), then recursively for its subcommands.
page() {
    local executable=$1
    shift
    local words=("$@")
    local help name see_also="" subcommand
    help=$(COLUMNS=72 "$executable" "${words[@]:1}" --help)
    name=$(IFS=-; echo "${words[*]}")

    local subcommands=()
    while read -r subcommand; do
        [[ $subcommand == help ]] || subcommands+=("$subcommand")
    done < <(awk '/^[A-Z][A-Z ]*:/ { in_sub = ($0 ~ /^SUBCOMMANDS:/); next }
                  in_sub && /^  [a-z][a-z0-9-]*( |$)/ { print $1 }' <<<"$help")

    # SEE ALSO: the parent command, then the subcommands.
    [[ ${#words[@]} -gt 1 ]] && see_also="$(IFS=-; echo "${words[*]:0:${#words[@]}-1}")"
    for subcommand in "${subcommands[@]}"; do see_also+="${see_also:+ }$name-$subcommand"; done

    awk -v name="$name" -v date="$date" -v source="${words[0]}" -v see_also="$see_also" -v quote="'" '
        function roff(line) {
            gsub(/\\/, "\\e", line)
            gsub(/-/, "\\-", line)        # ASCII hyphen-minus, so options copy and paste
            first = substr(line, 1, 1)
            if (first == "." || first == quote) line = "\\&" line    # else read as a request
            return line
        }
        # Sections are collected, then printed in man order: NAME, SYNOPSIS, DESCRIPTION, then
        # the help sections as --help orders them.
        function section(title) {
            current = title
            if (!(title in body)) { order[++sections] = title; body[title] = "" }
        }
        function emit(title,    text) {
            text = body[title]
            sub(/\n+$/, "", text)                    # no blank lines before the next heading
            if (text == "") return
            print ".SH " title
            print ".nf"
            print text
            print ".fi"
        }
        BEGIN { title = toupper(name); gsub(/-/, "\\-", title) }
        NR == 1 && !/^OVERVIEW: / {
            print "manpages.sh: " name " --help does not start with OVERVIEW:; no abstract for NAME" > "/dev/stderr"
            failed = 1
            exit 1
        }
        NR == 1 { abstract = substr($0, 11); reading_abstract = 1; next }
        reading_abstract && $0 != "" { abstract = abstract " " $0; next }
        reading_abstract { reading_abstract = 0; section("DESCRIPTION"); next }
        /^USAGE: / { section("SYNOPSIS"); $0 = substr($0, 8) }
        /^[A-Z][A-Z ]*:$/ { section(substr($0, 1, length($0) - 1)); next }
        current != "" { body[current] = body[current] roff($0) "\n" }
        END {
            if (failed) exit 1
            print quote "\\\" -*- coding: utf-8 -*-"    # tells preconv (man-db) the text is UTF-8
            printf ".TH \"%s\" \"1\" \"%s\" \"%s\" \"User Commands\"\n", title, date, source
            print ".SH NAME"
            print roff(name) " \\- " roff(abstract)
            emit("SYNOPSIS")
            emit("DESCRIPTION")
            for (i = 1; i <= sections; i++)
                if (order[i] != "SYNOPSIS" && order[i] != "DESCRIPTION") emit(order[i])
            if (see_also != "") {
                print ".SH SEE ALSO"
                n = split(see_also, pages, " ")
                for (i = 1; i <= n; i++) printf "%s\\fB%s\\fR(1)", (i > 1 ? ", " : ""), roff(pages[i])
                print ""
            }
        }
    ' <<<"$help" >"$outdir/$name.1"

    for subcommand in "${subcommands[@]}"; do page "$executable" "${words[@]}" "$subcommand"; done
}

for executable in "$@"; do
    page "$executable" "$(basename "$executable")"
done
