//! One time-series panel drawn the same way in every figure, and the two-panel frame most
//! figures use.

use plotters::coord::Shift;
use plotters::element::DashedPathElement;
use plotters::prelude::*;

use super::axes::{Axes, axes_with_legend, axis_end};
pub use super::format::{Unit, thousands};
use super::frame::{Legend, draw_line};
pub use super::legend::Corner;
use super::{FONT, centred_note, draw_legend};

/// The top and bottom halves of a figure.
pub type Halves<DB> = (DrawingArea<DB, Shift>, DrawingArea<DB, Shift>);

/// The frame of a two-panel figure: a white page, the title, and the top and bottom halves.
pub fn two_panels<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
) -> Result<Halves<DB>, DrawingAreaErrorKind<DB::ErrorType>> {
    root.fill(&WHITE)?;
    let area = root.titled(title, (FONT, super::TITLE_PX))?;
    Ok(area.split_vertically(area.dim_in_pixel().1 / 2))
}

/// Upper end of a y axis showing `values` (at least `floor`), a little above the highest (the
/// legend finds its own room: see [`super::legend`]).
pub fn y_top<'a>(values: impl IntoIterator<Item = &'a f64>, floor: f64) -> f64 {
    let peak = values.into_iter().copied().fold(floor, f64::max);
    if peak > 0.0 && peak.is_finite() { peak * 1.08 } else { 1.0 }
}

/// One line of a panel.
#[derive(Debug, Clone)]
pub struct Line {
    pub label: String,
    pub colour: RGBColor,
    pub points: Vec<(f64, f64)>,
    pub dashed: bool,
}

/// A panel of lines over `x` in `[0, x_max]` and `y` in `[0, y_max]`, with a legend, or with
/// `note` centred instead when it has nothing to show.
pub struct Panel<'a> {
    pub caption: Option<&'a str>,
    pub x_max: f64,
    pub x_desc: &'a str,
    pub y_max: f64,
    pub y_desc: &'a str,
    pub lines: &'a [Line],
    pub note: Option<&'a str>,
    /// Where the legend goes if the data leave it free (else where they do).
    pub legend: Corner,
}

impl std::fmt::Debug for Panel<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Panel").field("y_desc", &self.y_desc).finish()
    }
}

impl Panel<'_> {
    pub fn draw<DB: DrawingBackend>(
        self,
        area: &DrawingArea<DB, Shift>,
    ) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
        let y_max = axis_end(self.y_max);
        let lines = merge_coinciding(self.lines);
        let clipped: Vec<Vec<(f64, f64)>> =
            lines.iter().map(|l| l.points.iter().map(|&(x, y)| (x, y.min(y_max))).collect()).collect();
        let legend = Legend {
            labels: lines.iter().map(|l| l.label.clone()).collect(),
            data: clipped.iter().map(Vec::as_slice).collect(),
            prefer: self.legend,
        };
        let axes = Axes {
            caption: self.caption,
            x_max: self.x_max,
            x_desc: self.x_desc,
            y_max: self.y_max,
            y_desc: self.y_desc,
            x_labels: true,
        };
        let (mut chart, position) = axes_with_legend(area, &axes, &legend)?;
        for ((line, points), width) in lines.iter().zip(clipped).zip(stroke_widths(&lines)) {
            let style = line.colour.stroke_width(width);
            if line.dashed {
                chart
                    .draw_series(DashedLineSeries::new(points, 14, 8, style))?
                    .label(&line.label)
                    .legend(move |(x, y)| DashedPathElement::new(vec![(x, y), (x + 18, y)], 6, 4, style));
            } else {
                draw_line(&mut chart, &points, style)?
                    .label(&line.label)
                    .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], style));
            }
        }
        if self.note.is_none() && !lines.is_empty() {
            draw_legend(&mut chart, position)?;
        }
        if let Some(note) = self.note {
            centred_note(&chart.plotting_area().strip_coord_spec(), note)?;
        }
        Ok(())
    }
}

/// Stroke widths of `lines`, drawn in order: 3 px, plus 2 px for every later line that shares
/// at least a fifth of a line's points, so that where lines run together each shows as a band
/// around the ones drawn over it (miners paying the same fees in most hours but not all).
pub fn stroke_widths(lines: &[Line]) -> Vec<u32> {
    let shares = |a: &Line, b: &Line| {
        let common = a.points.iter().filter(|p| b.points.contains(p)).count();
        !a.dashed && !b.dashed && common > 0 && 5 * common >= a.points.len()
    };
    lines
        .iter()
        .enumerate()
        .map(|(i, a)| 3 + 2 * lines[i + 1..].iter().filter(|b| shares(a, b)).count() as u32)
        .collect()
}

/// `lines` with every line that another one drawn before it would hide (the same points and
/// style) folded into that one, whose label then names them all: `a = b = c (lines coincide)`.
/// Three miners publishing every keystone pay the same fees; drawn one over the other, two of
/// them would vanish without a word.
pub fn merge_coinciding(lines: &[Line]) -> Vec<Line> {
    let mut kept: Vec<(Line, Vec<&str>)> = Vec::new();
    for line in lines {
        let twin = kept
            .iter_mut()
            .find(|(k, _)| !line.points.is_empty() && k.points == line.points && k.dashed == line.dashed);
        match twin {
            Some((_, names)) => names.push(&line.label),
            None => kept.push((line.clone(), vec![&line.label])),
        }
    }
    kept.into_iter()
        .map(|(mut line, names)| {
            if names.len() > 1 {
                line.label = format!("{} (lines coincide)", names.join(" = "));
            }
            line
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plots::BLUE;
    use crate::plots::format::{Unit, duration_label, number, thousands};

    #[test]
    fn coinciding_lines_are_drawn_once_and_named_together() {
        let line = |label: &str, points: &[(f64, f64)]| Line {
            label: label.to_string(),
            colour: BLUE,
            points: points.to_vec(),
            dashed: false,
        };
        let same = [(0.0, 1.0), (1.0, 2.0)];
        let lines = [
            line("All miners", &[(0.0, 3.0), (1.0, 6.0)]),
            line("pop-miner-0", &same),
            line("pop-miner-1", &same),
            line("pop-miner-2", &same),
            line("empty", &[]),
            line("also empty", &[]),
        ];
        let merged = merge_coinciding(&lines);
        let labels: Vec<&str> = merged.iter().map(|l| l.label.as_str()).collect();
        assert_eq!(
            labels,
            ["All miners", "pop-miner-0 = pop-miner-1 = pop-miner-2 (lines coincide)", "empty", "also empty"]
        );
        assert_eq!(merged[1].points, same);
        // Lines that share most points but not all: the earlier ones wider, each visible.
        let mostly = [(0.0, 1.0), (1.0, 1.0), (2.0, 1.0), (3.0, 1.0), (4.0, 1.0)];
        let mut off = mostly;
        off[2].1 = 4.0;
        let lines =
            [line("All", &[(0.0, 9.0), (4.0, 9.0)]), line("a", &mostly), line("b", &off), line("c", &mostly[..2])];
        assert_eq!(stroke_widths(&lines), [3, 7, 5, 3]);
        let mut dashed = line("ceiling", &mostly);
        dashed.dashed = true;
        assert_eq!(stroke_widths(&[line("a", &mostly), dashed]), [3, 3], "a dashed line is told apart by its dashes");
    }

    #[test]
    fn units() {
        assert_eq!(Unit::time(86_400.0).name, "h");
        assert_eq!(Unit::time(600.0).name, "min");
        assert_eq!(Unit::time(36.0).name, "s");
        assert_eq!(Unit::gas_rate(2.5e6).name, "Mgas/s");
        assert_eq!(Unit::gas_rate(0.0).name, "gas/s");
        assert_eq!(number(250_000.0, 0), "250,000");
        assert_eq!(duration_label(8.26), "8.3 s");
        assert_eq!(duration_label(1326.0), "22.1 min");
        assert_eq!(thousands(6_882_625), "6,882,625");
        assert_eq!((thousands(0), thousands(999), thousands(1000)), ("0".into(), "999".into(), "1,000".into()));
    }
}
