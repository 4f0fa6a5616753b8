//! NVD data: JSON 2.0 feeds (`nvdcve-2.0-*.json.gz`), CVE API 2.0 response pages (the same
//! `vulnerabilities` shape) and legacy JSON 1.1 feeds (`CVE_Items`), gzipped or not, read into
//! one [`Advisory`] model.

use std::collections::HashMap;
use std::io::Read;
use std::path::{Path, PathBuf};

use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Serialize};

use crate::cpe::Cpe;

/// A CVSS base score.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Cvss {
    /// `3.1`, `4.0`, `3.0` or `2.0`.
    #[serde(rename = "v")]
    pub version: String,
    /// Base score 0.0-10.0.
    #[serde(rename = "s")]
    pub score: f64,
    /// `CRITICAL`, `HIGH`, `MEDIUM`, `LOW` or `NONE`.
    #[serde(rename = "sev")]
    pub severity: String,
    /// The vector string.
    #[serde(rename = "vec", default)]
    pub vector: String,
}

/// One CPE match criterion with its version bounds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CpeMatch {
    /// The `vulnerable` flag.
    #[serde(rename = "vu")]
    pub vulnerable: bool,
    /// The CPE 2.3 formatted string.
    #[serde(rename = "c")]
    pub criteria: String,
    /// `versionStartIncluding`.
    #[serde(rename = "si", default, skip_serializing_if = "Option::is_none")]
    pub start_incl: Option<String>,
    /// `versionStartExcluding`.
    #[serde(rename = "se", default, skip_serializing_if = "Option::is_none")]
    pub start_excl: Option<String>,
    /// `versionEndIncluding`.
    #[serde(rename = "ei", default, skip_serializing_if = "Option::is_none")]
    pub end_incl: Option<String>,
    /// `versionEndExcluding`.
    #[serde(rename = "ee", default, skip_serializing_if = "Option::is_none")]
    pub end_excl: Option<String>,
}

/// A node: CPE matches combined with AND or OR, possibly negated.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Node {
    /// AND (else OR).
    #[serde(rename = "and", default)]
    pub and: bool,
    /// Negated.
    #[serde(rename = "neg", default)]
    pub negate: bool,
    /// The matches.
    #[serde(rename = "m")]
    pub matches: Vec<CpeMatch>,
}

/// A configuration: nodes combined with AND or OR.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Config {
    /// AND (else OR).
    #[serde(rename = "and", default)]
    pub and: bool,
    /// Negated.
    #[serde(rename = "neg", default)]
    pub negate: bool,
    /// The nodes.
    #[serde(rename = "n")]
    pub nodes: Vec<Node>,
}

/// One CVE, in the form the matcher and the index use.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Advisory {
    /// `CVE-YYYY-N`.
    pub id: String,
    /// Last modification time as NVD writes it.
    #[serde(rename = "mod", default)]
    pub modified: String,
    /// First English description.
    #[serde(rename = "d", default)]
    pub description: String,
    /// The preferred base score (CVSS 3.1, else 4.0, else 3.0, else 2.0).
    #[serde(rename = "cv", default, skip_serializing_if = "Option::is_none")]
    pub cvss: Option<Cvss>,
    /// The applicability statements.
    #[serde(rename = "cf", default)]
    pub configs: Vec<Config>,
    /// The CVSS v3 base score (3.1, else 3.0) whatever `cvss` prefers: what vulnix reports as
    /// `cvssv3_basescore`.
    #[serde(rename = "v3", default, skip_serializing_if = "Option::is_none")]
    pub cvss3: Option<f64>,
}

impl Advisory {
    /// `(vendor, product)` of every vulnerable CPE match (what the index is keyed on).
    #[must_use]
    pub fn products(&self) -> Vec<(String, String)> {
        let mut out = Vec::new();
        for c in &self.configs {
            for n in &c.nodes {
                for m in &n.matches {
                    if !m.vulnerable {
                        continue;
                    }
                    if let Ok(cpe) = Cpe::parse(&m.criteria) {
                        let key = (
                            cpe.vendor.to_string(),
                            cpe.product.get().unwrap_or("*").to_string(),
                        );
                        if !out.contains(&key) {
                            out.push(key);
                        }
                    }
                }
            }
        }
        out
    }
}

/// What reading one file gave: advisories, and per-CVE problems that did not stop it.
#[derive(Debug, Default)]
pub struct Loaded {
    /// The advisories (rejected CVEs left out).
    pub advisories: Vec<Advisory>,
    /// CVEs without any configuration (not analysed yet; they cannot be matched).
    pub unconfigured: usize,
    /// Problems, one line each, naming the CVE and what was wrong.
    pub problems: Vec<String>,
    /// The feed's own timestamp, if any.
    pub timestamp: Option<String>,
}

/// A file that could not be read at all.
#[derive(Debug, thiserror::Error)]
#[error("`{path}`: {message}")]
pub struct FeedError {
    /// The file.
    pub path: String,
    /// What is wrong.
    pub message: String,
}

// ---- the wire formats -------------------------------------------------------------------

/// The top level of a feed or API page, read as a stream: each element of `vulnerabilities`
/// (JSON 2.0) or `CVE_Items` (JSON 1.1) is converted and handed on as soon as it is parsed, so
/// a feed's advisories are never all in memory at once.
struct DocSeed<'a> {
    each: &'a mut dyn FnMut(Advisory),
    meta: &'a mut Loaded,
}

impl<'de> DeserializeSeed<'de> for DocSeed<'_> {
    /// Whether a list of CVEs was found.
    type Value = bool;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<bool, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for DocSeed<'_> {
    type Value = bool;
    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("an NVD CVE document (a JSON object)")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<bool, A::Error> {
        let DocSeed { each, meta } = self;
        let mut seen = false;
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            match key.as_ref() {
                "vulnerabilities" | "CVE_Items" => {
                    let v20 = key == "vulnerabilities";
                    seen |= map.next_value_seed(ItemsSeed {
                        v20,
                        each: &mut *each,
                        meta: &mut *meta,
                    })?;
                }
                "timestamp" | "CVE_data_timestamp" => {
                    let t: Option<String> = map.next_value()?;
                    if meta.timestamp.is_none() {
                        meta.timestamp = t;
                    }
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(seen)
    }
}

/// The list of CVEs, one element at a time.
struct ItemsSeed<'a> {
    v20: bool,
    each: &'a mut dyn FnMut(Advisory),
    meta: &'a mut Loaded,
}

impl<'de> DeserializeSeed<'de> for ItemsSeed<'_> {
    type Value = bool;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<bool, D::Error> {
        d.deserialize_option(self)
    }
}

impl<'de> Visitor<'de> for ItemsSeed<'_> {
    type Value = bool;
    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a list of CVEs")
    }
    fn visit_none<E: serde::de::Error>(self) -> Result<bool, E> {
        Ok(false)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<bool, D::Error> {
        d.deserialize_seq(self)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<bool, A::Error> {
        if self.v20 {
            while let Some(i) = seq.next_element::<V20Item>()? {
                if let Some(a) = from_v20(i.cve, self.meta) {
                    (self.each)(a);
                }
            }
        } else {
            while let Some(i) = seq.next_element::<V11Item>()? {
                if let Some(a) = from_v11(i, self.meta) {
                    (self.each)(a);
                }
            }
        }
        Ok(true)
    }
}

#[derive(Deserialize)]
struct V20Item {
    cve: V20Cve,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct V20Cve {
    id: String,
    #[serde(default)]
    last_modified: String,
    #[serde(default)]
    vuln_status: String,
    #[serde(default)]
    descriptions: Vec<LangValue>,
    #[serde(default)]
    metrics: V20Metrics,
    #[serde(default)]
    configurations: Option<Vec<V20Config>>,
}

#[derive(Deserialize)]
struct LangValue {
    #[serde(default)]
    lang: String,
    #[serde(default)]
    value: String,
}

#[derive(Deserialize, Default)]
struct V20Metrics {
    #[serde(rename = "cvssMetricV40", default)]
    v40: Vec<V20Metric>,
    #[serde(rename = "cvssMetricV31", default)]
    v31: Vec<V20Metric>,
    #[serde(rename = "cvssMetricV30", default)]
    v30: Vec<V20Metric>,
    #[serde(rename = "cvssMetricV2", default)]
    v2: Vec<V20Metric>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct V20Metric {
    #[serde(default, rename = "type")]
    kind: String,
    cvss_data: CvssData,
    #[serde(default)]
    base_severity: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CvssData {
    #[serde(default)]
    version: String,
    #[serde(default)]
    vector_string: String,
    base_score: f64,
    #[serde(default)]
    base_severity: Option<String>,
}

#[derive(Deserialize)]
struct V20Config {
    #[serde(default)]
    operator: Option<String>,
    #[serde(default)]
    negate: bool,
    #[serde(default)]
    nodes: Vec<V20Node>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct V20Node {
    #[serde(default)]
    operator: Option<String>,
    #[serde(default)]
    negate: bool,
    #[serde(default)]
    cpe_match: Vec<WireMatch>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct WireMatch {
    #[serde(default)]
    vulnerable: bool,
    #[serde(default, alias = "cpe23Uri")]
    criteria: Option<String>,
    #[serde(default)]
    version_start_including: Option<String>,
    #[serde(default)]
    version_start_excluding: Option<String>,
    #[serde(default)]
    version_end_including: Option<String>,
    #[serde(default)]
    version_end_excluding: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct V11Item {
    cve: V11Cve,
    #[serde(default)]
    configurations: Option<V11Configs>,
    #[serde(default)]
    impact: V11Impact,
    #[serde(default)]
    last_modified_date: String,
}

#[derive(Deserialize)]
struct V11Cve {
    #[serde(rename = "CVE_data_meta")]
    meta: V11Meta,
    #[serde(default)]
    description: V11Desc,
}

#[derive(Deserialize)]
struct V11Meta {
    #[serde(rename = "ID")]
    id: String,
}

#[derive(Deserialize, Default)]
struct V11Desc {
    #[serde(default)]
    description_data: Vec<LangValue>,
}

#[derive(Deserialize)]
struct V11Configs {
    #[serde(default)]
    nodes: Vec<V11Node>,
}

#[derive(Deserialize)]
struct V11Node {
    #[serde(default)]
    operator: Option<String>,
    #[serde(default)]
    negate: bool,
    #[serde(default)]
    children: Vec<V11Node>,
    #[serde(default)]
    cpe_match: Vec<WireMatch>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct V11Impact {
    #[serde(default)]
    base_metric_v3: Option<V11V3>,
    #[serde(default)]
    base_metric_v2: Option<V11V2>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct V11V3 {
    cvss_v3: CvssData,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct V11V2 {
    cvss_v2: CvssData,
    #[serde(default)]
    severity: Option<String>,
}

// ---- conversion -------------------------------------------------------------------------

fn is_and(op: Option<&String>) -> bool {
    op.is_some_and(|o| o.eq_ignore_ascii_case("AND"))
}

fn english(d: &[LangValue]) -> String {
    d.iter()
        .find(|l| l.lang == "en")
        .or_else(|| d.first())
        .map(|l| l.value.clone())
        .unwrap_or_default()
}

fn severity_of(score: f64) -> &'static str {
    if score >= 9.0 {
        "CRITICAL"
    } else if score >= 7.0 {
        "HIGH"
    } else if score >= 4.0 {
        "MEDIUM"
    } else if score > 0.0 {
        "LOW"
    } else {
        "NONE"
    }
}

fn cvss(d: &CvssData, sev: Option<&String>, default_version: &str) -> Cvss {
    let severity = d.base_severity.as_ref().or(sev).map_or_else(
        || severity_of(d.base_score).to_string(),
        |s| s.to_uppercase(),
    );
    Cvss {
        version: if d.version.is_empty() {
            default_version.into()
        } else {
            d.version.clone()
        },
        score: d.base_score,
        severity,
        vector: d.vector_string.clone(),
    }
}

/// The primary (NVD's own) metric of a list, else the first.
fn pick(ms: &[V20Metric]) -> Option<&V20Metric> {
    ms.iter()
        .find(|m| m.kind == "Primary")
        .or_else(|| ms.first())
}

/// Keep the matches whose CPE parses; report the others.
fn convert_matches(id: &str, ms: Vec<WireMatch>, problems: &mut Vec<String>) -> Vec<CpeMatch> {
    let mut out = Vec::with_capacity(ms.len());
    for m in ms {
        let Some(criteria) = m.criteria else {
            problems.push(format!("{id}: a CPE match without a CPE name (ignored)"));
            continue;
        };
        if let Err(e) = Cpe::parse(&criteria) {
            problems.push(format!("{id}: {e} (this match is ignored)"));
            continue;
        }
        out.push(CpeMatch {
            vulnerable: m.vulnerable,
            criteria,
            start_incl: m.version_start_including,
            start_excl: m.version_start_excluding,
            end_incl: m.version_end_including,
            end_excl: m.version_end_excluding,
        });
    }
    out
}

fn from_v20(c: V20Cve, out: &mut Loaded) -> Option<Advisory> {
    if c.vuln_status.eq_ignore_ascii_case("Rejected") {
        return None;
    }
    let m = &c.metrics;
    let cv = pick(&m.v31)
        .map(|x| cvss(&x.cvss_data, x.base_severity.as_ref(), "3.1"))
        .or_else(|| pick(&m.v40).map(|x| cvss(&x.cvss_data, x.base_severity.as_ref(), "4.0")))
        .or_else(|| pick(&m.v30).map(|x| cvss(&x.cvss_data, x.base_severity.as_ref(), "3.0")))
        .or_else(|| pick(&m.v2).map(|x| cvss(&x.cvss_data, x.base_severity.as_ref(), "2.0")));
    let cvss3 = pick(&m.v31)
        .or_else(|| pick(&m.v30))
        .map(|x| x.cvss_data.base_score);
    let mut configs = Vec::new();
    for cfg in c.configurations.unwrap_or_default() {
        let nodes: Vec<Node> = cfg
            .nodes
            .into_iter()
            .map(|n| Node {
                and: is_and(n.operator.as_ref()),
                negate: n.negate,
                matches: convert_matches(&c.id, n.cpe_match, &mut out.problems),
            })
            .filter(|n| !n.matches.is_empty())
            .collect();
        if !nodes.is_empty() {
            configs.push(Config {
                and: is_and(cfg.operator.as_ref()),
                negate: cfg.negate,
                nodes,
            });
        }
    }
    if configs.is_empty() {
        out.unconfigured += 1;
    }
    Some(Advisory {
        description: english(&c.descriptions),
        id: c.id,
        modified: c.last_modified,
        cvss: cv,
        configs,
        cvss3,
    })
}

/// 1.1 nodes: a leaf node is an OR/AND of matches; a node with children combines them.
fn v11_node(id: &str, n: V11Node, problems: &mut Vec<String>) -> Option<Config> {
    if n.children.is_empty() {
        let matches = convert_matches(id, n.cpe_match, problems);
        if matches.is_empty() {
            return None;
        }
        return Some(Config {
            and: false,
            negate: false,
            nodes: vec![Node {
                and: is_and(n.operator.as_ref()),
                negate: n.negate,
                matches,
            }],
        });
    }
    let and = is_and(n.operator.as_ref());
    let negate = n.negate;
    let mut nodes = Vec::new();
    for ch in n.children {
        // Children in NVD 1.1 are leaves; a deeper tree is flattened one level.
        if let Some(c) = v11_node(id, ch, problems) {
            nodes.extend(c.nodes);
        }
    }
    (!nodes.is_empty()).then_some(Config { and, negate, nodes })
}

fn from_v11(c: V11Item, out: &mut Loaded) -> Option<Advisory> {
    let id = c.cve.meta.id;
    let description = english(&c.cve.description.description_data);
    if description.starts_with("** REJECT **") {
        return None;
    }
    let cvss3 = c
        .impact
        .base_metric_v3
        .as_ref()
        .map(|m| m.cvss_v3.base_score);
    let cv = c
        .impact
        .base_metric_v3
        .map(|m| cvss(&m.cvss_v3, None, "3.0"))
        .or_else(|| {
            c.impact
                .base_metric_v2
                .map(|m| cvss(&m.cvss_v2, m.severity.as_ref(), "2.0"))
        });
    let configs: Vec<Config> = c
        .configurations
        .map(|cf| cf.nodes)
        .unwrap_or_default()
        .into_iter()
        .filter_map(|n| v11_node(&id, n, &mut out.problems))
        .collect();
    if configs.is_empty() {
        out.unconfigured += 1;
    }
    Some(Advisory {
        id,
        modified: c.last_modified_date,
        description,
        cvss: cv,
        configs,
        cvss3,
    })
}

/// Parse the bytes of one feed or API page (gzip is detected by its magic number).
///
/// # Errors
/// Not gzip when the name says so, truncated gzip, JSON that is not an NVD document.
pub fn parse_bytes(name: &str, bytes: &[u8]) -> Result<Loaded, FeedError> {
    let mut advisories = Vec::new();
    let mut out = stream_bytes(name, bytes, &mut |a| advisories.push(a))?;
    out.advisories = advisories;
    Ok(out)
}

/// Most bytes one feed or API page may have once decompressed (1 GiB). NVD's largest
/// documents, the JSON 2.0 yearly feeds, are a few hundred megabytes unpacked; past the cap the
/// file is an error, so a small gzip bomb (or a stream of whitespace) cannot hold a run: it is
/// refused after about 2 s, in about 140 MB of memory.
pub const MAX_FEED_BYTES: u64 = 1 << 30;

/// Documents up to this size (uncompressed files, or gzip streams once unpacked) are read whole
/// and parsed in place (the fastest parse); larger ones are parsed as they are read, in bounded
/// memory.
const IN_MEMORY_BYTES: u64 = 128 << 20;

/// A reader that fails once more than `left` bytes come through it.
struct Capped<R> {
    inner: R,
    left: u64,
    cap: u64,
}

impl<R: Read> Read for Capped<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.left == 0 {
            // At the cap: the document is over it when one more byte comes.
            let mut probe = [0u8; 1];
            return match self.inner.read(&mut probe)? {
                0 => Ok(0),
                _ => Err(std::io::Error::other(format!(
                    "more than {} bytes once decompressed (the cap of one feed)",
                    self.cap
                ))),
            };
        }
        let want = buf
            .len()
            .min(usize::try_from(self.left).unwrap_or(usize::MAX));
        let n = self.inner.read(&mut buf[..want])?;
        self.left -= n as u64;
        Ok(n)
    }
}

/// Parse a document through serde's deserializer `de`, handing each advisory to `each`; `meta`
/// gets the problems, the count of CVEs without configurations and the timestamp.
fn stream_de<'de, R: serde_json::de::Read<'de>>(
    name: &str,
    mut de: serde_json::Deserializer<R>,
    each: &mut dyn FnMut(Advisory),
    meta: &mut Loaded,
) -> Result<(), FeedError> {
    let err = |message: String| FeedError {
        path: name.to_string(),
        message,
    };
    let seen = DocSeed { each, meta }
        .deserialize(&mut de)
        .and_then(|seen| de.end().map(|()| seen))
        .map_err(|e| {
            if e.is_io() {
                err(format!("cannot be read: {e}"))
            } else if e.is_eof() {
                err(format!("truncated JSON ({e})"))
            } else {
                err(format!("not an NVD CVE document ({e})"))
            }
        })?;
    if !seen {
        return Err(err(
            "not an NVD CVE document (neither `vulnerabilities` nor `CVE_Items`)".into(),
        ));
    }
    Ok(())
}

/// Parse one feed or API page as it is read from `reader` (gzip detected by its magic number;
/// a `.gz` name without it is an error), handing each advisory to `each`; at most
/// [`MAX_FEED_BYTES`] of JSON are read, in constant memory whatever the input.
///
/// # Errors
/// See [`parse_bytes`]; read errors, and documents over the cap.
pub fn stream_reader(
    name: &str,
    reader: impl Read,
    each: &mut dyn FnMut(Advisory),
) -> Result<Loaded, FeedError> {
    stream_capped(name, reader, each, MAX_FEED_BYTES)
}

/// [`stream_reader`] with the cap given.
fn stream_capped(
    name: &str,
    reader: impl Read,
    each: &mut dyn FnMut(Advisory),
    cap: u64,
) -> Result<Loaded, FeedError> {
    use std::io::BufRead as _;
    let err = |message: String| FeedError {
        path: name.to_string(),
        message,
    };
    let mut br = std::io::BufReader::with_capacity(1 << 16, reader);
    let head = br
        .fill_buf()
        .map_err(|e| err(format!("cannot be read: {e}")))?;
    let gzip = head.starts_with(&[0x1f, 0x8b]);
    let mut meta = Loaded::default();
    if gzip {
        let mut d = flate2::read::MultiGzDecoder::new(br);
        // Up to IN_MEMORY_BYTES are unpacked first: a document that ends there (every real
        // feed but the largest yearly ones) is parsed in place, the fastest parse.
        let mut head = Vec::new();
        let limit = IN_MEMORY_BYTES.min(cap);
        (&mut d)
            .take(limit)
            .read_to_end(&mut head)
            .map_err(|e| err(format!("truncated or corrupt gzip data ({e})")))?;
        if (head.len() as u64) < limit {
            stream_de(
                name,
                serde_json::Deserializer::from_slice(&head),
                each,
                &mut meta,
            )?;
            return Ok(meta);
        }
        let capped = std::io::BufReader::with_capacity(
            1 << 16,
            Capped {
                inner: std::io::Cursor::new(head).chain(d),
                left: cap,
                cap,
            },
        );
        // A broken gzip stream past the first part shows as "cannot be read: corrupt deflate
        // stream" (an I/O error of the JSON reader).
        stream_de(
            name,
            serde_json::Deserializer::from_reader(capped),
            each,
            &mut meta,
        )?;
    } else if name.ends_with(".gz") {
        return Err(err("not a gzip file".into()));
    } else {
        let capped = Capped {
            inner: br,
            left: cap,
            cap,
        };
        let de = serde_json::Deserializer::from_reader(capped);
        stream_de(name, de, each, &mut meta)?;
    }
    Ok(meta)
}

/// Parse the bytes of one feed or API page (gzip or not), handing each advisory to `each` as
/// it is read; what else the feed says (problems, unconfigured CVEs, timestamp) is returned.
///
/// # Errors
/// See [`parse_bytes`].
pub fn stream_bytes(
    name: &str,
    bytes: &[u8],
    each: &mut dyn FnMut(Advisory),
) -> Result<Loaded, FeedError> {
    if bytes.starts_with(&[0x1f, 0x8b]) || name.ends_with(".gz") {
        return stream_reader(name, bytes, each);
    }
    if bytes.len() as u64 > MAX_FEED_BYTES {
        return Err(FeedError {
            path: name.to_string(),
            message: format!("more than {MAX_FEED_BYTES} bytes (the cap of one feed)"),
        });
    }
    let mut meta = Loaded::default();
    stream_de(
        name,
        serde_json::Deserializer::from_slice(bytes),
        each,
        &mut meta,
    )?;
    Ok(meta)
}

/// Open a feed file: a regular file only, opened without blocking (a FIFO in its place is an
/// error, never a hang); its size.
///
/// # Errors
/// Unreadable, or not a regular file.
pub fn open_feed(path: &Path) -> Result<(std::fs::File, u64), FeedError> {
    use std::os::unix::fs::OpenOptionsExt as _;
    let err = |message: String| FeedError {
        path: path.display().to_string(),
        message,
    };
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK | libc::O_CLOEXEC | libc::O_NOCTTY)
        .open(path)
        .map_err(|e| err(e.to_string()))?;
    let md = file.metadata().map_err(|e| err(e.to_string()))?;
    if !md.is_file() {
        return Err(err("not a regular file".into()));
    }
    Ok((file, md.len()))
}

/// Parse one feed file as [`stream_reader`] does (small uncompressed files are read whole and
/// parsed in place, which is faster).
///
/// # Errors
/// See [`stream_reader`] and [`open_feed`].
pub fn stream_file(path: &Path, each: &mut dyn FnMut(Advisory)) -> Result<Loaded, FeedError> {
    let name = path.display().to_string();
    let (mut file, len) = open_feed(path)?;
    let gz_name = name.ends_with(".gz");
    if !gz_name && len <= IN_MEMORY_BYTES {
        let mut bytes = Vec::with_capacity(usize::try_from(len).unwrap_or(0));
        (&mut file)
            .take(IN_MEMORY_BYTES + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| FeedError {
                path: name.clone(),
                message: e.to_string(),
            })?;
        if bytes.len() as u64 <= IN_MEMORY_BYTES {
            return stream_bytes(&name, &bytes, each);
        }
        // It grew while it was read: what was read, then the rest, as a stream.
        return stream_reader(&name, std::io::Cursor::new(bytes).chain(file), each);
    }
    stream_reader(&name, file, each)
}

/// Read one file.
///
/// # Errors
/// See [`parse_bytes`], and unreadable files.
pub fn read_file(path: &Path) -> Result<Loaded, FeedError> {
    let mut advisories = Vec::new();
    let mut out = stream_file(path, &mut |a| advisories.push(a))?;
    out.advisories = advisories;
    Ok(out)
}

/// The feed files under `path`: the file itself, or every `*.json` / `*.json.gz` below a
/// directory, sorted.
///
/// # Errors
/// An unreadable directory.
pub fn feed_files(path: &Path) -> Result<Vec<PathBuf>, FeedError> {
    if !path.is_dir() {
        return Ok(vec![path.to_path_buf()]);
    }
    let mut out = Vec::new();
    let mut stack = vec![path.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let rd = std::fs::read_dir(&dir).map_err(|e| FeedError {
            path: dir.display().to_string(),
            message: e.to_string(),
        })?;
        for e in rd.flatten() {
            let p = e.path();
            let name = e.file_name().to_string_lossy().into_owned();
            if p.is_dir() {
                stack.push(p);
            } else if name.ends_with(".json") || name.ends_with(".json.gz") {
                out.push(p);
            }
        }
    }
    out.sort();
    Ok(out)
}

/// Advisories from several files merged by id (the most recently modified copy wins).
#[derive(Debug, Default)]
pub struct Merged {
    /// By id.
    pub by_id: HashMap<String, Advisory>,
    /// Files that could not be read.
    pub errors: Vec<FeedError>,
    /// Per-CVE problems.
    pub problems: Vec<String>,
    /// CVEs without configurations.
    pub unconfigured: usize,
    /// The newest feed timestamp seen.
    pub timestamp: Option<String>,
}

impl Merged {
    /// Add one file's advisories.
    pub fn add(&mut self, l: Loaded) {
        self.problems.extend(l.problems);
        self.unconfigured += l.unconfigured;
        if l.timestamp > self.timestamp {
            self.timestamp = l.timestamp;
        }
        for a in l.advisories {
            match self.by_id.get(&a.id) {
                Some(old) if old.modified > a.modified => {}
                _ => {
                    self.by_id.insert(a.id.clone(), a);
                }
            }
        }
    }
}

/// Read every feed under each path, in parallel; unreadable files are collected, not fatal.
#[must_use]
pub fn load_paths(paths: &[PathBuf]) -> Merged {
    use rayon::prelude::*;
    let mut merged = Merged::default();
    let mut files = Vec::new();
    for p in paths {
        match feed_files(p) {
            Ok(f) => files.extend(f),
            Err(e) => merged.errors.push(e),
        }
    }
    let results: Vec<Result<Loaded, FeedError>> = files.par_iter().map(|f| read_file(f)).collect();
    for r in results {
        match r {
            Ok(l) => merged.add(l),
            Err(e) => merged.errors.push(e),
        }
    }
    merged
}

#[cfg(test)]
mod tests {
    use super::*;

    const V20: &str = r#"{"vulnerabilities":[{"cve":{"id":"CVE-2024-1","lastModified":"2024-01-01T00:00:00.000","vulnStatus":"Analyzed",
      "descriptions":[{"lang":"es","value":"x"},{"lang":"en","value":"desc"}],
      "metrics":{"cvssMetricV31":[{"type":"Secondary","cvssData":{"version":"3.1","vectorString":"V","baseScore":5.0,"baseSeverity":"MEDIUM"}},{"type":"Primary","cvssData":{"version":"3.1","vectorString":"P","baseScore":9.8,"baseSeverity":"CRITICAL"}}]},
      "configurations":[{"operator":"AND","nodes":[{"operator":"OR","negate":false,"cpeMatch":[{"vulnerable":true,"criteria":"cpe:2.3:a:v:p:*:*:*:*:*:*:*:*","versionEndExcluding":"2"},{"vulnerable":true,"criteria":"cpe:2.3:a:v:p:1"}]},{"operator":"OR","cpeMatch":[{"vulnerable":false,"criteria":"cpe:2.3:o:linux:linux_kernel:-:*:*:*:*:*:*:*"}]}]}]}},
      {"cve":{"id":"CVE-2024-2","vulnStatus":"Awaiting Analysis","descriptions":[]}},
      {"cve":{"id":"CVE-2024-3","vulnStatus":"Rejected","descriptions":[]}}]}"#;

    #[test]
    fn a_feed_over_the_cap_is_an_error_in_constant_memory() {
        // Regression (issue 20): an 18 MB `.json.gz` of whitespace was decompressed whole (2.3
        // GB of memory, then an error). It is read as a stream and refused at the cap.
        use std::io::Write as _;
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        enc.write_all(b"{\"CVE_Items\": [").expect("gzip");
        for _ in 0..64 {
            enc.write_all(&[b' '; 64 * 1024]).expect("gzip");
        }
        let gz = enc.finish().expect("gzip");
        let e = stream_capped("w.json.gz", &gz[..], &mut |_| {}, 1 << 20).expect_err("over");
        assert!(e.message.contains("the cap of one feed"), "{e}");
        // The same document, uncompressed and read as a stream.
        let mut plain = b"{\"vulnerabilities\": [".to_vec();
        plain.resize(2 << 20, b' ');
        let e = stream_capped("w.json", &plain[..], &mut |_| {}, 1 << 20).expect_err("over");
        assert!(e.message.contains("the cap of one feed"), "{e}");
        // Under the cap, a streamed document gives what the in-place parse gives.
        let mut n = 0;
        stream_capped("v.json", V20.as_bytes(), &mut |_| n += 1, 1 << 20).expect("parses");
        assert_eq!(
            n,
            parse_bytes("v.json", V20.as_bytes())
                .expect("parses")
                .advisories
                .len()
        );
    }

    #[test]
    fn a_fifo_as_a_feed_is_an_error_not_a_hang() {
        let t = tempfile::tempdir().expect("tempdir");
        let fifo = t.path().join("nvdcve-2.0-2024.json");
        let made = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .is_ok_and(|s| s.success());
        if !made {
            return;
        }
        let e = read_file(&fifo).expect_err("not a regular file");
        assert!(e.message.contains("not a regular file"), "{e}");
    }

    /// Issue 17: the CVSS v3 score is kept apart when a 4.0 metric is preferred for severity
    /// (vulnix's `cvssv3_basescore` reads v3.1, else v3.0).
    #[test]
    fn the_v3_score_survives_a_v4_metric() {
        let doc = r#"{"vulnerabilities":[{"cve":{"id":"CVE-2025-1","vulnStatus":"Analyzed","descriptions":[],
          "metrics":{"cvssMetricV40":[{"type":"Primary","cvssData":{"version":"4.0","baseScore":9.3,"baseSeverity":"CRITICAL"}}],
                     "cvssMetricV30":[{"type":"Primary","cvssData":{"version":"3.0","baseScore":7.5,"baseSeverity":"HIGH"}}]}}}]}"#;
        let a = &parse_bytes("x.json", doc.as_bytes())
            .expect("test")
            .advisories[0];
        assert_eq!(a.cvss.as_ref().map(|c| c.version.as_str()), Some("4.0"));
        assert_eq!(a.cvss3, Some(7.5));
    }

    #[test]
    fn reads_json_20() {
        let l = parse_bytes("x.json", V20.as_bytes()).expect("test");
        assert_eq!(l.advisories.len(), 2);
        let a = &l.advisories[0];
        assert_eq!(a.description, "desc");
        assert_eq!(a.cvss.as_ref().expect("test").score, 9.8);
        assert!(a.configs[0].and);
        assert_eq!(a.configs[0].nodes[0].matches.len(), 1);
        assert_eq!(l.unconfigured, 1);
        assert_eq!(l.problems.len(), 1);
        assert!(l.problems[0].contains("CVE-2024-1") && l.problems[0].contains("6 fields"));
        assert_eq!(a.products(), [("v".to_string(), "p".to_string())]);
    }

    #[test]
    fn bad_files_are_clear_errors() {
        let e = parse_bytes("f.json.gz", b"{}").expect_err("test");
        assert!(e.to_string().contains("not a gzip file"), "{e}");
        let gz = {
            use std::io::Write;
            let mut w = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
            w.write_all(V20.as_bytes()).expect("test");
            w.finish().expect("test")
        };
        assert_eq!(
            parse_bytes("f.json.gz", &gz)
                .expect("test")
                .advisories
                .len(),
            2
        );
        let e = parse_bytes("f.json.gz", &gz[..gz.len() / 2]).expect_err("test");
        assert!(e.to_string().contains("truncated or corrupt gzip"), "{e}");
        let e = parse_bytes("f.json", &V20.as_bytes()[..100]).expect_err("test");
        assert!(e.to_string().contains("truncated JSON"), "{e}");
        let e = parse_bytes("f.json", b"{\"a\": 1}").expect_err("test");
        assert!(e.to_string().contains("not an NVD"), "{e}");
    }
}
