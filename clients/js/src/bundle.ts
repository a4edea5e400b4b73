/**
 * The bundle codec: everything a worker needs to run a job (runtime, wasm module, input, limits,
 * metadata, arguments) in the one canonical byte string the Rust sdk writes (`sdk/src/bundle.rs`,
 * PROTOCOL.md "Bundle and runtime ABI"); `bundle_hash = blake3(bytes)` names it on chain and in
 * storage.
 *
 * Version 1 (Borsh): `version u8 = 1`, `runtime_id [u8; 32]`, `wasm` and `input` (u32 LE length +
 * bytes), `limits` (`max_memory_bytes` u64 LE, `max_instructions` u64 LE), `meta` (`Option<Vec<u8>>`:
 * tag 0, or tag 1 + u32 LE length + bytes). Version 2: the same fields with version byte 2, then
 * `args` as a Borsh `Vec<String>` (u32 LE count, per argument u32 LE length + UTF-8). A bundle
 * without arguments is always version 1. Decoding is strict like the sdk's: unknown version, a
 * length above its limit, a bad option tag, a truncated field, trailing bytes, an argument that is
 * not UTF-8 or holds a NUL, and any second spelling of a bundle are refused.
 */
import { blake3 } from '@noble/hashes/blake3.js';

import { EdgerunClientError } from './errors';
import { equalBytes } from './hex';

/** The bundle version of a bundle without arguments. */
export const BUNDLE_VERSION = 1;
/** The bundle version of a bundle with arguments. */
export const BUNDLE_VERSION_ARGS = 2;
/** Largest wasm module (bytes). */
export const MAX_WASM_BYTES = 16 * 1024 * 1024;
/** Largest input (bytes). */
export const MAX_INPUT_BYTES = 64 * 1024 * 1024;
/** Largest metadata (bytes). */
export const MAX_META_BYTES = 64 * 1024;
/** Most arguments. */
export const MAX_ARGS = 256;
/** Most bytes of arguments, UTF-8, without their length prefixes. */
export const MAX_ARGS_BYTES = 64 * 1024;
const FIXED_BYTES = 1 + 32 + 4 + 4 + 8 + 8 + 1;
/** Largest encoded bundle. */
export const MAX_BUNDLE_BYTES =
    FIXED_BYTES + MAX_WASM_BYTES + MAX_INPUT_BYTES + 4 + MAX_META_BYTES + 4 + MAX_ARGS * 4 + MAX_ARGS_BYTES;

/** Resource limits a job runs under. */
export interface Limits {
    /** Cap on linear memory, bytes (the runtime rounds it down to whole 64 KiB pages). */
    maxMemoryBytes: bigint;
    /** Fuel: the instruction cap. */
    maxInstructions: bigint;
}

export interface Bundle {
    /** The runtime the bundle is written for: blake3 of its descriptor (see `runtime.ts`). */
    runtimeId: Uint8Array;
    wasm: Uint8Array;
    input: Uint8Array;
    limits: Limits;
    /** Free-form metadata (e.g. a job name): hashed with the bundle, never executed. */
    meta: Uint8Array | null;
    /** Program arguments after the program name (the WASI runtime's `argv[1..]`). */
    args: string[];
}

/** Why bytes are not a bundle, or a bundle cannot be encoded (code `invalid_bundle`). */
export class BundleError extends EdgerunClientError {
    constructor(message: string) {
        super('invalid_bundle', message);
        this.name = 'BundleError';
    }
}

const utf8 = new TextEncoder();
const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const U64_MAX = (1n << 64n) - 1n;

function checkLength(what: string, length: number, max: number): void {
    if (length > max) throw new BundleError(`${what} is ${length} bytes, above the ${max} byte limit`);
}

function checkArgs(args: string[]): Uint8Array[] {
    const encoded = args.map(arg => utf8.encode(arg));
    const bytes = encoded.reduce((sum, arg) => sum + arg.length, 0);
    if (args.length > MAX_ARGS || bytes > MAX_ARGS_BYTES) {
        throw new BundleError(
            `${args.length} arguments of ${bytes} bytes, above the limit of ${MAX_ARGS} arguments and ${MAX_ARGS_BYTES} bytes`,
        );
    }
    const nul = args.findIndex(arg => arg.includes('\0'));
    if (nul >= 0) throw new BundleError(`argument ${nul} is not UTF-8 text without NUL bytes`);
    return encoded;
}

/** The canonical encoding of `bundle`; refuses a field above its limit. */
export function encodeBundle(bundle: Bundle): Uint8Array {
    if (bundle.runtimeId.length !== 32) throw new BundleError('runtimeId must be 32 bytes');
    checkLength('wasm module', bundle.wasm.length, MAX_WASM_BYTES);
    checkLength('input', bundle.input.length, MAX_INPUT_BYTES);
    if (bundle.meta !== null) checkLength('meta', bundle.meta.length, MAX_META_BYTES);
    for (const [name, value] of [
        ['maxMemoryBytes', bundle.limits.maxMemoryBytes],
        ['maxInstructions', bundle.limits.maxInstructions],
    ] as const) {
        if (value < 0n || value > U64_MAX) throw new BundleError(`${name} is not a u64`);
    }
    const args = checkArgs(bundle.args);
    const parts: Uint8Array[] = [];
    const u32 = (value: number) => {
        const bytes = new Uint8Array(4);
        new DataView(bytes.buffer).setUint32(0, value, true);
        return bytes;
    };
    const u64 = (value: bigint) => {
        const bytes = new Uint8Array(8);
        new DataView(bytes.buffer).setBigUint64(0, value, true);
        return bytes;
    };
    parts.push(Uint8Array.of(args.length === 0 ? BUNDLE_VERSION : BUNDLE_VERSION_ARGS), bundle.runtimeId);
    parts.push(u32(bundle.wasm.length), bundle.wasm, u32(bundle.input.length), bundle.input);
    parts.push(u64(bundle.limits.maxMemoryBytes), u64(bundle.limits.maxInstructions));
    parts.push(bundle.meta === null ? Uint8Array.of(0) : Uint8Array.of(1));
    if (bundle.meta !== null) parts.push(u32(bundle.meta.length), bundle.meta);
    if (args.length > 0) {
        parts.push(u32(args.length));
        for (const arg of args) parts.push(u32(arg.length), arg);
    }
    const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
    let offset = 0;
    for (const part of parts) {
        out.set(part, offset);
        offset += part.length;
    }
    return out;
}

/** Strict decoding (see the module's documentation for what is refused). */
export function decodeBundle(bytes: Uint8Array): Bundle {
    checkLength('bundle', bytes.length, MAX_BUNDLE_BYTES);
    if (bytes.length === 0) throw new BundleError('bundle is empty');
    const version = bytes[0];
    if (version !== BUNDLE_VERSION && version !== BUNDLE_VERSION_ARGS) {
        throw new BundleError(
            `unsupported bundle version ${version} (this codec reads versions ${BUNDLE_VERSION} and ${BUNDLE_VERSION_ARGS})`,
        );
    }
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    let at = 0;
    const take = (n: number, field: string): Uint8Array => {
        if (bytes.length - at < n) throw new BundleError(`bundle truncated while reading ${field}`);
        const slice = bytes.subarray(at, at + n);
        at += n;
        return slice;
    };
    const u32 = (field: string) => {
        take(4, field);
        return view.getUint32(at - 4, true);
    };
    const u64 = (field: string) => {
        take(8, field);
        return view.getBigUint64(at - 8, true);
    };
    const vec = (field: string, max: number) => {
        const length = u32(field);
        checkLength(field, length, max);
        return take(length, field);
    };
    take(1, 'version');
    const runtimeId = take(32, 'runtime_id');
    const wasm = vec('wasm', MAX_WASM_BYTES);
    const input = vec('input', MAX_INPUT_BYTES);
    const limits = { maxMemoryBytes: u64('limits.max_memory_bytes'), maxInstructions: u64('limits.max_instructions') };
    const tag = take(1, 'meta tag')[0];
    let meta: Uint8Array | null;
    if (tag === 0) meta = null;
    else if (tag === 1) meta = vec('meta', MAX_META_BYTES);
    else throw new BundleError(`invalid meta option tag ${tag}`);
    const args: string[] = [];
    if (version === BUNDLE_VERSION_ARGS) {
        const count = u32('args');
        if (count > MAX_ARGS) throw new BundleError(`${count} arguments, above the limit of ${MAX_ARGS}`);
        let total = 0;
        for (let index = 0; index < count; index++) {
            const arg = vec('args', MAX_ARGS_BYTES - total);
            total += arg.length;
            try {
                args.push(strictUtf8.decode(arg));
            } catch {
                throw new BundleError(`argument ${index} is not UTF-8 text without NUL bytes`);
            }
        }
        checkArgs(args);
    }
    if (at !== bytes.length) throw new BundleError(`${bytes.length - at} trailing bytes after the bundle`);
    const bundle: Bundle = {
        runtimeId: runtimeId.slice(),
        wasm: wasm.slice(),
        input: input.slice(),
        limits,
        meta: meta === null ? null : meta.slice(),
        args,
    };
    // The one canonical spelling is whatever encodeBundle writes (a version-2 bundle without
    // arguments is a second spelling of a version-1 one).
    if (!equalBytes(encodeBundle(bundle), bytes)) throw new BundleError('bundle encoding is not canonical');
    return bundle;
}

/** `blake3(bytes)`: the name of a bundle or an output on chain and in storage. */
export function contentHash(bytes: Uint8Array): Uint8Array {
    return blake3(bytes);
}
