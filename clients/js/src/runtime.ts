/**
 * The runtime ids a bundle names: `runtime_id = blake3(canonical runtime descriptor)`
 * (`edgerun-guest`'s `RUNTIME_DESCRIPTOR` and `WASI_RUNTIME_DESCRIPTOR`). Workers run a job only
 * for the runtime they are; the scheduler refuses a bundle of another (`runtime_mismatch`). The
 * test vectors (`test/fixtures/vectors.json`, written by the Rust sdk's test) pin both values, so
 * a change of the runtime fails this package's tests until they are updated here.
 */
import { fromHex } from './hex';

/** Edgerun's own guest ABI (`read_input` / `write_output`). */
export const EDGERUN_RUNTIME_ID_HEX = '0c7482152ca1814e38704de3f479da7a5e683e2c25d636322d5c5b9382205560';
/** Deterministic WASI preview 1. */
export const WASI_RUNTIME_ID_HEX = '7170726d4b850218abc06be038ef43c3e5bc203fcd42ec4544f77cee732315c4';

export const EDGERUN_RUNTIME_ID: Uint8Array = fromHex(EDGERUN_RUNTIME_ID_HEX, 32);
export const WASI_RUNTIME_ID: Uint8Array = fromHex(WASI_RUNTIME_ID_HEX, 32);
