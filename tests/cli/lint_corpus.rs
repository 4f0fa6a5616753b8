//! The hand-labelled lint corpus (`tests/fixtures/lint-corpus`): `nixsec lint --format json` on
//! each pinned public configuration repository that `scripts/fetch-lint-corpus` checked out under
//! `target/lint-corpus` (or `NIXSEC_LINT_CORPUS`), findings matched to the hand labels, recall and
//! false alarms per rule and overall, with every miss and false alarm listed. The report is printed
//! and written to `<corpus>/report.txt`; the test fails while recall is below 90% or false alarms
//! are above 3% of the findings (issue 16's acceptance).
//!
//! The corpus needs the network (GitHub) to fetch, so it is never downloaded by the tests and CI
//! does not have it: without `target/lint-corpus` this test skips with a message, with `CI` set
//! too. A corpus directory that is there but incomplete or at other commits is a failure (run
//! `scripts/fetch-lint-corpus` again).
//!
//! Matching: a finding (status `fail`, not suppressed) matches a label of the same repository and
//! rule when its line range overlaps one of the label's line alternatives; findings and `finding`
//! labels are matched one to one (a maximum matching), so a second finding for one label is a
//! false alarm. An unmatched finding over a `skip` label is neutral; every other unmatched finding
//! is a false alarm (on a `no-finding` label, a duplicate, or where nothing was labelled).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use crate::lint::lint_json;

const MIN_RECALL: f64 = 0.90;
const MAX_FALSE_ALARM_SHARE: f64 = 0.03;

/// The first corpus (the one the issue 16 work was measured on while it was built).
const FIRST: &str = "lint-corpus";
/// The second, held out: labelled by someone else before nixsec ever ran on it.
const HELD_OUT: &str = "lint-corpus-2";
/// The third, held out in the same way after the second had been seen.
const HELD_OUT_3: &str = "lint-corpus-3";
/// The fourth, labelled while the third's misses were being fixed and measured last.
const HELD_OUT_4: &str = "lint-corpus-4";
/// The fifth, labelled while the fourth's misses were being fixed and measured last.
const HELD_OUT_5: &str = "lint-corpus-5";
/// The sixth, labelled while the fifth's misses were being fixed and measured last.
const HELD_OUT_6: &str = "lint-corpus-6";
/// The seventh, labelled while the sixth's misses were being fixed and measured last.
const HELD_OUT_7: &str = "lint-corpus-7";
/// The eighth, labelled while the seventh's misses were being fixed and measured last.
const HELD_OUT_8: &str = "lint-corpus-8";
/// The ninth, labelled while the eighth's misses were being fixed and measured last.
const HELD_OUT_9: &str = "lint-corpus-9";
/// The tenth, labelled while the lint scan was being sped up and measured last.
const HELD_OUT_10: &str = "lint-corpus-10";
/// The eleventh, labelled while the tenth's misses were being fixed and measured last.
const HELD_OUT_11: &str = "lint-corpus-11";
/// The twelfth, labelled while the eleventh's misses were being fixed and measured last.
const HELD_OUT_12: &str = "lint-corpus-12";
/// The thirteenth, labelled while the lint's speed was being worked on and measured last.
const HELD_OUT_13: &str = "lint-corpus-13";
/// The fourteenth, labelled after the thirteenth's misses were fixed and measured last.
const HELD_OUT_14: &str = "lint-corpus-14";
/// The fifteenth, labelled after the fourteenth's misses were fixed and measured last.
const HELD_OUT_15: &str = "lint-corpus-15";
/// The sixteenth, labelled after the fifteenth's misses were fixed and measured last.
const HELD_OUT_16: &str = "lint-corpus-16";
/// The seventeenth, labelled after the sixteenth's misses were fixed and measured last.
const HELD_OUT_17: &str = "lint-corpus-17";
/// The eighteenth, labelled while the seventeenth's misses were being fixed and measured last.
const HELD_OUT_18: &str = "lint-corpus-18";
/// The nineteenth, labelled while the eighteenth's misses were being fixed and measured last.
const HELD_OUT_19: &str = "lint-corpus-19";
/// The twentieth, labelled while the lint's speed was being worked on and measured last.
const HELD_OUT_20: &str = "lint-corpus-20";
/// The twenty-first, labelled while the twentieth's misses were being fixed and measured last.
const HELD_OUT_21: &str = "lint-corpus-21";
/// The twenty-second, labelled while the twenty-first's misses were being fixed and measured
/// last.
const HELD_OUT_22: &str = "lint-corpus-22";
/// The twenty-third, labelled while a value another file's function returns was being taught
/// and measured last.
const HELD_OUT_23: &str = "lint-corpus-23";
/// The twenty-fourth, labelled while the twenty-third's misses were being fixed and measured
/// last.
const HELD_OUT_24: &str = "lint-corpus-24";
/// The twenty-fifth, labelled after the twenty-fourth's misses were fixed and measured last.
const HELD_OUT_25: &str = "lint-corpus-25";
/// The twenty-sixth, labelled after the twenty-fifth's misses were fixed and measured last.
const HELD_OUT_26: &str = "lint-corpus-26";
/// The twenty-seventh, labelled while the twenty-sixth's misses were being fixed and measured
/// last.
const HELD_OUT_27: &str = "lint-corpus-27";
/// The twenty-eighth, labelled while the twenty-seventh's misses were being fixed and measured
/// last.
const HELD_OUT_28: &str = "lint-corpus-28";
/// The twenty-ninth, labelled while the twenty-eighth's misses were being fixed and measured
/// last.
const HELD_OUT_29: &str = "lint-corpus-29";
/// The thirtieth, labelled after the twenty-ninth's misses were fixed and measured last.
const HELD_OUT_30: &str = "lint-corpus-30";
/// The thirty-first and thirty-second, labelled together while the thirtieth's misses were
/// being fixed and measured last.
const HELD_OUT_31: &str = "lint-corpus-31";
const HELD_OUT_32: &str = "lint-corpus-32";
/// The thirty-third and thirty-fourth, labelled together while the thirty-first's and
/// thirty-second's misses were being fixed and measured last.
const HELD_OUT_33: &str = "lint-corpus-33";
const HELD_OUT_34: &str = "lint-corpus-34";
/// The thirty-fifth and thirty-sixth, labelled together while the thirty-third's and
/// thirty-fourth's misses were being fixed and measured last.
const HELD_OUT_35: &str = "lint-corpus-35";
const HELD_OUT_36: &str = "lint-corpus-36";
/// The thirty-seventh, labelled while the thirty-sixth's misses were being fixed.
const HELD_OUT_37: &str = "lint-corpus-37";
/// The thirty-eighth, labelled while the thirty-seventh's misses were being fixed.
const HELD_OUT_38: &str = "lint-corpus-38";
/// The thirty-ninth, labelled while the lint's speed was being looked at.
const HELD_OUT_39: &str = "lint-corpus-39";
/// The fortieth, labelled while the thirty-ninth's misses were being fixed.
const HELD_OUT_40: &str = "lint-corpus-40";
/// The forty-first, labelled while the fortieth's misses were being fixed.
const HELD_OUT_41: &str = "lint-corpus-41";

fn fixture(corpus: &str, name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(corpus)
        .join(name)
}

/// Where `scripts/fetch-lint-corpus` checked the corpus out: `target/<corpus>`, or
/// `NIXSEC_LINT_CORPUS` for the first, `NIXSEC_LINT_CORPUS_2` to `_41` for the held-out ones.
fn corpus_dir(corpus: &str) -> PathBuf {
    let var = match corpus {
        FIRST => "NIXSEC_LINT_CORPUS",
        HELD_OUT => "NIXSEC_LINT_CORPUS_2",
        HELD_OUT_3 => "NIXSEC_LINT_CORPUS_3",
        HELD_OUT_4 => "NIXSEC_LINT_CORPUS_4",
        HELD_OUT_5 => "NIXSEC_LINT_CORPUS_5",
        HELD_OUT_6 => "NIXSEC_LINT_CORPUS_6",
        HELD_OUT_7 => "NIXSEC_LINT_CORPUS_7",
        HELD_OUT_8 => "NIXSEC_LINT_CORPUS_8",
        HELD_OUT_9 => "NIXSEC_LINT_CORPUS_9",
        HELD_OUT_10 => "NIXSEC_LINT_CORPUS_10",
        HELD_OUT_11 => "NIXSEC_LINT_CORPUS_11",
        HELD_OUT_12 => "NIXSEC_LINT_CORPUS_12",
        HELD_OUT_13 => "NIXSEC_LINT_CORPUS_13",
        HELD_OUT_14 => "NIXSEC_LINT_CORPUS_14",
        HELD_OUT_15 => "NIXSEC_LINT_CORPUS_15",
        HELD_OUT_16 => "NIXSEC_LINT_CORPUS_16",
        HELD_OUT_17 => "NIXSEC_LINT_CORPUS_17",
        HELD_OUT_18 => "NIXSEC_LINT_CORPUS_18",
        HELD_OUT_19 => "NIXSEC_LINT_CORPUS_19",
        HELD_OUT_20 => "NIXSEC_LINT_CORPUS_20",
        HELD_OUT_21 => "NIXSEC_LINT_CORPUS_21",
        HELD_OUT_22 => "NIXSEC_LINT_CORPUS_22",
        HELD_OUT_23 => "NIXSEC_LINT_CORPUS_23",
        HELD_OUT_24 => "NIXSEC_LINT_CORPUS_24",
        HELD_OUT_25 => "NIXSEC_LINT_CORPUS_25",
        HELD_OUT_26 => "NIXSEC_LINT_CORPUS_26",
        HELD_OUT_27 => "NIXSEC_LINT_CORPUS_27",
        HELD_OUT_28 => "NIXSEC_LINT_CORPUS_28",
        HELD_OUT_29 => "NIXSEC_LINT_CORPUS_29",
        HELD_OUT_30 => "NIXSEC_LINT_CORPUS_30",
        HELD_OUT_31 => "NIXSEC_LINT_CORPUS_31",
        HELD_OUT_32 => "NIXSEC_LINT_CORPUS_32",
        HELD_OUT_33 => "NIXSEC_LINT_CORPUS_33",
        HELD_OUT_34 => "NIXSEC_LINT_CORPUS_34",
        HELD_OUT_35 => "NIXSEC_LINT_CORPUS_35",
        HELD_OUT_36 => "NIXSEC_LINT_CORPUS_36",
        HELD_OUT_37 => "NIXSEC_LINT_CORPUS_37",
        HELD_OUT_38 => "NIXSEC_LINT_CORPUS_38",
        HELD_OUT_39 => "NIXSEC_LINT_CORPUS_39",
        HELD_OUT_40 => "NIXSEC_LINT_CORPUS_40",
        _ => "NIXSEC_LINT_CORPUS_41",
    };
    std::env::var_os(var).map_or_else(
        || {
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("target")
                .join(corpus)
        },
        PathBuf::from,
    )
}

/// The data lines of a tab-separated fixture: no `#` comments, no header (first field `header`).
fn rows(corpus: &str, name: &str, header: &str) -> Vec<Vec<String>> {
    let text =
        std::fs::read_to_string(fixture(corpus, name)).unwrap_or_else(|e| panic!("{name}: {e}"));
    text.lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|l| l.split('\t').map(str::to_string).collect::<Vec<_>>())
        .filter(|f| f[0] != header)
        .collect()
}

struct Repo {
    name: String,
    slug: String,
    commit: String,
}

fn repos(corpus: &str) -> Vec<Repo> {
    rows(corpus, "repos.tsv", "name")
        .into_iter()
        .map(|f| {
            assert!(f.len() >= 3, "repos.tsv: short line {f:?}");
            Repo {
                name: f[0].clone(),
                slug: f[1].clone(),
                commit: f[2].clone(),
            }
        })
        .collect()
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Expected {
    Finding,
    NoFinding,
    Skip,
}

/// One line alternative of a label: a file and an inclusive line range.
#[derive(Debug)]
struct Place {
    file: String,
    start: u64,
    end: u64,
}

#[derive(Debug)]
struct Label {
    repo: String,
    file: String,
    line: String,
    places: Vec<Place>,
    rule: String,
    option: String,
    expected: Expected,
    conditional: bool,
    note: String,
}

fn parse_range(s: &str) -> (u64, u64) {
    let num = |t: &str| {
        t.trim()
            .parse::<u64>()
            .unwrap_or_else(|_| panic!("labels.tsv: bad line number {s:?}"))
    };
    match s.split_once('-') {
        Some((a, b)) => (num(a), num(b)),
        None => (num(s), num(s)),
    }
}

fn labels(corpus: &str) -> Vec<Label> {
    rows(corpus, "labels.tsv", "repo")
        .into_iter()
        .map(|f| {
            assert_eq!(f.len(), 8, "labels.tsv: not 8 fields: {f:?}");
            let places = f[2]
                .split(';')
                .map(|alt| {
                    let (file, range) = match alt.split_once(':') {
                        Some((file, range)) => (file.to_string(), range),
                        None => (f[1].clone(), alt),
                    };
                    let (start, end) = parse_range(range);
                    assert!(start <= end, "labels.tsv: empty range in {f:?}");
                    Place { file, start, end }
                })
                .collect();
            let expected = match f[5].as_str() {
                "finding" => Expected::Finding,
                "no-finding" => Expected::NoFinding,
                "skip" => Expected::Skip,
                other => panic!("labels.tsv: expected is {other:?} in {f:?}"),
            };
            Label {
                repo: f[0].clone(),
                file: f[1].clone(),
                line: f[2].clone(),
                places,
                rule: f[3].clone(),
                option: f[4].clone(),
                expected,
                conditional: f[6] == "yes",
                note: f[7].clone(),
            }
        })
        .collect()
}

#[derive(Debug)]
struct Found {
    repo: String,
    file: String,
    line: u64,
    end_line: u64,
    rule: String,
    conditional: bool,
    message: String,
}

impl Found {
    fn overlaps(&self, label: &Label) -> bool {
        label.repo == self.repo
            && label.rule == self.rule
            && label
                .places
                .iter()
                .any(|p| p.file == self.file && p.start <= self.end_line && self.line <= p.end)
    }
}

/// What `nixsec lint` reported on one repository: the failing findings and the files it could
/// not read or parse.
fn lint(repo: &Repo, dir: &Path) -> (Vec<Found>, Vec<String>) {
    let (code, v) = lint_json(dir);
    assert_eq!(code, 0, "{}: nixsec lint exited {code}", repo.name);
    let mut found = Vec::new();
    let mut errors = Vec::new();
    for f in v["findings"].as_array().expect("findings") {
        let file = f["file"]
            .as_str()
            .unwrap_or_default()
            .trim_start_matches("./")
            .to_string();
        let rule = f["rule"].as_str().unwrap_or_default().to_string();
        let message = f["message"].as_str().unwrap_or_default().to_string();
        match f["status"].as_str() {
            Some("fail") if f.get("ignored").is_none() => {
                let line = f["line"].as_u64().unwrap_or(0);
                found.push(Found {
                    repo: repo.name.clone(),
                    file,
                    line,
                    end_line: f["end_line"].as_u64().unwrap_or(line).max(line),
                    rule,
                    conditional: f["conditional"].as_bool().unwrap_or(false),
                    message,
                });
            }
            Some("error") => errors.push(format!("{} {file}: {rule}: {message}", repo.name)),
            _ => {}
        }
    }
    (found, errors)
}

/// A maximum one-to-one matching of findings (left) to labels (right) along `edges[finding]`
/// (Kuhn's augmenting paths): `matched[label] = Some(finding)`.
fn max_matching(edges: &[Vec<usize>], labels: usize) -> Vec<Option<usize>> {
    fn augment(
        f: usize,
        edges: &[Vec<usize>],
        seen: &mut [bool],
        matched: &mut [Option<usize>],
    ) -> bool {
        for &l in &edges[f] {
            if !seen[l] {
                seen[l] = true;
                if matched[l].is_none_or(|other| augment(other, edges, seen, matched)) {
                    matched[l] = Some(f);
                    return true;
                }
            }
        }
        false
    }
    let mut matched = vec![None; labels];
    for f in 0..edges.len() {
        let mut seen = vec![false; labels];
        augment(f, edges, &mut seen, &mut matched);
    }
    matched
}

#[derive(Default)]
struct Tally {
    labelled: usize,
    safe: usize,
    hits: usize,
    false_alarms: usize,
    neutral: usize,
}

fn pct(num: usize, den: usize) -> String {
    if den == 0 {
        "-".to_string()
    } else {
        format!("{:.1}%", 100.0 * num as f64 / den as f64)
    }
}

#[test]
fn recall_and_false_alarms_on_the_labelled_corpus() {
    measure(FIRST);
}

#[test]
fn recall_and_false_alarms_on_the_held_out_corpus() {
    measure(HELD_OUT);
}

#[test]
fn recall_and_false_alarms_on_the_third_corpus() {
    measure(HELD_OUT_3);
}

#[test]
fn recall_and_false_alarms_on_the_fourth_corpus() {
    measure(HELD_OUT_4);
}

#[test]
fn recall_and_false_alarms_on_the_fifth_corpus() {
    measure(HELD_OUT_5);
}

#[test]
fn recall_and_false_alarms_on_the_sixth_corpus() {
    measure(HELD_OUT_6);
}

#[test]
fn recall_and_false_alarms_on_the_seventh_corpus() {
    measure(HELD_OUT_7);
}

#[test]
fn recall_and_false_alarms_on_the_eighth_corpus() {
    measure(HELD_OUT_8);
}

#[test]
fn recall_and_false_alarms_on_the_ninth_corpus() {
    measure(HELD_OUT_9);
}

#[test]
fn recall_and_false_alarms_on_the_tenth_corpus() {
    measure(HELD_OUT_10);
}

#[test]
fn recall_and_false_alarms_on_the_eleventh_corpus() {
    measure(HELD_OUT_11);
}

#[test]
fn recall_and_false_alarms_on_the_twelfth_corpus() {
    measure(HELD_OUT_12);
}

#[test]
fn recall_and_false_alarms_on_the_thirteenth_corpus() {
    measure(HELD_OUT_13);
}

#[test]
fn recall_and_false_alarms_on_the_fourteenth_corpus() {
    measure(HELD_OUT_14);
}

#[test]
fn recall_and_false_alarms_on_the_fifteenth_corpus() {
    measure(HELD_OUT_15);
}

#[test]
fn recall_and_false_alarms_on_the_sixteenth_corpus() {
    measure(HELD_OUT_16);
}

#[test]
fn recall_and_false_alarms_on_the_seventeenth_corpus() {
    measure(HELD_OUT_17);
}

#[test]
fn recall_and_false_alarms_on_the_eighteenth_corpus() {
    measure(HELD_OUT_18);
}

#[test]
fn recall_and_false_alarms_on_the_nineteenth_corpus() {
    measure(HELD_OUT_19);
}

#[test]
fn recall_and_false_alarms_on_the_twentieth_corpus() {
    measure(HELD_OUT_20);
}

#[test]
fn recall_and_false_alarms_on_the_twenty_first_corpus() {
    measure(HELD_OUT_21);
}

#[test]
fn recall_and_false_alarms_on_the_twenty_second_corpus() {
    measure(HELD_OUT_22);
}

#[test]
fn recall_and_false_alarms_on_the_twenty_third_corpus() {
    measure(HELD_OUT_23);
}

#[test]
fn recall_and_false_alarms_on_the_twenty_fourth_corpus() {
    measure(HELD_OUT_24);
}

#[test]
fn recall_and_false_alarms_on_the_twenty_fifth_corpus() {
    measure(HELD_OUT_25);
}

#[test]
fn recall_and_false_alarms_on_the_twenty_sixth_corpus() {
    measure(HELD_OUT_26);
}

#[test]
fn recall_and_false_alarms_on_the_twenty_seventh_corpus() {
    measure(HELD_OUT_27);
}

#[test]
fn recall_and_false_alarms_on_the_twenty_eighth_corpus() {
    measure(HELD_OUT_28);
}

#[test]
fn recall_and_false_alarms_on_the_twenty_ninth_corpus() {
    measure(HELD_OUT_29);
}

#[test]
fn recall_and_false_alarms_on_the_thirtieth_corpus() {
    measure(HELD_OUT_30);
}

#[test]
fn recall_and_false_alarms_on_the_thirty_first_corpus() {
    measure(HELD_OUT_31);
}

#[test]
fn recall_and_false_alarms_on_the_thirty_second_corpus() {
    measure(HELD_OUT_32);
}

#[test]
fn recall_and_false_alarms_on_the_thirty_third_corpus() {
    measure(HELD_OUT_33);
}

#[test]
fn recall_and_false_alarms_on_the_thirty_fourth_corpus() {
    measure(HELD_OUT_34);
}

#[test]
fn recall_and_false_alarms_on_the_thirty_fifth_corpus() {
    measure(HELD_OUT_35);
}

#[test]
fn recall_and_false_alarms_on_the_thirty_sixth_corpus() {
    measure(HELD_OUT_36);
}

#[test]
fn recall_and_false_alarms_on_the_thirty_seventh_corpus() {
    measure(HELD_OUT_37);
}

#[test]
fn recall_and_false_alarms_on_the_thirty_eighth_corpus() {
    measure(HELD_OUT_38);
}

#[test]
fn recall_and_false_alarms_on_the_thirty_ninth_corpus() {
    measure(HELD_OUT_39);
}

#[test]
fn recall_and_false_alarms_on_the_fortieth_corpus() {
    measure(HELD_OUT_40);
}

#[test]
fn recall_and_false_alarms_on_the_forty_first_corpus() {
    measure(HELD_OUT_41);
}

fn measure(corpus: &str) {
    let dir = corpus_dir(corpus);
    let repos = repos(corpus);
    let present: Vec<&Repo> = repos
        .iter()
        .filter(|r| dir.join(&r.name).is_dir())
        .collect();
    if present.is_empty() {
        // Not `tools::skip`: the corpus needs the network, which CI does not have.
        eprintln!(
            "skipped: no lint corpus under {} (run scripts/fetch-lint-corpus to measure recall and false alarms)",
            dir.display()
        );
        return;
    }
    for r in &repos {
        let stamp = dir.join(&r.name).join(".git/nixsec-corpus-commit");
        let at = std::fs::read_to_string(&stamp).unwrap_or_default();
        assert_eq!(
            at.trim(),
            r.commit,
            "{} ({}) is missing or not at its pinned commit under {}: run scripts/fetch-lint-corpus",
            r.name,
            r.slug,
            dir.display()
        );
    }

    let labels = labels(corpus);
    for l in &labels {
        assert!(
            repos.iter().any(|r| r.name == l.repo),
            "labels.tsv: unknown repository {:?}",
            l.repo
        );
        for p in &l.places {
            assert!(
                dir.join(&l.repo).join(&p.file).is_file(),
                "labels.tsv: {} has no file {}",
                l.repo,
                p.file
            );
        }
    }

    let mut found = Vec::new();
    let mut errors = Vec::new();
    for r in &repos {
        let (f, e) = lint(r, &dir.join(&r.name));
        found.extend(f);
        errors.extend(e);
    }

    // Edges from each finding to the `finding` labels it may satisfy.
    let wanted: Vec<usize> = (0..labels.len())
        .filter(|&i| labels[i].expected == Expected::Finding)
        .collect();
    let edges: Vec<Vec<usize>> = found
        .iter()
        .map(|f| {
            (0..wanted.len())
                .filter(|&j| f.overlaps(&labels[wanted[j]]))
                .collect()
        })
        .collect();
    let matched = max_matching(&edges, wanted.len());
    let matched_findings: BTreeSet<usize> = matched.iter().flatten().copied().collect();

    let mut per_rule: BTreeMap<String, Tally> = BTreeMap::new();
    for l in labels.iter().filter(|l| l.expected == Expected::NoFinding) {
        per_rule.entry(l.rule.clone()).or_default().safe += 1;
    }
    let mut misses = Vec::new();
    let mut conditional_differs = 0;
    for (j, &li) in wanted.iter().enumerate() {
        let l = &labels[li];
        let t = per_rule.entry(l.rule.clone()).or_default();
        t.labelled += 1;
        match matched[j] {
            Some(f) => {
                t.hits += 1;
                if found[f].conditional != l.conditional {
                    conditional_differs += 1;
                }
            }
            None => misses.push(format!(
                "  {} {}:{} {} {} ({}conditional) -- {}",
                l.repo,
                l.file,
                l.line,
                l.rule,
                l.option,
                if l.conditional { "" } else { "not " },
                l.note
            )),
        }
    }
    // Files where a `finding` label of a rule went unmatched: an unlabelled finding of that rule
    // in such a file is probably the same setting reported at the wrong line.
    let unmatched_places: BTreeSet<(&str, &str, &str)> = wanted
        .iter()
        .zip(&matched)
        .filter(|(_, m)| m.is_none())
        .flat_map(|(&li, _)| {
            let l = &labels[li];
            l.places
                .iter()
                .map(move |p| (l.repo.as_str(), p.file.as_str(), l.rule.as_str()))
        })
        .collect();
    let mut false_alarms = Vec::new();
    for (i, f) in found.iter().enumerate() {
        if matched_findings.contains(&i) {
            continue;
        }
        let t = per_rule.entry(f.rule.clone()).or_default();
        let over: Vec<&Label> = labels.iter().filter(|l| f.overlaps(l)).collect();
        let why = if over.iter().any(|l| l.expected == Expected::Skip) {
            t.neutral += 1;
            continue;
        } else if let Some(l) = over.iter().find(|l| l.expected == Expected::NoFinding) {
            format!("labelled safe: {}", l.note)
        } else if over.iter().any(|l| l.expected == Expected::Finding) {
            "a second finding for a matched label".to_string()
        } else if unmatched_places.contains(&(f.repo.as_str(), f.file.as_str(), f.rule.as_str())) {
            "nothing labelled here; a missed label of this rule is in the same file (misplaced?)"
                .to_string()
        } else {
            "nothing labelled here".to_string()
        };
        t.false_alarms += 1;
        false_alarms.push(format!(
            "  {} {}:{}-{} {}{} -- {why} -- nixsec: {}",
            f.repo,
            f.file,
            f.line,
            f.end_line,
            f.rule,
            if f.conditional { " (conditional)" } else { "" },
            f.message
        ));
    }

    let total = per_rule.values().fold(Tally::default(), |a, t| Tally {
        labelled: a.labelled + t.labelled,
        safe: a.safe + t.safe,
        hits: a.hits + t.hits,
        false_alarms: a.false_alarms + t.false_alarms,
        neutral: a.neutral + t.neutral,
    });
    let recall = total.hits as f64 / total.labelled.max(1) as f64;
    let reported = total.hits + total.false_alarms;
    let fa_share = total.false_alarms as f64 / reported.max(1) as f64;

    let mut out = String::new();
    let _ = writeln!(
        out,
        "nixsec lint on the labelled corpus: {} repositories, {} labels ({} findings expected), {} findings reported",
        repos.len(),
        labels.len(),
        wanted.len(),
        found.len()
    );
    let _ = writeln!(
        out,
        "\n{:<9} {:>8} {:>5} {:>7} {:>7} {:>5} {:>8} {:>12}",
        "rule", "labelled", "found", "missed", "recall", "safe", "false", "false share"
    );
    for (rule, t) in per_rule.iter().chain([(&"overall".to_string(), &total)]) {
        let _ = writeln!(
            out,
            "{:<9} {:>8} {:>5} {:>7} {:>7} {:>5} {:>8} {:>12}",
            rule,
            t.labelled,
            t.hits,
            t.labelled - t.hits,
            pct(t.hits, t.labelled),
            t.safe,
            t.false_alarms,
            pct(t.false_alarms, t.hits + t.false_alarms)
        );
    }
    let _ = writeln!(
        out,
        "\nrecall {:.1}% (target >= {:.0}%), false alarms {:.1}% of {reported} findings (target <= {:.0}%); {} neutral findings on `skip` labels; {conditional_differs} matched findings disagree with the label on `conditional`",
        100.0 * recall,
        100.0 * MIN_RECALL,
        100.0 * fa_share,
        100.0 * MAX_FALSE_ALARM_SHARE,
        total.neutral
    );
    let _ = writeln!(out, "\nmisses ({}):", misses.len());
    for m in &misses {
        let _ = writeln!(out, "{m}");
    }
    let _ = writeln!(out, "\nfalse alarms ({}):", false_alarms.len());
    for f in &false_alarms {
        let _ = writeln!(out, "{f}");
    }
    let _ = writeln!(out, "\nfiles nixsec could not lint ({}):", errors.len());
    for e in &errors {
        let _ = writeln!(out, "  {e}");
    }
    eprint!("{out}");
    let report = dir.join("report.txt");
    std::fs::write(&report, &out).unwrap_or_else(|e| panic!("{}: {e}", report.display()));

    assert!(
        recall >= MIN_RECALL && fa_share <= MAX_FALSE_ALARM_SHARE,
        "recall {:.1}% (needs >= {:.0}%), false alarms {:.1}% (needs <= {:.0}%): see {}",
        100.0 * recall,
        100.0 * MIN_RECALL,
        100.0 * fa_share,
        100.0 * MAX_FALSE_ALARM_SHARE,
        report.display()
    );
}

#[test]
fn matching_is_one_to_one_and_maximal() {
    // Finding 0 can satisfy labels 0 and 1, finding 1 only label 0: both labels are matched.
    let m = max_matching(&[vec![0, 1], vec![0]], 2);
    assert_eq!(m, vec![Some(1), Some(0)]);
    // Two findings for one label: one is matched, the other is left over.
    let m = max_matching(&[vec![0], vec![0]], 1);
    assert_eq!(m.iter().flatten().count(), 1);
}

#[test]
fn the_labels_parse() {
    for corpus in [
        FIRST,
        HELD_OUT,
        HELD_OUT_3,
        HELD_OUT_4,
        HELD_OUT_5,
        HELD_OUT_6,
        HELD_OUT_7,
        HELD_OUT_8,
        HELD_OUT_9,
        HELD_OUT_10,
        HELD_OUT_11,
        HELD_OUT_12,
        HELD_OUT_13,
        HELD_OUT_14,
        HELD_OUT_15,
        HELD_OUT_16,
        HELD_OUT_17,
        HELD_OUT_18,
        HELD_OUT_19,
        HELD_OUT_20,
        HELD_OUT_21,
        HELD_OUT_22,
        HELD_OUT_23,
        HELD_OUT_24,
        HELD_OUT_25,
        HELD_OUT_26,
        HELD_OUT_27,
        HELD_OUT_28,
        HELD_OUT_29,
        HELD_OUT_30,
        HELD_OUT_31,
        HELD_OUT_32,
        HELD_OUT_33,
        HELD_OUT_34,
        HELD_OUT_35,
        HELD_OUT_36,
        HELD_OUT_37,
        HELD_OUT_38,
        HELD_OUT_39,
        HELD_OUT_40,
        HELD_OUT_41,
    ] {
        let labels = labels(corpus);
        let names: BTreeSet<String> = repos(corpus).into_iter().map(|r| r.name).collect();
        // The ninth, fifteenth, sixteenth, twenty-second, twenty-third, twenty-sixth and
        // twenty-ninth and thirty-first have eleven repositories and the twelfth, seventeenth, twenty-fifth and twenty-seventh
        // fewer, the thirty-sixth ten (their labellers' time ran out, their repositories were
        // large, or few were left unused); the others
        // twelve or more.
        let (repos_min, labels_min) = match corpus {
            HELD_OUT_12 => (7, 300),
            HELD_OUT_36 => (10, 400),
            HELD_OUT_17 | HELD_OUT_25 | HELD_OUT_27 => (9, 500),
            HELD_OUT_9 | HELD_OUT_15 | HELD_OUT_16 | HELD_OUT_22 | HELD_OUT_23 | HELD_OUT_26
            | HELD_OUT_29 | HELD_OUT_31 => (11, 400),
            _ => (12, 400),
        };
        assert!(
            labels.len() > labels_min,
            "{corpus}: {} labels",
            labels.len()
        );
        assert!(labels
            .iter()
            .all(|l| l.rule.starts_with("NIX-") && !l.note.is_empty()));
        assert!(
            names.len() >= repos_min,
            "{corpus}: {} repositories",
            names.len()
        );
        assert!(labels.iter().all(|l| names.contains(&l.repo)));
    }
}
