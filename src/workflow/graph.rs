//! State diagrams of a workflow as Mermaid or Graphviz text, or as an SVG
//! picture laid out here (no external renderer needed).

use super::model::{Definition, MachineDef};
use super::vocabulary::Machine;
use std::fmt::Write;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Mermaid,
    Dot,
    Svg,
}

pub fn render(def: &Definition, format: Format) -> String {
    match format {
        Format::Mermaid => mermaid(def),
        Format::Dot => dot(def),
        Format::Svg => {
            let mut out = String::new();
            for m in [Machine::Dossier, Machine::Label] {
                out.push_str(&svg(def.machine(m), &format!("{} — {}", def.label, m.name())));
                out.push('\n');
            }
            out
        }
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

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

const BOX_W: i64 = 190;
const BOX_H: i64 = 40;
const COL_GAP: i64 = 90;
const ROW_GAP: i64 = 26;

/// One machine as an SVG picture: states in columns by their distance from
/// the initial state, forward edges straight, backward edges arched above;
/// events that keep the state are listed in each edge's tooltip only.
pub fn svg(machine: &MachineDef, title: &str) -> String {
    let edges = edges(machine);
    // Column of each state: its shortest distance from the initial state.
    let mut column: std::collections::BTreeMap<&str, i64> = Default::default();
    column.insert(&machine.initial, 0);
    let mut queue = std::collections::VecDeque::from([machine.initial.as_str()]);
    while let Some(state) = queue.pop_front() {
        let next = column[state] + 1;
        for (from, to, _) in &edges {
            if from == state && !column.contains_key(to.as_str()) {
                column.insert(to, next);
                queue.push_back(to);
            }
        }
    }
    let unreachable = column.values().max().copied().unwrap_or(0) + 1;
    let mut rows: std::collections::BTreeMap<i64, i64> = Default::default();
    let mut place: std::collections::HashMap<&str, (i64, i64)> = Default::default();
    for s in &machine.states {
        let c = column.get(s.name.as_str()).copied().unwrap_or(unreachable);
        let r = rows.entry(c).or_default();
        place.insert(&s.name, (20 + c * (BOX_W + COL_GAP), 70 + *r * (BOX_H + ROW_GAP)));
        *r += 1;
    }
    let width = place.values().map(|p| p.0).max().unwrap_or(0) + BOX_W + 20;
    let height = place.values().map(|p| p.1).max().unwrap_or(0) + BOX_H + 20;
    let mut out = String::new();
    let _ = write!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" viewBox=\"0 0 {width} {height}\" width=\"{width}\" \
         height=\"{height}\" font-family=\"sans-serif\" font-size=\"12\"><title>{}</title>\
         <defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" \
         orient=\"auto-start-reverse\"><path d=\"M 0 0 L 10 5 L 0 10 z\" fill=\"#3a3a3a\"/></marker></defs>",
        escape(title)
    );
    for (from, to, labels) in &edges {
        if from == to {
            continue;
        }
        let (Some(&(fx, fy)), Some(&(tx, ty))) = (place.get(from.as_str()), place.get(to.as_str())) else {
            continue;
        };
        let tip = escape(&format!("{from} → {to} : {}", labels.join(", ")));
        let path = if tx > fx {
            format!("M {} {} L {} {}", fx + BOX_W, fy + BOX_H / 2, tx, ty + BOX_H / 2)
        } else {
            // Backward or same-column edge: an arch over the boxes.
            let lift = 20 + ((fx - tx).abs() / 24).min(44);
            format!(
                "M {} {} C {} {}, {} {}, {} {}",
                fx + BOX_W / 2,
                fy,
                fx + BOX_W / 2,
                fy.min(ty) - lift,
                tx + BOX_W / 2,
                fy.min(ty) - lift,
                tx + BOX_W / 2 + 8,
                ty
            )
        };
        let _ = write!(
            out,
            "<path d=\"{path}\" fill=\"none\" stroke=\"#3a3a3a\" marker-end=\"url(#arrow)\"><title>{tip}</title></path>"
        );
    }
    for s in &machine.states {
        let (x, y) = place[s.name.as_str()];
        let (fill, stroke) = if s.terminal { ("#e3e3fd", "#000091") } else { ("#ffffff", "#3a3a3a") };
        let label: String = s.label.chars().take(30).collect();
        let _ = write!(
            out,
            "<g><title>{}</title><rect x=\"{x}\" y=\"{y}\" width=\"{BOX_W}\" height=\"{BOX_H}\" rx=\"6\" fill=\"{fill}\" \
             stroke=\"{stroke}\" stroke-width=\"{}\"/><text x=\"{}\" y=\"{}\" text-anchor=\"middle\" fill=\"#161616\">{}</text></g>",
            escape(&format!("{} ({})", s.label, s.name)),
            if s.name == machine.initial { 3 } else { 1 },
            x + BOX_W / 2,
            y + BOX_H / 2 + 4,
            escape(&label)
        );
    }
    out.push_str("</svg>");
    out
}
