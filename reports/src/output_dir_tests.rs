use super::*;
use crate::testutil::{sample_record, scratch_dir};

/// The names in `dir`, sorted.
fn entries(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .expect("listable")
        .map(|e| e.expect("readable").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// Stages `files` (relative path, content) for `target` and commits them as a one-run output.
fn write_output(target: &Path, files: &[(&str, &str)]) -> Vec<String> {
    let staging = Staging::begin(target).expect("a writable place");
    for (name, text) in files {
        atomic::write_file(&staging.path().join(name), text.as_bytes()).expect("writable");
    }
    staging.commit(Manifest::for_run(7, &[sample_record(7)], true)).expect("swapped in")
}

#[test]
fn the_folder_appears_whole_with_a_manifest_of_its_files() {
    let root = scratch_dir("outdir-new");
    let target = root.join("out");
    let staging = Staging::begin(&target).expect("a writable place");
    assert!(!target.exists(), "nothing at the target before the commit");
    assert!(staging.path().starts_with(&*root) && entries(&root)[0].starts_with(".out.hemisim-staging-"));
    atomic::write_file(&staging.path().join("summary.json"), b"{}").expect("writable");
    atomic::write_file(&staging.path().join("runs/seed-7/blocks.csv"), b"x").expect("writable");
    let files = staging.commit(Manifest::for_run(7, &[sample_record(7)], true)).expect("swapped in");
    assert_eq!(files, ["runs/seed-7/blocks.csv", "summary.json"]);
    assert_eq!(entries(&root), ["out"], "no staging or old folder left beside it");
    let manifest = Manifest::read(&target).expect("a hemisim manifest");
    assert_eq!(manifest.files, files);
    assert_eq!((manifest.command.as_str(), manifest.seed, manifest.complete), ("run", 7, true));
    let run = manifest.run_in(".").expect("a single run's folder is the output folder");
    assert_eq!(run.trace_hash, sample_record(7).meta.trace_hash);
    assert_eq!(manifest.trace_hash, run.trace_hash);
}

#[test]
fn a_previous_output_is_replaced_as_a_whole() {
    let root = scratch_dir("outdir-replace");
    let target = root.join("out");
    write_output(&target, &[("blocks.csv", "first"), ("provenance/deposits/a.json", "first")]);
    write_output(&target, &[("summary.json", "second")]);
    assert_eq!(entries(&target), ["manifest.json", "summary.json"], "nothing of the first run is left");
    assert_eq!(entries(&root), ["out"]);
}

#[test]
fn replications_are_listed_by_their_folders() {
    let manifest = Manifest::for_run(3, &[sample_record(3), sample_record(9)], false);
    let dirs: Vec<&str> = manifest.runs.iter().map(|r| r.dir.as_str()).collect();
    assert_eq!(dirs, ["runs/seed-3", "runs/seed-9"]);
    assert_eq!(manifest.trace_hash, crate::summary::trace_fingerprint(&[sample_record(3), sample_record(9)]));
    assert!(!manifest.complete);
    assert!(manifest.run_in(".").is_none());
    assert!(!manifest.to_json().contains("wall"), "nothing wall-clock in a manifest");
}

#[test]
fn a_foreign_folder_or_a_file_is_refused_and_left_untouched() {
    let root = scratch_dir("outdir-foreign");
    let home = root.join("home");
    fs::create_dir_all(&home).expect("writable");
    fs::write(home.join("notes.txt"), "mine").expect("writable");
    let err = Staging::begin(&home).expect_err("not a hemisim output");
    assert!(err.is_bad_input(), "{err}");
    let message = err.to_string();
    assert!(
        message.contains("not a hemisim output") && message.contains("notes.txt") && message.contains("manifest.json"),
        "{message}"
    );
    assert_eq!(entries(&home), ["notes.txt"]);
    assert_eq!(entries(&root), ["home"], "no staging folder made");

    let file = root.join("file");
    fs::write(&file, "x").expect("writable");
    assert!(matches!(Staging::begin(&file), Err(OutputDirError::NotAFolder { .. })));
    let empty = root.join("empty");
    fs::create_dir_all(&empty).expect("writable");
    write_output(&empty, &[("summary.json", "{}")]);
    assert_eq!(entries(&empty), ["manifest.json", "summary.json"], "an empty folder may be used");
}

#[test]
fn an_unwritable_place_fails_before_anything_is_written() {
    let root = scratch_dir("outdir-unwritable");
    fs::write(root.join("file"), "x").expect("writable");
    let err = Staging::begin(&root.join("file/out")).expect_err("a file is not a folder");
    assert!(!err.is_bad_input(), "the system's fault, exit 4: {err}");
    assert!(err.to_string().contains("file"), "{err}");
    assert_eq!(entries(&root), ["file"]);
}

#[test]
fn a_dropped_staging_folder_is_removed_and_the_old_output_stays() {
    let root = scratch_dir("outdir-drop");
    let target = root.join("out");
    write_output(&target, &[("summary.json", "old")]);
    let staging = Staging::begin(&target).expect("a writable place");
    atomic::write_file(&staging.path().join("summary.json"), b"new").expect("writable");
    drop(staging);
    assert_eq!(entries(&root), ["out"]);
    assert_eq!(fs::read_to_string(target.join("summary.json")).expect("kept"), "old");
}

#[test]
fn files_appearing_during_the_run_are_kept_and_so_are_the_new_outputs() {
    let root = scratch_dir("outdir-race");
    let target = root.join("out");
    let staging = Staging::begin(&target).expect("a writable place");
    atomic::write_file(&staging.path().join("summary.json"), b"new").expect("writable");
    fs::create_dir_all(&target).expect("writable");
    fs::write(target.join("notes.txt"), "mine").expect("writable");
    let err = staging.commit(Manifest::for_run(7, &[sample_record(7)], true)).expect_err("the folder became foreign");
    let OutputDirError::ForeignAtCommit { kept, .. } = &err else { panic!("{err}") };
    assert_eq!(entries(&target), ["notes.txt"]);
    assert_eq!(fs::read_to_string(kept.join("summary.json")).expect("kept aside"), "new");
}
