//! The shape of the code, checked: dependencies point one way (every module of `src/` uses only
//! modules below it in [`LAYERS`], and no files form a cycle: each file is a node, a `mod.rs`
//! and the files of nested folders included), and no function grows past [`MAX_FN_LINES`]. Read from the source text, so `cargo test` keeps the layout true.
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
            let text = std::fs::read_to_string(&path).unwrap();
            source(path.strip_prefix(&root).unwrap(), text)
        })
        .collect()
}

/// A file of `src/`, by its path there.
fn source(rel: &Path, text: String) -> Source {
    let mut module: Vec<String> = rel
        .with_extension("")
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    if matches!(
        module.last().map(String::as_str),
        Some("mod" | "lib" | "main")
    ) {
        module.pop();
    }
    let path = rel.to_path_buf();
    Source { module, path, text }
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
    let modules: BTreeSet<Vec<String>> = sources.iter().map(|s| s.module.clone()).collect();
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for src in sources {
        let Some(from) = src.module.first() else {
            continue;
        };
        for to in paths(src, &modules, true) {
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

/// No two files of `src/` depend on each other, directly or through others: each file is a
/// node (a folder's `mod.rs` one of its own, the files of nested folders such as `ui/render/`
/// each theirs), and a file depends on the file that defines what it names. A name a `mod.rs`
/// only re-exports (`pub use ctx::Env`) is the defining file's, so a file using
/// `super::Env` depends on `ctx.rs`, not on `mod.rs`.
#[test]
fn no_cycle_among_files() {
    let cycles = cycles(&sources());
    assert!(
        cycles.is_empty(),
        "files in an import cycle (each line one cycle):\n{}",
        cycles.join("\n")
    );
}

/// The checker itself, on made-up files: a child using an item its `mod.rs` defines while the
/// `mod.rs`'s code uses the child is a cycle; so are two files of a nested folder naming each other
/// (across lines, in a group); a re-export and a test module's `use super::*` are not.
#[test]
fn the_cycle_check_finds_made_up_cycles() {
    let made = |files: &[(&str, &str)]| -> Vec<Source> {
        files
            .iter()
            .map(|(path, text)| source(Path::new(path), text.to_string()))
            .collect()
    };
    let fine = made(&[
        ("a/mod.rs", "pub mod b;\npub mod c;\npub use b::B;\npub use c::C;\n"),
        (
            "a/b.rs",
            "use super::C;\npub struct B;\n#[cfg(test)]\nmod tests {\n    use super::*;\n    use crate::a::B;\n}\n",
        ),
        ("a/c.rs", "pub struct C;\n"),
        ("x/mod.rs", "pub mod y;\n"),
        ("x/y/mod.rs", "pub mod p;\npub mod q;\n"),
        ("x/y/p.rs", "use super::q::Q;\npub struct P;\n"),
        ("x/y/q.rs", "pub struct Q;\nfn f() -> crate::a::B { todo!() }\n"),
    ]);
    assert_eq!(cycles(&fine), Vec::<String>::new());
    let parent = made(&[
        (
            "a/mod.rs",
            "pub mod b;\npub use b::B;\npub struct A;\npub fn a() -> b::B {\n    todo!()\n}\n",
        ),
        ("a/b.rs", "use super::{\n    A,\n};\npub struct B;\n"),
    ]);
    assert_eq!(cycles(&parent), ["a ⇄ a::b"]);
    let nested = made(&[
        ("x/mod.rs", "pub mod y;\n"),
        ("x/y/mod.rs", "pub mod p;\npub mod q;\npub mod r;\n"),
        ("x/y/p.rs", "use super::q::Q;\npub struct P;\n"),
        ("x/y/q.rs", "pub struct Q(crate::x::y::r::R);\n"),
        ("x/y/r.rs", "pub struct R(Box<super::p::P>);\n"),
    ]);
    assert_eq!(cycles(&nested), ["x::y::p ⇄ x::y::q ⇄ x::y::r"]);
}

/// The cycles among `sources`' files: each a line of the files in it, ` ⇄ ` between.
fn cycles(sources: &[Source]) -> Vec<String> {
    let graph = file_graph(sources);
    let nodes: Vec<&Vec<String>> = graph.keys().collect();
    // A file is in a cycle with every file it reaches that reaches it back.
    let reach = |from: &Vec<String>| {
        let mut seen = BTreeSet::new();
        let mut stack: Vec<&Vec<String>> = graph[from].iter().collect();
        while let Some(node) = stack.pop() {
            if seen.insert(node.clone()) {
                stack.extend(graph.get(node).into_iter().flatten());
            }
        }
        seen
    };
    let reached: BTreeMap<&Vec<String>, BTreeSet<Vec<String>>> =
        nodes.iter().map(|n| (*n, reach(n))).collect();
    let mut found = BTreeSet::new();
    for node in &nodes {
        let together: Vec<String> = nodes
            .iter()
            .filter(|other| reached[node].contains(**other) && reached[**other].contains(*node))
            .map(|n| n.join("::"))
            .collect();
        if together.len() > 1 {
            found.insert(together.join(" ⇄ "));
        }
    }
    found.into_iter().collect()
}

/// Which files each file depends on (by module path; the crate roots left out).
fn file_graph(sources: &[Source]) -> BTreeMap<Vec<String>, BTreeSet<Vec<String>>> {
    let sources: Vec<&Source> = sources.iter().filter(|s| !s.module.is_empty()).collect();
    let modules: BTreeSet<Vec<String>> = sources.iter().map(|s| s.module.clone()).collect();
    let uses: BTreeMap<Vec<String>, BTreeMap<String, Option<Vec<String>>>> = sources
        .iter()
        .map(|s| (s.module.clone(), names_used(s, &modules)))
        .collect();
    let mut graph = BTreeMap::new();
    for src in &sources {
        let tos: BTreeSet<Vec<String>> = paths(src, &modules, false)
            .into_iter()
            .filter_map(|p| defining_file(&p, &modules, &uses, 0))
            .filter(|to| *to != src.module)
            .collect();
        graph.insert(src.module.clone(), tos);
    }
    graph
}

/// The file that defines what the absolute path `path` names: the longest module it starts
/// with, or, if that module only imports the next name, the file that defines that. `None`:
/// outside the crate.
fn defining_file(
    path: &[String],
    modules: &BTreeSet<Vec<String>>,
    uses: &BTreeMap<Vec<String>, BTreeMap<String, Option<Vec<String>>>>,
    depth: usize,
) -> Option<Vec<String>> {
    let k = (1..=path.len())
        .rev()
        .find(|&k| modules.contains(&path[..k]))?;
    let module = path[..k].to_vec();
    let Some(name) = path.get(k) else {
        return Some(module);
    };
    match uses.get(&module).and_then(|u| u.get(name)) {
        Some(Some(target)) if depth < 16 => {
            let mut to = target.clone();
            to.extend_from_slice(&path[k + 1..]);
            defining_file(&to, modules, uses, depth + 1)
        }
        Some(_) => None,
        None => Some(module),
    }
}

/// The names a file's `use` declarations bind, to the absolute path each stands for (`None`:
/// outside the crate).
fn names_used(
    src: &Source,
    modules: &BTreeSet<Vec<String>>,
) -> BTreeMap<String, Option<Vec<String>>> {
    let (text, depths) = code_of(src);
    let mut out = BTreeMap::new();
    let mut at = 0;
    while let Some(i) = text[at..].find("use ") {
        let i = at + i;
        at = i + 4;
        let before = text[..i].trim_end();
        let starts = before.is_empty()
            || [";", "{", "}", "]", "pub", "pub(crate)", "pub(super)"]
                .iter()
                .any(|e| before.ends_with(e));
        if !starts || (i > 0 && is_ident(text[..i].chars().last().unwrap())) {
            continue;
        }
        let depth = depth_at(&text, &depths, i);
        let mut j = i + 4;
        for (raw, alias) in tree(&text, &mut j, Vec::new()) {
            let Some(name) = alias.or_else(|| raw.last().cloned()) else {
                continue;
            };
            if name != "*" && name != "_" {
                out.insert(name, absolute(src, depth, &raw, modules));
            }
        }
    }
    out
}

/// Every path a file names (`crate::a::b`, `super::x`, `self::y`, a child module's `c::d`,
/// groups `{a, b::c}` over several lines), as absolute paths; its re-exports (`pub use`) only
/// if `reexports` (between files they are not the file's own use: whoever names them through
/// it is counted as naming the file that defines them).
fn paths(src: &Source, modules: &BTreeSet<Vec<String>>, reexports: bool) -> Vec<Vec<String>> {
    let (mut text, depths) = code_of(src);
    if !reexports {
        blank_reexports(&mut text);
    }
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(c) = text[i..].chars().next() {
        let before = text[..i].chars().next_back();
        let fresh = before.is_none_or(|b| !(is_ident(b) || b == ':'));
        if !(fresh && (c.is_alphabetic() || c == '_')) {
            i += c.len_utf8();
            continue;
        }
        let name = ident_at(&text[i..]);
        if !text[i + name.len()..].starts_with("::") {
            i += name.len();
            continue;
        }
        let depth = depth_at(&text, &depths, i);
        let mut j = i;
        for (raw, _) in tree(&text, &mut j, Vec::new()) {
            out.extend(absolute(src, depth, &raw, modules));
        }
        i = j.max(i + name.len());
    }
    out
}

/// A path or a tree of them (`a::{b, c::d as e, self, *}`) at `text[*i..]`: each leaf's
/// segments (after `prefix`) and the name it is bound to with `as`.
fn tree(text: &str, i: &mut usize, prefix: Vec<String>) -> Vec<(Vec<String>, Option<String>)> {
    let skip = |i: &mut usize| {
        while text[*i..].starts_with(char::is_whitespace) {
            *i += text[*i..].chars().next().map_or(1, char::len_utf8);
        }
    };
    let mut path = prefix;
    loop {
        skip(i);
        let rest = &text[*i..];
        if rest.starts_with('{') {
            *i += 1;
            let mut leaves = Vec::new();
            loop {
                skip(i);
                match text[*i..].chars().next() {
                    None => return leaves,
                    Some('}') => {
                        *i += 1;
                        return leaves;
                    }
                    Some(',') => *i += 1,
                    Some(_) => {
                        let before = *i;
                        leaves.extend(tree(text, i, path.clone()));
                        if *i == before {
                            *i += text[*i..].chars().next().map_or(1, char::len_utf8);
                        }
                    }
                }
            }
        }
        if rest.starts_with('*') {
            *i += 1;
            path.push("*".into());
            return vec![(path, None)];
        }
        let name = ident_at(rest);
        if name.is_empty() {
            return vec![(path, None)];
        }
        *i += name.len();
        if name != "self" || path.is_empty() {
            path.push(name.to_string());
        }
        if text[*i..].starts_with("::") {
            *i += 2;
            continue;
        }
        skip(i);
        let alias = text[*i..].strip_prefix("as ").map(|r| {
            let r = r.trim_start();
            *i = text.len() - r.len() + ident_at(r).len();
            ident_at(r).to_string()
        });
        return vec![(path, alias)];
    }
}

/// `raw`, as written in `src` at inline-module depth `depth`, as an absolute path; `None` if
/// it is outside the crate (`std::...`) or a local item's (`Self::new`).
fn absolute(
    src: &Source,
    depth: usize,
    raw: &[String],
    modules: &BTreeSet<Vec<String>>,
) -> Option<Vec<String>> {
    let raw: Vec<String> = raw.iter().filter(|s| *s != "*").cloned().collect();
    let first = raw.first()?;
    let mut base = src.module.clone();
    let rest = match first.as_str() {
        "crate" => {
            base.clear();
            &raw[1..]
        }
        "self" => &raw[1..],
        "super" => {
            let ups = raw.iter().take_while(|s| *s == "super").count();
            // Inside an inline module (`mod tests`), the first `super`s come back to the file.
            for _ in 0..ups.saturating_sub(depth) {
                base.pop();
            }
            &raw[ups..]
        }
        child if depth == 0 && modules.contains(&join(&base, child)) => &raw[..],
        _ => return None,
    };
    base.extend_from_slice(rest);
    Some(base)
}

/// `pub use ...;` statements as spaces (the text's length and lines kept).
fn blank_reexports(text: &mut String) {
    for head in ["pub use ", "pub(crate) use ", "pub(super) use "] {
        while let Some(start) = text.find(head) {
            let end = text[start..]
                .find(';')
                .map_or(text.len(), |e| start + e + 1);
            let blank: String = text[start..end]
                .chars()
                .map(|c| if c == '\n' { c } else { ' ' })
                .collect();
            text.replace_range(start..end, &blank);
        }
    }
}

fn is_ident(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// A file's code (comments left out) as one text, and where each of its lines starts with
/// how deep in inline modules (`mod tests { ... }`) it is.
fn code_of(src: &Source) -> (String, Vec<(usize, usize)>) {
    let mut text = String::new();
    let mut depths = Vec::new();
    let mut open: Vec<String> = Vec::new();
    for line in src.text.lines() {
        let trimmed = line.trim_start();
        let indent = &line[..line.len() - trimmed.len()];
        if open.last().is_some_and(|end| line.trim_end() == end) {
            open.pop();
        }
        depths.push((text.len(), open.len()));
        let opens = trimmed
            .strip_prefix("pub ")
            .unwrap_or(trimmed)
            .strip_prefix("mod ")
            .is_some_and(|r| r.trim_end().ends_with('{'));
        if opens {
            open.push(format!("{indent}}}"));
        }
        text.push_str(code(line));
        text.push('\n');
    }
    (text, depths)
}

fn depth_at(_text: &str, depths: &[(usize, usize)], at: usize) -> usize {
    let line = depths.partition_point(|(start, _)| *start <= at);
    depths[line.saturating_sub(1)].1
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
