//! The structure of a filled template: a workflow writes its documents in
//! Markdown (CommonMark), read here into the few blocks a letter needs.

use pulldown_cmark::{Event, HeadingLevel, Parser, Tag, TagEnd};

/// A stretch of text in one weight. A `\n` is a line break.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Run {
    pub text: String,
    pub bold: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Block {
    /// `#` to `###` (deeper headings read as `###`).
    Heading {
        level: u8,
        runs: Vec<Run>,
    },
    Paragraph(Vec<Run>),
    /// A list item, with its bullet or number.
    Item {
        label: String,
        runs: Vec<Run>,
    },
    /// A thematic break (`---`) starts a new page.
    PageBreak,
}

/// The blocks of a Markdown text. Emphasis other than strong, links and
/// images keep their text only; HTML reads as plain text.
pub fn parse(text: &str) -> Vec<Block> {
    let mut blocks = Vec::new();
    let mut runs: Vec<Run> = Vec::new();
    let mut strong = 0usize;
    // Each open list's next number (None for bullets).
    let mut lists: Vec<Option<u64>> = Vec::new();
    let mut item: Option<String> = None;
    let push = |runs: &mut Vec<Run>, text: &str, bold: bool| match runs.last_mut() {
        Some(last) if last.bold == bold => last.text.push_str(text),
        _ => runs.push(Run { text: text.to_string(), bold }),
    };
    for event in Parser::new(text) {
        match event {
            Event::Start(Tag::Strong) => strong += 1,
            Event::End(TagEnd::Strong) => strong = strong.saturating_sub(1),
            Event::Start(Tag::List(first)) => lists.push(first),
            Event::End(TagEnd::List(_)) => {
                lists.pop();
            }
            Event::Start(Tag::Item) => {
                // An item's text so far is a block of its own (a list in a list).
                flush_item(&mut blocks, &mut item, &mut runs);
                let label = match lists.last_mut() {
                    Some(Some(n)) => {
                        *n += 1;
                        format!("{}.", *n - 1)
                    }
                    _ => "•".to_string(),
                };
                item = Some(label);
            }
            Event::End(TagEnd::Item) => flush_item(&mut blocks, &mut item, &mut runs),
            Event::End(TagEnd::Paragraph) if item.is_none() => {
                blocks.push(Block::Paragraph(std::mem::take(&mut runs)));
            }
            Event::End(TagEnd::Paragraph) => push(&mut runs, "\n", false),
            Event::End(TagEnd::Heading(level)) => {
                let level = match level {
                    HeadingLevel::H1 => 1,
                    HeadingLevel::H2 => 2,
                    _ => 3,
                };
                blocks.push(Block::Heading { level, runs: std::mem::take(&mut runs) });
            }
            Event::Rule => blocks.push(Block::PageBreak),
            Event::Text(t) | Event::Code(t) | Event::InlineHtml(t) | Event::Html(t) => push(&mut runs, &t, strong > 0),
            Event::SoftBreak => push(&mut runs, " ", strong > 0),
            Event::HardBreak => push(&mut runs, "\n", false),
            _ => {}
        }
    }
    if !runs.is_empty() {
        blocks.push(Block::Paragraph(runs));
    }
    blocks.retain(|b| match b {
        Block::Heading { runs, .. } | Block::Paragraph(runs) | Block::Item { runs, .. } => {
            runs.iter().any(|r| !r.text.trim().is_empty())
        }
        Block::PageBreak => true,
    });
    blocks
}

fn flush_item(blocks: &mut Vec<Block>, item: &mut Option<String>, runs: &mut Vec<Run>) {
    if let Some(label) = item.take() {
        if let Some(last) = runs.last_mut() {
            last.text.truncate(last.text.trim_end_matches('\n').len());
        }
        blocks.push(Block::Item { label, runs: std::mem::take(runs) });
    }
}

/// `value` as Markdown that reads as its text: a value filled in a
/// template (a title, a motivation) adds no structure of its own. Its line
/// breaks stay line breaks.
pub fn escape(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 8);
    let mut lines = value.lines().map(str::trim).filter(|l| !l.is_empty()).peekable();
    while let Some(line) = lines.next() {
        for c in line.chars() {
            if c.is_ascii_punctuation() {
                out.push('\\');
            }
            out.push(c);
        }
        if lines.peek().is_some() {
            out.push_str("\\\n");
        }
    }
    out
}
