//! The scanner on the public test data of gitleaks and detect-secrets
//! (`tests/data/secrets-corpus`, built by `scripts/gen-secrets-corpus`, labelled by the
//! sources and reviewed by hand): recall on the secrets and the share of non-secrets flagged,
//! overall and per kind. The labels are the sources' (and the hand review's), never nixsec's.

use std::collections::BTreeMap;
use std::path::Path;

use nixsec_secrets::Scanner;

struct Case {
    file: String,
    secret: bool,
    kind: String,
}

fn corpus() -> (std::path::PathBuf, Vec<Case>) {
    let base = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/data/secrets-corpus");
    let labels = std::fs::read_to_string(base.join("labels.tsv")).expect("labels.tsv");
    let cases = labels
        .lines()
        .skip(1)
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            Case {
                file: f[0].to_string(),
                secret: f[1] == "secret",
                kind: f[2].to_string(),
            }
        })
        .collect();
    (base.join("files"), cases)
}

#[test]
fn recall_and_false_alarms_on_the_public_test_data() {
    let (dir, cases) = corpus();
    let s = Scanner::new();
    // kind -> (secrets, found, non-secrets, flagged)
    let mut per: BTreeMap<&str, [u32; 4]> = BTreeMap::new();
    let mut missed = Vec::new();
    let mut flagged = Vec::new();
    for c in &cases {
        let bytes = std::fs::read(dir.join(&c.file)).expect("read");
        let name = c.file.rsplit('/').next().expect("name");
        let hits = s.scan(name, &bytes);
        let e = per.entry(c.kind.as_str()).or_default();
        if c.secret {
            e[0] += 1;
            if hits.is_empty() {
                missed.push(c.file.as_str());
            } else {
                e[1] += 1;
            }
        } else {
            e[2] += 1;
            if !hits.is_empty() {
                e[3] += 1;
                flagged.push(format!("{} ({})", c.file, hits[0].kind));
            }
        }
    }
    let t = per.values().fold([0u32; 4], |a, v| {
        [a[0] + v[0], a[1] + v[1], a[2] + v[2], a[3] + v[3]]
    });
    let recall = f64::from(t[1]) / f64::from(t[0]);
    let fp = f64::from(t[3]) / f64::from(t[2]);
    for (k, v) in &per {
        if v[1] < v[0] || v[3] > 0 {
            eprintln!("{k:45} found {}/{} flagged {}/{}", v[1], v[0], v[3], v[2]);
        }
    }
    for m in &missed {
        eprintln!("missed: {m}");
    }
    for f in &flagged {
        eprintln!("flagged: {f}");
    }
    eprintln!(
        "recall {}/{} = {:.1}%, non-secrets flagged {}/{} = {:.1}%",
        t[1],
        t[0],
        100.0 * recall,
        t[3],
        t[2],
        100.0 * fp
    );
    assert!(t[0] > 900 && t[2] > 350, "the corpus is complete");
    assert!(recall >= 0.90, "recall {recall:.3} below 90%");
    assert!(fp <= 0.10, "{fp:.3} of the non-secrets flagged, above 10%");
}
