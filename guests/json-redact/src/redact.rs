//! JSON normalization and redaction, integers and bytes only (no floats anywhere: numbers are
//! validated against the JSON grammar and kept as their literal text).
//!
//! Input: a JSON object `{"redact": [key, ...], "document": <any JSON>}`; `redact` is optional
//! (default [`DEFAULT_REDACTED_KEYS`]). Output: the canonical form of `document`:
//! - object members sorted by key (UTF-8 byte order), duplicate keys rejected;
//! - no insignificant whitespace;
//! - strings re-escaped minimally (`\"`, `\\`, `\b \f \n \r \t`, other controls as `\u00xx`,
//!   everything else as raw UTF-8); `\u` escapes decoded, lone surrogates rejected;
//! - numbers, `true`, `false`, `null` as written;
//! - the value of every member whose key matches a redacted key (ASCII case-insensitive) is
//!   replaced by the string `"[REDACTED]"`, at any depth.
//!
//! Invalid input gives `{"error":"<what>","offset":<byte offset>}`. Shared verbatim by the wasm
//! guest and the native benchmark.

use alloc::string::String;
use alloc::vec::Vec;

/// Keys redacted when the input names none.
pub const DEFAULT_REDACTED_KEYS: [&str; 10] = [
    "email",
    "e-mail",
    "token",
    "access_token",
    "refresh_token",
    "password",
    "secret",
    "api_key",
    "private_key",
    "key",
];
/// Nesting deeper than this is rejected (keeps the parser's recursion bounded).
pub const MAX_DEPTH: usize = 128;
const REDACTED: &str = "[REDACTED]";

enum Value<'a> {
    Literal(&'a str),
    String(String),
    Array(Vec<Value<'a>>),
    Object(Vec<(String, Value<'a>)>),
}

struct Error {
    what: &'static str,
    offset: usize,
}

struct Parser<'a> {
    text: &'a str,
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Parser<'a> {
    fn fail<T>(&self, what: &'static str) -> Result<T, Error> {
        Err(Error { what, offset: self.at })
    }

    fn skip_whitespace(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.bytes.get(self.at) {
            self.at += 1;
        }
    }

    fn eat(&mut self, byte: u8) -> bool {
        if self.bytes.get(self.at) == Some(&byte) {
            self.at += 1;
            true
        } else {
            false
        }
    }

    fn value(&mut self, depth: usize) -> Result<Value<'a>, Error> {
        if depth > MAX_DEPTH {
            return self.fail("nesting too deep");
        }
        self.skip_whitespace();
        match self.bytes.get(self.at) {
            None => self.fail("unexpected end of input"),
            Some(b'{') => self.object(depth),
            Some(b'[') => self.array(depth),
            Some(b'"') => Ok(Value::String(self.string()?)),
            Some(b't') => self.keyword("true"),
            Some(b'f') => self.keyword("false"),
            Some(b'n') => self.keyword("null"),
            Some(b'-' | b'0'..=b'9') => self.number(),
            Some(_) => self.fail("unexpected character"),
        }
    }

    fn keyword(&mut self, word: &'static str) -> Result<Value<'a>, Error> {
        if self.text[self.at..].starts_with(word) {
            self.at += word.len();
            Ok(Value::Literal(word))
        } else {
            self.fail("invalid literal")
        }
    }

    fn digits(&mut self) -> usize {
        let start = self.at;
        while let Some(b'0'..=b'9') = self.bytes.get(self.at) {
            self.at += 1;
        }
        self.at - start
    }

    /// `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`, kept as text.
    fn number(&mut self) -> Result<Value<'a>, Error> {
        let start = self.at;
        self.eat(b'-');
        if self.eat(b'0') {
            if let Some(b'0'..=b'9') = self.bytes.get(self.at) {
                return self.fail("leading zero in number");
            }
        } else if self.digits() == 0 {
            return self.fail("invalid number");
        }
        if self.eat(b'.') && self.digits() == 0 {
            return self.fail("invalid fraction");
        }
        if self.eat(b'e') || self.eat(b'E') {
            if !self.eat(b'+') {
                self.eat(b'-');
            }
            if self.digits() == 0 {
                return self.fail("invalid exponent");
            }
        }
        Ok(Value::Literal(&self.text[start..self.at]))
    }

    fn hex4(&mut self) -> Result<u32, Error> {
        let Some(digits) = self.bytes.get(self.at..self.at + 4) else {
            return self.fail("truncated \\u escape");
        };
        let mut value = 0;
        for &digit in digits {
            let nibble = match digit {
                b'0'..=b'9' => digit - b'0',
                b'a'..=b'f' => digit - b'a' + 10,
                b'A'..=b'F' => digit - b'A' + 10,
                _ => return self.fail("invalid \\u escape"),
            };
            value = value * 16 + u32::from(nibble);
        }
        self.at += 4;
        Ok(value)
    }

    fn string(&mut self) -> Result<String, Error> {
        self.at += 1; // opening quote
        let mut out = String::new();
        loop {
            let run_start = self.at;
            while let Some(&byte) = self.bytes.get(self.at) {
                if byte == b'"' || byte == b'\\' || byte < 0x20 {
                    break;
                }
                self.at += 1;
            }
            out.push_str(&self.text[run_start..self.at]);
            match self.bytes.get(self.at) {
                None => return self.fail("unterminated string"),
                Some(b'"') => {
                    self.at += 1;
                    return Ok(out);
                }
                Some(b'\\') => {
                    self.at += 1;
                    let escaped = self.bytes.get(self.at).copied();
                    self.at += 1;
                    let c = match escaped {
                        Some(b'"') => '"',
                        Some(b'\\') => '\\',
                        Some(b'/') => '/',
                        Some(b'b') => '\u{8}',
                        Some(b'f') => '\u{c}',
                        Some(b'n') => '\n',
                        Some(b'r') => '\r',
                        Some(b't') => '\t',
                        Some(b'u') => {
                            let high = self.hex4()?;
                            let code = if (0xD800..0xDC00).contains(&high) {
                                if !(self.eat(b'\\') && self.eat(b'u')) {
                                    return self.fail("lone surrogate");
                                }
                                let low = self.hex4()?;
                                if !(0xDC00..0xE000).contains(&low) {
                                    return self.fail("lone surrogate");
                                }
                                0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00)
                            } else {
                                high
                            };
                            match char::from_u32(code) {
                                Some(c) => c,
                                None => return self.fail("lone surrogate"),
                            }
                        }
                        _ => {
                            self.at -= 1;
                            return self.fail("invalid escape");
                        }
                    };
                    out.push(c);
                }
                Some(_) => return self.fail("control character in string"),
            }
        }
    }

    fn array(&mut self, depth: usize) -> Result<Value<'a>, Error> {
        self.at += 1;
        let mut items = Vec::new();
        self.skip_whitespace();
        if self.eat(b']') {
            return Ok(Value::Array(items));
        }
        loop {
            items.push(self.value(depth + 1)?);
            self.skip_whitespace();
            if self.eat(b']') {
                return Ok(Value::Array(items));
            }
            if !self.eat(b',') {
                return self.fail("expected ',' or ']'");
            }
        }
    }

    fn object(&mut self, depth: usize) -> Result<Value<'a>, Error> {
        self.at += 1;
        let mut members: Vec<(String, Value<'a>)> = Vec::new();
        self.skip_whitespace();
        if self.eat(b'}') {
            return Ok(Value::Object(members));
        }
        loop {
            self.skip_whitespace();
            if self.bytes.get(self.at) != Some(&b'"') {
                return self.fail("expected a key");
            }
            let key_offset = self.at;
            let key = self.string()?;
            self.skip_whitespace();
            if !self.eat(b':') {
                return self.fail("expected ':'");
            }
            let value = self.value(depth + 1)?;
            match members.binary_search_by(|(k, _)| k.as_bytes().cmp(key.as_bytes())) {
                Ok(_) => return Err(Error { what: "duplicate key", offset: key_offset }),
                Err(slot) => members.insert(slot, (key, value)),
            }
            self.skip_whitespace();
            if self.eat(b'}') {
                return Ok(Value::Object(members));
            }
            if !self.eat(b',') {
                return self.fail("expected ',' or '}'");
            }
        }
    }
}

fn write_string(out: &mut Vec<u8>, s: &str) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.push(b'"');
    for &byte in s.as_bytes() {
        match byte {
            b'"' => out.extend_from_slice(b"\\\""),
            b'\\' => out.extend_from_slice(b"\\\\"),
            0x08 => out.extend_from_slice(b"\\b"),
            0x0C => out.extend_from_slice(b"\\f"),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            b'\t' => out.extend_from_slice(b"\\t"),
            0..=0x1F => out.extend_from_slice(&[
                b'\\',
                b'u',
                b'0',
                b'0',
                HEX[usize::from(byte >> 4)],
                HEX[usize::from(byte & 15)],
            ]),
            _ => out.push(byte),
        }
    }
    out.push(b'"');
}

fn write_value(out: &mut Vec<u8>, value: &Value, redact: &[String]) {
    match value {
        Value::Literal(text) => out.extend_from_slice(text.as_bytes()),
        Value::String(s) => write_string(out, s),
        Value::Array(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_value(out, item, redact);
            }
            out.push(b']');
        }
        Value::Object(members) => {
            out.push(b'{');
            for (i, (key, member)) in members.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_string(out, key);
                out.push(b':');
                if redact.iter().any(|r| r.eq_ignore_ascii_case(key)) {
                    write_string(out, REDACTED);
                } else {
                    write_value(out, member, redact);
                }
            }
            out.push(b'}');
        }
    }
}

fn error_json(error: Error) -> Vec<u8> {
    let mut out = Vec::new();
    out.extend_from_slice(b"{\"error\":");
    write_string(&mut out, error.what);
    out.extend_from_slice(b",\"offset\":");
    let mut digits = [0u8; 20];
    let mut n = error.offset;
    let mut len = 0;
    loop {
        digits[len] = b'0' + (n % 10) as u8;
        len += 1;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.extend(digits[..len].iter().rev());
    out.push(b'}');
    out
}

fn run(input: &[u8]) -> Result<Vec<u8>, Error> {
    let text = core::str::from_utf8(input).map_err(|e| Error { what: "invalid UTF-8", offset: e.valid_up_to() })?;
    let mut parser = Parser { text, bytes: text.as_bytes(), at: 0 };
    parser.skip_whitespace();
    if parser.bytes.get(parser.at) != Some(&b'{') {
        return parser.fail("expected an object {\"redact\": [...], \"document\": ...}");
    }
    let Value::Object(members) = parser.value(0)? else { unreachable!("starts with an object") };
    parser.skip_whitespace();
    if parser.at != parser.bytes.len() {
        return parser.fail("trailing characters");
    }
    let mut redact: Vec<String> = DEFAULT_REDACTED_KEYS.iter().map(|k| String::from(*k)).collect();
    let mut document = None;
    for (key, value) in members {
        match (key.as_str(), value) {
            ("redact", Value::Array(keys)) => {
                redact.clear();
                for key in keys {
                    let Value::String(key) = key else {
                        return Err(Error { what: "redact must list strings", offset: 0 });
                    };
                    redact.push(key);
                }
            }
            ("document", value) => document = Some(value),
            _ => return Err(Error { what: "unknown or malformed top-level member", offset: 0 }),
        }
    }
    let Some(document) = document else {
        return Err(Error { what: "missing document", offset: 0 });
    };
    let mut out = Vec::with_capacity(input.len());
    write_value(&mut out, &document, &redact);
    Ok(out)
}

/// Canonical, redacted JSON of the input's `document` (or an error object).
pub fn normalize_and_redact(input: &[u8]) -> Vec<u8> {
    run(input).unwrap_or_else(error_json)
}
