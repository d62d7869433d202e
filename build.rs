//! Embeds every file under `workflows/` (definitions, criteria grids,
//! reference lists) so that the binary runs without the folder.

use std::path::{Path, PathBuf};

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            walk(&path, out);
        } else if path.extension().is_some_and(|e| e == "toml") {
            out.push(path);
        }
    }
}

fn main() {
    println!("cargo:rerun-if-changed=workflows");
    let root = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let mut files = Vec::new();
    walk(&root.join("workflows"), &mut files);
    files.sort();
    let mut code = String::from(
        "/// Every file under `workflows/`, by its path from the crate root.\npub const FILES: &[(&str, &str)] = &[\n",
    );
    for file in &files {
        let relative = file.strip_prefix(&root).expect("under the root").to_string_lossy().replace('\\', "/");
        code.push_str(&format!("    ({relative:?}, include_str!({:?})),\n", file.display().to_string()));
    }
    code.push_str("];\n");
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("set by cargo")).join("workflows.rs");
    std::fs::write(out, code).expect("write the embedded workflow files");
}
