//! Embeds every file under `workflows/` (definitions, criteria grids,
//! reference lists) so that the binary runs without the folder, and the
//! SQL migrations of each backend.

use std::path::{Path, PathBuf};

fn walk(dir: &Path, extension: &str, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            walk(&path, extension, out);
        } else if path.extension().is_some_and(|e| e == extension) {
            out.push(path);
        }
    }
}

/// A constant `name` listing every `extension` file under `dir` (by its
/// path from `from`) with its text, in path order.
fn embed(root: &Path, dir: &str, extension: &str, from: &Path, doc: &str, name: &str) -> String {
    println!("cargo:rerun-if-changed={dir}");
    let mut files = Vec::new();
    walk(&root.join(dir), extension, &mut files);
    files.sort();
    let mut code = format!("/// {doc}\npub const {name}: &[(&str, &str)] = &[\n");
    for file in &files {
        let relative = file.strip_prefix(from).expect("under the folder").to_string_lossy().replace('\\', "/");
        code.push_str(&format!("    ({relative:?}, include_str!({:?})),\n", file.display().to_string()));
    }
    code.push_str("];\n");
    code
}

fn main() {
    let root = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("set by cargo"));
    let doc = "Every file under `workflows/`, by its path from the crate root.";
    let workflows = embed(&root, "workflows", "toml", &root, doc, "FILES");
    std::fs::write(out.join("workflows.rs"), workflows).expect("write the embedded workflow files");
    let mut migrations = String::new();
    for (backend, name) in [("sqlite", "SQLITE"), ("postgres", "POSTGRES")] {
        let dir = format!("migrations/{backend}");
        let doc = format!("The {backend} migrations, by file name.");
        migrations.push_str(&embed(&root, &dir, "sql", &root.join(&dir), &doc, name));
    }
    std::fs::write(out.join("migrations.rs"), migrations).expect("write the embedded migrations");
}
