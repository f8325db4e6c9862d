#!/usr/bin/env bash
# Validates docker-compose.yml without a Docker daemon: Debian's docker-compose 1.29 (`apt-get install
# -y docker-compose`) parses it, resolves anchors and variables and checks it against the compose
# schema. Also checks that the config files it mounts exist and that every service uses the one image.
# Exit 0 = valid. Called from .ci/run.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
file=$root/docker-compose.yml
command -v docker-compose > /dev/null || { echo "validate-compose: docker-compose missing (apt-get install -y docker-compose)" >&2; exit 2; }

# Every profile, so the optional services are checked too.
docker-compose -f "$file" --profile demo config -q
normalized=$(docker-compose -f "$file" --profile demo config)

for f in $(grep -o '/config/[A-Za-z0-9._-]*\.properties' <<< "$normalized" | sort -u); do
    [[ -f $root/config/${f#/config/} ]] || { echo "validate-compose: $f is mounted from ./config but config/${f#/config/} does not exist" >&2; exit 1; }
done
images=$(grep -E '^\s+image:' <<< "$normalized" | sort -u | wc -l)
[[ $images == 1 ]] || { echo "validate-compose: expected one image for every service, found $images" >&2; exit 1; }
echo "validate-compose: $(basename "$file") valid ($(docker-compose -f "$file" --profile demo config --services | tr '\n' ' '))"
