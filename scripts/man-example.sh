#!/bin/bash
# Print the program in the EXAMPLES section of a man page (the text between
# its .EX and .EE lines) as C source: groff escapes \e and \- undone.
#   man-example.sh PAGE
set -eu
awk '
	/^\.SH / { in_ex = ($0 ~ /^\.SH EXAMPLES?$/) ; next }
	in_ex && /^\.EX$/ { body = 1; next }
	in_ex && /^\.EE$/ { body = 0; next }
	body { print }
' "$1" | sed -e 's/\\e/\\/g' -e 's/\\-/-/g' -e "s/\\\\(aq/'/g" -e 's/^\\&//'
