//! The engine, the compiled-module cache and one execution.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};

use edgerun_sdk::bundle::{bundle_hash, Bundle, BundleError, Limits};
use wasmtime::{
    Config, Engine, InstanceAllocationStrategy, InstancePre, Linker, Module, OptLevel, PoolingAllocationConfig, Store,
    StoreLimitsBuilder, Trap, Val,
};

use crate::descriptor::GuestAbi;
use crate::error::ErrorCode;
use crate::host::{self, HostState};
use crate::instrument::instrument;
use crate::limits::{
    CALL_DEPTH_GLOBAL_EXPORT, DEFAULT_MAX_WASM_STACK, DEPTH_EXCEEDED_SENTINEL, MAX_TABLE_ELEMENTS,
    START_FUNCTION_EXPORT, WASM32_MAX_MEMORY_BYTES,
};
use crate::report::ExecutionReport;
use crate::validate::{engine_features, validate_module_for, ModuleInfo};
use crate::wasi::{self, WasiState};

/// wasmtime requires `async_stack_size >= max_wasm_stack` whenever its `async` feature is
/// compiled in, even though executions here are synchronous.
const ASYNC_STACK_MARGIN: usize = 256 * 1024;

/// Linear memory kept resident (and zeroed in place) between executions, per pool slot.
const KEEP_RESIDENT_BYTES: usize = 8 << 20;

/// Worker-side settings. None of them can change a result (those live in `limits` and the
/// descriptor); they size the machine's resources.
#[derive(Clone, Debug)]
pub struct RuntimeConfig {
    /// Largest `max_memory_bytes` this worker accepts; jobs above it are refused, not run.
    pub max_memory_bytes: u64,
    /// Native stack for wasm (`Config::max_wasm_stack`). Results do not depend on it as long as
    /// it is at least [`DEFAULT_MAX_WASM_STACK`]; smaller values are for tests.
    pub max_wasm_stack: usize,
    /// How many executions may run at once (pooling allocator slots).
    pub concurrent_executions: u32,
    /// How many compiled modules are kept.
    pub module_cache_entries: usize,
    /// How many bytes of compiled modules are kept (see [`ModuleCacheStats::bytes`]); the least
    /// recently used are evicted first. A module larger than this is compiled for each use.
    pub module_cache_bytes: usize,
}

impl Default for RuntimeConfig {
    fn default() -> Self {
        RuntimeConfig {
            max_memory_bytes: 1 << 30,
            max_wasm_stack: DEFAULT_MAX_WASM_STACK,
            concurrent_executions: 16,
            module_cache_entries: 256,
            // A module at the caps compiles to tens of MiB; the demo guests to a few hundred KiB.
            module_cache_bytes: 256 << 20,
        }
    }
}

/// Conditions under which a worker must not answer at all (as opposed to a failed result,
/// which is an answer committees agree on).
#[derive(Debug, thiserror::Error)]
pub enum RuntimeError {
    /// The bundle was written for a runtime this worker does not run.
    #[error("bundle runtime_id {found} is none of this worker's runtimes ({expected})")]
    RuntimeIdMismatch { expected: String, found: String },
    /// The job asks for more memory than this worker is configured for.
    #[error("job asks for {requested} bytes of memory, this worker runs at most {supported}")]
    MemoryLimitUnsupported { requested: u64, supported: u64 },
    /// Wasm exhausted the native stack before the deterministic budget: must not happen (see
    /// `limits::DEFAULT_MAX_WASM_STACK`); not a result because another machine may differ.
    #[error("native stack exhausted before the call-depth budget (max_wasm_stack too small?)")]
    NativeStackExhausted,
    /// Engine failure unrelated to the guest (pool exhausted, mmap failure, a bug).
    #[error("engine failure: {0}")]
    Engine(String),
}

fn engine_error(error: wasmtime::Error) -> RuntimeError {
    RuntimeError::Engine(format!("{error:#}"))
}

/// A validated, instrumented and compiled module, ready to instantiate cheaply.
struct CompiledModule {
    info: ModuleInfo,
    pre: InstancePre<HostState>,
}

/// Cache entry: a module rejected at validation is remembered too, so hostile modules cost one
/// validation, not one per job.
type CacheEntry = Result<Arc<CompiledModule>, ErrorCode>;

/// Bytes charged for an entry on top of its compiled image: the key, the map slots and the
/// `ModuleInfo`/`InstancePre` bookkeeping. A rejected module costs this alone, so a flood of
/// distinct hostile modules is bounded by the entry cap and the byte cap both.
const CACHE_ENTRY_OVERHEAD_BYTES: usize = 1024;

/// What the module cache holds (`Runtime::module_cache_stats`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ModuleCacheStats {
    /// Modules cached, compiled or rejected.
    pub entries: usize,
    /// Bytes charged for them: each compiled module's image (its machine code, metadata and data
    /// segments, as wasmtime maps them), the wasm's own length for wasmtime's per-module
    /// tables, and [`CACHE_ENTRY_OVERHEAD_BYTES`] per entry.
    pub bytes: usize,
    /// Modules evicted since the runtime started.
    pub evictions: u64,
    /// Modules compiled (or rejected) since the runtime started: cache misses.
    pub compilations: u64,
}

struct Cached {
    entry: CacheEntry,
    bytes: usize,
    /// Position in `ModuleCache::recency`.
    used: u64,
}

/// Map from `blake3(ABI tag || wasm)` to compiled module, bounded in entries and in bytes, evicting the
/// least recently used.
struct ModuleCache {
    max_entries: usize,
    max_bytes: usize,
    entries: HashMap<[u8; 32], Cached>,
    /// Use counter → key, oldest first.
    recency: BTreeMap<u64, [u8; 32]>,
    clock: u64,
    bytes: usize,
    evictions: u64,
    compilations: u64,
    /// Hashes being compiled right now: a second job with the same wasm waits for the first
    /// compile instead of doing the same work (and holding the same memory) beside it.
    compiling: HashSet<[u8; 32]>,
}

impl ModuleCache {
    fn new(max_entries: usize, max_bytes: usize) -> Self {
        ModuleCache {
            max_entries: max_entries.max(1),
            max_bytes,
            entries: HashMap::new(),
            recency: BTreeMap::new(),
            clock: 0,
            bytes: 0,
            evictions: 0,
            compilations: 0,
            compiling: HashSet::new(),
        }
    }

    /// The entry for `key`, now the most recently used.
    fn get(&mut self, key: &[u8; 32]) -> Option<CacheEntry> {
        let cached = self.entries.get_mut(key)?;
        self.recency.remove(&cached.used);
        self.clock += 1;
        cached.used = self.clock;
        self.recency.insert(self.clock, *key);
        Some(cached.entry.clone())
    }

    /// Keeps `entry`, evicting the least recently used until both caps hold. An entry larger
    /// than the whole byte cap is not kept (it would evict everything and still not fit).
    fn insert(&mut self, key: [u8; 32], entry: CacheEntry, bytes: usize) {
        if bytes > self.max_bytes || self.entries.contains_key(&key) {
            return;
        }
        while self.entries.len() >= self.max_entries || self.bytes + bytes > self.max_bytes {
            let Some((_, oldest)) = self.recency.pop_first() else { break };
            if let Some(evicted) = self.entries.remove(&oldest) {
                self.bytes -= evicted.bytes;
                self.evictions += 1;
            }
        }
        self.clock += 1;
        self.recency.insert(self.clock, key);
        self.entries.insert(key, Cached { entry, bytes, used: self.clock });
        self.bytes += bytes;
    }

    fn stats(&self) -> ModuleCacheStats {
        ModuleCacheStats {
            entries: self.entries.len(),
            bytes: self.bytes,
            evictions: self.evictions,
            compilations: self.compilations,
        }
    }
}

/// [`ModuleCacheStats`] as Prometheus metrics (see [`Runtime::register_metrics`]).
struct ModuleCacheMetrics {
    cache: Arc<Mutex<ModuleCache>>,
    bytes: prometheus::IntGauge,
    entries: prometheus::IntGauge,
    evictions: prometheus::IntCounter,
    compilations: prometheus::IntCounter,
}

impl ModuleCacheMetrics {
    fn new(cache: Arc<Mutex<ModuleCache>>) -> prometheus::Result<Self> {
        Ok(ModuleCacheMetrics {
            cache,
            bytes: prometheus::IntGauge::new("module_cache_bytes", "Bytes charged to the compiled-module cache")?,
            entries: prometheus::IntGauge::new("module_cache_entries", "Modules in the cache, compiled or rejected")?,
            evictions: prometheus::IntCounter::new(
                "module_cache_evictions_total",
                "Modules evicted from the cache (least recently used first)",
            )?,
            compilations: prometheus::IntCounter::new(
                "module_compilations_total",
                "Modules validated and compiled (cache misses)",
            )?,
        })
    }
}

impl prometheus::core::Collector for ModuleCacheMetrics {
    fn desc(&self) -> Vec<&prometheus::core::Desc> {
        [self.bytes.desc(), self.entries.desc(), self.evictions.desc(), self.compilations.desc()].concat()
    }

    fn collect(&self) -> Vec<prometheus::proto::MetricFamily> {
        let stats = self.cache.lock().unwrap_or_else(PoisonError::into_inner).stats();
        self.bytes.set(i64::try_from(stats.bytes).unwrap_or(i64::MAX));
        self.entries.set(i64::try_from(stats.entries).unwrap_or(i64::MAX));
        self.evictions.inc_by(stats.evictions.saturating_sub(self.evictions.get()));
        self.compilations.inc_by(stats.compilations.saturating_sub(self.compilations.get()));
        [self.bytes.collect(), self.entries.collect(), self.evictions.collect(), self.compilations.collect()].concat()
    }
}

/// Removes a hash from `compiling` and wakes the jobs waiting for it, however the compile ended
/// (a result, an engine error or a panic), so no waiter is left waiting for nothing.
struct CompilingGuard<'a> {
    runtime: &'a Runtime,
    key: [u8; 32],
}

impl Drop for CompilingGuard<'_> {
    fn drop(&mut self) {
        self.runtime.lock_cache().compiling.remove(&self.key);
        self.runtime.compiled_signal.notify_all();
    }
}

/// The deterministic runtime. Cheap to share (`&self` everywhere); executions on different
/// threads run in parallel.
pub struct Runtime {
    engine: Engine,
    linker: Linker<HostState>,
    /// Shared with the `/metrics` collector ([`Runtime::register_metrics`]).
    cache: Arc<Mutex<ModuleCache>>,
    /// Signalled when a compile ends (see `ModuleCache::compiling`).
    compiled_signal: Condvar,
    config: RuntimeConfig,
}

impl Runtime {
    /// Builds the engine with the pinned feature set, fuel and pooling allocation.
    pub fn new(config: RuntimeConfig) -> Result<Runtime, RuntimeError> {
        let mut engine_config = Config::new();
        engine_config
            .consume_fuel(true)
            .max_wasm_stack(config.max_wasm_stack)
            .async_stack_size(config.max_wasm_stack + ASYNC_STACK_MARGIN)
            .cranelift_opt_level(OptLevel::Speed)
            .wasm_backtrace_max_frames(None)
            // Every NaN a float instruction produces gets the one canonical bit pattern, so float
            // results are the same on every machine (the WASI ABI allows floats; the edgerun ABI
            // refuses them at validation, and its code is unchanged by this setting).
            .cranelift_nan_canonicalization(true)
            // Exactly the features some ABI's validation allows, so the engine rejects what
            // every validation rejects (defence in depth; validation runs first, holds each guest
            // to its own ABI's features and gives the error codes).
            .wasm_features(wasmtime::WasmFeatures::all(), false)
            .wasm_features(engine_features(), true);

        let mut pool = PoolingAllocationConfig::default();
        let slots = config.concurrent_executions.max(1);
        pool.total_core_instances(slots)
            .total_memories(slots)
            .total_tables(slots)
            .max_memories_per_module(1)
            .max_tables_per_module(1)
            .table_elements(MAX_TABLE_ELEMENTS as usize)
            // Reset reused memory with memset instead of returning it to the kernel: the next
            // job then does not page-fault its first megabytes back in.
            .linear_memory_keep_resident(KEEP_RESIDENT_BYTES)
            .max_memory_size(
                usize::try_from(config.max_memory_bytes)
                    .map_err(|_| RuntimeError::Engine("max_memory_bytes does not fit usize".into()))?,
            );
        engine_config.allocation_strategy(InstanceAllocationStrategy::Pooling(pool));

        let engine = Engine::new(&engine_config).map_err(engine_error)?;
        let mut linker = Linker::new(&engine);
        host::add_to_linker(&mut linker).map_err(engine_error)?;
        wasi::add_to_linker(&mut linker).map_err(engine_error)?;
        let cache = Arc::new(Mutex::new(ModuleCache::new(config.module_cache_entries, config.module_cache_bytes)));
        Ok(Runtime { engine, linker, cache, compiled_signal: Condvar::new(), config })
    }

    /// The settings this runtime was built with.
    pub fn config(&self) -> &RuntimeConfig {
        &self.config
    }

    /// Number of modules (compiled or rejected) currently cached.
    pub fn cached_modules(&self) -> usize {
        self.lock_cache().entries.len()
    }

    /// What the module cache holds and has done (for `/metrics` and tests).
    pub fn module_cache_stats(&self) -> ModuleCacheStats {
        self.lock_cache().stats()
    }

    /// Adds the module cache to `registry`, read at each scrape: `module_cache_bytes` and
    /// `module_cache_entries` (gauges), `module_cache_evictions_total` and
    /// `module_compilations_total` (counters), under the registry's prefix.
    pub fn register_metrics(&self, registry: &prometheus::Registry) -> prometheus::Result<()> {
        registry.register(Box::new(ModuleCacheMetrics::new(Arc::clone(&self.cache))?))
    }

    /// The cache's state stays consistent at every await-free step, so a panic elsewhere while
    /// it was held leaves nothing half-done: keep using it rather than poison every later job.
    fn lock_cache(&self) -> MutexGuard<'_, ModuleCache> {
        self.cache.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Runs a bundle exactly as a worker does. Undecodable bundles are results (every worker
    /// decodes the same bytes the same way); a bundle for a runtime this worker lacks is refused.
    pub fn execute_bundle(&self, bundle_bytes: &[u8]) -> Result<ExecutionReport, RuntimeError> {
        let bundle = match Bundle::decode(bundle_bytes) {
            Ok(bundle) => bundle,
            Err(error) => return Ok(ExecutionReport::failure(bundle_error_code(&error), 0)),
        };
        self.execute_decoded(&bundle, &bundle_hash(bundle_bytes))
    }

    /// Runs a decoded bundle whose bytes hash to `bundle_hash` under the runtime it names (the
    /// WASI runtime seeds `random_get` with the hash). Arguments are a WASI matter: an
    /// edgerun-ABI bundle that carries some ends with `BundleMalformed`.
    pub fn execute_decoded(&self, bundle: &Bundle, bundle_hash: &[u8; 32]) -> Result<ExecutionReport, RuntimeError> {
        match GuestAbi::from_runtime_id(&bundle.runtime_id) {
            Some(GuestAbi::Edgerun) if !bundle.args.is_empty() => {
                Ok(ExecutionReport::failure(ErrorCode::BundleMalformed, 0))
            }
            Some(GuestAbi::Edgerun) => self.execute(&bundle.wasm, &bundle.input, bundle.limits),
            Some(GuestAbi::Wasi) => {
                self.execute_wasi(&bundle.wasm, &bundle.input, bundle.limits, &bundle.args, bundle_hash)
            }
            None => Err(RuntimeError::RuntimeIdMismatch {
                expected: GuestAbi::describe_runtimes(),
                found: hex::encode(bundle.runtime_id),
            }),
        }
    }

    /// Validates (cached), instantiates and runs the edgerun-ABI module `wasm` on `input` under
    /// `limits`.
    pub fn execute(&self, wasm: &[u8], input: &[u8], limits: Limits) -> Result<ExecutionReport, RuntimeError> {
        self.run(GuestAbi::Edgerun, wasm, input, limits, None)
    }

    /// Runs the WASI command module `wasm` with `input` as stdin, `argv = [PROGRAM_NAME, args..]`
    /// and `random_get` seeded by `bundle_hash`. A run that returns or calls `proc_exit` succeeds
    /// with the WASI result record (`edgerun_guest::wasi::result_record`).
    pub fn execute_wasi(
        &self,
        wasm: &[u8],
        input: &[u8],
        limits: Limits,
        args: &[String],
        bundle_hash: &[u8; 32],
    ) -> Result<ExecutionReport, RuntimeError> {
        self.run(GuestAbi::Wasi, wasm, input, limits, Some(WasiState::new(args, bundle_hash)))
    }

    fn run(
        &self,
        abi: GuestAbi,
        wasm: &[u8],
        input: &[u8],
        limits: Limits,
        wasi: Option<WasiState>,
    ) -> Result<ExecutionReport, RuntimeError> {
        let memory_cap = limits.max_memory_bytes.min(WASM32_MAX_MEMORY_BYTES);
        if memory_cap > self.config.max_memory_bytes {
            return Err(RuntimeError::MemoryLimitUnsupported {
                requested: limits.max_memory_bytes,
                supported: self.config.max_memory_bytes,
            });
        }
        let module = match self.compiled(abi, wasm)? {
            Ok(module) => module,
            Err(code) => return Ok(ExecutionReport::failure(code, 0)),
        };
        if let Err(code) = module.info.check_memory_cap(limits.max_memory_bytes) {
            return Ok(ExecutionReport::failure(code, 0));
        }

        let store_limits = StoreLimitsBuilder::new()
            .memory_size(memory_cap as usize)
            .table_elements(MAX_TABLE_ELEMENTS as usize)
            .instances(1)
            .memories(1)
            .tables(1)
            .trap_on_grow_failure(false)
            .build();
        let state = HostState { input: input.to_vec(), output: None, abort: None, limits: store_limits, wasi };
        let mut store = Store::new(&self.engine, state);
        store.limiter(|state| &mut state.limits);
        store.set_fuel(limits.max_instructions).map_err(engine_error)?;

        let instance = match module.pre.instantiate(&mut store) {
            Ok(instance) => instance,
            // Data or element segments that do not fit trap here, before any code ran.
            Err(error) => {
                return classify_failure(&mut store, None, error, limits).map(|code| ExecutionReport::failure(code, 0));
            }
        };
        let mut run = || -> wasmtime::Result<()> {
            if let Some(start) = instance.get_func(&mut store, START_FUNCTION_EXPORT) {
                start.typed::<(), ()>(&store)?.call(&mut store, ())?;
            }
            instance.get_typed_func::<(), ()>(&mut store, "_start")?.call(&mut store, ())
        };
        let result = run();
        let fuel_used = limits.max_instructions - store.get_fuel().map_err(engine_error)?;
        if let Some(wasi) = store.data_mut().wasi.take() {
            return wasi_outcome(&mut store, &instance, result, wasi, fuel_used, limits);
        }
        match result {
            Ok(()) => match store.data_mut().output.take() {
                Some(output) => Ok(ExecutionReport::success(output, fuel_used)),
                None => Ok(ExecutionReport::failure(ErrorCode::NoOutput, fuel_used)),
            },
            Err(error) => {
                let code = classify_failure(&mut store, Some(&instance), error, limits)?;
                Ok(ExecutionReport::failure(code, fuel_used))
            }
        }
    }

    /// The compiled module for `wasm`, from the cache or built now. `Ok(Err(code))` is a
    /// deterministic rejection of the module.
    fn compiled(&self, abi: GuestAbi, wasm: &[u8]) -> Result<CacheEntry, RuntimeError> {
        // The same bytes validate differently under each ABI, so the ABI is part of the key.
        let abi_tag: u8 = match abi {
            GuestAbi::Edgerun => 0,
            GuestAbi::Wasi => 1,
        };
        let key = *blake3::Hasher::new().update(&[abi_tag]).update(wasm).finalize().as_bytes();
        let mut cache = self.lock_cache();
        loop {
            if let Some(entry) = cache.get(&key) {
                return Ok(entry);
            }
            if !cache.compiling.contains(&key) {
                break;
            }
            // Another job compiles the same wasm: wait for its result. If it could not be
            // cached (too large, or an engine error), the loop compiles it here.
            cache = self.compiled_signal.wait(cache).unwrap_or_else(PoisonError::into_inner);
        }
        cache.compiling.insert(key);
        cache.compilations += 1;
        drop(cache);
        let _guard = CompilingGuard { runtime: self, key };
        // Compile outside the lock: compilation is the slow part and other jobs must not wait.
        let entry = self.compile(abi, wasm)?;
        let bytes = CACHE_ENTRY_OVERHEAD_BYTES
            + match &entry {
                Ok(module) => {
                    let image = module.pre.module().image_range();
                    (image.end as usize - image.start as usize) + wasm.len()
                }
                Err(_) => 0,
            };
        self.lock_cache().insert(key, entry.clone(), bytes);
        Ok(entry)
    }

    fn compile(&self, abi: GuestAbi, wasm: &[u8]) -> Result<CacheEntry, RuntimeError> {
        let info = match validate_module_for(abi, wasm) {
            Ok(info) => info,
            Err(code) => return Ok(Err(code)),
        };
        let instrumented = match instrument(wasm, &info) {
            Ok(bytes) => bytes,
            Err(code) => return Ok(Err(code)),
        };
        // A validated module that fails to compile after instrumentation is our bug, not the
        // guest's: refuse rather than publish a result.
        let module = Module::new(&self.engine, &instrumented).map_err(engine_error)?;
        let pre = self.linker.instantiate_pre(&module).map_err(engine_error)?;
        Ok(Ok(Arc::new(CompiledModule { info, pre })))
    }
}

pub(crate) fn bundle_error_code(error: &BundleError) -> ErrorCode {
    match error {
        BundleError::UnsupportedVersion(_) => ErrorCode::BundleUnsupportedVersion,
        BundleError::BundleTooLarge { .. }
        | BundleError::WasmTooLarge { .. }
        | BundleError::InputTooLarge { .. }
        | BundleError::MetaTooLarge { .. }
        | BundleError::ArgsTooLarge { .. } => ErrorCode::BundleTooLarge,
        BundleError::Empty
        | BundleError::InvalidArg { .. }
        | BundleError::Truncated { .. }
        | BundleError::InvalidOptionTag(_)
        | BundleError::TrailingBytes(_)
        | BundleError::NonCanonical => ErrorCode::BundleMalformed,
    }
}

/// The end of a WASI run: returning from `_start` is exit code 0, `proc_exit(n)` is `n`, both a
/// success whose bytes are the WASI result record; anything else fails as in the edgerun ABI
/// (and drops stdout). Stderr goes to the log, whatever the end.
fn wasi_outcome(
    store: &mut Store<HostState>,
    instance: &wasmtime::Instance,
    result: wasmtime::Result<()>,
    wasi: WasiState,
    fuel_used: u64,
    limits: Limits,
) -> Result<ExecutionReport, RuntimeError> {
    if wasi.stderr_bytes > 0 {
        tracing::info!(
            stderr_bytes = wasi.stderr_bytes,
            stderr = %String::from_utf8_lossy(&wasi.stderr),
            "guest stderr (first {} bytes; not part of the result)",
            wasi::STDERR_LOG_BYTES
        );
    }
    let exit_code = match (result, wasi.exit_code) {
        (Ok(()), _) => 0,
        // `proc_exit` ran to its end (a host abort would have recorded its code first).
        (Err(_), Some(code)) if store.data().abort.is_none() => code,
        (Err(error), _) => {
            let code = classify_failure(store, Some(instance), error, limits)?;
            return Ok(ExecutionReport::failure(code, fuel_used));
        }
    };
    Ok(ExecutionReport::success(edgerun_guest::wasi::result_record(exit_code, &wasi.stdout), fuel_used))
}

/// Maps an execution error to its code. Host aborts win (their code was recorded before the
/// trap); then wasm traps; anything else is an engine failure, not a result.
fn classify_failure(
    store: &mut Store<HostState>,
    instance: Option<&wasmtime::Instance>,
    error: wasmtime::Error,
    limits: Limits,
) -> Result<ErrorCode, RuntimeError> {
    if let Some(code) = store.data().abort {
        return Ok(code);
    }
    let Some(trap) = error.downcast_ref::<Trap>() else {
        return Err(engine_error(error));
    };
    let code = match trap {
        Trap::OutOfFuel => ErrorCode::OutOfFuel,
        Trap::StackOverflow => return Err(RuntimeError::NativeStackExhausted),
        Trap::MemoryOutOfBounds => ErrorCode::MemoryOutOfBounds,
        Trap::TableOutOfBounds => ErrorCode::TableOutOfBounds,
        Trap::IndirectCallToNull => ErrorCode::IndirectCallToNull,
        Trap::BadSignature => ErrorCode::IndirectCallSignatureMismatch,
        Trap::IntegerOverflow => ErrorCode::IntegerOverflow,
        Trap::IntegerDivisionByZero => ErrorCode::IntegerDivideByZero,
        Trap::UnreachableCodeReached => {
            let depth = instance
                .and_then(|instance| instance.get_global(&mut *store, CALL_DEPTH_GLOBAL_EXPORT))
                .map(|global| global.get(&mut *store));
            if matches!(depth, Some(Val::I32(DEPTH_EXCEEDED_SENTINEL))) {
                ErrorCode::CallDepthExceeded
            } else {
                ErrorCode::Unreachable
            }
        }
        // The remaining traps need features validation rejects (floats, atomics, GC, ...).
        other => return Err(RuntimeError::Engine(format!("unexpected trap {other:?} (limits {limits:?})"))),
    };
    Ok(code)
}
