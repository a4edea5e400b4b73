//! The word-frequency report, apart from I/O (the benchmark compiles this file natively too).

use std::collections::HashMap;

/// `--top N`, `--min-len N`.
pub struct Options {
    pub top: usize,
    pub min_len: usize,
}

/// Line, word and byte counts, mean word length and the `top` most frequent words of `text`
/// (ties in alphabetical order), one per line.
pub fn report(text: &str, options: &Options) -> String {
    let mut counts: HashMap<String, u64> = HashMap::new();
    let (mut words, mut letters) = (0u64, 0u64);
    for word in text.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()) {
        words += 1;
        letters += word.chars().count() as u64;
        if word.chars().count() >= options.min_len {
            *counts.entry(word.to_lowercase()).or_default() += 1;
        }
    }
    // HashMap iteration order depends on its random seed: sort, so the output depends only on
    // the input.
    let mut ranked: Vec<(String, u64)> = counts.into_iter().collect();
    ranked.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));

    let mean = if words == 0 { 0.0 } else { letters as f64 / words as f64 };
    let mut out =
        format!("lines {}\nwords {words}\nbytes {}\nmean_word_len {mean:.3}\n", text.lines().count(), text.len());
    for (word, count) in ranked.iter().take(options.top) {
        out.push_str(&format!("{count:>6} {word}\n"));
    }
    out
}
