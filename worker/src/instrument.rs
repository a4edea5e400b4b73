//! Rewrites a validated module to enforce the deterministic stack rule (see
//! [`crate::limits::CALL_DEPTH_BUDGET`]) and to move the start function under host control.
//!
//! Changes, and nothing else (all other bytes are copied as they are):
//! - a new mutable i32 global, the depth counter, exported as `__edgerun_call_depth`;
//! - around every `call` of a defined function and every `call_indirect`:
//!   ```text
//!   depth += cost; if depth >u BUDGET { depth = -1; unreachable }
//!   call ...
//!   depth -= cost
//!   ```
//!   The counter is only touched by this code (the guest was validated without it, so it cannot
//!   name the new global). A trap leaves the counter at -1, which tells the host that this
//!   `unreachable` was the depth rule and not the guest's own.
//! - the start section is removed and its function exported as `__edgerun_start`; the host calls
//!   it right after instantiation, before `_start`, so a trapping start function is classified
//!   (and its depth counter read) like any other call.
//!
//! Because the instrumentation instructions are ordinary wasm, their fuel is counted like the
//! guest's own and is identical on every machine.

use wasmparser::{Operator, Parser, Payload};

use crate::error::ErrorCode;
use crate::limits::{CALL_DEPTH_BUDGET, CALL_DEPTH_GLOBAL_EXPORT, DEPTH_EXCEEDED_SENTINEL, START_FUNCTION_EXPORT};
use crate::validate::ModuleInfo;

const GLOBAL_SECTION: u8 = 6;
const EXPORT_SECTION: u8 = 7;
const START_SECTION: u8 = 8;
const CODE_SECTION: u8 = 10;

/// Returns the instrumented module. `wasm` must have passed [`crate::validate::validate_module`]
/// (which produced `info`); a parse error here is reported as `WasmMalformed`.
pub fn instrument(wasm: &[u8], info: &ModuleInfo) -> Result<Vec<u8>, ErrorCode> {
    let malformed = |_| ErrorCode::WasmMalformed;
    let depth_global = info.globals;
    let indirect_costs = info.indirect_call_costs();
    let mut out = Vec::with_capacity(wasm.len() + wasm.len() / 4);
    out.extend_from_slice(&wasm[..8]);
    let mut global_section_written = false;
    let mut code_section = Vec::new();
    let mut bodies_left = 0u32;

    for payload in Parser::new(0).parse_all(wasm) {
        let payload = payload.map_err(malformed)?;
        match &payload {
            Payload::Version { .. } | Payload::End(_) => {}
            Payload::GlobalSection(reader) => {
                let mut data = Vec::new();
                write_u32(&mut data, reader.count() + 1);
                data.extend_from_slice(&wasm[entries_start(reader.range(), wasm)?..reader.range().end]);
                push_depth_global(&mut data);
                write_section(&mut out, GLOBAL_SECTION, &data);
                global_section_written = true;
            }
            Payload::ExportSection(reader) => {
                if !global_section_written {
                    let mut data = Vec::new();
                    write_u32(&mut data, 1);
                    push_depth_global(&mut data);
                    write_section(&mut out, GLOBAL_SECTION, &data);
                    global_section_written = true;
                }
                let extra = 1 + u32::from(info.start_function.is_some());
                let mut data = Vec::new();
                write_u32(&mut data, reader.count() + extra);
                data.extend_from_slice(&wasm[entries_start(reader.range(), wasm)?..reader.range().end]);
                push_export(&mut data, CALL_DEPTH_GLOBAL_EXPORT, 0x03, depth_global);
                if let Some(start) = info.start_function {
                    push_export(&mut data, START_FUNCTION_EXPORT, 0x00, start);
                }
                write_section(&mut out, EXPORT_SECTION, &data);
            }
            Payload::StartSection { .. } => {} // replaced by the `__edgerun_start` export
            Payload::CodeSectionStart { count, .. } => {
                bodies_left = *count;
                write_u32(&mut code_section, *count);
                if *count == 0 {
                    write_section(&mut out, CODE_SECTION, &code_section);
                }
            }
            Payload::CodeSectionEntry(body) => {
                let rewritten = rewrite_body(wasm, body, info, &indirect_costs, depth_global)?;
                write_u32(&mut code_section, rewritten.len() as u32);
                code_section.extend_from_slice(&rewritten);
                bodies_left -= 1;
                if bodies_left == 0 {
                    write_section(&mut out, CODE_SECTION, &code_section);
                }
            }
            other => {
                let (id, range) = other.as_section().ok_or(ErrorCode::WasmMalformed)?;
                debug_assert_ne!(id, START_SECTION);
                write_section(&mut out, id, &wasm[range]);
            }
        }
    }
    Ok(out)
}

/// Offset of the first entry of a vector section (just past its count).
fn entries_start(range: std::ops::Range<usize>, wasm: &[u8]) -> Result<usize, ErrorCode> {
    let mut reader = wasmparser::BinaryReader::new(&wasm[range.clone()], range.start);
    reader.read_var_u32().map_err(|_| ErrorCode::WasmMalformed)?;
    Ok(reader.original_position())
}

fn rewrite_body(
    wasm: &[u8],
    body: &wasmparser::FunctionBody,
    info: &ModuleInfo,
    indirect_costs: &[u32],
    depth_global: u32,
) -> Result<Vec<u8>, ErrorCode> {
    let malformed = |_| ErrorCode::WasmMalformed;
    let range = body.range();
    let mut ops = body.get_operators_reader().map_err(malformed)?;
    let mut out = Vec::with_capacity(range.len() + 16);
    // Locals declarations and every instruction up to the next call are copied verbatim.
    let mut copied_up_to = range.start;
    while !ops.eof() {
        let position = ops.original_position();
        let op = ops.read().map_err(malformed)?;
        let cost = match op {
            Operator::Call { function_index } => info.call_cost(function_index),
            Operator::CallIndirect { type_index, .. } => indirect_costs[type_index as usize],
            _ => continue,
        };
        if cost == 0 {
            continue;
        }
        let end = ops.original_position();
        out.extend_from_slice(&wasm[copied_up_to..position]);
        push_depth_enter(&mut out, depth_global, cost);
        out.extend_from_slice(&wasm[position..end]);
        push_depth_leave(&mut out, depth_global, cost);
        copied_up_to = end;
    }
    out.extend_from_slice(&wasm[copied_up_to..range.end]);
    Ok(out)
}

// Opcodes used by the injected code (spec section 5.4).
const UNREACHABLE: u8 = 0x00;
const IF: u8 = 0x04;
const EMPTY_BLOCK: u8 = 0x40;
const END: u8 = 0x0B;
const GLOBAL_GET: u8 = 0x23;
const GLOBAL_SET: u8 = 0x24;
const I32_CONST: u8 = 0x41;
const I32_GT_U: u8 = 0x4B;
const I32_ADD: u8 = 0x6A;
const I32_SUB: u8 = 0x6B;

/// `depth = depth <op> cost`, with `op` one of `I32_ADD` / `I32_SUB`.
fn push_depth_adjust(out: &mut Vec<u8>, global: u32, cost: u32, op: u8) {
    out.push(GLOBAL_GET);
    write_u32(out, global);
    out.push(I32_CONST);
    write_i32(out, cost as i32);
    out.push(op);
    out.push(GLOBAL_SET);
    write_u32(out, global);
}

/// `depth += cost; if depth >u BUDGET { depth = SENTINEL; unreachable }`
fn push_depth_enter(out: &mut Vec<u8>, global: u32, cost: u32) {
    push_depth_adjust(out, global, cost, I32_ADD);
    out.push(GLOBAL_GET);
    write_u32(out, global);
    out.push(I32_CONST);
    write_i32(out, CALL_DEPTH_BUDGET as i32);
    out.push(I32_GT_U);
    out.extend([IF, EMPTY_BLOCK, I32_CONST]);
    write_i32(out, DEPTH_EXCEEDED_SENTINEL);
    out.push(GLOBAL_SET);
    write_u32(out, global);
    out.extend([UNREACHABLE, END]);
}

/// `depth -= cost`
fn push_depth_leave(out: &mut Vec<u8>, global: u32, cost: u32) {
    push_depth_adjust(out, global, cost, I32_SUB);
}

/// `(global (mut i32) (i32.const 0))`
fn push_depth_global(out: &mut Vec<u8>) {
    out.extend([0x7F, 0x01, I32_CONST, 0x00, END]);
}

fn push_export(out: &mut Vec<u8>, name: &str, kind: u8, index: u32) {
    write_u32(out, name.len() as u32);
    out.extend_from_slice(name.as_bytes());
    out.push(kind);
    write_u32(out, index);
}

fn write_section(out: &mut Vec<u8>, id: u8, data: &[u8]) {
    out.push(id);
    write_u32(out, data.len() as u32);
    out.extend_from_slice(data);
}

/// Appends `value` as unsigned LEB128, wasm's integer encoding (also what tests building modules
/// byte by byte use).
pub fn write_u32(out: &mut Vec<u8>, mut value: u32) {
    loop {
        let byte = (value & 0x7F) as u8;
        value >>= 7;
        if value == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

/// Signed LEB128.
fn write_i32(out: &mut Vec<u8>, mut value: i32) {
    loop {
        let byte = (value & 0x7F) as u8;
        value >>= 7;
        let done = (value == 0 && byte & 0x40 == 0) || (value == -1 && byte & 0x40 != 0);
        if done {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leb128_encodings() {
        let mut out = Vec::new();
        write_u32(&mut out, 624_485);
        assert_eq!(out, [0xE5, 0x8E, 0x26]);
        out.clear();
        write_i32(&mut out, -123_456);
        assert_eq!(out, [0xC0, 0xBB, 0x78]);
        out.clear();
        write_i32(&mut out, 64);
        assert_eq!(out, [0xC0, 0x00]);
        out.clear();
        write_i32(&mut out, -1);
        assert_eq!(out, [0x7F]);
    }
}
