//! The HTML report: one self-contained page (inline CSS, JavaScript and SVG; nothing loaded
//! from anywhere) for `audit`, `units`, `vulns`, `store verify`, `lint` and `diff`.
//!
//! The page is complete without JavaScript: every finding is in the table, failing ones first,
//! each with its evidence and the NixOS fix in a code block; the script only adds the filters
//! (status, section, severity), sortable columns and copy buttons. Every string that came from
//! the audited host or the linted files (unit names, file contents, evidence, package names,
//! messages) passes through [`nixsec_core::escape`] (control characters and ANSI sequences
//! become visible text) and is then HTML-escaped; a `Content-Security-Policy` meta tag admits
//! only the page's own stylesheet and script, by their SHA-256 hashes, so markup that escaped
//! escaping still could not run or load anything.
//!
//! A page is built from blocks by [`Page`]: [`Page::gauge`], [`Page::counts`],
//! [`Page::section_chart`], [`Page::bar_chart`], [`Page::table`] and [`Page::findings`] (one
//! `<tr class="finding">` per finding, with filter facets) and [`Page::filtered_table`] (any
//! rows with filter facets). Each command's page is a short composition of those, and a new
//! report kind is another such function: [`render_diff`] (`nixsec diff`: two gauges and the
//! changes, filtered by kind and impact) takes plain rows, so the command only maps its
//! changes to [`DiffRow`]s.

use std::borrow::Cow;
use std::fmt::Write as _;
use std::io::{self, Write};

use base64::Engine as _;
use nixsec_core::{escape, Finding, LintFinding, LintReport, Report, Section, Severity, Status};
use sha2::{Digest, Sha256};

use crate::{CveRow, DiffRow, UnitError, UnitRow};

/// The stylesheet, inlined into every page.
const CSS: &str = include_str!("html/report.css");
/// The script, inlined into every page.
const JS: &str = include_str!("html/report.js");

/// What `nixsec store verify` looked at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StoreStats {
    /// Store paths checked.
    pub paths_checked: u64,
    /// Bytes of NAR hashed.
    pub bytes_hashed: u64,
}

/// `nixsec audit`: the hardening index, results by section and severity, the listeners of the
/// firewall rules (NIX-074's evidence) and every finding.
///
/// # Errors
///
/// Whatever writing to `out` returns.
pub fn render(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let mut page = Page::new("audit", &format!("nixsec audit of {}", report.root));
    report_meta(&mut page, report);
    page.open("section", "overview", "Overview");
    page.raw("<div class=\"overview\">");
    page.gauge("gauge", report.summary.hardening_index, "hardening index");
    page.counts(report);
    page.raw("</div>");
    page.verdict(report);
    page.close("section");
    page.section_chart(&report.findings);
    listeners(&mut page, report);
    page.findings(
        "findings",
        "Findings",
        report.findings.iter().map(FindingRow::new).collect(),
        &[],
        Vec::new(),
    );
    page.warnings(&report.summary.warnings);
    page.finish(out)
}

/// `nixsec units`: every unit's exposure as a sorted bar chart and a table, the units at or
/// above the threshold as NIX-061 findings (in `report`), and the units that could not be
/// loaded.
///
/// # Errors
///
/// Whatever writing to `out` returns.
pub fn render_units(
    report: &Report,
    units: &[UnitRow],
    errors: &[UnitError],
    out: &mut dyn Write,
) -> io::Result<()> {
    let mut page = Page::new("units", &format!("nixsec units of {}", report.root));
    report_meta(&mut page, report);
    page.meta("units scored", units.len().to_string());
    let mut sorted: Vec<&UnitRow> = units.iter().collect();
    sorted.sort_by(|a, b| {
        b.exposure
            .cmp(&a.exposure)
            .then_with(|| a.unit.cmp(&b.unit))
    });
    let bars: Vec<Bar> = sorted
        .iter()
        .map(|u| Bar {
            label: u.unit.clone(),
            value: u.exposure,
            text: format!("{} {}", tenths(u.exposure), u.level),
            class: format!("lvl-{}", css_token(&u.level)),
        })
        .collect();
    page.bar_chart("exposure", "Exposure by unit", &bars, 100);
    page.table(&Table {
        id: "units",
        title: "Units",
        columns: &[
            Column::text("Unit"),
            Column::num("Exposure"),
            Column::text("Level"),
            Column::text("Unit file"),
        ],
        rows: sorted
            .iter()
            .map(|u| {
                vec![
                    Cell::text(&u.unit),
                    Cell::keyed(tenths(u.exposure), u.exposure.to_string()),
                    Cell::text(&u.level),
                    Cell::code(&u.fragment),
                ]
            })
            .collect(),
        empty: "No unit was scored.",
    });
    if !errors.is_empty() {
        page.table(&Table {
            id: "unit-errors",
            title: "Units that could not be scored",
            columns: &[Column::text("Unit"), Column::text("Error")],
            rows: errors
                .iter()
                .map(|e| vec![Cell::text(&e.unit), Cell::text(&e.error)])
                .collect(),
            empty: "",
        });
    }
    page.findings(
        "findings",
        "Findings",
        report.findings.iter().map(FindingRow::new).collect(),
        &[],
        Vec::new(),
    );
    page.warnings(&report.summary.warnings);
    page.finish(out)
}

/// `nixsec vulns`: the CVE findings as a table sortable by severity and score, with the
/// package, version and NVD rating of each (joined by subject from `cves`).
///
/// # Errors
///
/// Whatever writing to `out` returns.
pub fn render_vulns(report: &Report, cves: &[CveRow], out: &mut dyn Write) -> io::Result<()> {
    let mut page = Page::new("vulns", &format!("nixsec vulns of {}", report.root));
    report_meta(&mut page, report);
    page.open("section", "overview", "Overview");
    let mut by_rating: Vec<(&str, usize)> = ["CRITICAL", "HIGH", "MEDIUM", "LOW", "NONE"]
        .into_iter()
        .map(|r| (r, 0))
        .collect();
    let active: Vec<&CveRow> = cves
        .iter()
        .filter(|c| {
            report
                .findings
                .iter()
                .any(|f| f.subject.as_deref() == Some(&c.subject) && f.is_active_failure())
        })
        .collect();
    for c in &active {
        if let Some(slot) = by_rating.iter_mut().find(|(r, _)| *r == c.rating) {
            slot.1 += 1;
        }
    }
    page.raw("<div class=\"counts\">");
    page.count_card(active.len(), "known CVEs", "cves-total");
    for (r, n) in by_rating {
        page.count_card(
            n,
            &r.to_ascii_lowercase(),
            &format!("cves-{}", r.to_ascii_lowercase()),
        );
    }
    page.count_card(report.summary.ignored, "whitelisted", "cves-whitelisted");
    page.raw("</div>");
    page.verdict(report);
    page.close("section");
    let rows = report
        .findings
        .iter()
        .map(|f| {
            let mut row = FindingRow::new(f);
            let cve = f
                .subject
                .as_deref()
                .and_then(|s| cves.iter().find(|c| c.subject == s));
            row.extra = match cve {
                Some(c) => vec![
                    Cell::text(&c.package),
                    Cell::text(&c.version),
                    Cell::keyed(
                        c.score.map_or_else(String::new, |s| format!("{s:.1}")),
                        c.score.map_or_else(|| "-1".into(), |s| format!("{s:.1}")),
                    ),
                    Cell::keyed(
                        c.rating.to_ascii_lowercase(),
                        rating_rank(&c.rating).to_string(),
                    ),
                ],
                None => vec![
                    Cell::empty(),
                    Cell::empty(),
                    Cell::keyed("", "-1"),
                    Cell::keyed("", "-1"),
                ],
            };
            row
        })
        .collect();
    page.findings(
        "findings",
        "CVEs",
        rows,
        &[
            Column::text("Package"),
            Column::text("Version"),
            Column::num("CVSS"),
            Column::num("NVD rating"),
        ],
        Vec::new(),
    );
    page.warnings(&report.summary.warnings);
    page.finish(out)
}

/// `nixsec store verify`: the problems as findings (in `report`) and what was checked.
///
/// # Errors
///
/// Whatever writing to `out` returns.
pub fn render_store(report: &Report, stats: StoreStats, out: &mut dyn Write) -> io::Result<()> {
    let mut page = Page::new(
        "store-verify",
        &format!("nixsec store verify of {}", report.root),
    );
    report_meta(&mut page, report);
    page.meta("paths checked", stats.paths_checked.to_string());
    page.meta("bytes hashed", stats.bytes_hashed.to_string());
    page.open("section", "overview", "Overview");
    page.counts(report);
    page.verdict(report);
    page.close("section");
    page.findings(
        "findings",
        "Problems",
        report.findings.iter().map(FindingRow::new).collect(),
        &[],
        Vec::new(),
    );
    page.warnings(&report.summary.warnings);
    page.finish(out)
}

/// `nixsec lint`: each finding at its place in a file, with the source line, the option and
/// the value, by section and severity.
///
/// # Errors
///
/// Whatever writing to `out` returns.
pub fn render_lint(report: &LintReport, out: &mut dyn Write) -> io::Result<()> {
    let mut page = Page::new(
        "lint",
        &format!("nixsec lint of {}", report.paths.join(" ")),
    );
    page.meta("version", format!("nixsec {}", report.tool.version));
    page.meta("started", report.started.clone());
    page.meta("duration", format!("{} ms", report.duration_ms));
    page.meta("files", report.files.to_string());
    page.meta("configurations", report.configurations.len().to_string());
    let plain: Vec<Finding> = report.findings.iter().map(|f| f.finding.clone()).collect();
    page.open("section", "overview", "Overview");
    page.counts_of(&report.summary);
    page.verdict_of(&report.summary);
    page.close("section");
    page.section_chart(&plain);
    let rows = report.findings.iter().map(FindingRow::lint).collect();
    page.findings(
        "findings",
        "Findings",
        rows,
        &[Column::text("Location")],
        Vec::new(),
    );
    if !report.configurations.is_empty() {
        page.table(&Table {
            id: "configurations",
            title: "Configurations",
            columns: &[
                Column::text("Entry point"),
                Column::text("Kind"),
                Column::text("Modules"),
                Column::text("Not followed"),
            ],
            rows: report
                .configurations
                .iter()
                .map(|c| {
                    vec![
                        Cell::text(&c.entry_point),
                        Cell::text(&c.kind),
                        Cell::lines(&c.modules),
                        Cell::lines(&c.not_followed),
                    ]
                })
                .collect(),
            empty: "",
        });
    }
    page.warnings(&report.summary.warnings);
    page.finish(out)
}

/// One side of a `nixsec diff`: the system's name and the findings of its audit.
#[derive(Debug, Clone, Copy)]
pub struct DiffSide<'a> {
    /// The toplevel or root shown.
    pub name: &'a str,
    /// The audit's findings (the gauge shows their hardening index).
    pub findings: &'a [Finding],
}

/// `nixsec diff`: the hardening index of both systems as two gauges, then one row per change,
/// those that make the new system worse first (by severity), filterable by kind and impact.
///
/// # Errors
///
/// Whatever writing to `out` returns.
pub fn render_diff(
    old: &DiffSide<'_>,
    new: &DiffSide<'_>,
    changes: &[DiffRow],
    out: &mut dyn Write,
) -> io::Result<()> {
    let mut page = Page::new("diff", "nixsec diff");
    page.meta("old", old.name.to_string());
    page.meta("new", new.name.to_string());
    page.meta("version", format!("nixsec {}", env!("CARGO_PKG_VERSION")));
    page.open("section", "overview", "Overview");
    page.raw("<div class=\"overview\">");
    page.gauge(
        "gauge-old",
        nixsec_core::report::hardening_index(old.findings),
        "hardening index, old",
    );
    page.gauge(
        "gauge-new",
        nixsec_core::report::hardening_index(new.findings),
        "hardening index, new",
    );
    let worse = changes.iter().filter(|c| c.severity.is_some()).count();
    page.raw("<div class=\"counts\">");
    page.count_card(changes.len(), "changes", "count-changes");
    page.count_card(worse, "make it worse", "count-worse");
    for sev in Severity::ALL_DESC.iter() {
        let n = changes.iter().filter(|c| c.severity == Some(*sev)).count();
        page.count_card(n, &format!("{sev} worse"), &format!("count-{sev}"));
    }
    page.raw("</div></div>");
    page.close("section");
    let impact = |c: &DiffRow| c.severity.map_or("none", Severity::as_str);
    let mut sorted: Vec<&DiffRow> = changes.iter().collect();
    sorted.sort_by(|a, b| {
        let rank = |c: &DiffRow| {
            c.severity
                .map_or(-1, |s| i8::try_from(severity_rank(s)).unwrap_or(0))
        };
        rank(b)
            .cmp(&rank(a))
            .then_with(|| a.kind.cmp(&b.kind))
            .then_with(|| a.subject.cmp(&b.subject))
    });
    let mut kinds: Vec<&str> = sorted.iter().map(|c| c.kind.as_str()).collect();
    kinds.sort_unstable();
    kinds.dedup();
    let mut impacts: Vec<(String, String)> = Severity::ALL_DESC
        .iter()
        .filter(|s| changes.iter().any(|c| c.severity == Some(**s)))
        .map(|s| (s.as_str().to_string(), s.as_str().to_string()))
        .collect();
    if changes.iter().any(|c| c.severity.is_none()) {
        impacts.push(("none".into(), "not worse".into()));
    }
    let value = |v: &Option<String>| match v {
        Some(s) => Cell::code(s),
        None => Cell::keyed("(none)", ""),
    };
    let rows = sorted
        .iter()
        .map(|c| FilteredRow {
            facets: vec![("kind", c.kind.clone()), ("impact", impact(c).to_string())],
            cells: vec![
                Cell {
                    html: match c.severity {
                        Some(s) => format!("<span class=\"sv-{s}\">{s}</span>"),
                        None => "<span class=\"note\">not worse</span>".into(),
                    },
                    key: Some(
                        c.severity
                            .map_or_else(|| "-1".into(), |s| severity_rank(s).to_string()),
                    ),
                },
                Cell::text(&c.kind),
                Cell::code(&c.subject),
                value(&c.old),
                value(&c.new),
                c.rule.as_deref().map_or_else(Cell::empty, Cell::text),
            ],
        })
        .collect();
    page.filtered_table(
        &Table {
            id: "changes",
            title: "Changes",
            columns: &[
                Column::num("Impact"),
                Column::text("Change"),
                Column::text("Subject"),
                Column::text("Old"),
                Column::text("New"),
                Column::text("Rule"),
            ],
            rows: Vec::new(),
            empty: "No security-relevant change.",
        },
        rows,
        &[
            Facet {
                name: "kind",
                title: "Change",
                values: kinds
                    .iter()
                    .map(|k| ((*k).to_string(), (*k).to_string()))
                    .collect(),
            },
            Facet {
                name: "impact",
                title: "Impact",
                values: impacts,
            },
        ],
    );
    page.finish(out)
}

fn report_meta(page: &mut Page, report: &Report) {
    page.meta("root", report.root.clone());
    page.meta(
        "version",
        format!("{} {}", report.tool.name, report.tool.version),
    );
    page.meta("started", report.started.clone());
    page.meta("duration", format!("{} ms", report.duration_ms));
}

/// `84` as `8.4`.
fn tenths(x: u64) -> String {
    format!("{}.{}", x / 10, x % 10)
}

fn rating_rank(r: &str) -> u8 {
    match r {
        "CRITICAL" => 4,
        "HIGH" => 3,
        "MEDIUM" => 2,
        "LOW" => 1,
        _ => 0,
    }
}

fn severity_rank(s: Severity) -> u8 {
    match s {
        Severity::Critical => 4,
        Severity::High => 3,
        Severity::Medium => 2,
        Severity::Low => 1,
        Severity::Info => 0,
    }
}

/// The status a row is filtered and sorted by: `ignored` for an ignored failure.
fn row_status(f: &Finding) -> &'static str {
    match f.status {
        Status::Fail if f.ignored.is_some() => "ignored",
        s => s.as_str(),
    }
}

/// Failing first, then errors, ignored failures, passes and skips.
fn status_rank(status: &str) -> u8 {
    match status {
        "fail" => 0,
        "error" => 1,
        "ignored" => 2,
        "pass" => 3,
        _ => 4,
    }
}

const STATUSES: [&str; 5] = ["fail", "error", "ignored", "pass", "skip"];

/// Letters, digits and `-` only: safe in a class name or an id.
fn css_token(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// One filter facet: a fieldset of checked checkboxes, `name` the rows' `data-<name>`.
fn facet_fieldset(body: &mut String, name: &str, title: &str, values: &[(String, String)]) {
    let _ = write!(
        body,
        "<fieldset data-facet=\"{}\"><legend>{}</legend>",
        css_token(name),
        html(title)
    );
    for (v, label) in values {
        let _ = write!(
            body,
            "<label><input type=\"checkbox\" name=\"{}\" value=\"{}\" checked>{}</label>",
            css_token(name),
            text(v),
            text(label)
        );
    }
    body.push_str("</fieldset>");
}

/// HTML-escape `s` for text and quoted attribute values.
fn html(s: &str) -> Cow<'_, str> {
    if !s.contains(['&', '<', '>', '"', '\'']) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 16);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// Host text on one line: control characters made visible, then HTML-escaped.
fn text(s: &str) -> String {
    html(&escape(s)).into_owned()
}

/// Host text of several lines (a code block): each line as [`text`].
fn block(s: &str) -> String {
    s.split('\n').map(text).collect::<Vec<_>>().join("\n")
}

/// A message: [`text`], with `backticked` spans as `<code>`.
fn inline(s: &str) -> String {
    let t = text(s);
    let parts: Vec<&str> = t.split('`').collect();
    let mut out = String::with_capacity(t.len() + 32);
    out.push_str(parts[0]);
    let mut i = 1;
    while i < parts.len() {
        if i + 1 < parts.len() {
            out.push_str("<code>");
            out.push_str(parts[i]);
            out.push_str("</code>");
            out.push_str(parts[i + 1]);
        } else {
            out.push('`');
            out.push_str(parts[i]);
        }
        i += 2;
    }
    out
}

fn sha256_b64(s: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(Sha256::digest(s.as_bytes()))
}

/// The page's Content-Security-Policy: nothing but the inline stylesheet and script, named by
/// their hashes.
#[must_use]
pub fn content_security_policy() -> String {
    format!(
        "default-src 'none'; style-src 'sha256-{}'; script-src 'sha256-{}'; img-src 'none'; base-uri 'none'; form-action 'none'",
        sha256_b64(CSS),
        sha256_b64(JS)
    )
}

/// A column of a table.
#[derive(Debug, Clone, Copy)]
pub struct Column {
    title: &'static str,
    numeric: bool,
}

impl Column {
    const fn text(title: &'static str) -> Column {
        Column {
            title,
            numeric: false,
        }
    }
    const fn num(title: &'static str) -> Column {
        Column {
            title,
            numeric: true,
        }
    }
}

/// A cell: HTML already escaped, and an optional sort key.
#[derive(Debug, Clone, Default)]
pub struct Cell {
    html: String,
    key: Option<String>,
}

impl Cell {
    fn text(s: &str) -> Cell {
        Cell {
            html: text(s),
            key: None,
        }
    }
    fn code(s: &str) -> Cell {
        Cell {
            html: format!("<code>{}</code>", text(s)),
            key: Some(text(s)),
        }
    }
    fn keyed(shown: impl AsRef<str>, key: impl AsRef<str>) -> Cell {
        Cell {
            html: text(shown.as_ref()),
            key: Some(text(key.as_ref())),
        }
    }
    fn lines(items: &[String]) -> Cell {
        Cell {
            html: items
                .iter()
                .map(|m| format!("<code>{}</code>", text(m)))
                .collect::<Vec<_>>()
                .join("<br>"),
            key: None,
        }
    }
    fn empty() -> Cell {
        Cell::default()
    }
}

/// A sortable table.
pub struct Table<'a> {
    id: &'a str,
    title: &'a str,
    columns: &'a [Column],
    rows: Vec<Vec<Cell>>,
    empty: &'a str,
}

/// A bar of a bar chart.
pub struct Bar {
    label: String,
    value: u64,
    text: String,
    class: String,
}

/// A filter facet beside status, section and severity (a diff's `change`): the row attribute
/// `data-<name>` and its values with their labels.
pub struct Facet {
    name: &'static str,
    title: &'static str,
    values: Vec<(String, String)>,
}

/// A row of [`Page::filtered_table`]: its cells and its value of each facet.
pub struct FilteredRow {
    /// `(facet, value)`: the row's `data-<facet>` attributes.
    facets: Vec<(&'static str, String)>,
    /// One cell per column.
    cells: Vec<Cell>,
}

/// One finding as a table row.
pub struct FindingRow<'a> {
    finding: &'a Finding,
    /// Cells of the extra columns.
    extra: Vec<Cell>,
    /// `(facet, value)` for the extra facets.
    facets: Vec<(&'static str, String)>,
    /// A source line to show above the evidence (lint).
    source: Option<String>,
    /// Option and value (lint).
    option: Option<(String, String)>,
    /// Condition (lint).
    condition: Option<String>,
}

impl<'a> FindingRow<'a> {
    fn new(finding: &'a Finding) -> FindingRow<'a> {
        FindingRow {
            finding,
            extra: Vec::new(),
            facets: Vec::new(),
            source: None,
            option: None,
            condition: None,
        }
    }

    fn lint(f: &'a LintFinding) -> FindingRow<'a> {
        let mut row = FindingRow::new(&f.finding);
        let place = format!("{}:{}:{}", f.file, f.line, f.column);
        row.extra = vec![Cell {
            html: format!("<code>{}</code>", text(&place)),
            key: Some(text(&place)),
        }];
        if !f.source_line.is_empty() {
            row.source = Some(f.source_line.clone());
        }
        if let Some(o) = &f.option {
            row.option = Some((o.clone(), f.value.clone().unwrap_or_default()));
        }
        row.condition = f.condition.clone();
        if let Some(e) = &f.entry_point {
            row.facets.push(("entry", e.clone()));
        }
        row
    }
}

/// An HTML page being built.
pub struct Page {
    kind: &'static str,
    title: String,
    meta: Vec<(&'static str, String)>,
    body: String,
    next_id: usize,
}

impl Page {
    /// A page of `kind` (`audit`, `units`, …: the `data-report` attribute) titled `title`.
    #[must_use]
    pub fn new(kind: &'static str, title: &str) -> Page {
        Page {
            kind,
            title: title.to_string(),
            meta: Vec::new(),
            body: String::with_capacity(64 * 1024),
            next_id: 0,
        }
    }

    /// A `name: value` line under the title.
    pub fn meta(&mut self, name: &'static str, value: String) {
        self.meta.push((name, value));
    }

    fn raw(&mut self, s: &str) {
        self.body.push_str(s);
    }

    fn open(&mut self, tag: &str, id: &str, heading: &str) {
        let _ = write!(
            self.body,
            "<{tag} id=\"{}\"><h2>{}</h2>",
            css_token(id),
            html(heading)
        );
    }

    fn close(&mut self, tag: &str) {
        let _ = write!(self.body, "</{tag}>");
    }

    /// A semicircle gauge of `index` (0–100), its number as text in `#<id>-value`.
    pub fn gauge(&mut self, id: &str, index: Option<u32>, caption: &str) {
        const LEN: f64 = std::f64::consts::PI * 80.0;
        let id = css_token(id);
        let (shown, aria) = match index {
            Some(i) => (i.to_string(), format!("{caption}: {i} of 100")),
            None => ("n/a".to_string(), format!("{caption}: not available")),
        };
        let v = f64::from(index.unwrap_or(0).min(100));
        let band = match index {
            Some(i) if i >= 75 => "good",
            Some(i) if i >= 50 => "fair",
            _ => "poor",
        };
        let _ = write!(
            self.body,
            "<div class=\"card gauge\" id=\"{id}\" data-index=\"{}\">\
<svg viewBox=\"0 0 200 118\" role=\"img\" aria-label=\"{}\">\
<path class=\"track\" d=\"M20 100 A80 80 0 0 1 180 100\" fill=\"none\" stroke-width=\"18\"/>\
<path class=\"value-{band}\" d=\"M20 100 A80 80 0 0 1 180 100\" fill=\"none\" stroke-width=\"18\" stroke-dasharray=\"{:.2} 1000\"/>\
<text id=\"{id}-value\" x=\"100\" y=\"90\" text-anchor=\"middle\" font-size=\"38\">{shown}</text>\
<text x=\"100\" y=\"114\" text-anchor=\"middle\" font-size=\"11\">of 100</text>\
</svg><div class=\"caption\">{}</div></div>",
            index.map_or_else(String::new, |i| i.to_string()),
            html(&aria),
            LEN * v / 100.0,
            html(caption)
        );
    }

    fn count_card(&mut self, n: usize, label: &str, id: &str) {
        let _ = write!(
            self.body,
            "<div id=\"{}\"><b>{n}</b><span>{}</span></div>",
            css_token(id),
            html(label)
        );
    }

    /// Counts by status and failing severity.
    pub fn counts(&mut self, report: &Report) {
        self.counts_of(&report.summary);
    }

    fn counts_of(&mut self, s: &nixsec_core::Summary) {
        self.raw("<div class=\"counts\">");
        self.count_card(s.fail, "fail", "count-fail");
        self.count_card(s.error, "error", "count-error");
        self.count_card(s.pass, "pass", "count-pass");
        self.count_card(s.skip, "skip", "count-skip");
        self.count_card(s.ignored, "ignored", "count-ignored");
        for sev in Severity::ALL_DESC.iter() {
            let n = s.fail_by_severity.get(*sev);
            self.count_card(n, &format!("{sev} failing"), &format!("count-{sev}"));
        }
        self.raw("</div>");
    }

    fn verdict(&mut self, report: &Report) {
        self.verdict_of(&report.summary);
    }

    fn verdict_of(&mut self, s: &nixsec_core::Summary) {
        let (class, what) = match s.failing {
            0 => ("passing", "the run passes".to_string()),
            1 => ("failing", "the run fails (1 failing result)".to_string()),
            n => ("failing", format!("the run fails ({n} failing results)")),
        };
        let _ = write!(
            self.body,
            "<p class=\"verdict {class}\" id=\"verdict\">fail-on {}: {what}</p>",
            text(&s.fail_on)
        );
    }

    /// Results by section and severity: a stacked bar of active failures per section, with
    /// the other statuses counted beside it.
    pub fn section_chart(&mut self, findings: &[Finding]) {
        let mut rows: Vec<(String, [usize; 5], [usize; 4])> = Vec::new();
        let mut names: Vec<String> = Section::ALL
            .iter()
            .map(|s| s.as_str().to_string())
            .collect();
        for f in findings {
            if !names.contains(&f.section) {
                names.push(f.section.clone());
            }
        }
        for name in names {
            let of: Vec<&Finding> = findings.iter().filter(|f| f.section == name).collect();
            if of.is_empty() {
                continue;
            }
            let mut sev = [0usize; 5];
            let mut other = [0usize; 4];
            for f in of {
                if f.is_active_failure() {
                    sev[4 - usize::from(severity_rank(f.severity))] += 1;
                } else {
                    let i = match row_status(f) {
                        "error" => 0,
                        "pass" => 1,
                        "skip" => 2,
                        _ => 3,
                    };
                    other[i] += 1;
                }
            }
            rows.push((name, sev, other));
        }
        if rows.is_empty() {
            return;
        }
        let max = rows
            .iter()
            .map(|r| r.1.iter().sum::<usize>())
            .max()
            .unwrap_or(0)
            .max(1);
        let (label_w, bar_w, row_h) = (190.0, 330.0, 26.0);
        let height = row_h * rows.len() as f64 + 8.0;
        self.open("section", "by-section", "Results by section and severity");
        self.raw("<ul class=\"legend\">");
        for s in Severity::ALL_DESC.iter() {
            let _ = write!(
                self.body,
                "<li><svg viewBox=\"0 0 10 10\"><rect class=\"sev-{s}\" width=\"10\" height=\"10\"/></svg>{s}</li>"
            );
        }
        self.raw("</ul><div class=\"chart\">");
        let _ = write!(
            self.body,
            "<svg id=\"section-chart\" viewBox=\"0 0 760 {height}\" role=\"img\" aria-label=\"failing results by section and severity\">"
        );
        for (i, (name, sev, other)) in rows.iter().enumerate() {
            let y = row_h * i as f64 + 4.0;
            let _ = write!(
                self.body,
                "<g class=\"section-row\" data-section=\"{}\"><text x=\"0\" y=\"{:.1}\">{}</text>",
                text(name),
                y + 16.0,
                text(name)
            );
            let mut x = label_w;
            for (k, n) in sev.iter().enumerate() {
                if *n == 0 {
                    continue;
                }
                let s = Severity::ALL_DESC[k];
                let w = bar_w * (*n as f64) / (max as f64);
                let _ = write!(
                    self.body,
                    "<rect class=\"sev-{s}\" x=\"{x:.1}\" y=\"{y:.1}\" width=\"{w:.1}\" height=\"18\"><title>{}: {n} {s}</title></rect>",
                    text(name)
                );
                x += w;
            }
            let fails: usize = sev.iter().sum();
            let _ = write!(
                self.body,
                "<text class=\"muted\" x=\"{:.1}\" y=\"{:.1}\">{fails} fail · {} error · {} pass · {} skip{}</text></g>",
                label_w + bar_w + 8.0,
                y + 16.0,
                other[0],
                other[1],
                other[2],
                if other[3] > 0 {
                    format!(" · {} ignored", other[3])
                } else {
                    String::new()
                }
            );
        }
        self.raw("</svg></div>");
        self.close("section");
    }

    /// A horizontal bar chart, in the order given, values scaled to `max`.
    pub fn bar_chart(&mut self, id: &str, title: &str, bars: &[Bar], max: u64) {
        let (label_w, bar_w, row_h) = (300.0, 360.0, 20.0);
        let height = row_h * bars.len().max(1) as f64 + 8.0;
        self.open("section", id, title);
        self.raw("<div class=\"chart\">");
        let _ = write!(
            self.body,
            "<svg id=\"{}-chart\" viewBox=\"0 0 780 {height}\" role=\"img\" aria-label=\"{}\">",
            css_token(id),
            html(title)
        );
        for (i, b) in bars.iter().enumerate() {
            let y = row_h * i as f64 + 4.0;
            let w = bar_w * (b.value.min(max) as f64) / (max.max(1) as f64);
            let _ = write!(
                self.body,
                "<g class=\"bar\"><text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>\
<rect class=\"{}\" x=\"{label_w:.1}\" y=\"{y:.1}\" width=\"{w:.1}\" height=\"14\"><title>{}: {}</title></rect>\
<text class=\"muted\" x=\"{:.1}\" y=\"{:.1}\">{}</text></g>",
                label_w - 6.0,
                y + 12.0,
                text(&b.label),
                css_token(&b.class),
                text(&b.label),
                text(&b.text),
                label_w + w + 6.0,
                y + 12.0,
                text(&b.text)
            );
        }
        self.raw("</svg></div>");
        self.close("section");
    }

    /// A table with sortable columns.
    pub fn table(&mut self, t: &Table<'_>) {
        self.open("section", &format!("{}-section", t.id), t.title);
        if t.rows.is_empty() {
            let _ = write!(self.body, "<p class=\"note\">{}</p>", html(t.empty));
            self.close("section");
            return;
        }
        let _ = write!(self.body, "<table id=\"{}\"><thead><tr>", css_token(t.id));
        for c in t.columns {
            let _ = write!(
                self.body,
                "<th><button type=\"button\" data-sort=\"{}\">{}</button></th>",
                if c.numeric { "num" } else { "text" },
                html(c.title)
            );
        }
        self.raw("</tr></thead><tbody>");
        for (i, r) in t.rows.iter().enumerate() {
            let _ = write!(self.body, "<tr data-order=\"{i}\">");
            for (c, col) in r.iter().zip(t.columns) {
                self.cell(c, col.numeric);
            }
            self.raw("</tr>");
        }
        self.raw("</tbody></table>");
        self.close("section");
    }

    fn cell(&mut self, c: &Cell, numeric: bool) {
        let class = if numeric { " class=\"num\"" } else { "" };
        match &c.key {
            Some(k) => {
                let _ = write!(self.body, "<td{class} data-key=\"{k}\">{}</td>", c.html);
            }
            None => {
                let _ = write!(self.body, "<td{class}>{}</td>", c.html);
            }
        }
    }

    /// The findings table: one `<tr class="finding">` per finding, failing first, with
    /// filters by status, section, severity and `facets`; `columns` are the extra cells of
    /// each row.
    pub fn findings(
        &mut self,
        id: &str,
        title: &str,
        mut rows: Vec<FindingRow<'_>>,
        columns: &[Column],
        facets: Vec<Facet>,
    ) {
        let section_rank = |name: &str| {
            Section::ALL
                .iter()
                .position(|s| s.as_str() == name)
                .unwrap_or(usize::MAX)
        };
        rows.sort_by(|a, b| {
            let (fa, fb) = (a.finding, b.finding);
            status_rank(row_status(fa))
                .cmp(&status_rank(row_status(fb)))
                .then_with(|| severity_rank(fb.severity).cmp(&severity_rank(fa.severity)))
                .then_with(|| section_rank(&fa.section).cmp(&section_rank(&fb.section)))
                .then_with(|| fa.rule.cmp(&fb.rule))
        });
        let id = css_token(id);
        self.open("section", &format!("{id}-section"), title);
        if rows.is_empty() {
            self.raw("<p class=\"note\">No results.</p>");
            self.close("section");
            return;
        }
        // Filters (hidden without JavaScript: the script shows them).
        let mut sections: Vec<&str> = Vec::new();
        for name in Section::ALL.iter().map(|s| s.as_str()) {
            if rows.iter().any(|r| r.finding.section == name) {
                sections.push(name);
            }
        }
        for r in &rows {
            if !sections.contains(&r.finding.section.as_str()) {
                sections.push(&r.finding.section);
            }
        }
        let statuses: Vec<&str> = STATUSES
            .into_iter()
            .filter(|s| rows.iter().any(|r| row_status(r.finding) == *s))
            .collect();
        let severities: Vec<&str> = Severity::ALL_DESC
            .iter()
            .map(|s| s.as_str())
            .filter(|s| rows.iter().any(|r| r.finding.severity.as_str() == *s))
            .collect();
        let _ = write!(
            self.body,
            "<form class=\"filters\" id=\"{id}-filters\" data-table=\"{id}\" hidden>"
        );
        let pairs = |v: &[&str]| -> Vec<(String, String)> {
            v.iter()
                .map(|s| ((*s).to_string(), (*s).to_string()))
                .collect()
        };
        facet_fieldset(&mut self.body, "status", "Status", &pairs(&statuses));
        facet_fieldset(&mut self.body, "section", "Section", &pairs(&sections));
        facet_fieldset(&mut self.body, "severity", "Severity", &pairs(&severities));
        for f in &facets {
            facet_fieldset(&mut self.body, f.name, f.title, &f.values);
        }
        self.raw("</form>");
        let _ = write!(
            self.body,
            "<p class=\"shown\" id=\"{id}-shown\">Showing {} of {}</p>",
            rows.len(),
            rows.len()
        );
        let _ = write!(
            self.body,
            "<table id=\"{id}\" class=\"findings\"><thead><tr>\
<th><button type=\"button\" data-sort=\"num\">Status</button></th>\
<th><button type=\"button\" data-sort=\"num\">Severity</button></th>\
<th><button type=\"button\" data-sort=\"text\">Rule</button></th>\
<th>Finding</th>"
        );
        for c in columns {
            let _ = write!(
                self.body,
                "<th><button type=\"button\" data-sort=\"{}\">{}</button></th>",
                if c.numeric { "num" } else { "text" },
                html(c.title)
            );
        }
        self.raw("</tr></thead><tbody>");
        for (i, r) in rows.iter().enumerate() {
            self.finding_row(i, r, columns);
        }
        self.raw("</tbody></table>");
        self.close("section");
    }

    /// A sortable table whose rows the `facets` filter (checkboxes, as the findings table's):
    /// `t.rows` is ignored, the rows are `rows`, each with its facet values.
    pub fn filtered_table(&mut self, t: &Table<'_>, rows: Vec<FilteredRow>, facets: &[Facet]) {
        let id = css_token(t.id);
        self.open("section", &format!("{id}-section"), t.title);
        if rows.is_empty() {
            let _ = write!(self.body, "<p class=\"note\">{}</p>", html(t.empty));
            self.close("section");
            return;
        }
        let _ = write!(
            self.body,
            "<form class=\"filters\" id=\"{id}-filters\" data-table=\"{id}\" hidden>"
        );
        for f in facets {
            facet_fieldset(&mut self.body, f.name, f.title, &f.values);
        }
        self.raw("</form>");
        let _ = write!(
            self.body,
            "<p class=\"shown\" id=\"{id}-shown\">Showing {} of {}</p>",
            rows.len(),
            rows.len()
        );
        let _ = write!(self.body, "<table id=\"{id}\"><thead><tr>");
        for c in t.columns {
            let _ = write!(
                self.body,
                "<th><button type=\"button\" data-sort=\"{}\">{}</button></th>",
                if c.numeric { "num" } else { "text" },
                html(c.title)
            );
        }
        self.raw("</tr></thead><tbody>");
        for (i, r) in rows.iter().enumerate() {
            let _ = write!(self.body, "<tr data-order=\"{i}\"");
            for (name, v) in &r.facets {
                let _ = write!(self.body, " data-{}=\"{}\"", css_token(name), text(v));
            }
            self.raw(">");
            for (c, col) in r.cells.iter().zip(t.columns) {
                self.cell(c, col.numeric);
            }
            self.raw("</tr>");
        }
        self.raw("</tbody></table>");
        self.close("section");
    }

    fn finding_row(&mut self, i: usize, r: &FindingRow<'_>, columns: &[Column]) {
        let f = r.finding;
        let status = row_status(f);
        let sev = f.severity.as_str();
        let _ = write!(
            self.body,
            "<tr class=\"finding\" data-order=\"{i}\" data-rule=\"{}\" data-status=\"{status}\" data-section=\"{}\" data-severity=\"{sev}\"",
            text(&f.rule),
            css_token(&f.section)
        );
        for (name, v) in &r.facets {
            let _ = write!(self.body, " data-{}=\"{}\"", css_token(name), text(v));
        }
        let _ = write!(
            self.body,
            "><td data-key=\"{}\"><span class=\"badge st-{status}\">{status}</span></td>\
<td data-key=\"{}\"><span class=\"sv-{sev}\">{sev}</span></td>\
<td><span class=\"rule\">{}</span><br><span class=\"note\">{}</span></td><td>",
            status_rank(status),
            severity_rank(f.severity),
            text(&f.rule),
            inline(&f.title)
        );
        if let Some(s) = &f.subject {
            let _ = write!(
                self.body,
                "<div class=\"subject\"><code>{}</code></div>",
                text(s)
            );
        }
        let _ = write!(self.body, "<p class=\"msg\">{}</p>", inline(&f.message));
        if let Some(ig) = &f.ignored {
            let _ = write!(
                self.body,
                "<p class=\"note\">ignored: {}{}</p>",
                inline(&ig.reason),
                ig.until
                    .as_deref()
                    .map_or_else(String::new, |u| format!(" (until {})", text(u)))
            );
        }
        let has_detail = r.source.is_some()
            || r.option.is_some()
            || !f.evidence.is_empty()
            || (matches!(f.status, Status::Fail | Status::Error)
                && (!f.remediation.text.is_empty() || !f.remediation.nixos.is_empty()));
        if has_detail {
            let open = if matches!(f.status, Status::Fail | Status::Error) && f.ignored.is_none() {
                " open"
            } else {
                ""
            };
            let _ = write!(
                self.body,
                "<details{open}><summary>Evidence and fix</summary>"
            );
            if let Some((o, v)) = &r.option {
                let _ = write!(
                    self.body,
                    "<p class=\"note\">option <code>{}</code> = <code>{}</code>{}</p>",
                    text(o),
                    text(v),
                    r.condition.as_deref().map_or_else(String::new, |c| format!(
                        " (under <code>{}</code>)",
                        text(c)
                    ))
                );
            }
            if let Some(src) = &r.source {
                let _ = write!(self.body, "<pre><code>{}</code></pre>", text(src));
            }
            if !f.evidence.is_empty() {
                self.raw("<ul class=\"evidence\">");
                for e in &f.evidence {
                    let place = match e.line {
                        Some(l) => format!("{}:{l}", e.path),
                        None => e.path.clone(),
                    };
                    let _ = write!(self.body, "<li><code>{}</code>", text(&place));
                    if let Some(v) = &e.value {
                        let _ = write!(self.body, " <code>{}</code>", text(v));
                    }
                    self.raw("</li>");
                }
                self.raw("</ul>");
            }
            if matches!(f.status, Status::Fail | Status::Error) {
                if !f.remediation.text.is_empty() {
                    let _ = write!(
                        self.body,
                        "<p class=\"fix\"><b>Fix:</b> {}</p>",
                        inline(&f.remediation.text)
                    );
                }
                if !f.remediation.nixos.is_empty() {
                    self.next_id += 1;
                    let fid = format!("fix-{}", self.next_id);
                    let _ = write!(
                        self.body,
                        "<div class=\"fixbox\"><pre><code id=\"{fid}\" class=\"nixos\">{}</code></pre>\
<button type=\"button\" class=\"copy\" data-target=\"{fid}\" hidden>Copy</button></div>",
                        block(&f.remediation.nixos)
                    );
                }
            }
            self.raw("</details>");
        }
        self.raw("</td>");
        for (c, col) in r.extra.iter().zip(columns) {
            self.cell(c, col.numeric);
        }
        self.raw("</tr>");
    }

    fn warnings(&mut self, warnings: &[String]) {
        if warnings.is_empty() {
            return;
        }
        self.open("section", "warnings", "Warnings");
        self.raw("<ul class=\"warnings\">");
        for w in warnings {
            let _ = write!(self.body, "<li>{}</li>", inline(w));
        }
        self.raw("</ul>");
        self.close("section");
    }

    /// Write the whole document.
    ///
    /// # Errors
    ///
    /// Whatever writing to `out` returns.
    pub fn finish(self, out: &mut dyn Write) -> io::Result<()> {
        let mut head = String::with_capacity(CSS.len() + 2048);
        let _ = write!(
            head,
            "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
<meta http-equiv=\"Content-Security-Policy\" content=\"{}\">\n\
<meta name=\"referrer\" content=\"no-referrer\">\n\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
<meta name=\"color-scheme\" content=\"light dark\">\n\
<title>{}</title>\n<style>{CSS}</style>\n</head>\n<body data-report=\"{}\">\n<header><h1>{}</h1><dl class=\"meta\">",
            content_security_policy(),
            text(&self.title),
            self.kind,
            text(&self.title)
        );
        for (k, v) in &self.meta {
            let _ = write!(head, "<div><dt>{}</dt><dd>{}</dd></div>", html(k), text(v));
        }
        head.push_str("</dl></header>\n<main>\n");
        out.write_all(head.as_bytes())?;
        out.write_all(self.body.as_bytes())?;
        write!(
            out,
            "\n</main>\n<footer>Generated by nixsec. Self-contained: nothing on this page is loaded from anywhere.</footer>\n<script>{JS}</script>\n</body>\n</html>\n"
        )
    }
}

/// The firewall's view of every listener, from NIX-074's evidence (`/proc/net/<proto>` rows:
/// protocol, address, process, verdict and the rule that decided it).
fn listeners(page: &mut Page, report: &Report) {
    let mut rows: Vec<Vec<Cell>> = Vec::new();
    let mut seen: Vec<&str> = Vec::new();
    for f in report.findings.iter().filter(|f| f.rule == "NIX-074") {
        for e in &f.evidence {
            let Some(v) = e.value.as_deref() else {
                continue;
            };
            if !e.path.starts_with("/proc/net/") || seen.contains(&v) {
                continue;
            }
            seen.push(v);
            rows.push(match parse_listener(v) {
                Some(l) => vec![
                    Cell::text(l.proto),
                    Cell::code(l.address),
                    Cell::text(l.process),
                    Cell {
                        html: format!(
                            "<span class=\"badge st-{}\">{}</span>",
                            match l.verdict {
                                "EXPOSED" => "fail",
                                "blocked" | "loopback only" => "pass",
                                _ => "error",
                            },
                            text(l.verdict)
                        ),
                        key: Some(text(l.verdict)),
                    },
                    Cell {
                        html: inline(l.detail),
                        key: None,
                    },
                ],
                None => vec![
                    Cell::empty(),
                    Cell::empty(),
                    Cell::empty(),
                    Cell::empty(),
                    Cell::text(v),
                ],
            });
        }
    }
    if rows.is_empty() {
        return;
    }
    page.table(&Table {
        id: "listeners",
        title: "Listeners and the firewall",
        columns: &[
            Column::text("Protocol"),
            Column::text("Address"),
            Column::text("Process"),
            Column::text("Verdict"),
            Column::text("Decided by"),
        ],
        rows,
        empty: "",
    });
}

/// One NIX-074 evidence row, split.
struct ListenerRow<'a> {
    proto: &'a str,
    address: &'a str,
    process: &'a str,
    verdict: &'a str,
    detail: &'a str,
}

/// `tcp   0.0.0.0:5432   postgres (pid 812)   EXPOSED: IPv4 admitted by …`: protocol and
/// address are one word each; the process label ends with `)`; the verdict is one of four
/// words, followed by `: detail` or nothing.
fn parse_listener(row: &str) -> Option<ListenerRow<'_>> {
    const VERDICTS: [&str; 4] = ["EXPOSED", "blocked", "unknown", "loopback only"];
    let row = row.trim_start();
    let (proto, rest) = row.split_once(char::is_whitespace)?;
    let rest = rest.trim_start();
    let (address, rest) = rest.split_once(char::is_whitespace)?;
    let rest = rest.trim_start();
    let mut from = 0;
    while let Some(p) = rest[from..].find(')') {
        let end = from + p + 1;
        let after = rest[end..].trim_start();
        if end < rest.len() && after.len() < rest[end..].len() {
            for v in VERDICTS {
                if let Some(tail) = after.strip_prefix(v) {
                    if tail.is_empty() || tail.starts_with(':') {
                        return Some(ListenerRow {
                            proto,
                            address,
                            process: &rest[..end],
                            verdict: v,
                            detail: tail.trim_start_matches(':').trim(),
                        });
                    }
                }
            }
        }
        from = end;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testdata;

    fn page() -> String {
        let mut out = Vec::new();
        render(&testdata::report(), &mut out).expect("render");
        String::from_utf8(out).expect("utf-8")
    }

    #[test]
    fn one_row_per_finding_failing_first() {
        let p = page();
        assert_eq!(p.matches("<tr class=\"finding\"").count(), 7);
        let order: Vec<&str> = p
            .match_indices("data-rule=\"")
            .map(|(i, m)| {
                let s = &p[i + m.len()..];
                &s[..s.find('"').expect("quote")]
            })
            .collect();
        // Active failures by severity, error, ignored, passes (high first), skip.
        assert_eq!(
            order,
            ["NIX-012", "NIX-071", "NIX-072", "NIX-013", "NIX-110", "NIX-011", "NIX-050"]
        );
    }

    #[test]
    fn gauge_shows_the_index() {
        let p = page();
        assert!(p.contains("data-index=\"27\""), "{p}");
        assert!(p.contains("<text id=\"gauge-value\" x=\"100\" y=\"90\" text-anchor=\"middle\" font-size=\"38\">27</text>"));
    }

    #[test]
    fn host_text_is_escaped_and_controls_visible() {
        let p = page();
        // The evidence path with a newline and the ESC of the value, shown as text.
        assert!(p.contains("/etc/nix/evil\\nname conf"), "{p}");
        assert!(p.contains("sandbox = \\x1b[2Jrelaxed"));
        assert!(!p.contains('\x1b'));
        assert!(p.contains("ignored: build box\\x07 only (until 2027-01-01)"));
    }

    #[test]
    fn csp_names_the_inline_assets_by_hash() {
        let p = page();
        let csp = content_security_policy();
        assert!(p.contains(&format!(
            "<meta http-equiv=\"Content-Security-Policy\" content=\"{csp}\">"
        )));
        assert!(csp.starts_with("default-src 'none'; style-src 'sha256-"));
        assert_eq!(p.matches("<script>").count(), 1);
        assert_eq!(p.matches("<style>").count(), 1);
        assert!(
            !p.contains("style=\""),
            "inline style attributes would be blocked"
        );
        assert!(!p.contains("http://") && !p.contains("https://"));
    }

    #[test]
    fn html_escaping() {
        assert_eq!(
            text("<script>alert(1)</script>\"><img src=x onerror=alert(2)>'\x1b[31m"),
            "&lt;script&gt;alert(1)&lt;/script&gt;&quot;&gt;&lt;img src=x onerror=alert(2)&gt;&#39;\\x1b[31m"
        );
        assert_eq!(
            inline("set `a<b` and `c`"),
            "set <code>a&lt;b</code> and <code>c</code>"
        );
        assert_eq!(inline("one ` tick"), "one ` tick");
        assert_eq!(inline("a `b` c ` d"), "a <code>b</code> c ` d");
        assert_eq!(block("a\n<b>\x1b"), "a\n&lt;b&gt;\\x1b");
    }

    #[test]
    fn listener_rows_split() {
        let l = parse_listener(
            "tcp   192.0.2.1:5432         python3 (pid 25333)          EXPOSED: IPv4 admitted by `inet filter input: tcp dport { 22, 5432 } accept # handle 5` (ruleset.json)",
        )
        .expect("row");
        assert_eq!(
            (l.proto, l.address, l.process, l.verdict),
            ("tcp", "192.0.2.1:5432", "python3 (pid 25333)", "EXPOSED")
        );
        assert!(l.detail.starts_with("IPv4 admitted by `inet filter"));
        let l = parse_listener("udp   127.0.0.1:53           a (b) (pid 1)   loopback only")
            .expect("row");
        assert_eq!(
            (l.process, l.verdict, l.detail),
            ("a (b) (pid 1)", "loopback only", "")
        );
        let l =
            parse_listener("tcp6  [::]:22   unknown process (uid 0)   blocked: dropped by policy")
                .expect("row");
        assert_eq!(
            (l.process, l.verdict),
            ("unknown process (uid 0)", "blocked")
        );
        assert!(parse_listener("garbage").is_none());
    }

    #[test]
    fn units_vulns_lint_and_store_pages() {
        let r = testdata::report();
        let mut out = Vec::new();
        render_units(
            &r,
            &[
                UnitRow {
                    unit: "a.service".into(),
                    exposure: 96,
                    level: "UNSAFE".into(),
                    fragment: "/etc/systemd/system/a.service".into(),
                },
                UnitRow {
                    unit: "b.service".into(),
                    exposure: 12,
                    level: "OK".into(),
                    fragment: "/etc/systemd/system/b.service".into(),
                },
            ],
            &[UnitError {
                unit: "<x>.service".into(),
                error: "no such unit".into(),
            }],
            &mut out,
        )
        .expect("units");
        let p = String::from_utf8(out).expect("utf-8");
        assert_eq!(p.matches("<g class=\"bar\">").count(), 2);
        assert!(p.contains("&lt;x&gt;.service"));
        let mut out = Vec::new();
        render_vulns(&r, &[], &mut out).expect("vulns");
        assert!(String::from_utf8(out)
            .expect("utf-8")
            .contains("data-report=\"vulns\""));
        let mut out = Vec::new();
        render_store(
            &r,
            StoreStats {
                paths_checked: 3,
                bytes_hashed: 9,
            },
            &mut out,
        )
        .expect("store");
        assert!(String::from_utf8(out)
            .expect("utf-8")
            .contains("<dt>paths checked</dt><dd>3</dd>"));
    }

    #[test]
    fn diff_page_rows_worse_first_facets_and_escaping() {
        let r = testdata::report();
        let change = |kind: &str, subject: &str, sev: Option<Severity>| DiffRow {
            kind: kind.into(),
            subject: subject.into(),
            old: None,
            new: Some("\x1b[31m\"><b>".into()),
            severity: sev,
            rule: Some("NIX-074".into()),
        };
        let changes = [
            change("package-updated", "zlib", None),
            change("port-opened", "tcp/5432", Some(Severity::Medium)),
            change("wrapper-added", "<script>x</script>", Some(Severity::High)),
        ];
        let side = |name| DiffSide {
            name,
            findings: &r.findings,
        };
        let mut out = Vec::new();
        render_diff(&side("/old"), &side("/new"), &changes, &mut out).expect("diff");
        let p = String::from_utf8(out).expect("utf-8");
        assert_eq!(p.matches("<tr data-order=").count(), 3);
        let kinds: Vec<&str> = p
            .match_indices(" data-kind=\"")
            .map(|(i, m)| {
                let s = &p[i + m.len()..];
                &s[..s.find('"').expect("quote")]
            })
            .collect();
        assert_eq!(kinds, ["wrapper-added", "port-opened", "package-updated"]);
        assert!(p.contains("data-impact=\"none\""));
        assert!(p.contains("<fieldset data-facet=\"impact\"><legend>Impact</legend>"));
        assert_eq!(p.matches("class=\"card gauge\"").count(), 2);
        assert!(p.contains("id=\"gauge-old\" data-index=\"27\""));
        assert!(p.contains("&lt;script&gt;x&lt;/script&gt;"));
        assert!(p.contains("\\x1b[31m&quot;&gt;&lt;b&gt;"));
        assert!(!p.contains('\x1b') && !p.contains("<script>x"));
        let mut out = Vec::new();
        render_diff(&side("/a"), &side("/a"), &[], &mut out).expect("diff");
        assert!(String::from_utf8(out)
            .expect("utf-8")
            .contains("No security-relevant change."));
    }
}
