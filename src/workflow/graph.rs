//! State diagrams of a workflow as Mermaid or Graphviz text.

use super::model::{Definition, MachineDef};
use super::vocabulary::Machine;
use std::fmt::Write;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Mermaid,
    Dot,
}

pub fn render(def: &Definition, format: Format) -> String {
    match format {
        Format::Mermaid => mermaid(def),
        Format::Dot => dot(def),
    }
}

/// Edges of a machine with the events on each, merged per (from, to).
fn edges(machine: &MachineDef) -> Vec<(String, String, Vec<String>)> {
    let mut edges: Vec<(String, String, Vec<String>)> = Vec::new();
    for t in &machine.transitions {
        for from in &t.from {
            let to = t.target(from).to_string();
            let mut label = t.event.clone();
            if !t.when.is_empty() {
                let conds: Vec<String> = t.when.iter().map(ToString::to_string).collect();
                label = format!("{label} [{}]", conds.join(", "));
            }
            match edges.iter_mut().find(|(f, d, _)| f == from && *d == to) {
                Some((_, _, labels)) if !labels.contains(&label) => labels.push(label),
                Some(_) => {}
                None => edges.push((from.clone(), to, vec![label])),
            }
        }
    }
    edges
}

fn node_id(machine: Machine, state: &str) -> String {
    format!("{}_{state}", machine.name())
}

fn mermaid(def: &Definition) -> String {
    let mut out = String::from("stateDiagram-v2\n");
    for (machine, m) in def.machines() {
        let _ = writeln!(out, "    state \"{} ({machine})\" as {machine}_machine {{", def.label.replace('"', "'"));
        let _ = writeln!(out, "        [*] --> {}", node_id(machine, &m.initial));
        for s in &m.states {
            let _ = writeln!(out, "        {} : {}", node_id(machine, &s.name), s.label.replace(':', " "));
        }
        for (from, to, labels) in edges(m) {
            let _ = writeln!(
                out,
                "        {} --> {} : {}",
                node_id(machine, &from),
                node_id(machine, &to),
                labels.join(" / ").replace(':', " ")
            );
        }
        for s in m.states.iter().filter(|s| s.terminal) {
            let _ = writeln!(out, "        {} --> [*]", node_id(machine, &s.name));
        }
        out.push_str("    }\n");
    }
    out
}

fn dot(def: &Definition) -> String {
    let escape = |s: &str| s.replace('\\', "\\\\").replace('"', "\\\"");
    let mut out =
        format!("digraph \"{}\" {{\n    rankdir=LR;\n    node [shape=box, style=rounded];\n", escape(&def.id));
    for (machine, m) in def.machines() {
        let _ = writeln!(out, "    subgraph cluster_{machine} {{\n        label=\"{machine}\";");
        let _ = writeln!(out, "        {machine}_start [shape=point];");
        let _ = writeln!(out, "        {machine}_start -> {};", node_id(machine, &m.initial));
        for s in &m.states {
            let shape = if s.terminal { ", peripheries=2" } else { "" };
            let _ = writeln!(
                out,
                "        {} [label=\"{}\\n({})\"{shape}];",
                node_id(machine, &s.name),
                escape(&s.label),
                s.name
            );
        }
        for (from, to, labels) in edges(m) {
            let _ = writeln!(
                out,
                "        {} -> {} [label=\"{}\"];",
                node_id(machine, &from),
                node_id(machine, &to),
                escape(&labels.join("\\n"))
            );
        }
        out.push_str("    }\n");
    }
    out.push_str("}\n");
    out
}
