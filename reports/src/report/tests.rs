//! The pages written from real output folders (`write_outputs`, `write_sweep`) of the
//! hand-checked records.

use super::*;
use crate::sweep::tests::{cell, info};
use crate::sweep::{write_cell, write_sweep};
use crate::testutil::{pop_run, sample_record, scratch_dir};

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).expect("written")
}

#[test]
fn a_run_page_has_every_part_and_escapes_what_the_user_wrote() {
    let dir = scratch_dir("report-run");
    let mut record = pop_run(7);
    record.meta.scenario_name = "evil<script>alert(1)</script>".into();
    crate::write_outputs(&dir, &[record]).expect("writable");
    let scenario = scenario_file_text("name = \"q\"\n", "hemisim run 'a<b>.toml' --seed 7");
    std::fs::write(dir.join(SCENARIO_FILE), scenario).expect("writable");

    let written = write_report(&dir).expect("a run folder");
    assert_eq!(written, [dir.join(REPORT_FILE)]);
    let page = read(&dir.join(REPORT_FILE));
    assert!(!page.contains("<script"), "nothing the user wrote becomes markup");
    assert!(page.contains("hemisim run: evil&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(page.contains("<code>hemisim run &#39;a&lt;b&gt;.toml&#39; --seed 7</code>"), "the replay line");
    for id in ["run", "btc", "l2", "pop", "validation", "figures", "files", "scenario"] {
        assert!(page.contains(&format!("<section id=\"{id}\">")), "section {id}");
    }
    let svgs = std::fs::read_dir(&*dir)
        .expect("listable")
        .filter(|e| e.as_ref().is_ok_and(|e| e.path().extension().is_some_and(|x| x == "svg")));
    assert_eq!(page.matches("<figure id=\"fig-").count(), svgs.count(), "every figure of the folder");
    assert_eq!(page.matches("<svg").count(), page.matches("<figure id=").count(), "each inline");
    assert!(page.contains("<figure id=\"fig-pop_superfinality\">") && page.contains("Look for:"));
    for link in ["blocks.csv", "keystones.csv", "summary.json", "scenario.toml", "manifest.json", "pop_timeline.png"] {
        assert!(page.contains(&format!("<a href=\"{link}\">")), "links to {link}");
    }
    // The headline line as `hemisim run` prints it, and the numbers with their exact values.
    assert!(
        page.contains("<p class=\"headline\">4 keystones,"),
        "{:.200}",
        &page[page.find("id=\"pop\"").unwrap_or(0)..]
    );
    let summary: serde_json::Value = serde_json::from_str(&read(&dir.join("summary.json"))).expect("JSON");
    let stale = crate::compare::value_at(&summary, "btc.blocks_total").expect("there").to_string();
    assert!(page.contains(&format!("data-metric=\"btc.blocks_total\" data-value=\"{stale}\"")));
    assert!(page.contains("superfinality latency, mean (s)"), "the validation row of PoP");

    write_report(&dir).expect("again");
    assert_eq!(read(&dir.join(REPORT_FILE)), page, "the same folder, the same bytes");
}

#[test]
fn a_sweep_page_has_the_grid_and_each_cell_its_own_page() {
    let dir = scratch_dir("report-sweep");
    let cells = [
        cell(0, &["6", "25"], Some([300.0, 900.0, 5000.0]), Some(0.01)),
        cell(1, &["6", "50"], Some([600.0, 1500.0, 2500.0]), Some(0.02)),
        cell(2, &["12", "25"], None, None),
    ];
    for (i, c) in cells.iter().enumerate() {
        write_cell(&dir.join(&c.dir), &[sample_record(10 + i as u64)]).expect("writable");
    }
    write_sweep(&dir, &info(1), &cells).expect("writable");

    let written = write_report(&dir).expect("a sweep folder");
    assert_eq!(written.len(), 4, "the sweep's page and one per cell: {written:?}");
    let page = read(&dir.join(REPORT_FILE));
    assert!(page.contains("<h1>hemisim sweep: unit</h1>"));
    let axes = "<th>l2.<wbr>block_<wbr>time_<wbr>s</th><th>pop.<wbr>keystone_<wbr>interval_<wbr>blocks</th>";
    assert!(page.contains(axes), "the grid's axes, breakable at dots and underscores");
    assert!(page.contains("<a href=\"cells/1-l2.block_time_s=6,pop.keystone_interval_blocks=50/report.html\">1</a>"));
    assert_eq!(
        page.matches("data-source=\"cells/").count(),
        3,
        "the stale rate of each cell (the only metric they define)"
    );
    assert!(page.contains("<figure id=\"fig-sweep_latency_cost\">"));
    let cell_page = read(&dir.join(&cells[2].dir).join(REPORT_FILE));
    assert!(cell_page.contains("<a href=\"../../report.html\">back to the sweep</a>"));
    assert!(!cell_page.contains("<figure"), "a cell has no figures of its own");
}

#[test]
fn a_folder_that_is_neither_is_refused_as_bad_input() {
    let dir = scratch_dir("report-neither");
    let err = write_report(&dir).expect_err("nothing to report");
    assert!(matches!(err, PageError::NotAnOutput { .. }) && err.is_bad_input(), "{err}");
    assert!(err.to_string().contains("neither a run nor a sweep output folder"), "{err}");
    std::fs::write(dir.join("summary.json"), "{not json").expect("writable");
    let err = write_report(&dir).expect_err("not JSON");
    assert!(matches!(err, PageError::Parse { .. }) && err.is_bad_input(), "{err}");
}
