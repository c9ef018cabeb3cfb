//! Tests of the crate's shape, read from its own source: the layer order written down once in
//! `docs/ARCHITECTURE.md` (the fenced `layers` block) holds, and no two files import each
//! other round a cycle.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The layers, top first, from the `layers` block of docs/ARCHITECTURE.md: each line is a
/// layer, each word on it a top-level module (`lib` is the crate root's own items).
fn layers() -> Vec<Vec<String>> {
    let doc =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/ARCHITECTURE.md"))
            .expect("docs/ARCHITECTURE.md");
    let start = doc
        .find("```layers\n")
        .expect("a ```layers block in docs/ARCHITECTURE.md");
    let body = &doc[start + "```layers\n".len()..];
    let end = body.find("```").expect("the layers block ends");
    body[..end]
        .lines()
        .map(|line| line.split('#').next().unwrap_or_default())
        .map(|line| {
            line.split_whitespace()
                .map(str::to_owned)
                .collect::<Vec<_>>()
        })
        .filter(|layer| !layer.is_empty())
        .collect()
}

/// Every `.rs` file under src/ but test-only ones, with its module path (`["export",
/// "audio"]`; `lib.rs` is `[]`) and its text up to its `#[cfg(test)]` module.
fn sources() -> Vec<(PathBuf, Vec<String>, String)> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut found = Vec::new();
    let mut folders = vec![src.clone()];
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(&folder).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                folders.push(path);
                continue;
            }
            let rel = path.strip_prefix(&src).unwrap().to_owned();
            let name = rel.file_name().unwrap().to_str().unwrap();
            if path.extension().is_none_or(|e| e != "rs") || name == "tests.rs" || name == "main.rs"
            {
                continue;
            }
            let mut module: Vec<String> = rel
                .with_extension("")
                .iter()
                .map(|p| p.to_string_lossy().into_owned())
                .collect();
            if matches!(module.last().map(String::as_str), Some("mod" | "lib")) {
                module.pop();
            }
            let text = std::fs::read_to_string(&path).unwrap();
            let code = match text.find("#[cfg(test)]\nmod ") {
                Some(i) => text[..i].to_owned(),
                None => text,
            };
            let code: String = code
                .lines()
                .map(|l| l.split("//").next().unwrap_or_default())
                .collect::<Vec<_>>()
                .join("\n");
            found.push((rel, module, code));
        }
    }
    found.sort();
    found
}

/// The absolute module paths a file's code names through `crate::`, `super::` and `self::`,
/// each with the text it was written as. `module` is the file's own module path.
fn imports(module: &[String], code: &str) -> Vec<(Vec<String>, String)> {
    let mut out = Vec::new();
    let bytes = code.as_bytes();
    for head in ["crate::", "super::", "self::"] {
        let mut from = 0;
        while let Some(i) = code[from..].find(head) {
            let at = from + i;
            from = at + head.len();
            let before = at.checked_sub(1).map(|k| bytes[k]);
            if before.is_some_and(|c| c.is_ascii_alphanumeric() || c == b'_' || c == b':') {
                continue;
            }
            let mut base: Vec<String> = match head {
                "crate::" => Vec::new(),
                "super::" => module[..module.len().saturating_sub(1)].to_vec(),
                _ => module.to_vec(),
            };
            let mut rest = &code[from..];
            while let Some(r) = rest.strip_prefix("super::") {
                base.pop();
                rest = r;
            }
            for path in expand(base, rest) {
                let written = format!("{head}{}", path_text(&code[from..]));
                out.push((path, written));
            }
        }
    }
    out
}

/// The paths `text` starts with, after `prefix`: `a::b::C` is one, `a::{b, c::D}` two.
fn expand(mut prefix: Vec<String>, text: &str) -> Vec<Vec<String>> {
    let mut rest = text.trim_start();
    loop {
        if let Some(group) = rest.strip_prefix('{') {
            let mut paths = Vec::new();
            let mut depth = 0;
            let mut item_start = 0;
            for (j, c) in group.char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => {
                        paths.extend(expand(prefix.clone(), &group[item_start..j]));
                        break;
                    }
                    '}' => depth -= 1,
                    ',' if depth == 0 => {
                        paths.extend(expand(prefix.clone(), &group[item_start..j]));
                        item_start = j + 1;
                    }
                    _ => {}
                }
            }
            return paths;
        }
        let name: String = rest
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        if name.is_empty() || name == "self" {
            return if prefix.is_empty() {
                Vec::new()
            } else {
                vec![prefix]
            };
        }
        rest = &rest[name.len()..];
        prefix.push(name);
        match rest.strip_prefix("::") {
            Some(r) => rest = r,
            None => return vec![prefix],
        }
    }
}

/// The path as written, up to where it ends (for messages).
fn path_text(text: &str) -> &str {
    let end = text
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == ':'))
        .unwrap_or(text.len());
    &text[..end]
}

#[test]
fn no_module_uses_a_higher_layer_and_no_files_import_round_a_cycle() {
    let layers = layers();
    let rank: BTreeMap<&str, usize> = layers
        .iter()
        .enumerate()
        .flat_map(|(i, layer)| layer.iter().map(move |m| (m.as_str(), i)))
        .collect();
    let sources = sources();
    let files: BTreeMap<Vec<String>, PathBuf> = sources
        .iter()
        .map(|(rel, m, _)| (m.clone(), rel.clone()))
        .collect();
    let mut upward = Vec::new();
    let mut edges: BTreeMap<PathBuf, BTreeSet<PathBuf>> = BTreeMap::new();
    for (rel, module, code) in &sources {
        let own = module.first().map_or("lib", String::as_str);
        let Some(&own_rank) = rank.get(own) else {
            upward.push(format!(
                "src/{}: module `{own}` is in no layer of docs/ARCHITECTURE.md",
                rel.display()
            ));
            continue;
        };
        for (path, written) in imports(module, code) {
            // The longest prefix of the path that is a file of ours.
            let Some(target) = (1..=path.len())
                .rev()
                .find_map(|k| files.get(&path[..k]))
                .or_else(|| files.get(&Vec::new()).filter(|_| path.len() == 1))
            else {
                continue;
            };
            let used = path.first().map_or("lib", String::as_str);
            let used = if files.contains_key(&vec![used.to_owned()]) {
                used
            } else {
                "lib"
            };
            if let Some(&used_rank) = rank.get(used)
                && used_rank < own_rank
            {
                upward.push(format!(
                    "src/{} (layer `{own}`) imports `{written}` from the higher layer `{used}`",
                    rel.display()
                ));
            }
            // A parent's mod.rs re-exporting its children is not a cycle: leave out the
            // edges from a file to the mod.rs of a module that contains it.
            let into_ancestor = target.ends_with("mod.rs") && {
                let target_module = &path[..path.len().min(module.len())];
                module.starts_with(target_module) && files.get(target_module) == Some(target)
            };
            if target != rel && !into_ancestor {
                edges.entry(rel.clone()).or_default().insert(target.clone());
            }
        }
    }
    assert!(
        upward.is_empty(),
        "imports against the layer order:\n{}",
        upward.join("\n")
    );
    let cycles = cycles(&edges);
    assert!(
        cycles.is_empty(),
        "import cycles between files:\n{}",
        cycles.join("\n")
    );
}

/// The strongly connected components of more than one file (Tarjan), each as `a <-> b`.
fn cycles(edges: &BTreeMap<PathBuf, BTreeSet<PathBuf>>) -> Vec<String> {
    struct Walk<'a> {
        edges: &'a BTreeMap<PathBuf, BTreeSet<PathBuf>>,
        index: BTreeMap<&'a PathBuf, usize>,
        low: BTreeMap<&'a PathBuf, usize>,
        stack: Vec<&'a PathBuf>,
        found: Vec<String>,
    }
    impl<'a> Walk<'a> {
        fn visit(&mut self, v: &'a PathBuf) {
            let n = self.index.len();
            self.index.insert(v, n);
            self.low.insert(v, n);
            self.stack.push(v);
            for w in self.edges.get(v).into_iter().flatten() {
                if !self.index.contains_key(w) {
                    self.visit(w);
                    let low = self.low[v].min(self.low[w]);
                    self.low.insert(v, low);
                } else if self.stack.contains(&w) {
                    let low = self.low[v].min(self.index[w]);
                    self.low.insert(v, low);
                }
            }
            if self.low[v] == self.index[v] {
                let mut component = Vec::new();
                while let Some(w) = self.stack.pop() {
                    component.push(w.display().to_string());
                    if w == v {
                        break;
                    }
                }
                if component.len() > 1 {
                    component.sort();
                    self.found.push(component.join(" <-> "));
                }
            }
        }
    }
    let mut walk = Walk {
        edges,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        found: Vec::new(),
    };
    for v in edges.keys() {
        if !walk.index.contains_key(v) {
            walk.visit(v);
        }
    }
    walk.found
}

#[test]
fn the_layer_test_sees_an_upward_import_and_a_cycle() {
    let module = vec!["music".to_owned(), "decode".to_owned()];
    let found = imports(
        &module,
        "use crate::export::{init, Job};\nsuper::input::X; super::super::settings::Y",
    );
    let paths: Vec<Vec<&str>> = found
        .iter()
        .map(|(p, _)| p.iter().map(String::as_str).collect())
        .collect();
    assert_eq!(
        paths,
        [
            vec!["export", "init"],
            vec!["export", "Job"],
            vec!["music", "input", "X"],
            vec!["settings", "Y"]
        ]
    );
    let a = PathBuf::from("a.rs");
    let b = PathBuf::from("b.rs");
    let edges = BTreeMap::from([
        (a.clone(), BTreeSet::from([b.clone()])),
        (b.clone(), BTreeSet::from([a.clone()])),
    ]);
    assert_eq!(cycles(&edges), ["a.rs <-> b.rs"]);
}
