#!/usr/bin/env bash
# Builds the coldtier container image without a Docker daemon or a registry:
#   deploy/base/target/coldtier-base.tar   base: jlink'd Java 25 runtime + host glibc on scratch
#   cli/target/coldtier-image.tar          coldtier:0.1.0-SNAPSHOT on that base (every role)
# Load with `docker load -i` or `podman load -i`. Extra arguments go to Maven (e.g. -o).
#
# -am builds the sibling modules in the same reactor, so the image gets this checkout's jars and not
# whatever another build last installed into ~/.m2.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
t0=$(date +%s)
"$root/mvnw" -B -q -f "$root/pom.xml" -pl cli -am -Pimages -DskipTests package "$@"
for t in "$root/deploy/base/target/coldtier-base.tar" "$root/cli/target/coldtier-image.tar"; do
    echo "$(du -h "$t" | cut -f1)  $t"
done
echo "images built in $(( $(date +%s) - t0 )) s"
