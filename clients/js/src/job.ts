/**
 * A job as the program knows it: its id, its accounts' addresses, the `post_job` arguments (the
 * rules of the Rust sdk's `submission` module: `post_job_args`, `fresh_nonce`, `check_network`,
 * `parse_job_reference`) and the statuses the accounts store as one byte.
 */
import { blake3 } from '@noble/hashes/blake3.js';
import {
    getAddressEncoder,
    getProgramDerivedAddress,
    isAddress,
    type Address,
    type TransactionSigner,
} from '@solana/kit';

import type { Limits } from './bundle';
import { EdgerunClientError } from './errors';
import {
    EDGERUN_PROGRAM_ADDRESS,
    JobStatus,
    WorkerStatus,
    findConfigPda,
    getPostJobInstruction,
    type GlobalConfig,
    type Job,
    type PostJobInstruction,
    type PostJobInstructionDataArgs,
    type WorkerStake,
} from './generated';
import { fromHex, toHex } from './hex';

/** `job_id = blake3("edgerun-job-v1" || client || bundle_hash || nonce u64 LE)`. */
export function jobId(customer: Address, bundleHash: Uint8Array, nonce: bigint): Uint8Array {
    const nonceBytes = new Uint8Array(8);
    new DataView(nonceBytes.buffer).setBigUint64(0, nonce, true);
    const hasher = blake3.create();
    hasher.update(new TextEncoder().encode('edgerun-job-v1'));
    hasher.update(new Uint8Array(getAddressEncoder().encode(customer)));
    hasher.update(bundleHash);
    hasher.update(nonceBytes);
    return hasher.digest();
}

const seed = (text: string) => new TextEncoder().encode(text);

/** The Job account of `jobId`: PDA `["job", job_id]`. */
export async function findJobPda(id: Uint8Array): Promise<Address> {
    const [address] = await getProgramDerivedAddress({ programAddress: EDGERUN_PROGRAM_ADDRESS, seeds: [seed('job'), id] });
    return address;
}

/** A member's JobResult: PDA `["job_result", job_id, worker]`. */
export async function findJobResultPda(id: Uint8Array, worker: Address): Promise<Address> {
    const [address] = await getProgramDerivedAddress({
        programAddress: EDGERUN_PROGRAM_ADDRESS,
        seeds: [seed('job_result'), id, getAddressEncoder().encode(worker)],
    });
    return address;
}

/** The job's OutputAvailability: PDA `["output", job_id]`. */
export async function findOutputPda(id: Uint8Array): Promise<Address> {
    const [address] = await getProgramDerivedAddress({ programAddress: EDGERUN_PROGRAM_ADDRESS, seeds: [seed('output'), id] });
    return address;
}

/**
 * The Job account a reference names: a job id (64 hex digits) or the account's address
 * (`invalid_job_reference` otherwise).
 */
export async function jobAddressOf(reference: string): Promise<Address> {
    const text = reference.trim();
    if (/^[0-9a-fA-F]{64}$/.test(text)) return findJobPda(fromHex(text, 32));
    if (isAddress(text)) return text;
    throw new EdgerunClientError(
        'invalid_job_reference',
        `${JSON.stringify(text)} names no job: a job is named by its id (64 hex digits) or its account address`,
    );
}

let lastNonce = 0n;

/**
 * A fresh nonce: nanoseconds since the epoch (as the sdk's `fresh_nonce`), strictly increasing
 * within this process, so two jobs of one customer with the same bundle get different ids.
 */
export function freshNonce(): bigint {
    const now = BigInt(Date.now()) * 1_000_000n;
    lastNonce = now > lastNonce ? now : lastNonce + 1n;
    return lastNonce;
}

export interface PostJobTerms {
    customer: Address;
    bundleHash: Uint8Array;
    runtimeId: Uint8Array;
    limits: Limits;
    escrowLamports: bigint;
    nonce: bigint;
    /** The runtime's proof in the network's allow-list (none when any runtime is allowed). */
    runtimeProof?: Uint8Array[];
}

/** The `post_job` arguments of a job (`sdk::submission::post_job_args`): the id is derived from them. */
export function postJobArgs(terms: PostJobTerms): PostJobInstructionDataArgs {
    return {
        jobId: jobId(terms.customer, terms.bundleHash, terms.nonce),
        nonce: terms.nonce,
        bundleHash: terms.bundleHash,
        runtimeId: terms.runtimeId,
        escrowLamports: terms.escrowLamports,
        maxMemoryBytes: terms.limits.maxMemoryBytes,
        maxInstructions: terms.limits.maxInstructions,
        runtimeProof: terms.runtimeProof ?? [],
    };
}

/** The `post_job` instruction for `args`, signed by `customer`, with every account resolved. */
export async function postJobInstruction(
    customer: TransactionSigner,
    args: PostJobInstructionDataArgs,
): Promise<PostJobInstruction> {
    const id = new Uint8Array(args.jobId);
    return getPostJobInstruction({
        client: customer,
        config: await findConfigPda().then(([address]) => address),
        job: await findJobPda(id),
        ...args,
    }) as PostJobInstruction;
}

/**
 * What the program would refuse for this network (`sdk::submission::check_network`), before
 * anything is stored or signed: `protocol_paused`, `runtime_restricted`, `limits_exceed_network`,
 * `escrow_below_minimum`.
 */
export function checkNetwork(config: GlobalConfig, limits: Limits, escrowLamports: bigint): void {
    if (config.paused) {
        throw new EdgerunClientError('protocol_paused', 'the network is paused: no job can be posted until its admin resumes it');
    }
    if (new Uint8Array(config.allowedRuntimeRoot).some(byte => byte !== 0)) {
        throw new EdgerunClientError(
            'runtime_restricted',
            'this network only accepts jobs for listed runtimes, with a runtime proof',
        );
    }
    if (limits.maxInstructions > config.maxInstructions || limits.maxMemoryBytes > config.maxMemoryBytes) {
        throw new EdgerunClientError(
            'limits_exceed_network',
            `the job's limits (${limits.maxInstructions} instructions, ${limits.maxMemoryBytes} bytes of memory) exceed this ` +
                `network's (${config.maxInstructions} instructions, ${config.maxMemoryBytes} bytes)`,
        );
    }
    if (escrowLamports < config.minEscrowLamports) {
        throw new EdgerunClientError(
            'escrow_below_minimum',
            `an escrow of ${escrowLamports} lamports is below this network's minimum of ${config.minEscrowLamports}`,
        );
    }
}

/** The JobStatus the Job account's status byte stores; `invalid_job_status` for a byte no instruction writes. */
export function jobStatus(job: Pick<Job, 'status'>): JobStatus {
    if (!(job.status in JobStatus) || !Number.isInteger(job.status)) {
        throw new EdgerunClientError('invalid_job_status', `status byte ${job.status} is no JobStatus`);
    }
    return job.status as JobStatus;
}

/** The WorkerStatus the WorkerStake account's status byte stores; `invalid_worker_status` otherwise. */
export function workerStatus(stake: Pick<WorkerStake, 'status'>): WorkerStatus {
    if (!(stake.status in WorkerStatus) || !Number.isInteger(stake.status)) {
        throw new EdgerunClientError('invalid_worker_status', `status byte ${stake.status} is no WorkerStatus`);
    }
    return stake.status as WorkerStatus;
}

/** A status as the scheduler's API writes it: `posted`, `awaiting_da`, `finalized`, … */
export function jobStatusLabel(status: JobStatus): string {
    return JobStatus[status].replace(/[A-Z]/g, (letter, at: number) => (at === 0 ? '' : '_') + letter.toLowerCase());
}

/** Whether a job in `status` has ended (paid out or refunded). */
export function isEnded(status: JobStatus): boolean {
    return status === JobStatus.Finalized || status === JobStatus.Cancelled || status === JobStatus.Slashed;
}

/** The job id of a Job account, as 64 hex digits (how the API names jobs). */
export function jobIdHex(job: Pick<Job, 'jobId'>): string {
    return toHex(new Uint8Array(job.jobId));
}
