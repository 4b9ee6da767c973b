//! The figures of a page: every `*.svg` of the folder, inline, each with a caption saying what
//! it shows and what to look for (the long form of each is in `reports/README.md`, "Figures").

use std::path::Path;

use super::html::{Markup, escape, link};
use super::read::FolderFiles;

/// What each figure hemisim draws shows, and what to look for in it, in page order.
const CAPTIONS: &[(&str, &str)] = &[
    (
        "block_intervals",
        "Intervals between consecutive main-chain Bitcoin blocks as a density, against the \
         exponential density of the target interval. Look for: an excess of short intervals or a \
         heavy tail (the miners' clocks, the fork choice).",
    ),
    (
        "reorg_depths",
        "Reorgs of the observer by depth (blocks disconnected). Look for: deep reorgs, which undo \
         confirmations that users relied on.",
    ),
    (
        "l2_throughput",
        "L2 transactions per second (top) and gas used per second against the ceiling gas_limit / \
         block_time (bottom), over time. Look for: a gas curve pressed against the ceiling: blocks \
         are full and the excess waits in the mempool.",
    ),
    (
        "l2_fullness",
        "L2 block fullness (top) and the largest mempool backlog (bottom) per window. Look for: \
         fullness at 1 with a growing backlog: the offered load exceeds the gas limit.",
    ),
    (
        "l2_latency",
        "L2 inclusion latency over time (top) and its distribution with p50, p95 and p99 (bottom). \
         Look for: a mean that climbs over the run, or a long right tail.",
    ),
    (
        "l2_heads",
        "The sequencer's unsafe, safe and finalized heads (top) and how far the safe and finalized \
         heads trail the unsafe one (bottom); triangles are unsafe reorgs. Look for: a safe gap \
         climbing (a batcher outage) and reorgs once the sequencing window expires.",
    ),
    (
        "pop_superfinality",
        "Superfinality latency of L2 blocks (Kaplan-Meier) against the closed form U(0, P) + \
         Gamma(M, theta): density (top) and distribution function (bottom). Look for: a curve right \
         of the closed form (publications wait for more Bitcoin blocks: fee competition, \
         deferrals) or a long tail (stalls).",
    ),
    (
        "pop_timeline",
        "Each L2 block's superfinality latency against its production time, with fee deferrals \
         (top), and the fee rate of every PoP transaction under the fee cap, log scale (bottom). \
         Look for: a fee spike as a band of deferrals and a ramp of latencies that drops at once \
         when the next keystone is published.",
    ),
    (
        "pop_fees",
        "PoP fees per simulated day over the run for all miners and each miner (top), and each \
         miner's fees per day with its share of the rewards (bottom). Look for: a bump where miners \
         paid through a fee spike, a gap where they deferred.",
    ),
    (
        "tunnel",
        "The tunnel's books over time: BTC locked, hBTC supply, payouts owed and unbacked hBTC \
         (top); mint, payout and settlement latency distributions (bottom). Look for: the unbacked \
         line leaving 0 at an unwound deposit (a loss), or payouts far ahead of settlement.",
    ),
    (
        "censorship_latency",
        "Inclusion latency of uncensored, released, forced and escaped transactions (log time), \
         with the longest liveness and window bounds dashed. Look for: the escaped curve reaching 1 \
         left of the bounds (the liveness check passing).",
    ),
    (
        "sweep_latency_cost",
        "One point per cell: PoP fees per day against superfinality latency (p50 circles, p95 \
         triangles), with 95% intervals. Look for: the cells on the lower-left frontier, cheap and \
         fast; the labels give each cell's grid values.",
    ),
    (
        "sweep_stale_rate",
        "The Bitcoin stale rate of each cell, with its 95% interval, against the first grid key. \
         Look for: how fast the stale rate grows with the swept parameter.",
    ),
];

/// Every figure of the folder as `<figure>`s: the known ones in [`CAPTIONS`] order, then any
/// other SVG by name (a figure newer than this list still shows, with a pointer to the docs).
pub fn figures(dir: &Path, files: &FolderFiles) -> Markup {
    let mut html = Markup::default();
    let mut stems: Vec<&str> = files.svg_stems().collect();
    let known = CAPTIONS.iter().filter(|(stem, _)| stems.contains(stem)).map(|(stem, caption)| (*stem, *caption));
    let ordered: Vec<(&str, &str)> = known.collect();
    stems.retain(|s| !ordered.iter().any(|(k, _)| k == s));
    let unknown = stems.into_iter().map(|s| (s, "See reports/README.md, \"Figures\", for what it shows."));
    for (stem, caption) in ordered.into_iter().chain(unknown) {
        html.push(&figure(dir, stem, caption));
    }
    html
}

/// One `<figure>`: the SVG inline, the caption, and links to the SVG and PNG files.
fn figure(dir: &Path, stem: &str, caption: &str) -> Markup {
    let svg = inline_svg(&dir.join(format!("{stem}.svg")));
    let files = [format!("{stem}.svg"), format!("{stem}.png")];
    let links: Vec<String> =
        files.iter().filter(|f| dir.join(f).is_file()).map(|f| link(f, f).as_str().to_owned()).collect();
    Markup::trusted(format!(
        "<figure id=\"fig-{id}\">\n{svg}\n<figcaption><strong>{name}</strong>: {caption} ({links})</figcaption>\n</figure>\n",
        id = escape(stem),
        svg = svg.as_str(),
        name = escape(stem),
        caption = escape(caption),
        links = links.join(", ")
    ))
}

/// The SVG file's `<svg>` element, for inlining: the XML prolog dropped. A file that cannot be
/// read, or is not an SVG drawn by hemisim, becomes a note instead (never raw markup).
fn inline_svg(path: &Path) -> Markup {
    let Ok(text) = std::fs::read_to_string(path) else {
        return Markup::trusted(format!("<p class=\"note\">cannot read {}</p>", escape(&path.display().to_string())));
    };
    let start = text.find("<svg").unwrap_or(text.len());
    let svg = &text[start..];
    // hemisim's figures are plain shapes and text (plotters escapes the text): anything active
    // would mean the file is not one of them, and it stays out of the page.
    if svg.is_empty() || is_active(svg) {
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        return Markup::trusted(format!(
            "<p class=\"note\">{} is not a figure drawn by hemisim; left out</p>",
            escape(&name)
        ));
    }
    Markup::trusted(svg.trim_end().to_owned())
}

/// Whether an SVG has anything that could run or fetch: a script, embedded HTML, a `javascript:`
/// link or an event attribute (`onload=`) in any tag. Text between tags is not looked at: plotters
/// escapes `<`, so a label like `online=3` is text, not an attribute.
fn is_active(svg: &str) -> bool {
    let lower = svg.to_ascii_lowercase();
    lower.split('<').skip(1).map(|s| s.split('>').next().unwrap_or("")).any(|tag| {
        tag.starts_with("script")
            || tag.starts_with("foreignobject")
            || tag.contains("javascript:")
            || tag.split_whitespace().skip(1).any(|attr| {
                attr.strip_prefix("on").is_some_and(|rest| {
                    rest.split('=').next().is_some_and(|n| {
                        !n.is_empty() && n.chars().all(|c| c.is_ascii_alphabetic()) && rest.contains('=')
                    })
                })
            })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_drawings_are_inlined() {
        let plain = "<svg width=\"10\"><text x=\"1\">online=3 &lt;script&gt;</text></svg>";
        assert!(!is_active(plain));
        for bad in [
            "<svg onload=\"alert(1)\"></svg>",
            "<svg><script>alert(1)</script></svg>",
            "<svg><foreignObject></foreignObject></svg>",
            "<svg><a href=\"javascript:alert(1)\">x</a></svg>",
            "<svg><rect ONCLICK=\"x()\"/></svg>",
        ] {
            assert!(is_active(bad), "{bad}");
        }
    }
}
