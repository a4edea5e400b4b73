//! Module validation: the guest contract of PROTOCOL.md ("Bundle and runtime ABI") checked
//! before anything is compiled.
//!
//! Checks run in one pass over the module in section order, and each payload is checked by our
//! own rules *before* wasmparser's validator sees it. The first violation in byte order wins, so
//! a module breaking several rules gets the same code on every machine.
//!
//! Allowed features (everything else is rejected as `WasmInvalid` unless a more specific code
//! applies): the MVP without floats, mutable globals, sign-extension operators and multi-value.
//! These are deterministic integer features. Rejected on purpose:
//! - floats (`FloatUsed`): NaN bit patterns differ between machines;
//! - SIMD (`SimdUsed`), threads/atomics/shared memory (`ThreadsUsed`);
//! - bulk memory (an edgerun-ABI guest is `no_std` code built for the MVP: nothing needs it);
//! - reference types (table.grow/fill, multiple tables, typed select): tables stay fixed size,
//!   and the `call_indirect` table index must be the MVP's single zero byte;
//! - tail calls (they bypass the call-depth accounting), memory64, multi-memory, exceptions, GC.
//!
//! The WASI runtime ([`GuestAbi::Wasi`], see `crate::wasi`) differs in five places only: floats
//! (and the saturating float-to-int conversions) are allowed, because the engine canonicalizes
//! every NaN a float instruction produces (`cranelift_nan_canonicalization`), which leaves no
//! machine-dependent bit in a float result; `memory.copy`/`memory.fill` (bulk-memory-opt) and the
//! overlong `call_indirect` table index are allowed, because LLVM's default CPU emits them, and
//! wasmtime 48 charges the two operators one fuel unit per byte before they run (its default
//! variable operator costs), so their cost grows with their length (the rest of bulk memory and
//! of reference types stays refused: LLVM does not emit it for plain code); the imports are
//! `wasi_snapshot_preview1` functions with their preview 1 signatures (at most
//! [`MAX_WASI_IMPORTS`]); the memory's maximum may be left undeclared (the job's cap is enforced at
//! run time, as for any memory); and its initial size must fit the job's cap too
//! (`MemoryAboveCap`).
//!
//! Cost caps (`limits`, "Static caps"): what validation and compilation may cost is bounded
//! by sizes and counts alone, so a refusal is a result every worker shares. The module's size is
//! checked before anything is parsed; each section's count is checked from its header, before
//! its entries are read; a function's size before its body is read, and its control points and
//! locals as they are read. A hostile module is refused after reading at most the bytes that
//! break a cap.

use std::collections::HashMap;

use wasmparser::{
    BlockType, CompositeInnerType, FuncValidatorAllocations, Imports, Operator, Parser, Payload, TableInit, TypeRef,
    ValType, Validator, WasmFeatures,
};

use crate::descriptor::GuestAbi;
use crate::error::ErrorCode;
use crate::limits::{
    FRAME_BASE_COST, MAX_BR_TABLE_TARGETS, MAX_CONTROL_POINTS_SQUARED, MAX_DATA_SEGMENTS, MAX_ELEMENT_ITEMS,
    MAX_ELEMENT_SEGMENTS, MAX_EXPORTS, MAX_FRAME_COST, MAX_FUNCTIONS, MAX_FUNCTION_BODY_BYTES,
    MAX_FUNCTION_CONTROL_POINTS, MAX_GLOBALS, MAX_IMPORTS, MAX_MODULE_BYTES, MAX_MODULE_CONTROL_POINTS,
    MAX_MODULE_LOCALS, MAX_TABLE_ELEMENTS, MAX_TYPES, RESERVED_EXPORT_PREFIX, WASM_PAGE_BYTES,
};
use crate::wasi::{MAX_WASI_IMPORTS, WASI_IMPORTS, WASI_MODULE};

/// The feature set given to wasmparser's validator for edgerun-ABI guests.
pub fn allowed_features() -> WasmFeatures {
    // `funcref` (MVP tables) is not gated by any flag; GC_TYPES (externref/anyref) stays off.
    WasmFeatures::MUTABLE_GLOBAL | WasmFeatures::SIGN_EXTENSION | WasmFeatures::MULTI_VALUE
}

/// The feature set of `abi`'s guests.
pub fn allowed_features_for(abi: GuestAbi) -> WasmFeatures {
    match abi {
        GuestAbi::Edgerun => allowed_features(),
        // Of what LLVM's generic CPU (rustc's and clang's default) adds to these for plain code:
        // memory.copy/memory.fill (BULK_MEMORY_OPT; wasmtime charges them one fuel unit per byte)
        // and the 5-byte table index LLVM gives `call_indirect` (CALL_INDIRECT_OVERLONG), without
        // the rest of bulk memory or of reference types, which it does not emit.
        GuestAbi::Wasi => {
            allowed_features()
                | WasmFeatures::FLOATS
                | WasmFeatures::SATURATING_FLOAT_TO_INT
                | WasmFeatures::BULK_MEMORY_OPT
                | WasmFeatures::CALL_INDIRECT_OVERLONG
        }
    }
}

/// What the engine is configured with: the union over ABIs (validation, which always runs
/// first, holds each guest to its own ABI's set).
pub fn engine_features() -> WasmFeatures {
    GuestAbi::ALL.into_iter().fold(WasmFeatures::empty(), |all, abi| all | allowed_features_for(abi))
}

/// An importable host function: module-local name and exact signature `(params, results)`.
pub type HostImport = (&'static str, &'static [ValType], &'static [ValType]);

/// The three host functions and their exact signatures `(params, results)`.
pub const HOST_IMPORTS: [HostImport; 3] = [
    ("input_len", &[], &[ValType::I32]),
    ("read_input", &[ValType::I32, ValType::I32, ValType::I32], &[ValType::I32]),
    ("write_output", &[ValType::I32, ValType::I32], &[ValType::I32]),
];
/// Module name of the host imports.
pub const HOST_MODULE: &str = "edgerun";

/// A function signature, compared structurally (as `call_indirect` does).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Signature {
    pub params: Vec<ValType>,
    pub results: Vec<ValType>,
}

/// What later stages need to know about a valid module.
#[derive(Clone, Debug)]
pub struct ModuleInfo {
    /// Signature of every type index.
    pub types: Vec<Signature>,
    /// Type index of every function, imports first.
    pub function_types: Vec<u32>,
    /// Number of imported functions (they come first in the function index space).
    pub imported_functions: u32,
    /// Frame cost of every defined function (index = function index - imported_functions).
    pub frame_costs: Vec<u32>,
    /// Number of globals (none can be imported), i.e. the index a new global gets.
    pub globals: u32,
    /// The ABI the module was validated for.
    pub abi: GuestAbi,
    /// Initial size of the single memory, in pages.
    pub memory_min_pages: u64,
    /// Declared maximum of the single memory, in pages (always declared for the edgerun ABI).
    pub memory_max_pages: Option<u64>,
    /// Function index of the start section, if any.
    pub start_function: Option<u32>,
}

impl ModuleInfo {
    /// The per-job part of validation: the memory's declared maximum (and its initial size)
    /// must fit the job's cap.
    pub fn check_memory_cap(&self, max_memory_bytes: u64) -> Result<(), ErrorCode> {
        let cap = max_memory_bytes / WASM_PAGE_BYTES;
        if self.memory_max_pages.unwrap_or(0) > cap || self.memory_min_pages > cap {
            return Err(ErrorCode::MemoryAboveCap);
        }
        Ok(())
    }

    /// Cost charged to the depth counter when calling function `index` directly; host imports
    /// cost nothing (their native frames are small and bounded, covered by the stack margin).
    pub fn call_cost(&self, index: u32) -> u32 {
        index.checked_sub(self.imported_functions).map_or(0, |defined| self.frame_costs[defined as usize])
    }

    /// Cost charged for `call_indirect` of type `type_index`: the largest frame cost among the
    /// defined functions with the same signature (any other callee traps on the signature check).
    pub fn indirect_call_costs(&self) -> Vec<u32> {
        let mut by_signature: HashMap<&Signature, u32> = HashMap::new();
        for (defined, &cost) in self.frame_costs.iter().enumerate() {
            let ty = self.function_types[self.imported_functions as usize + defined];
            let entry = by_signature.entry(&self.types[ty as usize]).or_insert(0);
            *entry = (*entry).max(cost);
        }
        self.types.iter().map(|sig| by_signature.get(sig).copied().unwrap_or(0)).collect()
    }
}

/// Validates an edgerun-ABI module against the guest contract. Job-independent; combine with
/// [`ModuleInfo::check_memory_cap`] for a given job.
pub fn validate_module(wasm: &[u8]) -> Result<ModuleInfo, ErrorCode> {
    validate_module_for(GuestAbi::Edgerun, wasm)
}

/// Validates a module against `abi`'s guest contract.
pub fn validate_module_for(abi: GuestAbi, wasm: &[u8]) -> Result<ModuleInfo, ErrorCode> {
    if wasm.len() > MAX_MODULE_BYTES {
        return Err(ErrorCode::ModuleTooLarge);
    }
    let floats = abi == GuestAbi::Wasi;
    let (import_module, imports, max_imports): (&str, &[HostImport], u32) = match abi {
        GuestAbi::Edgerun => (HOST_MODULE, &HOST_IMPORTS, MAX_IMPORTS),
        GuestAbi::Wasi => (WASI_MODULE, &WASI_IMPORTS, MAX_WASI_IMPORTS),
    };
    let mut validator = Validator::new_with_features(allowed_features_for(abi));
    let mut info = ModuleInfo {
        abi,
        types: Vec::new(),
        function_types: Vec::new(),
        imported_functions: 0,
        frame_costs: Vec::new(),
        globals: 0,
        memory_min_pages: 0,
        memory_max_pages: None,
        start_function: None,
    };
    let mut memories = 0u32;
    let mut memory_exported = false;
    let mut start_export: Option<u32> = None;
    let mut allocations = FuncValidatorAllocations::default();
    let invalid = |_| ErrorCode::WasmInvalid;
    let mut costs = CompileCosts::default();

    for payload in Parser::new(0).parse_all(wasm) {
        let payload = payload.map_err(|_| ErrorCode::WasmMalformed)?;
        match &payload {
            // Components are not guests.
            Payload::Version { encoding, .. } if *encoding != wasmparser::Encoding::Module => {
                return Err(ErrorCode::WasmInvalid);
            }
            Payload::TypeSection(reader) => {
                cap(reader.count(), MAX_TYPES)?;
                for group in reader.clone() {
                    let group = group.map_err(|_| ErrorCode::WasmMalformed)?;
                    for sub_type in group.into_types() {
                        let CompositeInnerType::Func(func) = &sub_type.composite_type.inner else {
                            return Err(ErrorCode::WasmInvalid);
                        };
                        for ty in func.params().iter().chain(func.results()) {
                            check_value_type(*ty, floats)?;
                        }
                        info.types.push(Signature { params: func.params().to_vec(), results: func.results().to_vec() });
                    }
                }
            }
            Payload::ImportSection(reader) => {
                cap(reader.count(), max_imports)?;
                for group in reader.clone() {
                    let Imports::Single(_, import) = group.map_err(|_| ErrorCode::WasmMalformed)? else {
                        // The compact import encoding is a post-MVP proposal.
                        return Err(ErrorCode::WasmInvalid);
                    };
                    let TypeRef::Func(type_index) = import.ty else {
                        if let TypeRef::Memory(memory) = import.ty {
                            if memory.shared {
                                return Err(ErrorCode::ThreadsUsed);
                            }
                        }
                        return Err(ErrorCode::ForbiddenImport);
                    };
                    let Some((_, params, results)) =
                        imports.iter().find(|(name, _, _)| import.module == import_module && *name == import.name)
                    else {
                        return Err(ErrorCode::ForbiddenImport);
                    };
                    let signature = info.types.get(type_index as usize).ok_or(ErrorCode::WasmInvalid)?;
                    if signature.params != *params || signature.results != *results {
                        return Err(ErrorCode::ImportSignatureMismatch);
                    }
                    info.function_types.push(type_index);
                    info.imported_functions += 1;
                }
            }
            Payload::FunctionSection(reader) => {
                cap(reader.count(), MAX_FUNCTIONS)?;
                for type_index in reader.clone() {
                    info.function_types.push(type_index.map_err(|_| ErrorCode::WasmMalformed)?);
                }
            }
            Payload::TableSection(reader) => {
                for table in reader.clone() {
                    let table = table.map_err(|_| ErrorCode::WasmMalformed)?;
                    if table.ty.initial > MAX_TABLE_ELEMENTS {
                        return Err(ErrorCode::TableTooLarge);
                    }
                    if !matches!(table.init, TableInit::RefNull) {
                        return Err(ErrorCode::WasmInvalid);
                    }
                }
            }
            Payload::MemorySection(reader) => {
                for memory in reader.clone() {
                    let memory = memory.map_err(|_| ErrorCode::WasmMalformed)?;
                    memories += 1;
                    if memories > 1 {
                        return Err(ErrorCode::MultipleMemories);
                    }
                    if memory.shared {
                        return Err(ErrorCode::ThreadsUsed);
                    }
                    if memory.memory64 || memory.page_size_log2.is_some() {
                        return Err(ErrorCode::WasmInvalid);
                    }
                    info.memory_min_pages = memory.initial;
                    info.memory_max_pages = match (memory.maximum, abi) {
                        (None, GuestAbi::Edgerun) => return Err(ErrorCode::MemoryWithoutMaximum),
                        (maximum, _) => maximum,
                    };
                }
            }
            Payload::GlobalSection(reader) => {
                cap(reader.count(), MAX_GLOBALS)?;
                for global in reader.clone() {
                    let global = global.map_err(|_| ErrorCode::WasmMalformed)?;
                    check_value_type(global.ty.content_type, floats)?;
                    let mut ops = global.init_expr.get_operators_reader();
                    while !ops.eof() {
                        let position = ops.original_position();
                        let op = ops.read().map_err(|_| ErrorCode::WasmMalformed)?;
                        check_operator(wasm, position, &op, floats)?;
                    }
                    info.globals += 1;
                }
            }
            Payload::ExportSection(reader) => {
                cap(reader.count(), MAX_EXPORTS)?;
                for export in reader.clone() {
                    let export = export.map_err(|_| ErrorCode::WasmMalformed)?;
                    if export.name.starts_with(RESERVED_EXPORT_PREFIX) {
                        return Err(ErrorCode::ReservedExportName);
                    }
                    match (export.name, export.kind) {
                        ("_start", wasmparser::ExternalKind::Func) => start_export = Some(export.index),
                        ("memory", wasmparser::ExternalKind::Memory) => memory_exported = true,
                        _ => {}
                    }
                }
            }
            Payload::StartSection { func, .. } => info.start_function = Some(*func),
            Payload::ElementSection(reader) => {
                cap(reader.count(), MAX_ELEMENT_SEGMENTS)?;
                let mut items = 0u64;
                for element in reader.clone() {
                    let element = element.map_err(|_| ErrorCode::WasmMalformed)?;
                    items += u64::from(match element.items {
                        wasmparser::ElementItems::Functions(functions) => functions.count(),
                        wasmparser::ElementItems::Expressions(_, expressions) => expressions.count(),
                    });
                    if items > MAX_ELEMENT_ITEMS {
                        return Err(ErrorCode::ModuleTooComplex);
                    }
                }
            }
            Payload::DataCountSection { count, .. } => cap(*count, MAX_DATA_SEGMENTS)?,
            Payload::DataSection(reader) => cap(reader.count(), MAX_DATA_SEGMENTS)?,
            Payload::CodeSectionEntry(body) => {
                if body.range().len() > MAX_FUNCTION_BODY_BYTES {
                    return Err(ErrorCode::FunctionTooLarge);
                }
                let func = validator.code_section_entry(body).map_err(invalid)?;
                let mut func = func.into_validator(std::mem::take(&mut allocations));
                let defined = info.frame_costs.len();
                let type_index = *info
                    .function_types
                    .get(info.imported_functions as usize + defined)
                    .ok_or(ErrorCode::WasmInvalid)?;
                let params = info.types.get(type_index as usize).ok_or(ErrorCode::WasmInvalid)?.params.len() as u64;

                let mut locals = 0u64;
                let mut locals_reader = body.get_locals_reader().map_err(|_| ErrorCode::WasmMalformed)?;
                for _ in 0..locals_reader.get_count() {
                    let position = locals_reader.original_position();
                    let (count, ty) = locals_reader.read().map_err(|_| ErrorCode::WasmMalformed)?;
                    check_value_type(ty, floats)?;
                    costs.add_locals(count)?;
                    func.define_locals(position, count, ty).map_err(invalid)?;
                    locals += u64::from(count);
                }

                let mut max_height = 0u64;
                let mut ops = body.get_operators_reader().map_err(|_| ErrorCode::WasmMalformed)?;
                while !ops.eof() {
                    let position = ops.original_position();
                    let op = ops.read().map_err(|_| ErrorCode::WasmMalformed)?;
                    check_operator(wasm, position, &op, floats)?;
                    costs.add_operator(&op)?;
                    func.op(position, &op).map_err(invalid)?;
                    max_height = max_height.max(u64::from(func.operand_stack_height()));
                }
                // Data after the final `end`, or a body that ends inside a block.
                ops.finish().map_err(|_| ErrorCode::WasmMalformed)?;
                if func.control_stack_height() != 0 {
                    return Err(ErrorCode::WasmMalformed);
                }
                allocations = func.into_allocations();
                costs.end_function()?;

                let cost = u64::from(FRAME_BASE_COST) + params + locals + max_height;
                if cost > u64::from(MAX_FRAME_COST) {
                    return Err(ErrorCode::FunctionFrameTooLarge);
                }
                info.frame_costs.push(cost as u32);
                // The validator already saw this entry; skip the generic call below.
                continue;
            }
            _ => {}
        }
        validator.payload(&payload).map_err(invalid)?;
    }

    if memories == 0 || !memory_exported {
        return Err(ErrorCode::MissingMemoryExport);
    }
    let start_signature =
        start_export.and_then(|index| info.function_types.get(index as usize)).map(|&ty| &info.types[ty as usize]);
    if start_signature != Some(&Signature { params: vec![], results: vec![] }) {
        return Err(ErrorCode::MissingStartExport);
    }
    Ok(info)
}

/// `ModuleTooComplex` when a section declares more entries than its cap.
fn cap(count: u32, max: u32) -> Result<(), ErrorCode> {
    if count > max {
        return Err(ErrorCode::ModuleTooComplex);
    }
    Ok(())
}

/// The counts that bound compile cost (see `limits`), checked as the code is read so that a
/// module breaking one is refused at the operator that breaks it.
#[derive(Default)]
struct CompileCosts {
    /// Locals declared so far, over all functions.
    module_locals: u64,
    /// Control points so far, over all functions.
    module_control_points: u64,
    /// Control points of the function being read.
    function_control_points: u64,
    /// Sum of (control points)² of the functions read so far.
    control_points_squared: u64,
}

impl CompileCosts {
    fn add_locals(&mut self, count: u32) -> Result<(), ErrorCode> {
        self.module_locals += u64::from(count);
        if self.module_locals > MAX_MODULE_LOCALS {
            return Err(ErrorCode::ModuleTooComplex);
        }
        Ok(())
    }

    fn add_operator(&mut self, op: &Operator) -> Result<(), ErrorCode> {
        match op {
            Operator::BrTable { targets } if targets.len() > MAX_BR_TABLE_TARGETS => {
                return Err(ErrorCode::FunctionTooLarge);
            }
            Operator::Block { .. }
            | Operator::Loop { .. }
            | Operator::If { .. }
            | Operator::BrIf { .. }
            | Operator::BrTable { .. }
            | Operator::Call { .. }
            | Operator::CallIndirect { .. } => {}
            _ => return Ok(()),
        }
        self.function_control_points += 1;
        self.module_control_points += 1;
        if self.function_control_points > MAX_FUNCTION_CONTROL_POINTS {
            return Err(ErrorCode::FunctionTooLarge);
        }
        if self.module_control_points > MAX_MODULE_CONTROL_POINTS {
            return Err(ErrorCode::ModuleTooComplex);
        }
        Ok(())
    }

    /// Adds the finished function's square (at most `MAX_FUNCTION_CONTROL_POINTS`², no overflow:
    /// the sum stays below that cap plus one square).
    fn end_function(&mut self) -> Result<(), ErrorCode> {
        let points = std::mem::take(&mut self.function_control_points);
        self.control_points_squared += points * points;
        if self.control_points_squared > MAX_CONTROL_POINTS_SQUARED {
            return Err(ErrorCode::ModuleTooComplex);
        }
        Ok(())
    }
}

/// Value types allowed anywhere: i32 and i64, and f32/f64 when `floats`.
fn check_value_type(ty: ValType, floats: bool) -> Result<(), ErrorCode> {
    match ty {
        ValType::I32 | ValType::I64 => Ok(()),
        ValType::F32 | ValType::F64 if floats => Ok(()),
        ValType::F32 | ValType::F64 => Err(ErrorCode::FloatUsed),
        ValType::V128 => Err(ErrorCode::SimdUsed),
        ValType::Ref(_) => Err(ErrorCode::WasmInvalid),
    }
}

/// Operator classes with their own error codes, decided from the binary opcode (spec section
/// 5.4) so that no float, SIMD or atomic instruction slips through a match list:
/// - `0xFD` prefix: SIMD; `0xFE` prefix: threads/atomics;
/// - MVP float opcodes: f32/f64 load/store/const, comparisons, arithmetic, conversions and
///   reinterpretations (ranges below); `0xFC 0..=7`: saturating float-to-int truncations.
///
/// With `floats` (the WASI ABI) float instructions pass; SIMD and atomics never do.
fn check_operator(wasm: &[u8], position: usize, op: &Operator, floats: bool) -> Result<(), ErrorCode> {
    let opcode = wasm[position];
    match opcode {
        0xFD => return Err(ErrorCode::SimdUsed),
        0xFE => return Err(ErrorCode::ThreadsUsed),
        0x2A | 0x2B | 0x38 | 0x39 | 0x43 | 0x44 | 0x5B..=0x66 | 0x8B..=0xA6 | 0xA8..=0xAB | 0xAE..=0xBF if !floats => {
            return Err(ErrorCode::FloatUsed);
        }
        _ => {}
    }
    match op {
        Operator::I32TruncSatF32S
        | Operator::I32TruncSatF32U
        | Operator::I32TruncSatF64S
        | Operator::I32TruncSatF64U
        | Operator::I64TruncSatF32S
        | Operator::I64TruncSatF32U
        | Operator::I64TruncSatF64S
        | Operator::I64TruncSatF64U
            if floats =>
        {
            Ok(())
        }
        Operator::I32TruncSatF32S
        | Operator::I32TruncSatF32U
        | Operator::I32TruncSatF64S
        | Operator::I32TruncSatF64U
        | Operator::I64TruncSatF32S
        | Operator::I64TruncSatF32U
        | Operator::I64TruncSatF64S
        | Operator::I64TruncSatF64U => Err(ErrorCode::FloatUsed),
        Operator::Block { blockty } | Operator::Loop { blockty } | Operator::If { blockty } => match blockty {
            BlockType::Type(ty) => check_value_type(*ty, floats),
            BlockType::Empty | BlockType::FuncType(_) => Ok(()),
        },
        Operator::TypedSelect { ty } => check_value_type(*ty, floats),
        _ => Ok(()),
    }
}
