//! Every repository path that a `--help` text names exists, so a reader can open it. (`*.md`
//! paths anywhere are checked by `doc_links`; this covers the others: scenario files, baseline
//! files, scripts.) Paths under `reports/out/` are outputs, not files of the repository.

mod common;

use common::{hemisim, repo_root, text};

/// The subcommands a `--help` text lists under `Commands:` (without `help`).
fn subcommands(help: &str) -> Vec<String> {
    help.lines()
        .skip_while(|l| !l.starts_with("Commands:"))
        .skip(1)
        .take_while(|l| !l.trim().is_empty())
        .filter_map(|l| l.split_whitespace().next())
        .filter(|c| *c != "help")
        .map(str::to_owned)
        .collect()
}

/// Every `--help` text: the top level's and every subcommand's, recursively.
fn all_help(prefix: &[String], out: &mut Vec<(String, String)>) {
    let mut args: Vec<&str> = prefix.iter().map(String::as_str).collect();
    args.push("--help");
    let help = text(&hemisim(&args).stdout);
    assert!(!help.is_empty(), "hemisim {} --help prints help", prefix.join(" "));
    for sub in subcommands(&help) {
        let mut deeper = prefix.to_vec();
        deeper.push(sub);
        all_help(&deeper, out);
    }
    out.push((prefix.join(" "), help));
}

/// Paths rooted at a top-level folder of the repository, e.g. `scenarios/quickstart.toml`.
fn repository_paths(help: &str) -> Vec<String> {
    const ROOTS: [&str; 5] = ["scenarios/", "reports/", "docs/", "sim/", "node/"];
    help.split(|c: char| c.is_whitespace() || "()[]\"',;`".contains(c))
        .filter(|word| ROOTS.iter().any(|root| word.starts_with(root)))
        .map(|word| word.trim_end_matches(['.', ':']).to_owned())
        .filter(|path| !path.starts_with("reports/out") && !path.contains('<'))
        .collect()
}

#[test]
fn every_path_a_help_text_names_is_in_the_repository() {
    let mut helps = Vec::new();
    all_help(&[], &mut helps);
    assert!(helps.len() >= 8, "found the subcommands: {:?}", helps.iter().map(|h| &h.0).collect::<Vec<_>>());
    let mut checked = 0;
    for (command, help) in &helps {
        for path in repository_paths(help) {
            assert!(
                repo_root().join(&path).exists(),
                "`hemisim {command} --help` names {path}, which is not in the repository"
            );
            checked += 1;
        }
    }
    assert!(checked >= 5, "the help texts name repository files ({checked} checked)");
    assert_eq!(
        repository_paths("see (scenarios/README.md) and reports/out/x, reports/baselines/ci.toml."),
        ["scenarios/README.md", "reports/baselines/ci.toml"]
    );
}
