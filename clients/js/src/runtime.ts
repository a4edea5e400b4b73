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
export const WASI_RUNTIME_ID_HEX = 'df454670c61a2e1ac61b631e008e9a2333a987be6a6b4d40783fb20b50b30e7c';

export const EDGERUN_RUNTIME_ID: Uint8Array = fromHex(EDGERUN_RUNTIME_ID_HEX, 32);
export const WASI_RUNTIME_ID: Uint8Array = fromHex(WASI_RUNTIME_ID_HEX, 32);
