#!/usr/bin/env bash
# Smoke test of docker-compose.yml under podman, on a machine without a Docker daemon (deploy/README.md):
#   1. loads cli/target/coldtier-image.tar (build it first: deploy/build-images.sh);
#   2. serves the Docker API from `podman system service` and runs docker-compose 1.29 against it,
#      with the `demo` profile (broker, tier-store, evictor, agent host, agent-demo);
#   3. checks: every service healthy; the broker answers a produce/consume round trip (`coldtier broker
#      ping` in a container on the stack's network); /health of all five is 200 from the host; pages
#      flow agent-demo -> Kafka -> tier-store (RocksDB) and the evictor decides; a VMM in another
#      container hands its memory over to the agent host on /run/coldtier/agent.sock and verifies
#      every page; every service stops cleanly;
#   4. tears everything down (containers, volumes, network, the image if it loaded it, the podman
#      service) whatever happened.
# Needs root, podman + runc + docker-compose (apt), /dev/userfaultfd, free host ports 9092, 9400-9405.
# Usage: deploy/smoke.sh [--keep-image]. Exit 0 = all checks passed.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
image=${COLDTIER_IMAGE:-coldtier:0.1.0-SNAPSHOT}
tarball=$root/cli/target/coldtier-image.tar
project=coldtier-smoke
keep_image=false
[[ ${1:-} == --keep-image ]] && keep_image=true

work=$(mktemp -d /tmp/coldtier-smoke.XXXXXX)
export CONTAINERS_CONF=$root/deploy/podman/containers.conf
export DOCKER_HOST=unix://$work/podman.sock
export COLDTIER_IMAGE=$image
compose=(docker-compose -p "$project" -f "$root/docker-compose.yml" --profile demo)
t_start=$(date +%s.%N)
failures=0
service_pid= health_pid= loaded_image=false made_run_dir=false finished=false

log() { printf '%s smoke: %s\n' "$(date -u +%H:%M:%S)" "$*"; }
elapsed() { printf '%.1f' "$(echo "$(date +%s.%N) - ${1:-$t_start}" | bc)"; }
check() { # check NAME COMMAND...: runs the command, records pass/fail
    local name=$1; shift
    if "$@"; then log "PASS $name"; else log "FAIL $name"; failures=$((failures + 1)); fi
}

teardown() {
    set +e
    log "teardown"
    if [[ -S $work/podman.sock ]]; then
        "${compose[@]}" logs --no-color > "$work/compose.log" 2>&1
        "${compose[@]}" down -v --timeout 30 > "$work/down.log" 2>&1 || log "compose down failed: $(tail -3 "$work/down.log")"
    fi
    [[ -n $health_pid ]] && kill "$health_pid" 2>/dev/null && wait "$health_pid" 2>/dev/null
    [[ -n $service_pid ]] && kill "$service_pid" 2>/dev/null && wait "$service_pid" 2>/dev/null
    # Anything left by an interrupted run of this project.
    podman ps -aq --filter "label=com.docker.compose.project=$project" | xargs -r podman rm -f >/dev/null 2>&1
    podman volume ls -q --filter "label=com.docker.compose.project=$project" | xargs -r podman volume rm -f >/dev/null 2>&1
    podman network rm -f "${project}_default" >/dev/null 2>&1
    if $loaded_image && ! $keep_image; then podman rmi -f "$image" >/dev/null 2>&1; fi
    $made_run_dir && rm -rf /run/coldtier
    if [[ -n ${SMOKE_KEEP_LOGS:-} ]]; then cp "$work"/*.log "$SMOKE_KEEP_LOGS"/ 2>/dev/null; fi
    rm -rf "$work"
    if ! $finished; then
        log "done in $(elapsed) s: INTERRUPTED or aborted before the end ($failures check(s) failed so far)"
    else
        log "done in $(elapsed) s: $([[ $failures == 0 ]] && echo 'all checks passed' || echo "$failures check(s) FAILED")"
    fi
}
trap teardown EXIT

for tool in podman runc docker-compose curl bc; do
    command -v "$tool" > /dev/null || { log "missing $tool (apt-get install -y podman runc docker-compose curl bc)"; exit 2; }
done
[[ -f $tarball ]] || { log "no $tarball: run deploy/build-images.sh first"; exit 2; }

# 1. the image
if ! podman image exists "$image"; then
    t=$(date +%s.%N)
    podman load -q -i "$tarball" > /dev/null
    loaded_image=true
    log "loaded $image from $(du -h "$tarball" | cut -f1) tar in $(elapsed "$t") s; size in storage: $(podman image inspect --format '{{.Size}}' "$image" | awk '{printf "%.0f MB", $1/1e6}')"
fi
[[ -d /run/coldtier ]] || { mkdir -p /run/coldtier; made_run_dir=true; }

# 2. the Docker API from podman, and the stack
podman system service --time=0 "$DOCKER_HOST" > "$work/podman-service.log" 2>&1 &
service_pid=$!
for _ in $(seq 50); do [[ -S $work/podman.sock ]] && break; sleep 0.1; done
# Podman runs health checks from systemd timers; without systemd (these sandboxes) nothing would run
# them and `depends_on: condition: service_healthy` would wait forever. Run them ourselves.
(
    set +e  # a check that fails (a service still starting) must not end the loop
    while true; do
        for c in $(podman ps -q --filter "label=com.docker.compose.project=$project"); do
            podman healthcheck run "$c" > /dev/null 2>&1
        done
        sleep 3
    done
) &
health_pid=$!

t_up=$(date +%s.%N)
log "docker-compose up (podman $(podman version --format '{{.Client.Version}}'), $(docker-compose version --short))"
timeout 420 "${compose[@]}" up -d > "$work/up.log" 2>&1 || { cat "$work/up.log"; exit 1; }
log "compose up returned after $(elapsed "$t_up") s"

services=(broker tier-store evictor agent agent-demo)
status() { podman inspect --format '{{.State.Health.Status}}' "${project}_$1_1" 2>/dev/null || echo missing; }
deadline=$(( $(date +%s) + 240 ))
pending=("${services[@]}")
while ((${#pending[@]})) && (( $(date +%s) < deadline )); do
    left=()
    for s in "${pending[@]}"; do
        if [[ $(status "$s") == healthy ]]; then log "$s healthy after $(elapsed "$t_up") s"; else left+=("$s"); fi
    done
    pending=("${left[@]+"${left[@]}"}")
    ((${#pending[@]})) && sleep 1
done
check "all services healthy (${services[*]})" test ${#pending[@]} -eq 0

# 3. the checks
ping_out=$(podman run --rm --network "${project}_default" "$image" broker ping --bootstrap-servers broker:9092 2>/dev/null) || true
log "$ping_out"
check "broker reachable: produce/consume round trip" grep -q '^ping ok' <<< "$ping_out"

for port in 9404 9401 9402 9403 9405; do
    check "GET localhost:$port/health = 200" test "$(curl -s -o /dev/null -w '%{http_code}' "localhost:$port/health")" = 200
done

metric() { curl -s "localhost:$1/metrics" | awk -v m="$2" '$1 ~ "^"m"(\\{|$)" {s += $2} END {printf "%d", s}'; }
pipeline_ok() {
    local deadline=$(( $(date +%s) + 90 ))
    while (( $(date +%s) < deadline )); do
        evicted=$(metric 9405 coldtier_agent_pages_evicted_total)
        stored=$(metric 9401 coldtier_tierstore_pages_stored_total)
        commands=$(metric 9402 coldtier_evictor_commands_total)
        (( evicted > 0 && stored > 0 )) && return 0
        sleep 2
    done
    return 1
}
check "pipeline: agent-demo evicts, tier-store stores pages in RocksDB" pipeline_ok
log "agent-demo pages_evicted=$(metric 9405 coldtier_agent_pages_evicted_total) refaults=$(metric 9405 coldtier_agent_refaults_total) cycles=$(metric 9405 coldtier_agent_cycles_total); tier-store pages_stored=$(metric 9401 coldtier_tierstore_pages_stored_total); evictor metrics: $(curl -s localhost:9402/metrics | grep -c '^coldtier_evictor_') series"

t=$(date +%s.%N)
vmm_out=$(timeout 180 podman run --rm --privileged -v /run/coldtier:/run/coldtier "$image" vmm \
    --agent-socket /run/coldtier/agent.sock --vm-id vm-smoke --guest threads --guest-size 64m --duration 10s 2>/dev/null \
    | grep '^{' || true)
log "vmm (${vmm_out:0:200}) in $(elapsed "$t") s"
check "VMM hand-over to the agent host: ok, no data errors" grep -q '"ok":true.*"data_errors":0' <<< "$vmm_out"
check "agent host logged the hand-over" bash -c "podman logs ${project}_agent_1 2>&1 | grep -q 'accepted hand-over.*vm-smoke'"

podman stats --no-stream --format '{{.Name}} {{.MemUsage}}' 2>/dev/null | grep "$project" | sed 's/^/  memory (cgroup): /' || true

# 4. clean stop (SIGTERM, then each service logs "<name> stopped")
t=$(date +%s.%N)
"${compose[@]}" stop --timeout 30 > "$work/stop.log" 2>&1
log "compose stop took $(elapsed "$t") s"
for s in "${services[@]}"; do
    name=$s; [[ $s == agent-demo ]] && name=agent
    check "$s stopped cleanly" bash -c "podman logs ${project}_${s}_1 2>&1 | grep -q 'msg=\"$name stopped\"'"
done
finished=true
exit $(( failures > 0 ))
