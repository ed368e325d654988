#!/bin/bash
# Print the program of a man page's EXAMPLES section (the .EX/.EE block
# after ".SS Program source") as C source: groff escapes undone.
#   man-example.sh PAGE
set -eu
awk '
	/^\.SH / { in_ex = ($0 ~ /^\.SH EXAMPLES?$/); src = 0; next }
	in_ex && /^\.SS Program source$/ { src = 1; next }
	in_ex && /^\.SS / { src = 0; next }
	src && /^\.EX$/ { body = 1; next }
	src && /^\.EE$/ { body = 0; next }
	body { print }
' "$1" | sed -e 's/^\\&//' -e "s/\\\\(aq/'/g" -e 's/\\-/-/g' -e 's/\\e/\\/g'
