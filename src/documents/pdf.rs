//! Typesetting: blocks laid out on A4 pages and written as a tagged PDF
//! (PDF/UA-1, checked by krilla as it writes), with the fonts embedded.
//! The output depends on nothing but its input: the same document gives
//! the same bytes.

use super::markdown::{Block, Run};
use super::DocumentError;
use krilla::configure::{Accessibility, ConfigurationBuilder};
use krilla::destination::XyzDestination;
use krilla::geom::Point;
use krilla::metadata::{DateTime, Metadata};
use krilla::outline::{Outline, OutlineNode};
use krilla::page::PageSettings;
use krilla::surface::Surface;
use krilla::tagging::{Artifact, ArtifactType, ContentTag, Identifier, ListNumbering, SpanTag, Tag, TagGroup, TagTree};
use krilla::text::{Font, TextDirection};
use krilla::{Document, SerializeSettings};
use std::num::NonZeroU16;

const REGULAR: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");
const BOLD: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans-Bold.ttf");

const PAGE_WIDTH: f32 = 595.28;
const PAGE_HEIGHT: f32 = 841.89;
const MARGIN: f32 = 68.0;
const BODY: f32 = 10.5;
const LEADING: f32 = 1.45;
const LIST_INDENT: f32 = 18.0;

/// What to typeset.
pub struct Spec<'a> {
    /// The document's title (its metadata; screen readers announce it).
    pub title: &'a str,
    /// BCP 47 language of the text (`fr`).
    pub lang: &'a str,
    pub blocks: &'a [Block],
    /// A line at the top of every page (an unofficial copy says so).
    pub banner: Option<&'a str>,
    /// The words around page numbers: `("Page", "sur")` gives « Page 1 sur 2 ».
    pub page_words: (&'a str, &'a str),
    /// The date the document carries in its metadata.
    pub date: chrono::NaiveDate,
}

struct Fonts {
    regular: (Font, rustybuzz::Face<'static>),
    bold: (Font, rustybuzz::Face<'static>),
}

impl Fonts {
    fn load() -> Result<Fonts, DocumentError> {
        let load = |data: &'static [u8]| {
            let font = Font::new(data.into(), 0);
            let face = rustybuzz::Face::from_slice(data, 0);
            font.zip(face).ok_or_else(|| DocumentError::Typesetting("the embedded font does not load".into()))
        };
        Ok(Fonts { regular: load(REGULAR)?, bold: load(BOLD)? })
    }

    fn get(&self, bold: bool) -> &(Font, rustybuzz::Face<'static>) {
        if bold {
            &self.bold
        } else {
            &self.regular
        }
    }

    /// The advance of `text` at `size`, shaped as krilla will draw it.
    fn width(&self, text: &str, bold: bool, size: f32) -> f32 {
        let (_, face) = self.get(bold);
        let mut buffer = rustybuzz::UnicodeBuffer::new();
        buffer.push_str(text);
        let shaped = rustybuzz::shape(face, &[], buffer);
        let units: i32 = shaped.glyph_positions().iter().map(|p| p.x_advance).sum();
        units as f32 * size / f32::from(face.units_per_em() as u16)
    }
}

/// A piece of a line in one weight.
struct Piece {
    text: String,
    bold: bool,
}

struct Line {
    block: usize,
    /// Where the text starts (after a list item's label).
    x: f32,
    y: f32,
    size: f32,
    label: Option<String>,
    pieces: Vec<Piece>,
}

fn style(block: &Block) -> (f32, bool, f32) {
    // (size, bold, space before)
    match block {
        Block::Heading { level: 1, .. } => (16.0, true, 14.0),
        Block::Heading { level: 2, .. } => (13.0, true, 12.0),
        Block::Heading { .. } => (11.5, true, 10.0),
        Block::Item { .. } => (BODY, false, 3.0),
        Block::Paragraph(_) | Block::PageBreak => (BODY, false, 8.0),
    }
}

/// The lines of each page.
fn layout(fonts: &Fonts, blocks: &[Block], top: f32) -> Vec<Vec<Line>> {
    let bottom = PAGE_HEIGHT - MARGIN - 14.0;
    let mut pages: Vec<Vec<Line>> = vec![Vec::new()];
    let mut y = top;
    for (index, block) in blocks.iter().enumerate() {
        let (size, heading_bold, before) = style(block);
        let (runs, label) = match block {
            Block::PageBreak => {
                pages.push(Vec::new());
                y = top;
                continue;
            }
            Block::Heading { runs, .. } | Block::Paragraph(runs) => (runs, None),
            Block::Item { label, runs } => (runs, Some(label.clone())),
        };
        let indent = if label.is_some() { LIST_INDENT } else { 0.0 };
        let width = PAGE_WIDTH - 2.0 * MARGIN - indent;
        let wrapped = wrap(fonts, runs, heading_bold, size, width);
        let step = size * LEADING;
        if pages.last().is_some_and(|p| !p.is_empty()) {
            y += before;
        }
        // A heading is not left alone at the foot of a page.
        let keep = if matches!(block, Block::Heading { .. }) { 2.0 * step } else { step };
        for (n, pieces) in wrapped.into_iter().enumerate() {
            let need = if n == 0 { keep } else { step };
            if y + need > bottom && pages.last().is_some_and(|p| !p.is_empty()) {
                pages.push(Vec::new());
                y = top;
            }
            y += step;
            let label = if n == 0 { label.clone() } else { None };
            pages.last_mut().expect("a page").push(Line { block: index, x: MARGIN + indent, y, size, label, pieces });
        }
    }
    pages
}

/// Greedy line breaking at spaces (and at `\n`); a word wider than the
/// line is cut where it must.
fn wrap(fonts: &Fonts, runs: &[Run], all_bold: bool, size: f32, width: f32) -> Vec<Vec<Piece>> {
    let mut lines: Vec<Vec<Piece>> = vec![Vec::new()];
    let mut x = 0.0f32;
    let mut pending_space = false;
    for run in runs {
        let bold = all_bold || run.bold;
        let space = fonts.width(" ", bold, size);
        for (i, segment) in run.text.split('\n').enumerate() {
            if i > 0 {
                lines.push(Vec::new());
                x = 0.0;
                pending_space = false;
            }
            pending_space |= segment.starts_with(char::is_whitespace);
            let words: Vec<&str> = segment.split_whitespace().collect();
            for (w, word) in words.iter().enumerate() {
                let mut word = (*word).to_string();
                loop {
                    let line = lines.last_mut().expect("a line");
                    let gap = if pending_space && !line.is_empty() { space } else { 0.0 };
                    let w_width = fonts.width(&word, bold, size);
                    if line.is_empty() && w_width > width {
                        // Alone and still too wide: its head fills this line.
                        let (head, tail) = cut(fonts, &word, bold, size, width);
                        line.push(Piece { text: head, bold });
                        word = tail;
                    } else if line.is_empty() || x + gap + w_width <= width {
                        append(line, gap > 0.0, &word, bold);
                        x += gap + w_width;
                        break;
                    }
                    lines.push(Vec::new());
                    x = 0.0;
                    pending_space = false;
                }
                pending_space = w + 1 < words.len() || segment.ends_with(char::is_whitespace);
            }
        }
    }
    if lines.last().is_some_and(Vec::is_empty) && lines.len() > 1 {
        lines.pop();
    }
    lines
}

/// Adds a word to a line: to its last piece when of the same weight, or
/// as a new piece. The space is written out, so the text reads as words.
fn append(line: &mut Vec<Piece>, space: bool, word: &str, bold: bool) {
    if space {
        if let Some(last) = line.last_mut() {
            last.text.push(' ');
        }
    }
    match line.last_mut() {
        Some(last) if last.bold == bold => last.text.push_str(word),
        _ => line.push(Piece { text: word.to_string(), bold }),
    }
}

/// The longest head of `word` that fits, and the rest.
fn cut(fonts: &Fonts, word: &str, bold: bool, size: f32, width: f32) -> (String, String) {
    let mut end = word.len();
    for (at, _) in word.char_indices().rev() {
        if at > 0 && fonts.width(&word[..at], bold, size) <= width {
            end = at;
            break;
        }
    }
    let end = if end == word.len() { word.char_indices().nth(1).map_or(word.len(), |(i, _)| i) } else { end };
    (word[..end].to_string(), word[end..].to_string())
}

/// The PDF of `spec`.
pub fn typeset(spec: &Spec<'_>) -> Result<Vec<u8>, DocumentError> {
    let fonts = Fonts::load()?;
    let top = if spec.banner.is_some() { MARGIN + 22.0 } else { MARGIN };
    let pages = layout(&fonts, spec.blocks, top);
    let configuration = ConfigurationBuilder::new()
        .with_accessibility_validator(Accessibility::UA1)
        .finish()
        .map_err(|e| DocumentError::Typesetting(format!("{e:?}")))?;
    let settings = SerializeSettings { configuration, enable_tagging: true, ..Default::default() };
    let mut document = Document::new_with(settings);
    // Each block's content, in reading order: (label ids, body ids).
    let mut tagged: Vec<(Vec<Identifier>, Vec<Identifier>)> = vec![Default::default(); spec.blocks.len()];
    let total = pages.len();
    let mut outline = Outline::new();
    let mut chapter: Option<OutlineNode> = None;
    for (number, lines) in pages.iter().enumerate() {
        let settings = PageSettings::from_wh(PAGE_WIDTH, PAGE_HEIGHT)
            .ok_or_else(|| DocumentError::Typesetting("page size".into()))?;
        let mut page = document.start_page_with(settings);
        let mut surface = page.surface();
        if let Some(banner) = spec.banner {
            artifact(&mut surface, &fonts, ArtifactType::Header, banner, MARGIN, MARGIN + 4.0, true);
        }
        for line in lines {
            let heading = match &spec.blocks[line.block] {
                Block::Heading { level, runs } if tagged[line.block].1.is_empty() => Some((*level, runs)),
                _ => None,
            };
            if let Some((level, runs)) = heading {
                // Headings are the outline: each `#` a chapter, deeper ones within it.
                let text: String = runs.iter().map(|r| r.text.as_str()).collect();
                let at = XyzDestination::new(number, Point::from_xy(MARGIN, line.y - line.size * 1.2));
                let node = OutlineNode::new(text, at);
                match (&mut chapter, level) {
                    (Some(c), 2..) => c.push_child(node),
                    _ => {
                        if let Some(c) = chapter.replace(node) {
                            outline.push_child(c);
                        }
                    }
                }
            }
            if let Some(label) = &line.label {
                let id = span(&mut surface, &fonts, label, false, line.size, MARGIN, line.y);
                tagged[line.block].0.push(id);
            }
            // Each piece starts where the one before it ends.
            let mut x = line.x;
            for piece in &line.pieces {
                let id = span(&mut surface, &fonts, &piece.text, piece.bold, line.size, x, line.y);
                tagged[line.block].1.push(id);
                x += fonts.width(&piece.text, piece.bold, line.size);
            }
        }
        let folio = format!("{} {} {} {}", spec.page_words.0, number + 1, spec.page_words.1, total);
        let x = (PAGE_WIDTH - fonts.width(&folio, false, 8.5)) / 2.0;
        artifact(&mut surface, &fonts, ArtifactType::PageNumber, &folio, x, PAGE_HEIGHT - MARGIN / 2.0, false);
        surface.finish();
        page.finish();
    }
    match chapter {
        Some(c) => outline.push_child(c),
        None => outline
            .push_child(OutlineNode::new(spec.title.to_string(), XyzDestination::new(0, Point::from_xy(0.0, 0.0)))),
    }
    document.set_outline(outline);
    document.set_tag_tree(tag_tree(spec.blocks, tagged));
    let (y, m, d) = {
        use chrono::Datelike;
        (spec.date.year(), spec.date.month(), spec.date.day())
    };
    let date = DateTime::new(u16::try_from(y).unwrap_or(2000)).month(m as u8).day(d as u8);
    document.set_metadata(
        Metadata::new()
            .title(spec.title.to_string())
            .language(spec.lang.to_string())
            .creator("labelflow".into())
            .creation_date(date)
            .document_id(format!("{:x}", sha2_digest(spec))),
    );
    document.finish().map_err(|e| DocumentError::Typesetting(format!("{e:?}")))
}

/// The document's identifier: a digest of what it says, so that the same
/// document gets the same one.
fn sha2_digest(spec: &Spec<'_>) -> u128 {
    use sha2::{Digest, Sha256};
    let mut hash = Sha256::new();
    hash.update(spec.title.as_bytes());
    hash.update(format!("{:?}{:?}{}", spec.blocks, spec.banner, spec.date).as_bytes());
    let bytes = hash.finalize();
    u128::from_be_bytes(bytes[..16].try_into().expect("16 bytes"))
}

fn span(surface: &mut Surface<'_>, fonts: &Fonts, text: &str, bold: bool, size: f32, x: f32, y: f32) -> Identifier {
    let id = surface.start_tagged(ContentTag::Span(SpanTag::empty()));
    let font = fonts.get(bold).0.clone();
    surface.draw_text(Point::from_xy(x, y), font, size, text, false, TextDirection::Auto);
    surface.end_tagged();
    id
}

fn artifact(surface: &mut Surface<'_>, fonts: &Fonts, kind: ArtifactType, text: &str, x: f32, y: f32, bold: bool) {
    surface.start_tagged(ContentTag::Artifact(Artifact::with_kind(kind)));
    let font = fonts.get(bold).0.clone();
    surface.draw_text(Point::from_xy(x, y), font, 8.5, text, false, TextDirection::Auto);
    surface.end_tagged();
}

/// The structure: headings, paragraphs, and each run of items as a list.
fn tag_tree(blocks: &[Block], mut tagged: Vec<(Vec<Identifier>, Vec<Identifier>)>) -> TagTree {
    let mut tree = TagTree::new();
    let mut list: Option<TagGroup> = None;
    for (block, (labels, body)) in blocks.iter().zip(tagged.drain(..)) {
        if !matches!(block, Block::Item { .. }) {
            if let Some(l) = list.take() {
                tree.push(l);
            }
        }
        let group = |tag: TagGroup, ids: Vec<Identifier>| {
            let mut tag = tag;
            ids.into_iter().for_each(|id| tag.push(id));
            tag
        };
        match block {
            Block::PageBreak => {}
            Block::Heading { level, runs } => {
                let title: String = runs.iter().map(|r| r.text.as_str()).collect();
                let level = NonZeroU16::new(u16::from(*level)).unwrap_or(NonZeroU16::MIN);
                tree.push(group(TagGroup::new(Tag::Hn(level, Some(title))), body));
            }
            Block::Paragraph(_) => tree.push(group(TagGroup::new(Tag::P), body)),
            Block::Item { label, .. } => {
                let numbering = if label == "•" { ListNumbering::Disc } else { ListNumbering::Decimal };
                let l = list.get_or_insert_with(|| TagGroup::new(Tag::L(numbering)));
                let mut item = TagGroup::new(Tag::LI);
                item.push(group(TagGroup::new(Tag::Lbl), labels));
                item.push(group(TagGroup::new(Tag::LBody), body));
                l.push(item);
            }
        }
    }
    if let Some(l) = list {
        tree.push(l);
    }
    tree
}
