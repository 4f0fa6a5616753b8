//! The public sample: every unit's exposure and per-check verdicts equal the real tool's.
use std::path::{Path, PathBuf};

use nixsec_core::Root;
use serde_json::Value;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

#[test]
fn sample_matches_expected_json() {
    let text = std::fs::read_to_string(fixtures().join("expected.json")).expect("expected.json");
    let exp: Value = serde_json::from_str(&text).expect("json");
    let units = exp["units"].as_object().expect("units");
    let mut mismatches = Vec::new();
    let mut matched = 0;
    for (key, want) in units {
        let root = Root::new(
            fixtures()
                .join("roots")
                .join(want["root"].as_str().expect("root")),
        )
        .expect("root");
        let unit = want["unit"].as_str().expect("unit");
        let got = match nixsec_systemd::score_unit(&root, unit) {
            Ok(g) => g,
            Err(e) => {
                mismatches.push(format!("{key}: {e}"));
                continue;
            }
        };
        let mut ok = true;
        if got.exposure_str() != want["exposure_str"].as_str().expect("str")
            || got.level != want["level"].as_str().expect("level")
            || got.unit != want["analyzed_as"].as_str().expect("as")
        {
            mismatches.push(format!(
                "{key}: exposure {} {} want {} {}",
                got.exposure_str(),
                got.level,
                want["exposure_str"],
                want["level"]
            ));
            ok = false;
        }
        for wc in want["checks"].as_array().expect("checks") {
            let id = wc["json_field"].as_str().expect("field");
            let Some(gc) = got.checks.iter().find(|c| c.id() == id) else {
                mismatches.push(format!("{key}: missing check {id}"));
                ok = false;
                continue;
            };
            let wb = wc["badness"].as_u64();
            if gc.badness != wb
                || gc.weight() != wc["weight"].as_u64().expect("w")
                || gc.range() != wc["range"].as_u64().expect("r")
                || gc.setting() != wc["name"].as_str().expect("name")
            {
                mismatches.push(format!("{key}: {id} got {:?} want {:?}", gc.badness, wb));
                ok = false;
            }
        }
        assert_eq!(
            got.checks.len(),
            want["checks"].as_array().expect("c").len()
        );
        if ok {
            matched += 1;
        }
    }
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
    assert_eq!(matched, units.len());
}
