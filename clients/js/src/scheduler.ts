/**
 * The scheduler's job API (`scheduler/src/api`): post a job (the scheduler stores the bundle and
 * answers an unsigned `post_job` transaction; the customer checks it is exactly the one it asked
 * for, signs and relays it), follow it (server-sent events, or polling), read its output, and list
 * jobs and workers. The scheduler never holds a customer's key.
 */
import {
    AccountRole,
    decompileTransactionMessage,
    getBase64EncodedWireTransaction,
    getBase58Decoder,
    getBase64Encoder,
    getCompiledTransactionMessageDecoder,
    getTransactionDecoder,
    signBytes,
    signTransaction,
    type Address,
    type KeyPairSigner,
} from '@solana/kit';

import { contentHash, decodeBundle } from './bundle';
import { EdgerunClientError, refusal } from './errors';
import { EDGERUN_PROGRAM_ADDRESS } from './generated';
import { equalBytes, fromHex, toHex } from './hex';
import { freshNonce, postJobArgs, postJobInstruction } from './job';
import { webhookRegistrationMessage, type WebhookCreated } from './webhook';

/**
 * `POST /v1/jobs` body. The API's integers are u64: they are sent and read as bigints, written as
 * JSON integers (a nonce of nanoseconds is above 2^53, which a JS number cannot hold).
 */
export interface SubmitJobRequest {
    client: Address;
    escrow_lamports: bigint;
    /** The bundle, base64 (stored by the scheduler), or … */
    bundle?: string;
    /** … the hash of a bundle the gateway already holds. */
    bundle_hash?: string;
    /** The scheduler picks one when absent. */
    nonce?: bigint;
}

/** `POST /v1/jobs` answer. */
export interface SubmitJobResponse {
    job_id: string;
    job: Address;
    bundle_hash: string;
    bundle_newly_stored: boolean;
    escrow_lamports: bigint;
    max_instructions: bigint;
    max_memory_bytes: bigint;
    nonce: bigint;
    /** The unsigned `post_job` transaction (legacy wire format, base64). */
    transaction: string;
    blockhash: string;
    /**
     * The runtime's proof in the network's allow-list, which the transaction's `post_job`
     * carries (64 hex digits each; empty when any runtime is allowed; absent from older
     * schedulers).
     */
    runtime_proof?: string[];
}

export interface RelayResponse {
    signature: string;
    slot: number;
}

export interface Stage {
    stage: string;
    slot: number | null;
    unix_time?: number;
    detail: string;
}

export interface MemberView {
    worker: Address;
    deadline_slot: number;
    output_hash: string | null;
    submitted_slot: number | null;
    winner: boolean;
    settled: boolean;
    penalized: boolean;
    da_failed: boolean;
}

/** `GET /v1/jobs/{id}`: a job's stages, committee, output and why it waits. */
export interface JobView {
    job_id: string;
    job: Address;
    /** `posted`, `seeded`, `assigned`, `awaiting_da`, `finalized`, `cancelled`, … (see `jobStatusLabel`). */
    status: string;
    client: Address;
    escrow_lamports: number;
    posted_escrow_lamports: number;
    rent_reserve_lamports: number;
    input_unavailable: boolean;
    bundle_hash: string;
    runtime_id: string;
    max_instructions: number;
    max_memory_bytes: number;
    committee_size: number;
    quorum: number;
    timeline: Stage[];
    committee: MemberView[];
    replaced_workers: Address[];
    winning_output_hash: string | null;
    output: { output_hash: string; publisher: Address; pointer: string; published_slot: number } | null;
    payout: {
        escrow_lamports: number;
        protocol_fee_bps: number;
        fee_lamports: number;
        per_winner_lamports: number;
        winners: Address[];
    } | null;
    slot: number;
    next: string;
}

/** A row of `GET /v1/workers`. */
export interface WorkerRow {
    worker: Address;
    eligible: boolean;
    reason: string | null;
    reason_code: string | null;
    jailed_until_slot: number | null;
    total_stake_lamports: number;
    locked_stake_lamports: number;
    unlocked_stake_lamports: number;
    rewards_earned_lamports: number;
    slashed_lamports: number;
    penalized_lamports: number;
    jobs_assigned: number;
    jobs_won: number;
    jobs_slashed: number;
    jobs_missed: number;
    max_concurrent_jobs: number;
    instructions_per_second: number;
    recent_failures: number;
}

export interface WorkerList {
    slot: number;
    lock_lamports: number;
    eligible: number;
    workers: WorkerRow[];
}

export interface JobRow {
    job_id: string;
    job: Address;
    status: string;
    client: Address;
    escrow_lamports: number;
    posted_escrow_lamports: number;
    created_slot: number;
    committee_size: number;
    quorum: number;
    committee: Address[];
}

export interface JobList {
    jobs: JobRow[];
    total: number;
}

/** A job posted through the API. */
export interface PostedJob {
    jobId: string;
    job: Address;
    bundleHash: string;
    nonce: bigint;
    signature: string;
    slot: number;
}

export interface FollowOptions {
    /** Called with every view as the job moves (the first as it stands). */
    onView?: (view: JobView) => void;
    /** Give up after this long (default 5 minutes): `timeout`. */
    timeoutMs?: number;
    signal?: AbortSignal;
}

const ENDED = new Set(['finalized', 'cancelled', 'slashed']);

/** Whether a job view's status is an ending. */
export function viewHasEnded(view: Pick<JobView, 'status'>): boolean {
    return ENDED.has(view.status);
}

export interface SchedulerClientOptions {
    /** Per request (default 60 s; a relay waits for confirmation). */
    timeoutMs?: number;
}

export class SchedulerClient {
    readonly baseUrl: string;
    private readonly timeoutMs: number;

    constructor(baseUrl: string, options: SchedulerClientOptions = {}) {
        this.baseUrl = baseUrl.replace(/\/+$/, '');
        this.timeoutMs = options.timeoutMs ?? 60_000;
    }

    /** `POST /v1/jobs`: stores the bundle (when given) and answers the unsigned transaction. */
    async submitJob(request: SubmitJobRequest): Promise<SubmitJobResponse> {
        const response = await this.fetch('POST', '/v1/jobs', request);
        if (!response.ok) throw await refusal(response, 'POST /v1/jobs');
        return parseWithIntegers(await response.text(), U64_FIELDS) as unknown as SubmitJobResponse;
    }

    /** `POST /v1/transactions`: relays a signed Edgerun transaction (simulated first). */
    relayTransaction(transaction: string): Promise<RelayResponse> {
        return this.json('POST', '/v1/transactions', { transaction });
    }

    /**
     * Posts a job through the API, as `edgerun job submit --api` does: the bundle goes in the
     * request (or, with `stored`, only its hash: the gateway already holds it); the answered
     * transaction is signed only when it is exactly the `post_job` of this bundle, escrow, nonce
     * and customer (`unexpected_transaction` otherwise); then it is relayed.
     */
    async postJob(
        customer: KeyPairSigner,
        job: { bundle: Uint8Array; escrowLamports: bigint; nonce?: bigint; stored?: boolean },
    ): Promise<PostedJob> {
        const bundle = decodeBundle(job.bundle);
        const hash = toHex(contentHash(job.bundle));
        const nonce = job.nonce ?? freshNonce();
        const answer = await this.submitJob({
            client: customer.address,
            escrow_lamports: job.escrowLamports,
            ...(job.stored ? { bundle_hash: hash } : { bundle: Buffer.from(job.bundle).toString('base64') }),
            nonce,
        });
        if (answer.nonce !== nonce) throw new EdgerunClientError('unexpected_transaction', 'the scheduler answered another nonce');
        // The runtime proof is taken as answered: the program checks it against the network's
        // allow-list, and a wrong one is refused in the relay's simulation before anything is sent.
        let runtimeProof: Uint8Array[];
        try {
            runtimeProof = (answer.runtime_proof ?? []).map(node => fromHex(node, 32));
        } catch {
            throw new EdgerunClientError('unexpected_transaction', 'the scheduler answered a runtime proof that is not 32-byte hex');
        }
        const args = postJobArgs({
            customer: customer.address,
            bundleHash: contentHash(job.bundle),
            runtimeId: bundle.runtimeId,
            limits: bundle.limits,
            escrowLamports: job.escrowLamports,
            nonce,
            runtimeProof,
        });
        const expected = await postJobInstruction(customer, args);
        const bytes = new Uint8Array(getBase64Encoder().encode(answer.transaction));
        const transaction = getTransactionDecoder().decode(bytes);
        const message = decompileTransactionMessage(getCompiledTransactionMessageDecoder().decode(transaction.messageBytes));
        const unexpected = (why: string) =>
            new EdgerunClientError('unexpected_transaction', `the scheduler answered a transaction this client did not ask for: ${why}`);
        if (message.feePayer.address !== customer.address) throw unexpected('another fee payer');
        if (!('blockhash' in message.lifetimeConstraint) || message.lifetimeConstraint.blockhash !== answer.blockhash) {
            throw unexpected('another blockhash');
        }
        if (Object.keys(transaction.signatures).length !== 1 || !(customer.address in transaction.signatures)) {
            throw unexpected('signers other than the customer');
        }
        if (message.instructions.length !== 1) throw unexpected(`${message.instructions.length} instructions`);
        const [instruction] = message.instructions;
        if (instruction!.programAddress !== EDGERUN_PROGRAM_ADDRESS) throw unexpected('another program');
        if (!equalBytes(new Uint8Array(instruction!.data ?? []), new Uint8Array(expected.data))) {
            throw unexpected('other post_job arguments');
        }
        const accounts = (list: readonly { address: Address; role: AccountRole }[]) =>
            list.map(account => `${account.address}:${account.role}`).join(',');
        if (accounts(instruction!.accounts ?? []) !== accounts(expected.accounts)) throw unexpected('other accounts');
        if (answer.job_id !== toHex(new Uint8Array(args.jobId)) || answer.bundle_hash !== hash) {
            throw unexpected('another job id or bundle hash');
        }
        const signed = await signTransaction([customer.keyPair], transaction);
        const relay = await this.relayTransaction(getBase64EncodedWireTransaction(signed));
        return { jobId: answer.job_id, job: answer.job, bundleHash: hash, nonce, signature: relay.signature, slot: relay.slot };
    }

    /** `GET /v1/jobs/{id}`: by job id (hex) or job account address. */
    getJob(id: string): Promise<JobView> {
        return this.json('GET', `/v1/jobs/${encodeURIComponent(id)}`);
    }

    /** `GET /v1/jobs`, newest first. */
    listJobs(filter: { client?: Address; worker?: Address; status?: string; limit?: number } = {}): Promise<JobList> {
        const query = new URLSearchParams();
        for (const [key, value] of Object.entries(filter)) if (value !== undefined) query.set(key, String(value));
        const text = query.toString();
        return this.json('GET', `/v1/jobs${text ? `?${text}` : ''}`);
    }

    /** `GET /v1/workers`: every worker's record and eligibility. */
    listWorkers(): Promise<WorkerList> {
        return this.json('GET', '/v1/workers');
    }

    /** A worker's row of `GET /v1/workers` (`worker_not_found` when the scheduler does not list it). */
    async getWorker(worker: Address): Promise<WorkerRow> {
        const row = (await this.listWorkers()).workers.find(candidate => candidate.worker === worker);
        if (row === undefined) throw new EdgerunClientError('worker_not_found', `the scheduler lists no worker ${worker}`);
        return row;
    }

    /**
     * `POST /v1/jobs/{id}/webhooks`: has the scheduler POST the job's stage changes to `url`,
     * proving with `customer`'s signature that it is the job's customer. Keep the answer's
     * `secret` (shown once) to check deliveries with `verifyWebhookDelivery`.
     */
    async registerWebhook(jobIdHex: string, url: string, customer: KeyPairSigner): Promise<WebhookCreated> {
        const signature = await signBytes(customer.keyPair.privateKey, webhookRegistrationMessage(jobIdHex, url));
        return this.json('POST', `/v1/jobs/${encodeURIComponent(jobIdHex)}/webhooks`, {
            url,
            signature: getBase58Decoder().decode(signature),
        });
    }

    /**
     * `GET /v1/jobs/{id}/output`, checked against the job's winning output hash (hex, from its
     * view): the bytes the committee agreed on, or `hash_mismatch`.
     */
    async getJobOutput(id: string, outputHash: string): Promise<Uint8Array> {
        const response = await this.fetch('GET', `/v1/jobs/${encodeURIComponent(id)}/output`);
        if (!response.ok) throw await refusal(response, `GET /v1/jobs/${id}/output`);
        const bytes = new Uint8Array(await response.arrayBuffer());
        if (toHex(contentHash(bytes)) !== outputHash.toLowerCase()) {
            throw new EdgerunClientError('hash_mismatch', `the output of job ${id} does not hash to ${outputHash}`);
        }
        return bytes;
    }

    /**
     * Follows a job by its server-sent events (`GET /v1/jobs/{id}/events`) until it ends, and
     * answers its last view. A dropped stream is reopened (backoff from 0.5 s, at most 8 s);
     * refusals (4xx) end it at once; `job_closed` when the job was closed, `timeout` past the limit.
     */
    async followJob(id: string, options: FollowOptions = {}): Promise<JobView> {
        const deadline = Date.now() + (options.timeoutMs ?? 300_000);
        let backoff = 500;
        let last: JobView | undefined;
        while (Date.now() < deadline) {
            const controller = new AbortController();
            const timer = setTimeout(() => controller.abort(), Math.max(0, deadline - Date.now()));
            const abort = () => controller.abort();
            options.signal?.addEventListener('abort', abort);
            try {
                const response = await fetch(`${this.baseUrl}/v1/jobs/${encodeURIComponent(id)}/events`, {
                    headers: { accept: 'text/event-stream' },
                    signal: controller.signal,
                });
                if (response.status >= 400 && response.status < 500) throw await refusal(response, `GET /v1/jobs/${id}/events`);
                if (!response.ok || response.body === null) throw new Error(`HTTP ${response.status}`);
                for await (const event of serverSentEvents(response.body)) {
                    backoff = 500;
                    if (event.event === 'closed') {
                        throw new EdgerunClientError('job_closed', `job ${id} was closed (its retention window ended)`);
                    }
                    if (event.event !== 'job') continue;
                    last = JSON.parse(event.data) as JobView;
                    options.onView?.(last);
                    if (viewHasEnded(last)) return last;
                }
            } catch (error) {
                if (error instanceof EdgerunClientError) throw error;
                if (options.signal?.aborted) throw new EdgerunClientError('aborted', `following job ${id} was aborted`);
                // A transport failure or a dropped stream: reopen it after a pause.
            } finally {
                clearTimeout(timer);
                options.signal?.removeEventListener('abort', abort);
            }
            await sleep(Math.min(backoff, Math.max(0, deadline - Date.now())));
            backoff = Math.min(backoff * 2, 8_000);
        }
        throw new EdgerunClientError(
            'timeout',
            `job ${id} did not end in time${last ? ` (last seen ${last.status}: ${last.next})` : ''}`,
        );
    }

    /**
     * Follows a job by polling `GET /v1/jobs/{id}` every `intervalMs` (default 1 s) until it ends
     * (for clients that cannot hold a stream open); `timeout` past the limit.
     */
    async waitForJob(id: string, options: FollowOptions & { intervalMs?: number } = {}): Promise<JobView> {
        const deadline = Date.now() + (options.timeoutMs ?? 300_000);
        let last: JobView | undefined;
        while (Date.now() < deadline) {
            if (options.signal?.aborted) throw new EdgerunClientError('aborted', `waiting for job ${id} was aborted`);
            try {
                const view = await this.getJob(id);
                if (last === undefined || JSON.stringify(last) !== JSON.stringify(view)) options.onView?.(view);
                last = view;
                if (viewHasEnded(view)) return view;
            } catch (error) {
                // Only a transport failure is retried; a refusal (no such job, bad id) is final.
                if (!(error instanceof EdgerunClientError) || error.code !== 'unreachable') throw error;
            }
            await sleep(Math.min(options.intervalMs ?? 1_000, Math.max(0, deadline - Date.now())));
        }
        throw new EdgerunClientError(
            'timeout',
            `job ${id} did not end in time${last ? ` (last seen ${last.status}: ${last.next})` : ''}`,
        );
    }

    private async json<T>(method: string, path: string, body?: unknown): Promise<T> {
        const response = await this.fetch(method, path, body);
        if (!response.ok) throw await refusal(response, `${method} ${path}`);
        return (await response.json()) as T;
    }

    private async fetch(method: string, path: string, body?: unknown): Promise<Response> {
        try {
            return await fetch(this.baseUrl + path, {
                method,
                signal: AbortSignal.timeout(this.timeoutMs),
                ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: stringifyWithIntegers(body) }),
            });
        } catch (error) {
            throw new EdgerunClientError('unreachable', `${method} ${this.baseUrl}${path}: ${String(error)}`, { cause: error });
        }
    }
}

/** One server-sent event. */
export interface ServerSentEvent {
    event: string;
    data: string;
}

/** The events of a `text/event-stream` body (comments and keep-alives skipped). */
export async function* serverSentEvents(body: ReadableStream<Uint8Array>): AsyncGenerator<ServerSentEvent> {
    const decoder = new TextDecoder();
    let buffer = '';
    let event = 'message';
    let data: string[] = [];
    for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(chunk, { stream: true });
        let newline: number;
        while ((newline = buffer.search(/\r\n|\r|\n/)) >= 0) {
            // A `\r` at the end may be the first half of a `\r\n` split across chunks.
            if (newline === buffer.length - 1 && buffer.endsWith('\r')) break;
            const line = buffer.slice(0, newline);
            buffer = buffer.slice(newline + (buffer.startsWith('\r\n', newline) ? 2 : 1));
            if (line === '') {
                if (data.length > 0) yield { event, data: data.join('\n') };
                event = 'message';
                data = [];
            } else if (!line.startsWith(':')) {
                const colon = line.indexOf(':');
                const field = colon < 0 ? line : line.slice(0, colon);
                const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
                if (field === 'event') event = value;
                else if (field === 'data') data.push(value);
            }
        }
    }
}

/** The u64 fields of the API's answers that are read as bigints. */
const U64_FIELDS = ['escrow_lamports', 'max_instructions', 'max_memory_bytes', 'nonce'];

/** JSON text of `value` with its bigints written as JSON integers. */
export function stringifyWithIntegers(value: unknown): string {
    const marker = '\u0000bigint:';
    return JSON.stringify(value, (_key, item: unknown) => (typeof item === 'bigint' ? `${marker}${item}` : item)).replace(
        /"\\u0000bigint:(\d+)"/g,
        '$1',
    );
}

/**
 * Parses a flat JSON object whose `fields` are integers of any size, read as bigints (every other
 * value as `JSON.parse` reads it).
 */
export function parseWithIntegers(text: string, fields: string[]): Record<string, unknown> {
    const quoted = text.replace(/"([a-z_]+)"\s*:\s*(\d+)(?=\s*[,}])/g, (whole, key: string, digits: string) =>
        fields.includes(key) ? `"${key}":"${digits}"` : whole,
    );
    const parsed = JSON.parse(quoted) as Record<string, unknown>;
    for (const key of fields) if (typeof parsed[key] === 'string') parsed[key] = BigInt(parsed[key] as string);
    return parsed;
}

function sleep(ms: number): Promise<void> {
    return new Promise(resolve => setTimeout(resolve, ms));
}
