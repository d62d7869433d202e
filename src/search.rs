//! Titles as searches read them: lower case, without accents or
//! punctuation, so « Aéronautique » is found by `aero` and `AÉRO`.

use unicode_normalization::char::is_combining_mark;
use unicode_normalization::UnicodeNormalization;

/// The words of `text`, folded and joined by single spaces, with a space
/// on each side: a word starting with `w` is found by `% w%`.
pub fn key(text: &str) -> String {
    let words = words(text);
    if words.is_empty() {
        return " ".into();
    }
    format!(" {} ", words.join(" "))
}

/// The folded words of a text or a query.
pub fn words(text: &str) -> Vec<String> {
    let mut folded = String::with_capacity(text.len());
    for c in text.nfkd().filter(|c| !is_combining_mark(*c)) {
        match c {
            'œ' | 'Œ' => folded.push_str("oe"),
            'æ' | 'Æ' => folded.push_str("ae"),
            'ß' => folded.push_str("ss"),
            c if c.is_alphanumeric() => folded.extend(c.to_lowercase()),
            _ => folded.push(' '),
        }
    }
    folded.split_whitespace().map(str::to_string).collect()
}
