# sql/redefine.awk -- prints the definitions (CREATE FUNCTION ... and its
# COMMENT ON FUNCTION; CREATE VIEW ... and its COMMENT ON VIEW and COMMENT ON
# COLUMN) of the functions and views named in the variable "names" (space
# separated) from the install script's parts, in the order they appear there.
# The upgrade script from an earlier release drops those functions and runs
# these definitions again, so that a function is written down once, in the
# part that owns its concept.
BEGIN {
	n = split(names, list, " ")
	for (i = 1; i <= n; i++)
		want[list[i]] = 1
	mode = ""
}
function fname(line,   s) {
	s = line
	sub(/^(CREATE FUNCTION|COMMENT ON FUNCTION|CREATE VIEW|COMMENT ON VIEW|COMMENT ON COLUMN) (@extschema@|access_policy_internal)\./, "", s)
	sub(/[ (.].*/, "", s)
	return s
}
mode == "" && /^CREATE FUNCTION (@extschema@|access_policy_internal)\./ && (fname($0) in want) {
	mode = "create"; body = 0; found[fname($0)] = 1
}
mode == "" && /^CREATE VIEW @extschema@\./ && (fname($0) in want) {
	mode = "view"; found[fname($0)] = 1
}
mode == "" && /^COMMENT ON (FUNCTION|VIEW|COLUMN) (@extschema@|access_policy_internal)\./ && (fname($0) in want) {
	mode = "comment"
}
mode == "view" {
	print
	if ($0 ~ /;$/) { mode = ""; print "" }
	next
}
mode == "create" {
	print
	if ($0 ~ /AS \$\$$/) { body = 1; next }
	if (body && $0 ~ /^\$\$;$/) { mode = ""; print ""; next }
	if (!body && $0 ~ /;$/) { mode = ""; print ""; next }
	next
}
mode == "comment" {
	print
	if ($0 ~ /';$/) mode = ""
	next
}
END {
	for (k in want)
		if (!(k in found)) {
			print "redefine.awk: no definition of " k > "/dev/stderr"
			exit 1
		}
}
