//! Reference lists inputs are validated against, as versioned data files
//! under `workflows/reference/` (one list a file: its name, version,
//! French label, items; an item may point at an item of a parent list, as
//! a district at its province). Codes are stable identifiers; labels are
//! the French names users see. Lookups accept a code or a label, ignoring
//! case and accents.
//!
//! The lists are read once per process: from the folder `serve` is given
//! (`install`), else from the copy built into the binary.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::OnceLock;

/// One item of a list.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Entry {
    pub code: String,
    pub label: String,
    /// The code of the item of the parent list it belongs to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<String>,
    /// Former labels, still understood on input (an old spreadsheet).
    #[serde(default, skip_serializing)]
    pub aliases: Vec<String>,
}

impl Entry {
    pub fn parent(&self) -> &str {
        self.parent.as_deref().unwrap_or_default()
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct ParentRef {
    /// The parent list's name.
    pub list: String,
    /// The key the parent's code is served under (e.g. `region`).
    pub key: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct List {
    pub list: String,
    pub version: String,
    pub label: String,
    #[serde(default)]
    pub parent: Option<ParentRef>,
    pub items: Vec<Entry>,
}

impl List {
    /// The items as the API serves them: `code`, `label`, and the parent's
    /// code under the list's key.
    pub fn to_json(&self) -> serde_json::Value {
        let items = self.items.iter().map(|i| {
            let mut item = serde_json::json!({"code": i.code, "label": i.label});
            if let (Some(parent), Some(code)) = (&self.parent, &i.parent) {
                item[parent.key.as_str()] = serde_json::json!(code);
            }
            item
        });
        serde_json::Value::Array(items.collect())
    }

    pub fn find(&self, input: &str) -> Option<&Entry> {
        let folded = fold(input);
        let items = &self.items;
        items
            .iter()
            .find(|i| i.code.eq_ignore_ascii_case(input.trim()))
            .or_else(|| items.iter().find(|i| fold(&i.label) == folded || fold(&i.code) == folded))
            .or_else(|| items.iter().find(|i| i.aliases.iter().any(|a| fold(a) == folded)))
    }
}

/// Every reference list, by name.
#[derive(Debug, Clone, Default)]
pub struct Lists(BTreeMap<String, List>);

impl Lists {
    /// Reads and checks lists from (path, text) pairs: every file parses,
    /// names and codes are unique, every parent exists.
    pub fn parse<'a>(files: impl IntoIterator<Item = (String, &'a str)>) -> Result<Lists, String> {
        let mut lists = BTreeMap::new();
        for (path, text) in files {
            let list: List = toml::from_str(text).map_err(|e| format!("{path}: {}", e.message()))?;
            let mut codes = std::collections::HashSet::new();
            if let Some(twice) = list.items.iter().find(|i| !codes.insert(i.code.as_str())) {
                return Err(format!("{path}: code `{}` is listed twice", twice.code));
            }
            if lists.insert(list.list.clone(), list).is_some() {
                return Err(format!("{path}: another file already holds this list"));
            }
        }
        for list in lists.values() {
            let Some(parent) = &list.parent else { continue };
            let Some(up) = lists.get(&parent.list) else {
                return Err(format!("list `{}`: unknown parent list `{}`", list.list, parent.list));
            };
            if let Some(orphan) =
                list.items.iter().find(|i| up.items.iter().all(|u| Some(&u.code) != i.parent.as_ref()))
            {
                return Err(format!("list `{}`: `{}` points at no item of `{}`", list.list, orphan.code, parent.list));
            }
        }
        Ok(Lists(lists))
    }

    /// The lists built into the binary.
    pub fn builtin() -> Result<Lists, String> {
        Lists::parse(
            crate::workflow::builtin::FILES
                .iter()
                .filter(|(path, _)| path.starts_with(FOLDER))
                .map(|(path, text)| (path.to_string(), *text)),
        )
    }

    /// The lists of a workflows folder's `reference/`.
    pub fn load_dir(workflows: &std::path::Path) -> Result<Lists, String> {
        let dir = workflows.join("reference");
        let mut files = Vec::new();
        for entry in std::fs::read_dir(&dir).map_err(|e| format!("{}: {e}", dir.display()))?.flatten() {
            let path = entry.path();
            if path.extension().is_some_and(|e| e == "toml") {
                let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
                files.push((path.display().to_string(), text));
            }
        }
        files.sort();
        Lists::parse(files.iter().map(|(p, t)| (p.clone(), t.as_str())))
    }

    pub fn get(&self, name: &str) -> Option<&List> {
        self.0.get(name)
    }
}

/// Where reference lists live in a workflows folder.
const FOLDER: &str = "workflows/reference/";

static LISTS: OnceLock<Lists> = OnceLock::new();

/// The process's lists (the built-in copy unless `install` came first).
pub fn lists() -> &'static Lists {
    LISTS.get_or_init(|| Lists::builtin().expect("the shipped reference lists are valid"))
}

/// Uses `lists` for this process; refused once lists were read.
pub fn install(lists: Lists) -> Result<(), String> {
    LISTS.set(lists).map_err(|_| "reference lists were already in use".to_string())
}

/// The items of a list (none when the list does not exist).
pub fn items(list: &str) -> &'static [Entry] {
    lists().get(list).map_or(&[], |l| l.items.as_slice())
}

/// The item of `list` named by `input` (code or label).
pub fn lookup(list: &str, input: &str) -> Option<&'static Entry> {
    lists().get(list)?.find(input)
}

/// Lowercase, without accents or punctuation, for comparing labels.
pub fn fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.trim().chars().flat_map(char::to_lowercase) {
        let base = match c {
            'à' | 'â' | 'ä' | 'á' | 'ã' => 'a',
            'ç' => 'c',
            'é' | 'è' | 'ê' | 'ë' => 'e',
            'î' | 'ï' | 'í' => 'i',
            'ô' | 'ö' | 'ó' => 'o',
            'ù' | 'û' | 'ü' | 'ú' => 'u',
            'ÿ' => 'y',
            'œ' => {
                out.push_str("oe");
                continue;
            }
            'æ' => {
                out.push_str("ae");
                continue;
            }
            c if c.is_alphanumeric() => c,
            _ => ' ',
        };
        if base == ' ' {
            if !out.ends_with(' ') && !out.is_empty() {
                out.push(' ');
            }
        } else {
            out.push(base);
        }
    }
    out.trim_end().to_string()
}
