//! One report per command: text for people, one JSON object for scripts. A command builds a
//! [`Report`] (a serializable struct whose field names are the stable JSON interface) and says
//! how it reads as text; `main` prints whichever was asked for.

use clap::ValueEnum;
use serde::Serialize;

use crate::error::CliError;

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    Text,
    Json,
}

/// What a command prints.
pub trait Report: Serialize {
    /// The report for people (no trailing newline needed).
    fn text(&self) -> String;
}

/// A finished command's report in both forms.
#[derive(Debug, Clone, PartialEq)]
pub struct Output {
    pub json: serde_json::Value,
    pub text: String,
}

impl Output {
    pub fn of<R: Report>(report: &R) -> Result<Output, CliError> {
        let json = serde_json::to_value(report)
            .map_err(|error| CliError::failed("internal", format!("cannot encode the report: {error}")))?;
        Ok(Output { json, text: report.text() })
    }

    /// The report as printed in `format`.
    pub fn render(&self, format: OutputFormat) -> String {
        match format {
            OutputFormat::Text => self.text.trim_end().to_string(),
            OutputFormat::Json => serde_json::to_string_pretty(&self.json).unwrap_or_else(|_| self.json.to_string()),
        }
    }
}

/// A failure as printed in `format`: text goes to stderr as `error: ...` / `hint: ...`; JSON is
/// one object `{"error": {...}}` on stdout, like every other report.
pub fn render_error(error: &CliError, format: OutputFormat) -> String {
    match format {
        OutputFormat::Text => match &error.hint {
            Some(hint) => format!("error: {}\nhint: {hint}", error.message),
            None => format!("error: {}", error.message),
        },
        OutputFormat::Json => {
            let value = serde_json::json!({ "error": error });
            serde_json::to_string_pretty(&value).unwrap_or_else(|_| value.to_string())
        }
    }
}

/// Rows as aligned columns, the first row being the header.
pub fn table(rows: &[Vec<String>]) -> String {
    let columns = rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..columns)
        .map(|column| rows.iter().filter_map(|row| row.get(column)).map(|cell| cell.chars().count()).max().unwrap_or(0))
        .collect();
    rows.iter()
        .map(|row| {
            let cells: Vec<String> = row
                .iter()
                .enumerate()
                .map(|(column, cell)| {
                    if column + 1 == row.len() {
                        cell.clone()
                    } else {
                        format!("{cell:<width$}", width = widths[column])
                    }
                })
                .collect();
            cells.join("  ")
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// `label: value` lines with the values aligned.
pub fn fields(pairs: &[(&str, String)]) -> String {
    let width = pairs.iter().map(|(label, _)| label.len()).max().unwrap_or(0) + 1;
    pairs.iter().map(|(label, value)| format!("{:<width$} {value}", format!("{label}:"))).collect::<Vec<_>>().join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_align_columns() {
        let rows = vec![vec!["A".into(), "BB".into(), "C".into()], vec!["aaa".into(), "b".into(), "c".into()]];
        assert_eq!(table(&rows), "A    BB  C\naaa  b   c");
    }

    #[test]
    fn errors_render_with_their_hint() {
        let error = CliError::usage("bad").with_hint("do this");
        assert_eq!(render_error(&error, OutputFormat::Text), "error: bad\nhint: do this");
        let json: serde_json::Value = serde_json::from_str(&render_error(&error, OutputFormat::Json)).unwrap();
        assert_eq!(json["error"]["code"], "usage");
        assert_eq!(json["error"]["kind"], "usage");
        assert_eq!(json["error"]["hint"], "do this");
    }
}
