"""Calls every route of the scheduler's OpenAPI document through a client generated from it.

scripts/api-fuzz.sh generates the client (openapi-python-client, pinned in
scripts/api-fuzz-requirements.txt) from the /openapi.json the scheduler serves, puts it on
PYTHONPATH as `edgerun_api`, and runs this against the same scheduler and local network the
fuzzer uses. Each call goes through the generated module of its operation and its answer must
parse into the generated model the document names for that status; at the end every operation
of the document (path and method) must have been called, so a route added to the document
without a call here fails the check.

Usage: api_client_check.py API_URL JOB_ID BUNDLE_FILE
"""

import base64
import json
import re
import secrets
import sys
import types
from pathlib import Path

import httpx
from edgerun_api import Client
from edgerun_api.api.default import health, metrics, openapi_json
from edgerun_api.api.jobs import get_job, job_events, list_jobs, relay_transaction, submit_job
from edgerun_api.api.network import events, network
from edgerun_api.api.output import job_output
from edgerun_api.api.webhooks import register_webhook
from edgerun_api.api.workers import list_workers
from edgerun_api.models import (
    ErrorResponse,
    Health,
    JobList,
    JobStatusName,
    JobStreamEvent,
    JobView,
    NetworkReport,
    NetworkStreamEvent,
    OpenapiJsonResponse200,
    RelayRequest,
    SubmitJobRequest,
    SubmitJobResponse,
    WebhookRequest,
    WorkerList,
)
from edgerun_api.types import File, Response

# A stream's first event must arrive within this, and so must every other answer.
TIMEOUT_S = 15.0
BASE58_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"

# (method, path template) of every operation called, checked against the document at the end.
called: set[tuple[str, str]] = set()


def fail(message: str) -> None:
    print(f"api-client-check: {message}", file=sys.stderr)
    sys.exit(1)


def record(module: types.ModuleType) -> None:
    """Notes the operation a generated module calls, as (method, the document's path template):
    the generator writes both literally into the module's `_get_kwargs`."""
    source = Path(module.__file__).read_text()
    method = re.search(r'"method": "(\w+)"', source)
    url = re.search(r'"url": "([^"]+)"', source)
    if not method or not url:
        fail(f"cannot read the method and path of the generated {module.__name__}")
    called.add((method[1].upper(), url[1]))


def expect(response: Response, status: int, model: type, what: str):
    """The answer has the status and parsed into the generated model; returns the parsed model."""
    if response.status_code != status:
        fail(f"{what}: status {response.status_code}, expected {status}: {response.content[:500]!r}")
    if not isinstance(response.parsed, model):
        fail(f"{what}: parsed into {type(response.parsed).__name__}, expected {model.__name__}")
    return response.parsed


def expect_error(response: Response, status: int, code: str, what: str) -> ErrorResponse:
    error = expect(response, status, ErrorResponse, what)
    if error.code != code:
        fail(f"{what}: error code {error.code!r}, expected {code!r} ({error.error})")
    return error


def first_event(client: Client, module: types.ModuleType, model: type, what: str, **path_params: str):
    """Opens a server-sent event stream through the generated module's request and parses its first
    event into the generated model. The generated sync() reads a whole body, which a stream that
    never ends does not have, so the request it builds is sent streaming and closed after one event."""
    record(module)
    request = module._get_kwargs(**path_params)
    with client.get_httpx_client().stream(**request) as answer:
        if answer.status_code != 200:
            fail(f"{what}: status {answer.status_code}")
        if not answer.headers.get("content-type", "").startswith("text/event-stream"):
            fail(f"{what}: content type {answer.headers.get('content-type')!r}")
        fields: dict[str, list[str]] = {}
        for line in answer.iter_lines():
            if line == "":
                if "data" in fields:
                    break
                fields = {}
                continue
            if line.startswith(":"):
                continue  # a comment (keep-alive)
            name, _, value = line.partition(":")
            fields.setdefault(name, []).append(value.removeprefix(" "))
        else:
            fail(f"{what}: the stream ended before its first event")
    event = {"event": fields.get("event", ["message"])[0], "data": "\n".join(fields["data"])}
    try:
        return model.from_dict(event)
    except (KeyError, ValueError) as error:
        fail(f"{what}: the first event {event!r} does not parse into {model.__name__}: {error!r}")


def base58(data: bytes) -> str:
    number, text = int.from_bytes(data, "big"), ""
    while number:
        number, digit = divmod(number, 58)
        text = BASE58_ALPHABET[digit] + text
    return "1" * (len(data) - len(data.lstrip(b"\0"))) + text


def main() -> None:
    if len(sys.argv) != 4:
        fail(__doc__.strip().splitlines()[-1])
    api, job_id, bundle_file = sys.argv[1:]
    client = Client(base_url=api, timeout=httpx.Timeout(TIMEOUT_S), raise_on_unexpected_status=True)

    # The document the client was generated from, read through the client itself.
    record(openapi_json)
    document = expect(openapi_json.sync_detailed(client=client), 200, OpenapiJsonResponse200, "GET /openapi.json")
    document = document.to_dict()

    record(health)
    status = expect(health.sync_detailed(client=client), 200, Health, "GET /health")
    if status.status != "ok":
        fail(f"GET /health: {status.status}")

    record(metrics)
    exposition = metrics.sync_detailed(client=client)
    if exposition.status_code != 200 or not isinstance(exposition.parsed, str):
        fail(f"GET /metrics: status {exposition.status_code}, parsed {type(exposition.parsed).__name__}")
    if "# TYPE" not in exposition.parsed:
        fail("GET /metrics: not a Prometheus exposition")

    # The demo job, by id and through the list's filters.
    record(get_job)
    job = expect(get_job.sync_detailed(job_id, client=client), 200, JobView, "GET /v1/jobs/{id}")
    if job.job_id != job_id:
        fail(f"GET /v1/jobs/{{id}}: job_id {job.job_id}, asked for {job_id}")

    record(list_jobs)
    status_name = JobStatusName(job.status)
    worker = job.committee[0].worker if job.committee else None
    filters = {"client_query": job.client, "status": status_name, "limit": 5}
    if worker:
        filters["worker"] = worker
    jobs = expect(list_jobs.sync_detailed(client=client, **filters), 200, JobList, "GET /v1/jobs (filtered)")
    if job_id not in {row.job_id for row in jobs.jobs}:
        fail(f"GET /v1/jobs with {filters}: the demo job is not listed")
    expect_error(list_jobs.sync_detailed(client=client, limit=0), 400, "invalid_limit", "GET /v1/jobs?limit=0")

    # Its output, as bytes, with the hash the job view has for it.
    record(job_output)
    output = job_output.sync_detailed(job_id, client=client)
    # The document says binary (`format: binary`): the generator hands the body over as a File.
    if output.status_code != 200 or not isinstance(output.parsed, File):
        fail(f"GET /v1/jobs/{{id}}/output: status {output.status_code}, parsed {type(output.parsed).__name__}")
    if output.parsed.payload.read() != output.content or not output.content:
        fail("GET /v1/jobs/{id}/output: the File's bytes are not the answer's body")
    hash_header = output.headers.get("x-edgerun-output-hash")
    if not job.output or hash_header != job.output.output_hash:
        fail(f"GET /v1/jobs/{{id}}/output: hash header {hash_header}, the job's output {job.output}")

    event = first_event(client, job_events, JobStreamEvent, "GET /v1/jobs/{id}/events", id=job_id)
    if event.event.value == "job":
        view = JobView.from_dict(json.loads(event.data))
        if view.job_id != job_id:
            fail(f"GET /v1/jobs/{{id}}/events: the first event is about {view.job_id}")

    first_event(client, events, NetworkStreamEvent, "GET /v1/events")

    record(list_workers)
    workers = expect(list_workers.sync_detailed(client=client), 200, WorkerList, "GET /v1/workers")
    if not workers.workers:
        fail("GET /v1/workers: no workers, though the demo job ran")

    record(network)
    report = expect(network.sync_detailed(client=client), 200, NetworkReport, "GET /v1/network")
    if report.jobs_total < 1:
        fail("GET /v1/network: no jobs, though the demo job ran")

    # A job posted with a whole bundle: the scheduler stores it and answers the transaction to sign.
    record(submit_job)
    bundle = base64.b64encode(Path(bundle_file).read_bytes()).decode()
    posted = expect(
        submit_job.sync_detailed(
            client=client,
            body=SubmitJobRequest(client=job.client, escrow_lamports=job.posted_escrow_lamports, bundle=bundle),
        ),
        200,
        SubmitJobResponse,
        "POST /v1/jobs",
    )
    if not re.fullmatch(r"[0-9a-f]{64}", posted.job_id) or posted.job_id == job_id:
        fail(f"POST /v1/jobs: job id {posted.job_id}")

    # That transaction as it came, unsigned, is refused before anything is sent; so is one that is
    # not a transaction at all.
    record(relay_transaction)
    expect_error(
        relay_transaction.sync_detailed(client=client, body=RelayRequest(transaction=posted.transaction)),
        400,
        "unsigned_transaction",
        "POST /v1/transactions (unsigned)",
    )
    expect_error(
        relay_transaction.sync_detailed(client=client, body=RelayRequest(transaction="AAAA")),
        400,
        "invalid_transaction",
        "POST /v1/transactions (not a transaction)",
    )

    # A webhook signed by a stranger (64 random bytes are no signature of the customer's key).
    record(register_webhook)
    expect_error(
        register_webhook.sync_detailed(
            job_id,
            client=client,
            body=WebhookRequest(url="https://example.com/edgerun-hook", signature=base58(secrets.token_bytes(64))),
        ),
        403,
        "not_the_customer",
        "POST /v1/jobs/{id}/webhooks",
    )

    documented = {(method.upper(), path) for path, item in document["paths"].items() for method in item}
    if documented - called:
        fail(f"the document has operations this check does not call: {sorted(documented - called)}")
    if called - documented:
        fail(f"called operations the document does not have: {sorted(called - documented)}")
    print(f"api-client-check: {len(called)} operations called through the generated client", file=sys.stderr)


if __name__ == "__main__":
    main()
