//! The repository's references to its own documentation resolve, so a document cannot be named
//! without being shipped, nor moved or renumbered without its references.
//!
//! Over every `.rs`, `.md` and `.toml` file of the repository (not `target/`, hidden folders or
//! the git-ignored `reports/out/`):
//! - every relative Markdown link (`[text](path)`, `[text](path#anchor)`, `[text](#anchor)`)
//!   points at a file or folder that exists, and an anchor into a Markdown file at one of its
//!   headings (GitHub's slugs: lower case, punctuation dropped, spaces to hyphens);
//! - every `*.md` path named anywhere (code comments, help strings, prose) exists, from the
//!   repository root or from the naming file's folder; and `§N` right after it (`docs/protocol.md
//!   §3`, `... §2 and §4`, `(§1, §2)`) is a numbered heading `N.` of that file.
//!
//! Links inside fenced code blocks are not links; URLs are not paths. This file is not checked:
//! its fixtures name missing files on purpose.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// The repository as the checker sees it: every path (files and folders, `/`-separated,
/// relative to the root) and the text of the files it reads.
#[derive(Default)]
struct Tree {
    paths: BTreeSet<String>,
    texts: BTreeMap<String, String>,
}

/// What a check found: each broken reference, and how many references resolved.
#[derive(Debug, Default)]
struct Report {
    problems: Vec<String>,
    resolved: usize,
}

const CHECKED_EXTENSIONS: [&str; 3] = [".rs", ".md", ".toml"];
/// This file: its test fixtures name missing files on purpose.
const THIS_FILE: &str = "sim/tests/doc_links.rs";

impl Tree {
    fn from_disk(root: &Path) -> Tree {
        let mut tree = Tree::default();
        tree.walk(root, "");
        tree
    }

    fn walk(&mut self, dir: &Path, rel: &str) {
        let mut entries: Vec<_> = std::fs::read_dir(dir).expect("a readable folder").filter_map(Result::ok).collect();
        entries.sort_by_key(|e| e.file_name());
        for entry in entries {
            let name = entry.file_name().to_string_lossy().into_owned();
            let path = if rel.is_empty() { name.clone() } else { format!("{rel}/{name}") };
            // Build outputs, version control and editor state, and run outputs (git-ignored).
            if name.starts_with('.') || name == "target" || path == "reports/out" {
                continue;
            }
            let file_type = entry.file_type().expect("a file type");
            self.paths.insert(path.clone());
            if file_type.is_dir() {
                self.walk(&entry.path(), &path);
            } else if CHECKED_EXTENSIONS.iter().any(|ext| name.ends_with(ext)) {
                let text = std::fs::read_to_string(entry.path()).unwrap_or_else(|e| panic!("{path}: {e}"));
                self.texts.insert(path, text);
            }
        }
    }

    /// A tree from `(path, text)` pairs, with their folders.
    fn from_files(files: &[(&str, &str)]) -> Tree {
        let mut tree = Tree::default();
        for (path, text) in files {
            let mut folder = String::new();
            for part in path.split('/').collect::<Vec<_>>().split_last().expect("a path").1 {
                folder = if folder.is_empty() { part.to_string() } else { format!("{folder}/{part}") };
                tree.paths.insert(folder.clone());
            }
            tree.paths.insert(path.to_string());
            tree.texts.insert(path.to_string(), text.to_string());
        }
        tree
    }

    fn check(&self) -> Report {
        let mut report = Report::default();
        for (path, text) in self.texts.iter().filter(|(path, _)| path.as_str() != THIS_FILE) {
            if path.ends_with(".md") {
                self.check_links(path, text, &mut report);
            }
            self.check_mentions(path, text, &mut report);
        }
        report
    }

    /// Relative Markdown links outside code fences.
    fn check_links(&self, path: &str, text: &str, report: &mut Report) {
        for (line_number, line) in lines_outside_fences(text) {
            for (at, _) in line.match_indices("](") {
                let target = line[at + 2..].split([')', ' ']).next().unwrap_or("");
                if target.is_empty() || is_url(target) {
                    continue;
                }
                let (file, anchor) = target.split_once('#').unwrap_or((target, ""));
                let resolved = if file.is_empty() { Some(path.to_string()) } else { join(folder_of(path), file) };
                let place = format!("{path}:{line_number}: link `{target}`");
                match resolved {
                    Some(r) if self.paths.contains(&r) => {
                        if !anchor.is_empty() && r.ends_with(".md") && !self.slugs(&r).contains(anchor) {
                            report.problems.push(format!("{place}: {r} has no heading with anchor #{anchor}"));
                        } else {
                            report.resolved += 1;
                        }
                    }
                    _ => report.problems.push(format!("{place}: no such file in the repository")),
                }
            }
        }
    }

    /// Every `*.md` path named in the text, and the `§N` sections named right after it.
    fn check_mentions(&self, path: &str, text: &str, report: &mut Report) {
        for (start, end) in md_mentions(text) {
            let mention = &text[start..end];
            let place = format!("{path}:{}: `{mention}`", line_of(text, start));
            let candidates = [join("", mention), join(folder_of(path), mention)];
            let Some(target) = candidates.into_iter().flatten().find(|c| self.paths.contains(c)) else {
                report.problems.push(format!("{place}: no such file in the repository"));
                continue;
            };
            report.resolved += 1;
            let numbered = self.numbered_sections(&target);
            for section in sections_after(&text[end..]) {
                if numbered.contains(&section) {
                    report.resolved += 1;
                } else {
                    report.problems.push(format!("{place} §{section}: {target} has no numbered heading `{section}.`"));
                }
            }
        }
    }

    fn headings(&self, path: &str) -> Vec<String> {
        let text = self.texts.get(path).map(String::as_str).unwrap_or("");
        lines_outside_fences(text)
            .filter(|(_, line)| line.starts_with('#'))
            .map(|(_, line)| line.trim_start_matches('#').trim().to_string())
            .collect()
    }

    fn slugs(&self, path: &str) -> BTreeSet<String> {
        self.headings(path).iter().map(|h| slug(h)).collect()
    }

    /// The numbers N of headings `N. Title`.
    fn numbered_sections(&self, path: &str) -> BTreeSet<u32> {
        self.headings(path).iter().filter_map(|h| h.split_once(". ")?.0.parse().ok()).collect()
    }
}

/// GitHub's heading anchor: lower case; letters, digits, `-` and `_` kept; spaces to `-`.
fn slug(heading: &str) -> String {
    heading
        .to_lowercase()
        .chars()
        .filter_map(|c| match c {
            ' ' => Some('-'),
            c if c.is_alphanumeric() || c == '-' || c == '_' => Some(c),
            _ => None,
        })
        .collect()
}

fn is_url(target: &str) -> bool {
    target.contains("://") || target.starts_with("mailto:") || target.starts_with('<')
}

/// `(1-based line number, line)` for the lines outside ``` fences.
fn lines_outside_fences(text: &str) -> impl Iterator<Item = (usize, &str)> {
    let mut in_fence = false;
    text.lines().enumerate().filter_map(move |(i, line)| {
        if line.trim_start().starts_with("```") {
            in_fence = !in_fence;
            return None;
        }
        (!in_fence).then_some((i + 1, line))
    })
}

fn line_of(text: &str, offset: usize) -> usize {
    text[..offset].matches('\n').count() + 1
}

fn folder_of(path: &str) -> &str {
    path.rsplit_once('/').map_or("", |(folder, _)| folder)
}

/// `relative` resolved from `folder`; `None` if it climbs above the repository root.
fn join(folder: &str, relative: &str) -> Option<String> {
    let mut parts: Vec<&str> = folder.split('/').filter(|p| !p.is_empty()).collect();
    for part in relative.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            part => parts.push(part),
        }
    }
    Some(parts.join("/"))
}

fn is_path_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '/' | '-')
}

/// Byte ranges of the `*.md` paths named in `text`: a run of path characters ending in `.md`
/// that is not part of a longer name (`.mdx`, `protocol_md`) or of a URL.
fn md_mentions(text: &str) -> Vec<(usize, usize)> {
    let mut mentions = Vec::new();
    for (dot, _) in text.match_indices(".md") {
        let end = dot + 3;
        if text[end..].chars().next().is_some_and(|c| c.is_alphanumeric() || c == '_') {
            continue;
        }
        let start =
            text[..dot].char_indices().rev().take_while(|&(_, c)| is_path_char(c)).last().map_or(dot, |(i, _)| i);
        let name = &text[start..dot];
        let in_url = text[..start].ends_with(':') && name.starts_with("//");
        if name.is_empty() || name.ends_with('/') || in_url {
            continue;
        }
        mentions.push((start, end));
    }
    mentions
}

/// The section numbers right after a mention: `§3`, `§2 and §4`, `(§1, §2, §5)`, possibly
/// across a line break and a comment leader (`//!`, `///`, `#`).
fn sections_after(rest: &str) -> Vec<u32> {
    let mut sections = Vec::new();
    let mut rest = rest;
    loop {
        let skipped = rest.trim_start_matches(|c: char| c.is_whitespace() || "`'\"(,/!#".contains(c));
        let skipped = if sections.is_empty() { skipped } else { skipped.strip_prefix("and").unwrap_or(skipped) };
        let skipped = skipped.trim_start();
        let Some(after) = skipped.strip_prefix('§') else { break };
        let digits: String = after.chars().take_while(char::is_ascii_digit).collect();
        let Ok(number) = digits.parse() else { break };
        sections.push(number);
        rest = &after[digits.len()..];
    }
    sections
}

#[test]
fn every_documentation_reference_in_the_repository_resolves() {
    let tree = Tree::from_disk(&common::repo_root());
    for shipped in [
        "README.md",
        "ARCHITECTURE.md",
        "docs/protocol.md",
        "docs/validation.md",
        "scenarios/README.md",
        "reports/README.md",
    ] {
        assert!(tree.texts.contains_key(shipped), "{shipped} is read");
    }
    let report = tree.check();
    println!("{} files read, {} references resolved", tree.texts.len(), report.resolved);
    assert!(
        report.problems.is_empty(),
        "{} broken documentation references:\n{}",
        report.problems.len(),
        report.problems.join("\n")
    );
    // The check looked at something: the documents link to each other and code cites sections.
    assert!(report.resolved >= 100, "only {} references resolved", report.resolved);
}

#[test]
fn the_checker_catches_missing_files_sections_and_anchors() {
    let tree = Tree::from_files(&[
        ("docs/a.md", "# A\n\n## 1. One\n\n```\n## 2. Not a heading, in a fence\n[not a link](nowhere/)\n```\n"),
        (
            "README.md",
            "# Readme\n\
             [ok](docs/a.md#1-one) [ok](docs/a.md) [ok](#readme) [ok](https://example.com/x.md)\n\
             [bad anchor](docs/a.md#2-not-a-heading-in-a-fence) [missing](docs/b.md)\n\
             `*.md` files; see docs/a.md §1.\n",
        ),
        (
            "docs/b_md.rs",
            "// docs/a.md §1 and §2; (docs/a.md\n// §1)\n// see protocol.md §3 and ../shared/validation.md\n// https://example.com/y.md\n",
        ),
    ]);
    let report = tree.check();
    let mut problems = report.problems.clone();
    problems.sort();
    // A missing link target is reported twice: as a link and as a named path.
    let expected = [
        "README.md:3: `docs/b.md`: no such file in the repository",
        "README.md:3: link `docs/a.md#2-not-a-heading-in-a-fence`: docs/a.md has no heading with anchor #2-not-a-heading-in-a-fence",
        "README.md:3: link `docs/b.md`: no such file in the repository",
        "docs/b_md.rs:1: `docs/a.md` §2: docs/a.md has no numbered heading `2.`",
        "docs/b_md.rs:3: `../shared/validation.md`: no such file in the repository",
        "docs/b_md.rs:3: `protocol.md`: no such file in the repository",
    ];
    assert_eq!(problems, expected);
    // Resolved: README's 3 good relative links; its 4 named docs/a.md paths (3 link targets, 1 in
    // prose) and the §1 after one; b_md.rs's 2 docs/a.md paths and their §1s.
    assert_eq!(report.resolved, 3 + (4 + 1) + (2 + 2), "{report:?}");
}

#[test]
fn slugs_and_sections_follow_githubs_rules() {
    assert_eq!(slug("2. Parameters (the reference configuration)"), "2-parameters-the-reference-configuration");
    assert_eq!(slug("The BTC tunnel and `hemisim verify`"), "the-btc-tunnel-and-hemisim-verify");
    assert_eq!(slug("`sweep_latency_cost.{png,svg}`"), "sweep_latency_costpngsvg");
    assert_eq!(sections_after(" §2 and §4 of it"), [2, 4]);
    assert_eq!(sections_after("` (§1, §2, §3, §5), each"), [1, 2, 3, 5]);
    assert_eq!(sections_after("\n//! §4), the fee"), [4]);
    assert_eq!(sections_after(", Nakamoto 2008 §11"), Vec::<u32>::new());
    assert_eq!(join("docs", "../README.md").as_deref(), Some("README.md"));
    assert_eq!(join("", "../shared/x.md"), None);
}
