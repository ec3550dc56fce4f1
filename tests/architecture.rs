//! The shape of the code, checked: dependencies point one way (every module of `src/` uses only
//! modules below it in [`LAYERS`], and the files inside a module form no cycle), and no function
//! grows past [`MAX_FN_LINES`]. Read from the source text, so `cargo test` keeps the layout true.
//!
//! `cargo test --test architecture -- --nocapture` prints the figures (functions' median and
//! longest, each module's dependencies).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The top-level modules of `src/`, lowest first: each may use only those before it.
const LAYERS: &[&[&str]] = &[
    &["error"],
    &["trace"],
    &["instrument"],
    &["workload"],
    &["exec"],
    &["ingest"],
    &["lab"],
    &["present"],
    &["export"],
    &["ui"],
    &["cli"],
    &["app"],
];

/// The longest a function may be, signature to closing brace.
const MAX_FN_LINES: usize = 80;

struct Source {
    /// The module path: `src/ui/render/panel.rs` is `["ui", "render", "panel"]`.
    module: Vec<String>,
    path: PathBuf,
    text: String,
}

fn sources() -> Vec<Source> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    collect(&root, &mut files);
    files.sort();
    files
        .into_iter()
        .map(|path| {
            let rel = path.strip_prefix(&root).unwrap().with_extension("");
            let mut module: Vec<String> = rel
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            if matches!(
                module.last().map(String::as_str),
                Some("mod" | "lib" | "main")
            ) {
                module.pop();
            }
            let text = std::fs::read_to_string(&path).unwrap();
            Source { module, path, text }
        })
        .collect()
}

fn collect(dir: &Path, files: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            collect(&path, files);
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
}

/// The code of a line, without a `//` comment (doc comments included).
fn code(line: &str) -> &str {
    match line.find("//") {
        Some(i) => &line[..i],
        None => line,
    }
}

fn ident_at(s: &str) -> &str {
    let end = s
        .find(|c: char| !(c.is_alphanumeric() || c == '_'))
        .unwrap_or(s.len());
    &s[..end]
}

/// Every module path a file names: `crate::a::b`, `super::x`, `crate::{a, b::c}`, as absolute
/// paths (the first two segments at most, enough to know the module).
fn references(src: &Source) -> BTreeSet<Vec<String>> {
    let mut out = BTreeSet::new();
    for line in src.text.lines().map(code) {
        let mut rest = line;
        while let Some(i) = [rest.find("crate::"), rest.find("super::")]
            .into_iter()
            .flatten()
            .min()
        {
            let at = &rest[i..];
            let base = resolve_base(src, at);
            let mut after = at.strip_prefix("crate::").unwrap_or(at);
            while let Some(a) = after.strip_prefix("super::") {
                after = a;
            }
            if let Some(group) = after.strip_prefix('{') {
                let inner = &group[..group.find('}').unwrap_or(group.len())];
                for item in inner.split(',') {
                    let name = ident_at(item.trim());
                    if !name.is_empty() && name != "self" {
                        out.insert(join(&base, name));
                    }
                }
            } else {
                let first = ident_at(after);
                let second = after
                    .strip_prefix(first)
                    .and_then(|s| s.strip_prefix("::"))
                    .map(ident_at)
                    .unwrap_or("");
                let mut path = join(&base, first);
                if !second.is_empty() {
                    path.push(second.to_string());
                }
                out.insert(path);
            }
            rest = &rest[i + 7..];
        }
    }
    out
}

/// The module `crate::` or a chain of `super::` at the start of `s` stands for.
fn resolve_base(src: &Source, s: &str) -> Vec<String> {
    if s.starts_with("crate::") {
        return Vec::new();
    }
    // Each `super` is one module up from the file's own.
    let mut base = src.module.clone();
    let mut s = s;
    while let Some(rest) = s.strip_prefix("super::") {
        base.pop();
        s = rest;
    }
    base
}

fn join(base: &[String], name: &str) -> Vec<String> {
    let mut path = base.to_vec();
    path.push(name.to_string());
    path
}

fn layer_of(top: &str) -> Option<usize> {
    LAYERS.iter().position(|layer| layer.contains(&top))
}

/// Which module each file's references point to: (from, to) pairs of top-level modules.
fn top_level_edges(sources: &[Source]) -> BTreeMap<String, BTreeSet<String>> {
    let tops: BTreeSet<String> = sources
        .iter()
        .filter_map(|s| s.module.first().cloned())
        .collect();
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for src in sources {
        let Some(from) = src.module.first() else {
            continue;
        };
        for to in references(src) {
            if let Some(top) = to.first().filter(|t| tops.contains(*t) && *t != from) {
                edges.entry(from.clone()).or_default().insert(top.clone());
            }
        }
    }
    edges
}

#[test]
fn every_module_uses_only_the_layers_below_it() {
    let sources = sources();
    let edges = top_level_edges(&sources);
    let mut wrong = Vec::new();
    for (from, tos) in &edges {
        println!(
            "{from:>10} uses {}",
            tos.iter().cloned().collect::<Vec<_>>().join(", ")
        );
        let Some(own) = layer_of(from) else {
            wrong.push(format!("{from} is in no layer: add it to LAYERS"));
            continue;
        };
        for to in tos {
            match layer_of(to) {
                Some(l) if l < own => {}
                _ => wrong.push(format!("{from} uses {to}, which is not below it")),
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// Within each top-level module, its files (second-level modules) form no cycle.
#[test]
fn no_module_cycle_inside_a_module() {
    let sources = sources();
    let mut graph: BTreeMap<Vec<String>, BTreeSet<Vec<String>>> = BTreeMap::new();
    for src in &sources {
        if src.module.len() < 2 {
            continue;
        }
        let from = src.module[..2].to_vec();
        for to in references(src) {
            if to.len() >= 2 && to[0] == from[0] && to[..2] != from[..] {
                graph
                    .entry(from.clone())
                    .or_default()
                    .insert(to[..2].to_vec());
            }
        }
    }
    // Keep only edges to modules that exist as files or folders.
    let known: BTreeSet<Vec<String>> = sources
        .iter()
        .filter(|s| s.module.len() >= 2)
        .map(|s| s.module[..2].to_vec())
        .collect();
    for tos in graph.values_mut() {
        tos.retain(|t| known.contains(t));
    }
    let mut cycles = Vec::new();
    for start in graph.keys() {
        let mut seen = BTreeSet::new();
        let mut stack: Vec<Vec<String>> = graph[start].iter().cloned().collect();
        while let Some(node) = stack.pop() {
            if &node == start {
                cycles.push(start.join("::"));
                break;
            }
            if seen.insert(node.clone()) {
                stack.extend(graph.get(&node).into_iter().flatten().cloned());
            }
        }
    }
    assert!(cycles.is_empty(), "modules in an import cycle: {cycles:?}");
}

/// Each function's length in lines, from its `fn` line to the closing brace rustfmt puts at
/// the same indentation: (lines, file, line number, name).
fn functions(sources: &[Source]) -> Vec<(usize, String, usize, String)> {
    let mut out = Vec::new();
    for src in sources {
        let lines: Vec<&str> = src.text.lines().collect();
        for (i, line) in lines.iter().enumerate() {
            let trimmed = line.trim_start();
            let indent = &line[..line.len() - trimmed.len()];
            let Some(name) = fn_name(trimmed) else {
                continue;
            };
            let Some(open) = (i..lines.len()).find(|&j| {
                let c = code(lines[j]).trim_end();
                c.contains('{') || c.ends_with(';')
            }) else {
                continue;
            };
            let opening = code(lines[open]).trim_end();
            if !opening.contains('{') {
                continue; // a declaration without a body
            }
            let one_line = opening.ends_with('}')
                && opening.matches('{').count() == opening.matches('}').count();
            let close = if one_line {
                open
            } else {
                let end = format!("{indent}}}");
                (open + 1..lines.len())
                    .find(|&k| lines[k].trim_end() == end)
                    .unwrap_or(open)
            };
            let file = src.path.display().to_string();
            out.push((close - i + 1, file, i + 1, name.to_string()));
        }
    }
    out
}

/// The name of the function a line starts, if it starts one.
fn fn_name(line: &str) -> Option<&str> {
    let mut rest = line;
    for prefix in [
        "pub(crate) ",
        "pub(super) ",
        "pub ",
        "const ",
        "async ",
        "unsafe ",
    ] {
        rest = rest.strip_prefix(prefix).unwrap_or(rest);
    }
    let name = ident_at(rest.strip_prefix("fn ")?);
    (!name.is_empty()).then_some(name)
}

#[test]
fn no_function_is_longer_than_the_limit() {
    let mut fns = functions(&sources());
    fns.sort();
    let lengths: Vec<usize> = fns.iter().map(|f| f.0).collect();
    let median = lengths[lengths.len() / 2];
    let p90 = lengths[lengths.len() * 9 / 10];
    println!(
        "{} functions: median {median} lines, 90th percentile {p90}, longest {}",
        lengths.len(),
        lengths.last().unwrap()
    );
    for f in fns.iter().rev().take(5) {
        println!("  {} lines: {} ({}:{})", f.0, f.3, f.1, f.2);
    }
    let long: Vec<String> = fns
        .iter()
        .filter(|f| f.0 > MAX_FN_LINES)
        .map(|f| format!("{} ({}:{}): {} lines", f.3, f.1, f.2, f.0))
        .collect();
    assert!(
        long.is_empty(),
        "functions over {MAX_FN_LINES} lines:\n{}",
        long.join("\n")
    );
    assert!(median <= 10, "median function length {median} lines");
}
