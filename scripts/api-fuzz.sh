#!/usr/bin/env bash
# Holds the scheduler's API to its OpenAPI document from the outside, with tools nobody here wrote:
#  1. openapi-spec-validator lints the document the scheduler serves at /openapi.json (OpenAPI 3.1);
#  2. schemathesis fuzzes every route from that document (its examples, its edge cases, then random
#     valid and invalid requests) and fails on any 5xx, any status code the document does not
#     list for the route, any body that does not match the listed schema, any content type not
#     listed, any missing documented header, and any request the document forbids but the API
#     accepts;
#  3. the network-wide event stream (/v1/events never ends, so it is not fuzzed) must open as
#     text/event-stream;
#  4. a Python client generated from the document by openapi-python-client calls every route of it
#     (scripts/api_client_check.py): each answer parses into the generated model, and an operation
#     of the document the check does not call fails it.
# Against a real scheduler on a local network of its own: edgerun-localnet (the surfpool validator
# with the program and its config, the storage gateway, and one demo job run end to end, so the
# job routes have a real job to answer about) and edgerun-scheduler, on free loopback ports, the
# scheduler's rate limit raised so the fuzzer is not answered 429 (the document lists 429 anyway).
# The fuzzer runs twice: every route with generated ids, then the routes of one job with the demo
# job's id (a job view, its event stream, its output, the job list with a row in it). Every process it starts is stopped on exit. The tools are pinned
# (scripts/api-fuzz-requirements.txt) in a private virtualenv under target/api-fuzz.
# Needs target/debug/edgerun-localnet, target/debug/edgerun-scheduler, target/debug/edgerun (it
# builds the bundle the client check posts), target/deploy/edgerun.so and target/guests/json_redact.wasm.
# Run by scripts/test.sh after the cargo tests; `bash scripts/api-fuzz.sh` alone works too.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

bin=${EDGERUN_BIN_DIR:-target/debug}
work=$PWD/target/api-fuzz
requirements=scripts/api-fuzz-requirements.txt
venv=$work/venv
# Requests per operation in the fuzzing phase; the examples and coverage phases add their own.
max_examples=${API_FUZZ_MAX_EXAMPLES:-100}
started=$SECONDS

guest=target/guests/json_redact.wasm
for file in "$bin/edgerun-localnet" "$bin/edgerun-scheduler" "$bin/edgerun" target/deploy/edgerun.so "$guest"; do
    [[ -e $file ]] || { echo "api-fuzz: no $file (build it first: cargo build --locked --bins, scripts/build-program.sh)" >&2; exit 1; }
done

# The pinned tools, reinstalled only when the pins change.
mkdir -p "$work"
if ! cmp -s "$requirements" "$venv/requirements.txt" 2>/dev/null; then
    rm -rf "$venv"
    if ! python3 -m venv "$venv" 2>/dev/null; then
        # Debian's python3 keeps venv in a package of its own.
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null
        python3 -m venv "$venv"
    fi
    "$venv/bin/pip" install --quiet --disable-pip-version-check --no-input -r "$requirements"
    cp "$requirements" "$venv/requirements.txt"
fi

run=$(mktemp -d "$work/run.XXXXXX")
pids=()
stop_all() {
    local status=$?
    # The scheduler first, then the validator and the gateway (SIGINT: their graceful stop).
    for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
        kill -INT "${pids[i]}" 2>/dev/null || true
        for _ in $(seq 1 100); do kill -0 "${pids[i]}" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "${pids[i]}" 2>/dev/null || true
        wait "${pids[i]}" 2>/dev/null || true
    done
    if ((status != 0)); then
        echo "api-fuzz: failed; the services' logs:" >&2
        tail -n 40 "$run"/*.log >&2 || true
    fi
    rm -rf "$run"
    exit "$status"
}
trap stop_all EXIT
trap 'exit 130' INT TERM

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
# A field of the JSON documents a file holds one after another (the first that has it).
json_field() {
    python3 - "$@" <<'PY'
import json, sys
text, key = open(sys.argv[1]).read(), sys.argv[2].split(".")
decoder, at = json.JSONDecoder(), 0
while True:
    while at < len(text) and text[at].isspace():
        at += 1
    value, at = decoder.raw_decode(text, at)
    for part in key:
        value = value.get(part) if isinstance(value, dict) else None
    if value is not None:
        print(value)
        break
PY
}

# The validator (program deployed, config initialized; the scheduler key holds both authorities)
# and the storage gateway, on ports the OS picks; it prints their URLs as JSON once ready, then
# the demo job's outcome.
"$bin/edgerun-localnet" --program target/deploy/edgerun.so --port 0 --ws-port 0 --storage-port 0 \
    --keys-dir "$run/keys" --storage-dir "$run/storage" --demo "$guest" >"$run/localnet.json" 2>"$run/localnet.log" &
pids+=($!)
for _ in $(seq 1 480); do
    json_field "$run/localnet.json" demo.job_id >/dev/null 2>&1 && break
    kill -0 "${pids[0]}" 2>/dev/null || { echo "api-fuzz: edgerun-localnet exited" >&2; exit 1; }
    sleep 0.5
done
rpc_url=$(json_field "$run/localnet.json" rpc_url)
ws_url=$(json_field "$run/localnet.json" ws_url)
storage_url=$(json_field "$run/localnet.json" storage_url)
job_id=$(json_field "$run/localnet.json" demo.job_id)

api_port=$(free_port)
api=http://127.0.0.1:$api_port
"$bin/edgerun-scheduler" --url "$rpc_url" --ws-url "$ws_url" --keypair "$run/keys/scheduler.json" \
    --storage "$storage_url" --listen "127.0.0.1:$api_port" \
    --rate-limit 1000000 --rate-limit-burst 1000000 >"$run/scheduler.log" 2>&1 &
pids+=($!)
# Up, and its index loaded (until then the job routes answer 503 `not_loaded`).
for _ in $(seq 1 240); do
    [[ $(curl -s -o /dev/null -w '%{http_code}' "$api/v1/jobs") == 200 ]] && break
    kill -0 "${pids[1]}" 2>/dev/null || { echo "api-fuzz: edgerun-scheduler exited" >&2; exit 1; }
    sleep 0.5
done
[[ $(curl -s -o /dev/null -w '%{http_code}' "$api/health") == 200 ]] || { echo "api-fuzz: the scheduler is not healthy" >&2; exit 1; }
echo "api-fuzz: network up in $((SECONDS - started)) s; scheduler at $api" >&2

# 1. The served document, linted.
curl -sSf "$api/openapi.json" -o "$run/openapi.json"
cp "$run/openapi.json" "$work/openapi.json"  # kept for reading after the run
"$venv/bin/openapi-spec-validator" "$run/openapi.json"

# 3. The endless stream opens as one (curl's time limit ends it: exit 28 is expected).
curl -sS -N --max-time 2 -D "$run/events.headers" -o /dev/null "$api/v1/events" || [[ $? == 28 ]]
grep -qi '^content-type: text/event-stream' "$run/events.headers" \
    || { echo "api-fuzz: /v1/events is not text/event-stream:" >&2; cat "$run/events.headers" >&2; exit 1; }

# 2. The fuzzer. Deterministic (fixed seed, no example database) so a failure reproduces; one
# worker (two threads trip a CPython 3.11 ast.parse error inside hypothesis).
fuzz_options=(
    --checks not_a_server_error,status_code_conformance,content_type_conformance,response_headers_conformance,response_schema_conformance,negative_data_rejection
    --phases examples,coverage,fuzzing
    --exclude-path /v1/events
    --max-examples "$max_examples"
    --seed 17
    --generation-database none
    --request-timeout 20
    --workers 1
    --no-color
    --suppress-health-check all
)
fuzz_started=$SECONDS
# From the run's folder: schemathesis and hypothesis keep their caches in the current folder.
cd "$run"
"$venv/bin/schemathesis" run "$api/openapi.json" "${fuzz_options[@]}"
# The demo job's routes, its id given (every other parameter still generated).
printf '[parameters]\n"path.id" = "%s"\n' "$job_id" >"$run/schemathesis.toml"
"$venv/bin/schemathesis" --config-file "$run/schemathesis.toml" run "$api/openapi.json" "${fuzz_options[@]}" \
    --include-path-regex '^/v1/jobs'
cd - >/dev/null
echo "api-fuzz: fuzzing took $((SECONDS - fuzz_started)) s" >&2

# 4. A client generated from the served document (the generator's formatter, ruff, from the venv)
# calls every route, posting a bundle of the demo guest built against this network.
client_started=$SECONDS
PATH=$venv/bin:$PATH "$venv/bin/openapi-python-client" generate --path "$run/openapi.json" \
    --output-path "$run/client/edgerun_api" --meta none >"$run/client-generate.log" 2>&1 \
    || { cat "$run/client-generate.log" >&2; exit 1; }
printf '{"name": "api-client-check", "ssn": "000-00-0000"}' >"$run/bundle-input.json"
"$bin/edgerun" bundle build --wasm "$guest" --input "$run/bundle-input.json" --url "$rpc_url" \
    --out "$run/bundle.bin" -o json >/dev/null
PYTHONPATH=$run/client "$venv/bin/python" scripts/api_client_check.py "$api" "$job_id" "$run/bundle.bin"
echo "api-fuzz: the generated client's check took $((SECONDS - client_started)) s, the whole check $((SECONDS - started)) s" >&2
