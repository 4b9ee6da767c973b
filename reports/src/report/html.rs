//! The few HTML pieces the report pages are made of, written with `write!` into a `String`.
//!
//! Why no templating crate: the pages are a handful of headings, tables and figures whose
//! structure is decided in code (which areas a run has, which rows a table gets), so a template
//! language would add a dependency and a second syntax without removing any logic. Safety comes
//! from the types instead: text goes in as `&str` and is escaped here, always; only [`Markup`]
//! (built by these functions, or an SVG figure hemisim drew itself) goes in unescaped.

use std::fmt::Write as _;

/// HTML that is already safe to insert: built by this module, never from raw user text.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Markup(String);

impl Markup {
    /// Trusted HTML as is: for the module's own tags and for SVG figures drawn by hemisim
    /// (plotters escapes their text).
    pub(crate) fn trusted(html: String) -> Markup {
        Markup(html)
    }

    /// Text, escaped.
    pub fn text(text: &str) -> Markup {
        Markup(escape(text))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn push(&mut self, more: &Markup) {
        self.0.push_str(&more.0);
    }
}

/// `text` with the five characters that mean something in HTML (also inside attribute values)
/// replaced by their entities.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// `<tag>text</tag>` with `text` escaped (`tag` is one of ours: `h2`, `p`, `code`...).
pub fn element(tag: &str, text: &str) -> Markup {
    Markup(format!("<{tag}>{}</{tag}>", escape(text)))
}

/// `<tag attr="value">inner</tag>`, the attribute value escaped.
pub fn with_attr(tag: &str, attr: &str, value: &str, inner: &Markup) -> Markup {
    Markup(format!("<{tag} {attr}=\"{}\">{}</{tag}>", escape(value), inner.0))
}

/// A relative link: `<a href="path">text</a>`, both escaped.
pub fn link(path: &str, text: &str) -> Markup {
    with_attr("a", "href", path, &Markup::text(text))
}

/// A number cell's content that carries its exact value for scripts and tests:
/// `<span data-metric="path" data-value="exact">shown</span>`.
pub fn metric_value(path: &str, exact: &str, shown: &str) -> Markup {
    Markup(format!("<span data-metric=\"{}\" data-value=\"{}\">{}</span>", escape(path), escape(exact), escape(shown)))
}

/// A table: a header row of text (none if every header is empty), then rows of markup cells;
/// in a box that scrolls sideways rather than the page, should the table be wider.
pub fn table(class: &str, header: &[&str], rows: &[Vec<Markup>]) -> Markup {
    let mut html = format!("<div class=\"table\"><table class=\"{}\">\n", escape(class));
    if header.iter().any(|h| !h.is_empty()) {
        html.push_str("<thead><tr>");
        for h in header {
            // Metric paths are long: let them break after a `.` or `_` rather than in a word.
            let breakable = escape(h).replace('.', ".<wbr>").replace('_', "_<wbr>");
            let _ = write!(html, "<th>{breakable}</th>");
        }
        html.push_str("</tr></thead>\n");
    }
    html.push_str("<tbody>\n");
    for row in rows {
        html.push_str("<tr>");
        for cell in row {
            let _ = write!(html, "<td>{}</td>", cell.0);
        }
        html.push_str("</tr>\n");
    }
    html.push_str("</tbody>\n</table></div>\n");
    Markup(html)
}

/// A `<section>` with an id (for the table of contents), a heading and its content.
pub fn section(id: &str, heading: &str, content: &Markup) -> Markup {
    Markup(format!("<section id=\"{}\">\n<h2>{}</h2>\n{}</section>\n", escape(id), escape(heading), content.0))
}

/// The whole page: one self-contained document (styles inline, no script, no external resource).
pub fn page(title: &str, body: &Markup) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{}</title>\n<style>\n{STYLE}</style>\n</head>\n<body>\n{}</body>\n</html>\n",
        escape(title),
        body.0
    )
}

/// The page's look: system fonts only (nothing to fetch), figures scaled to the column.
const STYLE: &str = "\
body { font-family: system-ui, sans-serif; max-width: 1200px; margin: 1em auto; padding: 0 1em; color: #222; }
h1 { font-size: 1.6em; } h2 { border-bottom: 1px solid #ccc; padding-bottom: .2em; margin-top: 1.6em; }
table { border-collapse: collapse; margin: .5em 0 1em; font-size: .92em; }
th, td { border: 1px solid #ddd; padding: .25em .6em; text-align: left; vertical-align: top; }
th { background: #f3f3f3; }
div.table { overflow-x: auto; }
td span[data-value] { font-variant-numeric: tabular-nums; }
.inside { color: #1a7f37; } .outside { color: #b42318; font-weight: bold; }
figure { margin: 1em 0 2em; } figure svg { width: 100%; height: auto; border: 1px solid #eee; }
figcaption { font-size: .92em; color: #444; max-width: 60em; }
pre { background: #f6f6f6; padding: .6em; overflow-x: auto; font-size: .88em; }
code { background: #f6f6f6; padding: 0 .2em; }
.note { color: #555; }
.violation { color: #b42318; }
nav a { margin-right: .8em; }
";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped_everywhere_it_goes() {
        let evil = "<script>alert('x')</script> & \"q\"";
        let escaped = "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;";
        assert_eq!(escape(evil), escaped);
        assert_eq!(element("p", evil).as_str(), format!("<p>{escaped}</p>"));
        assert_eq!(link(evil, evil).as_str(), format!("<a href=\"{escaped}\">{escaped}</a>"));
        let t = table(evil, &[evil], &[vec![Markup::text(evil)]]);
        assert!(!t.as_str().contains("<script"), "{}", t.as_str());
        let p = page(evil, &section(evil, evil, &Markup::text(evil)));
        assert!(!p.contains("<script"), "{p}");
        assert!(metric_value("a.b", "1.5", "1.5").as_str().contains("data-metric=\"a.b\" data-value=\"1.5\""));
    }
}
