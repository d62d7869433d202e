//! Attachment files: checked by type and size, stored under the data
//! folder by SHA-256 (never under a name a user chose), written to a
//! temporary file and renamed so a crash leaves no half file.

use super::AppError;
use crate::engine::Refusal;
use sha2::{Digest, Sha256};
use std::io::Write;
use std::path::{Path, PathBuf};

/// Largest attachment accepted.
pub const MAX_SIZE: usize = 20 * 1024 * 1024;

/// Accepted types: what they start with, and the extension they get.
const TYPES: &[(&str, &[u8], &str)] = &[
    ("application/pdf", b"%PDF-", "pdf"),
    ("image/png", b"\x89PNG\r\n\x1a\n", "png"),
    ("image/jpeg", b"\xff\xd8\xff", "jpg"),
    ("application/vnd.oasis.opendocument.text", b"PK\x03\x04", "odt"),
    ("application/vnd.oasis.opendocument.spreadsheet", b"PK\x03\x04", "ods"),
    ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", b"PK\x03\x04", "docx"),
    ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", b"PK\x03\x04", "xlsx"),
];

pub struct Stored {
    pub kind: String,
    pub file_name: String,
    pub content_type: String,
    pub sha256: String,
}

fn invalid(field: &str, reason: impl Into<String>) -> AppError {
    AppError::Refused(Refusal::invalid(field, reason))
}

/// A display name with no path, no control characters, at most 200 chars.
pub fn clean_name(name: &str) -> Result<String, AppError> {
    let base = name.rsplit(['/', '\\']).next().unwrap_or("").trim();
    if base.is_empty() || base == "." || base == ".." || base.contains("..") {
        return Err(invalid("name", "must be a plain file name"));
    }
    if base.chars().any(|c| c.is_control()) || base.chars().count() > 200 {
        return Err(invalid("name", "must be a plain file name of at most 200 characters"));
    }
    if base != name.trim() {
        return Err(invalid("name", "must not contain a path"));
    }
    Ok(base.to_string())
}

fn path_of(dir: &Path, sha256: &str) -> PathBuf {
    dir.join("attachments").join(&sha256[..2]).join(sha256)
}

/// Keeps a file of one of `kinds` (its workflow's form's attachment kinds).
pub fn store(
    dir: &Path,
    kinds: &[crate::workflow::Choice],
    kind: &str,
    name: &str,
    content_type: &str,
    bytes: &[u8],
) -> Result<Stored, AppError> {
    if !kinds.iter().any(|k| k.code == kind) {
        let known: Vec<&str> = kinds.iter().map(|k| k.code.as_str()).collect();
        return Err(invalid("kind", format!("must be one of: {}", known.join(", "))));
    }
    let (file_name, content_type, sha256) = keep(dir, name, content_type, bytes)?;
    Ok(Stored { kind: kind.to_string(), file_name, content_type, sha256 })
}

/// Keeps a file of an accepted type: its clean name, its type and its
/// SHA-256 (the name it is kept under).
pub fn keep(dir: &Path, name: &str, content_type: &str, bytes: &[u8]) -> Result<(String, String, String), AppError> {
    let file_name = clean_name(name)?;
    if bytes.is_empty() {
        return Err(invalid("body", "the file is empty"));
    }
    if bytes.len() > MAX_SIZE {
        return Err(invalid("body", format!("the file is larger than {} MiB", MAX_SIZE / 1024 / 1024)));
    }
    let content_type = content_type.split(';').next().unwrap_or("").trim().to_lowercase();
    let Some((_, magic, _)) = TYPES.iter().find(|(t, _, _)| *t == content_type) else {
        let accepted: Vec<&str> = TYPES.iter().map(|(_, _, ext)| *ext).collect();
        return Err(invalid("content_type", format!("accepted types: {}", accepted.join(", "))));
    };
    if !bytes.starts_with(magic) {
        return Err(invalid("body", format!("the content is not a {content_type} file")));
    }
    let sha256 = hex::encode(Sha256::digest(bytes));
    let target = path_of(dir, &sha256);
    if !target.exists() {
        write_atomically(&target, bytes).map_err(io)?;
    }
    Ok((file_name, content_type, sha256))
}

pub fn read(dir: &Path, sha256: &str) -> Result<Vec<u8>, AppError> {
    if sha256.len() != 64 || !sha256.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(AppError::Store(crate::store::StoreError::Invalid("corrupt attachment checksum".into())));
    }
    std::fs::read(path_of(dir, sha256)).map_err(io)
}

/// Deletes a kept file no row names any more, unless it was written again
/// after `queued` (the same content uploaded since, its row perhaps not
/// committed yet); one already gone is fine. True when it is gone.
pub fn remove_unless_newer(dir: &Path, sha256: &str, queued: std::time::SystemTime) -> std::io::Result<bool> {
    if sha256.len() != 64 || !sha256.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Ok(true);
    }
    let path = path_of(dir, sha256);
    let modified = match std::fs::metadata(&path).and_then(|m| m.modified()) {
        Ok(modified) => modified,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(true),
        Err(e) => return Err(e),
    };
    if modified > queued {
        return Ok(false);
    }
    match std::fs::remove_file(path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
        _ => Ok(true),
    }
}

/// Writes `target` whole or not at all: into a temporary file of its
/// folder, named for this writer alone (two writers of the same target
/// never share it), synced, then renamed over the target.
pub fn write_atomically(target: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = target.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let tmp = dir.join(format!(".partial-{}", uuid::Uuid::new_v4().simple()));
    let mut file = std::fs::OpenOptions::new().write(true).create_new(true).open(&tmp)?;
    let written = file.write_all(bytes).and_then(|()| file.sync_all()).and_then(|()| std::fs::rename(&tmp, target));
    if written.is_err() {
        std::fs::remove_file(&tmp).ok();
    }
    written
}

fn io(e: std::io::Error) -> AppError {
    tracing::error!(error = %e, "attachment storage failure");
    AppError::Store(crate::store::StoreError::Invalid("the attachment store is unavailable".into()))
}
