/**
 * Straight to the chain, without the scheduler's API: post a job with the generated `post_job`
 * instruction (simulated by the node before it is sent: a refusal names the program's error and
 * nothing is spent), and read a job's and a worker's accounts with the generated decoders.
 */
import {
    appendTransactionMessageInstruction,
    assertIsTransactionWithBlockhashLifetime,
    createTransactionMessage,
    getSignatureFromTransaction,
    pipe,
    sendAndConfirmTransactionFactory,
    setTransactionMessageFeePayerSigner,
    setTransactionMessageLifetimeUsingBlockhash,
    signTransactionMessageWithSigners,
    type Address,
    type GetAccountInfoApi,
    type GetEpochInfoApi,
    type GetLatestBlockhashApi,
    type GetSignatureStatusesApi,
    type KeyPairSigner,
    type Rpc,
    type RpcSubscriptions,
    type SendTransactionApi,
    type SignatureNotificationsApi,
    type SlotNotificationsApi,
} from '@solana/kit';

import { contentHash, decodeBundle } from './bundle';
import { EdgerunClientError } from './errors';
import { fetchGlobalConfig, fetchMaybeJob, fetchMaybeWorkerStake, findConfigPda, findWorkerStakePda, type Job, type WorkerStake } from './generated';
import { toHex } from './hex';
import { checkNetwork, freshNonce, jobAddressOf, postJobArgs, postJobInstruction } from './job';

export type ChainRpc = Rpc<GetAccountInfoApi & GetEpochInfoApi & GetLatestBlockhashApi & GetSignatureStatusesApi & SendTransactionApi>;
export type ChainSubscriptions = RpcSubscriptions<SignatureNotificationsApi & SlotNotificationsApi>;

/** A job posted on chain. */
export interface PostedOnChain {
    jobId: string;
    job: Address;
    bundleHash: string;
    nonce: bigint;
    signature: string;
}

/**
 * Posts a job of `bundle` (already stored in the gateway: the workers read it there) for
 * `escrowLamports`, signed and paid by `customer`. Checks the network's rules first
 * (`checkNetwork`); the node simulates the transaction before it sends it.
 */
export async function postJobOnChain(
    rpc: ChainRpc,
    rpcSubscriptions: ChainSubscriptions,
    customer: KeyPairSigner,
    job: { bundle: Uint8Array; escrowLamports: bigint; nonce?: bigint },
): Promise<PostedOnChain> {
    const bundle = decodeBundle(job.bundle);
    const [configAddress] = await findConfigPda();
    const config = await fetchGlobalConfig(rpc, configAddress);
    checkNetwork(config.data, bundle.limits, job.escrowLamports);
    const nonce = job.nonce ?? freshNonce();
    const bundleHash = contentHash(job.bundle);
    const args = postJobArgs({
        customer: customer.address,
        bundleHash,
        runtimeId: bundle.runtimeId,
        limits: bundle.limits,
        escrowLamports: job.escrowLamports,
        nonce,
    });
    const instruction = await postJobInstruction(customer, args);
    const { value: blockhash } = await rpc.getLatestBlockhash({ commitment: 'confirmed' }).send();
    const message = pipe(
        createTransactionMessage({ version: 'legacy' }),
        m => setTransactionMessageFeePayerSigner(customer, m),
        m => setTransactionMessageLifetimeUsingBlockhash(blockhash, m),
        m => appendTransactionMessageInstruction(instruction, m),
    );
    const transaction = await signTransactionMessageWithSigners(message);
    assertIsTransactionWithBlockhashLifetime(transaction);
    await sendAndConfirmTransactionFactory({ rpc, rpcSubscriptions })(transaction, { commitment: 'confirmed' });
    return {
        jobId: toHex(new Uint8Array(args.jobId)),
        job: instruction.accounts[2].address,
        bundleHash: toHex(bundleHash),
        nonce,
        signature: getSignatureFromTransaction(transaction),
    };
}

/** The Job account a reference (job id hex or address) names; `job_not_found` when there is none. */
export async function fetchJobAccount(rpc: Rpc<GetAccountInfoApi>, reference: string): Promise<Job> {
    const address = await jobAddressOf(reference);
    const account = await fetchMaybeJob(rpc, address);
    if (!account.exists) throw new EdgerunClientError('job_not_found', `no job ${reference} (never posted, or closed)`);
    return account.data;
}

/** A worker's WorkerStake record (stake, earnings, record, status); `worker_not_found` when it never registered. */
export async function fetchWorkerRecord(rpc: Rpc<GetAccountInfoApi>, worker: Address): Promise<WorkerStake> {
    const [address] = await findWorkerStakePda({ worker });
    const account = await fetchMaybeWorkerStake(rpc, address);
    if (!account.exists) throw new EdgerunClientError('worker_not_found', `${worker} is not a registered worker`);
    return account.data;
}
