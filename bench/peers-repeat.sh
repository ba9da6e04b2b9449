#!/usr/bin/env bash
# Repeats chosen side-by-side cells several times, alternating the peers, so that
# medians can be quoted on a noisy machine. Uses ../shared/bench (the neutral
# generator and the reference servers); run from the project root after `npm ci`.
#
#   bench/peers-repeat.sh                      # nchan and agentmesh, 5000x10 and 1000x100, 5 rounds
#   REPS=3 CELLS="5000x10" PEERS="agentmesh" bench/peers-repeat.sh
#   PADDED=1 bench/peers-repeat.sh             # adds nchan-padded: nchan publishing AgentMesh-sized frames
#
# Env: PEERS (nchan agentmesh), CELLS (5000x10 1000x100), REPS (5), OUT (bench/results/repeated),
#      SHARED (../shared/bench), PADDED (0). Then: node bench/peers-medians.mjs "$OUT"
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SHARED="${SHARED:-$ROOT/../shared/bench}"
OUT="${OUT:-$ROOT/bench/results/repeated}"
PEERS="${PEERS:-nchan agentmesh}"
CELLS="${CELLS:-5000x10 1000x100}"
REPS="${REPS:-5}"
[[ -x "$SHARED/run-peers.sh" ]] || { echo "peers-repeat: no $SHARED/run-peers.sh (set SHARED)" >&2; exit 64; }
[[ -x "$ROOT/node_modules/.bin/agentmesh" ]] || { echo "peers-repeat: run npm ci first" >&2; exit 64; }
mkdir -p "$OUT"
HARNESS="$SHARED"
if [[ "${PADDED:-0}" == 1 ]]; then
  # A private copy of the harness with one more peer: nchan, publishing a body the
  # size and shape of an AgentMesh agent_updated event (the generator's payload
  # sits where AgentMesh carries it, in agent.metadata), so both deliver the same bytes.
  HARNESS="$(mktemp -d)"
  trap 'rm -rf "$HARNESS"' EXIT
  cp -r "$SHARED/." "$HARNESS/"
  rm -rf "$HARNESS/results"
  cp -r "$HARNESS/peers/nchan" "$HARNESS/peers/nchan-padded"
  BODY='{"type":"agent_updated","agent_id":"bench-1","timestamp":"2026-11-29T11:31:00.647Z","changed":["metadata"],"agent":{"id":"bench-1","name":"Bench","version":"1.0.0","description":"benchmark target","endpoint":"http://127.0.0.1:9/bench","protocol":"http","skills":[],"tags":[],"provider":null,"metadata":{{payload}},"health_status":"unknown","last_heartbeat_at":null,"trust_score":0.5,"trust_tier":"reliable","revision":2,"created_at":"2026-11-29T11:31:00.058Z","updated_at":"2026-11-29T11:31:00.647Z"}}'
  sed -i "s|^BODY=.*|BODY='$BODY'|" "$HARNESS/peers/nchan-padded/peer.env"
  PEERS="nchan-padded $PEERS"
fi
cd "$ROOT"
for ((i = 1; i <= REPS; i++)); do
  for cell in $CELLS; do
    n="${cell%x*}"; r="${cell#*x}"
    for peer in $PEERS; do
      echo "peers-repeat: round $i/$REPS $peer N=$n R=$r" >&2
      PEERS="$peer" SUBS_LIST="$n" RATES="$r" PROBE=0 DATE="r$i" RESULTS="$OUT" SUMMARY="$OUT/.summary-r$i.md" \
        "$HARNESS/run-peers.sh" >/dev/null 2>&1 || echo "peers-repeat: $peer N=$n R=$r failed" >&2
    done
  done
done
rm -f "$OUT"/.summary-r*.md
# The generator records its own output path; keep machine paths out of the results.
node -e 'for (const f of process.argv.slice(1)) { const fs = require("fs"); const d = JSON.parse(fs.readFileSync(f, "utf8")); delete d.config.out; fs.writeFileSync(f, JSON.stringify(d, null, 1)); }' "$OUT"/r*-*.json
node "$ROOT/bench/peers-medians.mjs" "$OUT"
