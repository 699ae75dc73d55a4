//! README.md's "Architecture" section kept true: every path it names exists. The section is
//! a newcomer's map of the tree; a file moved or renamed without it turns the map into a
//! wrong one, so the map is checked like code.
//!
//! Checked: each entry of the section's tree (its first word, nested by indentation, two
//! spaces a level) and each backticked path in its prose that starts with one of the
//! repository's top-level directories.

use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The text from `## Architecture` to the next `## ` heading.
fn architecture_section(readme: &str) -> Option<&str> {
    let start = readme.find("\n## Architecture\n")? + 1;
    let rest = &readme[start..];
    let end = rest[3..].find("\n## ").map_or(rest.len(), |i| i + 3);
    Some(&rest[..end])
}

/// The paths of a tree drawn as indented names (directories end in `/`).
fn tree_paths(block: &str) -> Vec<String> {
    let mut parents: Vec<(usize, String)> = Vec::new();
    let mut paths = Vec::new();
    for line in block.lines() {
        let indent = line.len() - line.trim_start().len();
        let Some(name) = line.split_whitespace().next() else {
            continue;
        };
        while parents.last().is_some_and(|(i, _)| *i >= indent) {
            parents.pop();
        }
        // A wrapped description: indented deeper than a name would be and not a file name.
        if !name.contains('.') && !name.ends_with('/') {
            continue;
        }
        let path: String = parents.iter().map(|(_, p)| p.as_str()).collect::<String>() + name;
        if name.ends_with('/') {
            parents.push((indent, name.to_string()));
        }
        paths.push(path);
    }
    paths
}

/// The code blocks of `text` (between ``` fences).
fn code_blocks(text: &str) -> Vec<&str> {
    text.split("```").skip(1).step_by(2).collect()
}

/// Backticked spans of the prose (outside code blocks) that name a path under one of `dirs`.
fn prose_paths(text: &str, dirs: &[&str]) -> Vec<String> {
    text.split("```")
        .step_by(2)
        .flat_map(|prose| prose.split('`').skip(1).step_by(2))
        .filter(|span| dirs.iter().any(|d| span.starts_with(d)))
        .filter(|span| !span.contains(char::is_whitespace))
        .map(str::to_string)
        .collect()
}

fn missing(paths: &[String]) -> Vec<&String> {
    paths
        .iter()
        .filter(|p| !Path::new(&root()).join(p).exists())
        .collect()
}

#[test]
fn every_path_the_architecture_section_names_exists() {
    let readme = std::fs::read_to_string(root().join("README.md")).expect("README.md");
    let section = architecture_section(&readme).expect("an Architecture section");
    let mut paths: Vec<String> = code_blocks(section)
        .into_iter()
        .flat_map(tree_paths)
        .collect();
    assert!(
        paths.iter().any(|p| p == "src/lib.rs"),
        "the tree was not read: {paths:?}"
    );
    let dirs = [
        "src/",
        "tests/",
        "conformance/",
        "bench/",
        "tools/",
        "scripts/",
        "migrations/",
        "docker/",
    ];
    let prose = prose_paths(section, &dirs);
    assert!(prose.iter().any(|p| p.starts_with("src/")), "{prose:?}");
    paths.extend(prose);
    assert_eq!(missing(&paths), Vec::<&String>::new());
}

#[test]
fn tree_paths_follow_indentation() {
    let tree = "src/\n  lib.rs  the library\n  idp/  user pools\n    mod.rs  x\n                   a wrapped line\n  tasks.rs\nmigrations/\n";
    assert_eq!(
        tree_paths(tree),
        [
            "src/",
            "src/lib.rs",
            "src/idp/",
            "src/idp/mod.rs",
            "src/tasks.rs",
            "migrations/"
        ]
    );
    let text = "see `src/a.rs` and `Store` and `src/b/` ```\n`src/no.rs`\n``` `tests/c.rs`";
    assert_eq!(
        prose_paths(text, &["src/", "tests/"]),
        ["src/a.rs", "src/b/", "tests/c.rs"]
    );
}
