//! Documents a workflow issues (the decision's): its template, written in
//! Markdown with MiniJinja placeholders, filled with the decision and
//! typeset as a tagged, accessible PDF. Nothing here reads a clock, a file
//! or a database: the same decision gives the same bytes.

pub mod markdown;
pub mod pdf;
pub mod template;

#[derive(Debug, thiserror::Error)]
pub enum DocumentError {
    #[error("the document's template: {0}")]
    Template(String),
    #[error("typesetting the document: {0}")]
    Typesetting(String),
}

/// The PDF of a filled template.
pub fn render(
    title: &str,
    markdown_text: &str,
    banner: Option<&str>,
    date: chrono::NaiveDate,
) -> Result<Vec<u8>, DocumentError> {
    let blocks = markdown::parse(markdown_text);
    pdf::typeset(&pdf::Spec { title, lang: "fr", blocks: &blocks, banner, page_words: ("Page", "sur"), date })
}
