#!/usr/bin/env bash
# Builds deploy/base/target/coldtier-base.tar: make-rootfs.sh (jlink + host libraries), then Jib packs
# the rootfs on `scratch` (deploy/base/pom.xml). Called by the cli module's `images` profile; offline.
#
# Usage: build-base.sh JAVA_HOME RUNTIME_CLASSPATH_FILE MVN [offline=true|false]
set -euo pipefail
jdk=${1:?JAVA_HOME}; cp_file=${2:?runtime classpath file}; mvn=${3:?mvn}; offline=${4#offline=}
here=$(cd "$(dirname "$0")" && pwd)
t0=$(date +%s)
"$here/make-rootfs.sh" "$jdk" "$cp_file" "$here/target"
# Jib refuses a project without build output; the base has no classes of its own.
mkdir -p "$here/target/classes"
flags=(-B -q)
[[ $offline == true ]] && flags+=(-o)
JAVA_HOME=$jdk "$mvn" "${flags[@]}" -f "$here/pom.xml" jib:buildTar
echo "base image: $here/target/coldtier-base.tar ($(du -h "$here/target/coldtier-base.tar" | cut -f1)) in $(( $(date +%s) - t0 )) s"
