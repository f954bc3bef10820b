#!/bin/sh
# Joins the per-subject symbol lists into one version script, so that each
# subject of the library lists its exports in a file of its own.
set -eu
out=$1
shift
{
	echo "HOSTKIT_0.1 {"
	echo "global:"
	cat "$@"
	echo "local:"
	echo "	*;"
	echo "};"
} >"$out"
