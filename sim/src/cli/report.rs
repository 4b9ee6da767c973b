//! `hemisim report DIR`: (re)writes the page of an existing run's or sweep's output folder
//! ([`hemisim_reports::report`]), and adds it to the folder's `manifest.json` if an older
//! hemisim wrote the folder without one.
//!
//! Exit codes: 0 written; 2 bad input (not a hemisim output folder, an incomplete one); 4 the
//! page or the manifest could not be written.

use super::Exit;
use super::args::ReportArgs;
use super::console::{errln, outln};
use hemisim_reports::output_dir::{MANIFEST, Manifest, relative};
use hemisim_reports::report::write_report;
use std::path::Path;

pub fn run(args: ReportArgs) -> Exit {
    let manifest = match super::compare::manifest(&args.dir, "DIR") {
        Ok(manifest) => manifest,
        Err(e) => {
            errln!("error: {e}");
            return Exit::BadInput;
        }
    };
    let written = match write_report(&args.dir) {
        Ok(written) => written,
        Err(e) => {
            errln!("error: {e}");
            return if e.is_bad_input() { Exit::BadInput } else { Exit::Incomplete };
        }
    };
    if let Err(e) = list_in_manifest(&args.dir, manifest, &written) {
        errln!("error: {e}");
        return Exit::Incomplete;
    }
    let pages = super::count(written.len(), "page", "pages");
    outln!("wrote {pages}: {}", args.dir.join(hemisim_reports::report::REPORT_FILE).display());
    Exit::Ok
}

/// Adds the pages to the manifest's `files` when it does not list them yet (an older folder);
/// a manifest that lists them already is left untouched, byte for byte.
fn list_in_manifest(
    dir: &Path,
    mut manifest: Manifest,
    written: &[std::path::PathBuf],
) -> Result<(), hemisim_reports::ReportError> {
    let relative = written.iter().filter_map(|p| p.strip_prefix(dir).ok()).map(relative);
    let missing: Vec<String> = relative.filter(|f| !manifest.files.contains(f)).collect();
    if missing.is_empty() {
        return Ok(());
    }
    manifest.files.extend(missing);
    manifest.files.sort();
    hemisim_reports::atomic::write_file(&dir.join(MANIFEST), manifest.to_json().as_bytes())
}
