//! Assembles the program's IDL (`idl/edgerun.json`) from what anchor-lang 2.0.0-rc.1's macros
//! print under the program crate's `idl-build` feature.
//!
//! `cargo test -p edgerun --lib --features idl-build __anchor_private_print_idl -- --show-output`
//! runs the `#[test]` functions the macros emit; each prints one `--- IDL begin <kind> ---` …
//! `--- IDL end <kind> ---` block: `address` (the program id), `program` (instructions, accounts,
//! types), `errors` (one per `#[error_code]` enum), `event` (one per `#[event]`, with the types it
//! needs) and `const` (one per `#[constant]`); the program adds `type` blocks of its own (one
//! type definition each: the status enums its accounts store as raw bytes, which nothing in its
//! interface refers to by type). [`assemble`] puts them together the way
//! `anchor-lang-idl` 0.2.0's builder (what the Anchor CLI runs) does — same blocks, same merge,
//! same alphabetical order of instructions, accounts, events, types and constants, same checks on
//! discriminators — without that builder's own cargo call (it forces `RUSTFLAGS=-A warnings`,
//! which rebuilds every dependency in a shared target directory).
//!
//! One difference: type definitions nothing refers to are left out (see
//! `prune_unreferenced_types`), except the program's own `type` blocks.
//!
//! Stricter than that builder: an unknown block kind, a block whose JSON has fields the IDL spec
//! (`anchor-lang-idl-spec` 0.1.0) does not know (they would be dropped silently), two different
//! definitions of one type name, a `defined` type with no definition and a doc line with a Rust
//! intra-doc link (``[`Job::status`]``, meaningless to a client generated from the IDL) are
//! errors.

use std::collections::BTreeMap;

use anchor_lang_idl_spec::{Idl, IdlConst, IdlErrorCode, IdlEvent, IdlTypeDef};
use anyhow::{anyhow, bail, ensure, Context, Result};
use serde::{de::DeserializeOwned, Deserialize, Serialize};
use serde_json::Value;

/// The payload of an `event` block: the event and every type it needs.
#[derive(Deserialize, Serialize)]
struct EventBlock {
    event: IdlEvent,
    types: Vec<IdlTypeDef>,
}

/// One `--- IDL begin <kind> ---` … `--- IDL end <kind> ---` block of the test output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Block {
    pub kind: String,
    pub body: String,
}

/// Every IDL block of `output`, in order. Lines outside blocks (libtest's own) are ignored.
pub fn blocks(output: &str) -> Result<Vec<Block>> {
    let mut blocks = Vec::new();
    let mut open: Option<(String, Vec<&str>)> = None;
    for (number, line) in output.lines().enumerate() {
        let line = line.trim_end_matches('\r');
        match open.as_mut() {
            None => {
                if let Some(kind) = marker(line, "begin") {
                    open = Some((kind.to_owned(), Vec::new()));
                } else if let Some(kind) = marker(line, "end") {
                    bail!("line {}: `--- IDL end {kind} ---` without a begin", number + 1);
                }
            }
            Some((kind, lines)) => {
                if let Some(end) = marker(line, "end") {
                    ensure!(end == kind, "line {}: block `{kind}` closed as `{end}`", number + 1);
                    blocks.push(Block { kind: kind.clone(), body: lines.join("\n") });
                    open = None;
                } else if marker(line, "begin").is_some() {
                    bail!("line {}: block `{kind}` not closed before the next begins", number + 1);
                } else {
                    lines.push(line);
                }
            }
        }
    }
    if let Some((kind, _)) = open {
        bail!("block `{kind}` is never closed");
    }
    Ok(blocks)
}

fn marker<'a>(line: &'a str, which: &str) -> Option<&'a str> {
    line.strip_prefix("--- IDL ")?.strip_prefix(which)?.strip_prefix(' ')?.strip_suffix(" ---")
}

/// Parses `json` as a `T` and fails when `T` would drop or change anything in it (a field the
/// spec does not know): the re-serialized value must equal the printed one once the spec's
/// omitted defaults (`null`, `false`, `[]`) are removed from both.
fn parse_exact<T: DeserializeOwned + Serialize>(what: &str, json: &str) -> Result<T> {
    let mut printed: Value = serde_json::from_str(json).with_context(|| format!("{what}: not JSON"))?;
    enum_variants_by_their_name(&mut printed);
    let parsed: T = serde_json::from_value(printed.clone()).with_context(|| format!("{what}: not IDL spec 0.1.0"))?;
    let again = serde_json::to_value(&parsed)?;
    if without_defaults(&printed) != without_defaults(&again) {
        bail!(
            "{what}: the IDL spec 0.1.0 types do not hold everything anchor-lang printed\n  printed: {}\n  kept:    {}",
            without_defaults(&printed),
            without_defaults(&again)
        );
    }
    Ok(parsed)
}

/// anchor-lang 2.0.0-rc.1's `#[derive(IdlType)]` prints an enum's variants under `fields`
/// (`{"kind":"enum","fields":[{"name":"Posted"}, …]}`); the IDL spec (and every reader of it)
/// names them `variants`. Renamed here, in every block, wherever an enum has `fields` and no
/// `variants`.
fn enum_variants_by_their_name(value: &mut Value) {
    match value {
        Value::Object(map) => {
            if map.get("kind").and_then(Value::as_str) == Some("enum") && !map.contains_key("variants") {
                if let Some(variants) = map.remove("fields") {
                    map.insert("variants".to_owned(), variants);
                }
            }
            map.values_mut().for_each(enum_variants_by_their_name);
        }
        Value::Array(items) => items.iter_mut().for_each(enum_variants_by_their_name),
        _ => {}
    }
}

fn without_defaults(value: &Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .filter(|(_, v)| {
                    !matches!(v, Value::Null | Value::Bool(false)) && v.as_array().is_none_or(|a| !a.is_empty())
                })
                .map(|(k, v)| (k.clone(), without_defaults(v)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(without_defaults).collect()),
        other => other.clone(),
    }
}

/// The IDL from `output`, the stdout of the `__anchor_private_print_idl` tests.
pub fn assemble(output: &str) -> Result<Idl> {
    let summary_ok = output
        .lines()
        .any(|line| line.starts_with("test result: ok.") && !line.starts_with("test result: ok. 0 passed"));
    ensure!(summary_ok, "no `test result: ok.` line with passed tests: the IDL tests did not run");

    let mut address = None;
    let mut program: Option<Idl> = None;
    let mut errors: Vec<IdlErrorCode> = Vec::new();
    let mut events: Vec<IdlEvent> = Vec::new();
    let mut constants: Vec<IdlConst> = Vec::new();
    let mut event_types: Vec<IdlTypeDef> = Vec::new();
    let mut program_types: Vec<IdlTypeDef> = Vec::new();
    for block in blocks(output)? {
        match block.kind.as_str() {
            "address" => {
                let line = block.body.trim();
                ensure!(
                    (32..=44).contains(&line.len()) && line.chars().all(|c| c.is_ascii_alphanumeric()),
                    "address block: `{line}` is not a base58 address"
                );
                ensure!(address.replace(line.to_owned()).is_none(), "two address blocks");
            }
            "program" => {
                let idl: Idl = parse_exact("program block", &block.body)?;
                ensure!(program.replace(idl).is_none(), "two program blocks");
            }
            "errors" => errors.extend(parse_exact::<Vec<IdlErrorCode>>("errors block", &block.body)?),
            "event" => {
                let event: EventBlock = parse_exact("event block", &block.body)?;
                events.push(event.event);
                event_types.extend(event.types);
            }
            "const" => constants.push(parse_exact("const block", &block.body)?),
            "type" => program_types.push(parse_exact("type block", &block.body)?),
            other => bail!("unknown IDL block `{other}` (a newer anchor-lang?): teach tools/idl about it"),
        }
    }
    let mut idl = program.ok_or_else(|| anyhow!("no program block"))?;
    idl.address = address.ok_or_else(|| anyhow!("no address block"))?;

    // One definition per type name: the program's and every event's must agree.
    let mut types: BTreeMap<String, IdlTypeDef> = BTreeMap::new();
    let kept: Vec<String> = program_types.iter().map(|t| t.name.clone()).collect();
    for ty in idl.types.drain(..).chain(event_types).chain(program_types) {
        match types.get(&ty.name) {
            Some(known) if *known != ty => bail!("two different definitions of type `{}`", ty.name),
            Some(_) => {}
            None => {
                types.insert(ty.name.clone(), ty);
            }
        }
    }
    idl.types = types.into_values().collect();
    idl.events = events;
    idl.errors = errors;
    idl.constants = constants;
    prune_unreferenced_types(&mut idl, kept)?;

    idl.accounts.sort_by(|a, b| a.name.cmp(&b.name));
    idl.constants.sort_by(|a, b| a.name.cmp(&b.name));
    idl.events.sort_by(|a, b| a.name.cmp(&b.name));
    idl.instructions.sort_by(|a, b| a.name.cmp(&b.name));
    idl.types.sort_by(|a, b| a.name.cmp(&b.name));
    idl.errors.sort_by_key(|e| e.code);

    verify(&idl)?;
    Ok(idl)
}

/// Drops the type definitions nothing refers to. anchor-lang 2.0.0-rc.1 registers `PodBool`,
/// `PodU16` and `PodU64` aliases (`{"kind":"type","alias":…}`) for zero-copy account fields that
/// it describes as plain `bool`/`u16`/`u64` anyway; nothing references them, and codama's Anchor
/// converter (`@codama/nodes-from-anchor` 1.5) rejects that alias form. The roots are instruction
/// arguments, accounts, events, constants (an account's or event's type has its name) and `kept`.
fn prune_unreferenced_types(idl: &mut Idl, kept: Vec<String>) -> Result<()> {
    let mut pending: Vec<String> = kept;
    pending.extend(idl.accounts.iter().map(|a| a.name.clone()));
    pending.extend(idl.events.iter().map(|e| e.name.clone()));
    undefined_references(&serde_json::to_value((&idl.instructions, &idl.constants))?, &[], &mut pending);
    let mut reachable: Vec<String> = Vec::new();
    while let Some(name) = pending.pop() {
        if reachable.contains(&name) {
            continue;
        }
        if let Some(ty) = idl.types.iter().find(|t| t.name == name) {
            undefined_references(&serde_json::to_value(ty)?, &[], &mut pending);
        }
        reachable.push(name);
    }
    idl.types.retain(|t| reachable.contains(&t.name));
    Ok(())
}

/// `anchor-lang-idl`'s checks (non-empty, prefix-free discriminators; no account discriminator
/// that the `zero` constraint could confuse), unique names and error codes, and every `defined`
/// type reference resolvable.
pub fn verify(idl: &Idl) -> Result<()> {
    fn discriminators<'a>(what: &str, items: impl Iterator<Item = (&'a str, &'a [u8])> + Clone) -> Result<()> {
        for (name, disc) in items.clone() {
            ensure!(!disc.is_empty(), "empty discriminator for {what} `{name}`");
            for (other, other_disc) in items.clone() {
                ensure!(
                    other == name || !disc.starts_with(other_disc),
                    "ambiguous discriminators: {what} `{name}` and `{other}`"
                );
                ensure!(other != name || disc == other_disc, "two {what} named `{name}`");
            }
        }
        Ok(())
    }
    discriminators("instruction", idl.instructions.iter().map(|i| (i.name.as_str(), i.discriminator.as_slice())))?;
    discriminators("account", idl.accounts.iter().map(|a| (a.name.as_str(), a.discriminator.as_slice())))?;
    discriminators("event", idl.events.iter().map(|e| (e.name.as_str(), e.discriminator.as_slice())))?;
    for account in &idl.accounts {
        ensure!(account.discriminator.iter().any(|b| *b != 0), "all-zero discriminator for account `{}`", account.name);
        let zeros = account.discriminator.iter().take_while(|b| **b == 0).count();
        if let Some(other) = idl.accounts.iter().find(|a| a.discriminator.len() <= zeros) {
            bail!("accounts `{}` and `{}` may be substituted under the `zero` constraint", account.name, other.name);
        }
    }
    for (i, error) in idl.errors.iter().enumerate() {
        for other in &idl.errors[..i] {
            ensure!(other.code != error.code, "error code {} used twice", error.code);
            ensure!(other.name != error.name, "error `{}` defined twice", error.name);
        }
    }
    let mut linked = Vec::new();
    intra_doc_links(&serde_json::to_value(idl)?, &mut linked);
    ensure!(
        linked.is_empty(),
        "doc lines with Rust intra-doc links (write plain words in the program's doc comment):\n  {}",
        linked.join("\n  ")
    );
    let defined: Vec<&str> = idl.types.iter().map(|t| t.name.as_str()).collect();
    let mut missing = Vec::new();
    undefined_references(&serde_json::to_value(idl)?, &defined, &mut missing);
    missing.sort();
    missing.dedup();
    ensure!(missing.is_empty(), "types referenced but not defined: {}", missing.join(", "));
    Ok(())
}

/// Every doc line under `value` holding a Rust intra-doc link: ``[`name`]`` (rustdoc resolves it,
/// a client generated from the IDL shows the brackets).
fn intra_doc_links(value: &Value, found: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            if let Some(Value::Array(lines)) = map.get("docs") {
                let links = lines.iter().filter_map(Value::as_str).filter(|line| line.contains("[`"));
                found.extend(links.map(str::to_owned));
            }
            map.values().for_each(|v| intra_doc_links(v, found));
        }
        Value::Array(items) => items.iter().for_each(|v| intra_doc_links(v, found)),
        _ => {}
    }
}

fn undefined_references(value: &Value, defined: &[&str], missing: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            if let Some(name) = map.get("defined").and_then(|d| d.get("name")).and_then(Value::as_str) {
                if !defined.contains(&name) {
                    missing.push(name.to_owned());
                }
            }
            map.values().for_each(|v| undefined_references(v, defined, missing));
        }
        Value::Array(items) => items.iter().for_each(|v| undefined_references(v, defined, missing)),
        _ => {}
    }
}

/// The file's text: pretty JSON (two-space indent, spec field order) and a trailing newline.
pub fn render(idl: &Idl) -> Result<String> {
    let mut text = serde_json::to_string_pretty(idl)?;
    text.push('\n');
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const ADDRESS: &str = "CUiimgkyHpoZcuuBbwPymG6nTE3ogEujbXzpE7otHWuk";

    fn program(instructions: &str, accounts: &str, types: &str) -> String {
        format!(
            r#"{{"address":"","metadata":{{"name":"p","version":"0.1.0","spec":"0.1.0"}},"instructions":[{instructions}],"accounts":[{accounts}],"types":[{types}]}}"#
        )
    }

    fn output(blocks: &[(&str, &str)]) -> String {
        let mut out = String::from("\nrunning 3 tests\n...\nsuccesses:\n\n");
        for (kind, body) in blocks {
            out.push_str(&format!("---- x stdout ----\n--- IDL begin {kind} ---\n{body}\n--- IDL end {kind} ---\n\n"));
        }
        out.push_str("test result: ok. 3 passed; 0 failed; 0 ignored; 0 measured; 3 filtered out; finished in 0.00s\n");
        out
    }

    const IX_B: &str = r#"{"name":"b","discriminator":[1],"accounts":[{"name":"s","writable":true,"signer":true}],"args":[{"name":"p","type":{"defined":{"name":"P"}}}]}"#;
    const IX_A: &str = r#"{"name":"a","discriminator":[0],"accounts":[],"args":[]}"#;
    const TY_P: &str = r#"{"name":"P","type":{"kind":"struct","fields":[{"name":"x","type":"u64"}]}}"#;
    const TY_E: &str =
        r#"{"name":"E","type":{"kind":"struct","fields":[{"name":"p","type":{"defined":{"name":"P"}}}]}}"#;
    const TY_ACC: &str = r#"{"name":"Acc","serialization":"bytemuck","repr":{"kind":"c"},"type":{"kind":"struct","fields":[{"name":"n","type":"u64"}]}}"#;
    const TY_POD: &str = r#"{"name":"PodU64","type":{"kind":"type","alias":"u64"}}"#;
    const ACC: &str = r#"{"name":"Acc","discriminator":[1,2,3,4,5,6,7,8]}"#;
    const ERRORS: &str = r#"[{"code":6001,"name":"B","msg":"b"},{"code":6000,"name":"A"}]"#;
    // As anchor-lang 2.0.0-rc.1 prints an enum: its variants under `fields`.
    const TY_STATUS: &str = r#"{"name":"Status","docs":["Stored as one byte."],"type":{"kind":"enum","fields":[{"name":"Open"},{"name":"Shut"}]}}"#;

    fn good() -> String {
        output(&[
            ("address", ADDRESS),
            ("program", &program(&format!("{IX_B},{IX_A}"), ACC, &format!("{TY_P},{TY_ACC},{TY_POD}"))),
            ("errors", ERRORS),
            (
                "event",
                &format!(r#"{{"event":{{"name":"E","discriminator":[9,9,9,9,9,9,9,9]}},"types":[{TY_E},{TY_P}]}}"#),
            ),
            ("type", TY_STATUS),
        ])
    }

    #[test]
    fn assembles_sorted_and_merged() {
        let idl = assemble(&good()).unwrap();
        assert_eq!(idl.address, ADDRESS);
        assert_eq!(idl.instructions.iter().map(|i| i.name.as_str()).collect::<Vec<_>>(), ["a", "b"]);
        // `PodU64` is referenced by nothing: left out; `Acc` is the account's type; `Status` is
        // the program's own type block, kept though nothing refers to it.
        assert_eq!(idl.types.iter().map(|t| t.name.as_str()).collect::<Vec<_>>(), ["Acc", "E", "P", "Status"]);
        let status = serde_json::to_value(&idl.types[3]).unwrap();
        assert_eq!(status["type"], json!({"kind": "enum", "variants": [{"name": "Open"}, {"name": "Shut"}]}));
        assert_eq!(idl.errors.iter().map(|e| e.code).collect::<Vec<_>>(), [6000, 6001]);
        assert_eq!(idl.events.len(), 1);
        let text = render(&idl).unwrap();
        assert!(text.ends_with("}\n") && text.contains("\n  \"instructions\": ["), "{text}");
        // Deterministic: the same input, the same bytes; the output parses back to the same IDL.
        assert_eq!(render(&assemble(&good()).unwrap()).unwrap(), text);
        assert_eq!(serde_json::from_str::<Idl>(&text).unwrap(), idl);
    }

    #[test]
    fn block_order_does_not_matter() {
        let reordered = output(&[
            ("errors", ERRORS),
            (
                "event",
                &format!(r#"{{"event":{{"name":"E","discriminator":[9,9,9,9,9,9,9,9]}},"types":[{TY_P},{TY_E}]}}"#),
            ),
            ("type", TY_STATUS),
            ("program", &program(&format!("{IX_A},{IX_B}"), ACC, &format!("{TY_POD},{TY_P},{TY_ACC}"))),
            ("address", ADDRESS),
        ]);
        assert_eq!(render(&assemble(&reordered).unwrap()).unwrap(), render(&assemble(&good()).unwrap()).unwrap());
    }

    fn err(out: &str) -> String {
        format!("{:#}", assemble(out).unwrap_err())
    }

    #[test]
    fn rejects_what_would_be_lost_or_wrong() {
        assert!(
            err(&good().replace("test result: ok. 3 passed", "test result: FAILED. 2 passed")).contains("did not run")
        );
        assert!(err(&good().replace("--- IDL end errors ---", "--- IDL end event ---")).contains("closed as"));
        assert!(err(&good().replace("begin errors ---", "begin frobs ---").replace("end errors ---", "end frobs ---"))
            .contains("unknown IDL block `frobs`"));
        // A field the spec does not know would vanish from the IDL.
        assert!(err(&good().replace(r#""writable":true"#, r#""writable":true,"mystery":1"#)).contains("do not hold"));
        // The event's copy of `P` differs from the program's.
        let changed = good().replacen(r#"{"name":"x","type":"u64"}"#, r#"{"name":"x","type":"u32"}"#, 2);
        let changed = changed.replacen(r#"{"name":"x","type":"u32"}"#, r#"{"name":"x","type":"u64"}"#, 1);
        assert!(err(&changed).contains("two different definitions of type `P`"));
        assert!(err(&good().replace(r#""discriminator":[1],"#, r#""discriminator":[0,1],"#)).contains("ambiguous"));
        assert!(err(&good().replace(r#"[1,2,3,4,5,6,7,8]"#, "[0,0,0,0,0,0,0,0]")).contains("all-zero"));
        assert!(err(&good().replace(r#""code":6000"#, r#""code":6001"#)).contains("used twice"));
        let no_address: String =
            good().replace(&format!("--- IDL begin address ---\n{ADDRESS}\n--- IDL end address ---\n"), "");
        assert!(err(&no_address).contains("no address block"));
        let dangling = output(&[("address", ADDRESS), ("program", &program(IX_B, ACC, ""))]);
        assert!(err(&dangling).contains("referenced but not defined: P"));
        // A program type block that disagrees with the program's definition of the name.
        let twice = good()
            .replace(
                &format!("--- IDL begin type ---\n{TY_STATUS}"),
                &format!(
                    "--- IDL begin type ---\n{TY_STATUS}\n--- IDL end type ---\n--- IDL begin type ---\n{TY_STATUS}"
                ),
            )
            .replacen(r#"{"name":"Open"}"#, r#"{"name":"Ajar"}"#, 1);
        assert!(err(&twice).contains("two different definitions of type `Status`"), "{}", err(&twice));
    }

    #[test]
    fn rejects_rust_intra_doc_links_anywhere() {
        // In a type's docs, a field's docs and an instruction's docs.
        let linked_type = good().replace("Stored as one byte.", "Stored in [`Acc::n`].");
        assert!(err(&linked_type).contains("Stored in [`Acc::n`]."), "{}", err(&linked_type));
        let linked_field =
            good().replace(r#"{"name":"n","type":"u64"}"#, r#"{"name":"n","docs":["See [`P`]."],"type":"u64"}"#);
        assert!(err(&linked_field).contains("intra-doc links"));
        let linked_ix = good().replace(r#"{"name":"a","#, r#"{"name":"a","docs":["Like [`b`]."],"#);
        assert!(err(&linked_ix).contains("Like [`b`]."));
        // Plain code spans are fine.
        assert!(assemble(&good().replace("Stored as one byte.", "Stored as one `u8`.")).is_ok());
    }
}
