//! The library half of nixsec's test suite derived from vulnix 1.12.3's own tests
//! (`src/vulnix/tests/*.py`): its fixture files (`tests/fixtures/cve-vulnix/vulnix/`, copied
//! verbatim) and the values its assertions expect. Each test names the vulnix test it comes
//! from; where nixsec deliberately differs, the test checks nixsec's behaviour and says why
//! (`docs/vulnix-compat.md` has the table). The store half is in `tests/cli/vulns.rs`.

use std::cmp::Ordering;
use std::path::PathBuf;

use chrono::NaiveDate;
use nixsec_vulns::aterm;
use nixsec_vulns::mapping::Mapping;
use nixsec_vulns::nvd;
use nixsec_vulns::version::{compare_versions, components, parse_drv_name};
use nixsec_vulns::whitelist::{split_name, PackageName, Rule, Whitelist};

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures/cve-vulnix/vulnix")
        .join(name)
}

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")
}

fn pkg(name: &str) -> PackageName<'_> {
    let (pname, version) = split_name(name).expect("name-version");
    PackageName {
        pname,
        version,
        name,
    }
}

fn whitelist(file: &str) -> Whitelist {
    let mut w = Whitelist::default();
    w.add_file(&fixture(file)).expect("vulnix's whitelist");
    w
}

fn rule<'a>(w: &'a Whitelist, key: &str) -> &'a Rule {
    w.rules.iter().find(|r| r.key == key).expect(key)
}

/// utils_test.py: test_compare_versions (the Nix manual's examples).
#[test]
fn utils_compare_versions() {
    use Ordering::{Equal, Greater, Less};
    for (a, b, want) in [
        ("1.0", "2.3", Less),
        ("2.1", "2.3", Less),
        ("2.3", "2.3", Equal),
        ("2.5", "2.3", Greater),
        ("3.1", "2.3", Greater),
        ("2.3.1", "2.3", Greater),
        ("2.3.1", "2.3a", Greater),
        ("2.3", "2.3pre", Greater),
        ("2.3pre1", "2.3", Less),
        ("2.3pre3", "2.3pre12", Less),
        ("2.3a", "2.3c", Less),
        ("2.3pre1", "2.3c", Less),
        ("2.3pre1", "2.3q", Less),
    ] {
        assert_eq!(compare_versions(a, b), want, "{a} {b}");
    }
}

/// utils_test.py: test_split_components.
#[test]
fn utils_split_components() {
    assert_eq!(components("2.3pre1"), ["2", "3", "pre", "1"]);
    assert_eq!(components("2019-11-01"), ["2019", "11", "01"]);
    assert_eq!(components("5.1a-lts"), ["5", "1", "a", "lts"]);
}

/// test_derivation.py: test_split_name, test_split_nameversion, test_split_name_noversion.
#[test]
fn derivation_split_name() {
    for (name, want) in [
        (
            "network-2.6.3.2-r1.cabal",
            Some(("network", "2.6.3.2-r1.cabal")),
        ),
        (
            "python2.7-pytest-runner-2.6.2",
            Some(("python2.7-pytest-runner", "2.6.2")),
        ),
        ("bundler-1.10.5-0", Some(("bundler", "1.10.5-0"))),
        ("hook", None),
    ] {
        assert_eq!(split_name(name), want, "{name}");
        // Nix's own split (used where a .drv has no pname) agrees on these.
        let (p, v) = parse_drv_name(name);
        assert_eq!(
            (!v.is_empty()).then_some((p, v)),
            want,
            "parseDrvName {name}"
        );
    }
}

/// test_derivation.py: test_should_not_load_arbitrary_code. nixsec parses the ATerm grammar and
/// evaluates nothing: vulnix's Python payload is not a derivation.
#[test]
fn derivation_no_code_is_run() {
    let payload =
        b"\nDerive(envVars={'name': str((lambda: open('/tmp/x', 'w').write('shellcode'))())})\n";
    assert!(aterm::parse(payload).is_err());
}

/// test_derivation.py: the attributes vulnix reads from its `.drv` fixtures, read by nixsec's
/// ATerm parser from the same files: name, version (xercesc's only in `version`), the name of
/// structured-attrs-1 from `__json`, and the CVEs named by patches (lower case, several per
/// file, followed by more words).
#[test]
fn derivation_fixtures() {
    let info = |f: &str| {
        aterm::parse(&std::fs::read(fixture(f)).expect("drv"))
            .expect("ATerm")
            .info()
    };
    let cyrus = info("cyrus-sasl-2.5.10.drv");
    assert_eq!(parse_drv_name(&cyrus.name), ("cyrus-sasl", "2.5.10"));
    let xercesc = info("xercesc-3.2.3.drv");
    assert_eq!(xercesc.name, "xercesc");
    assert_eq!(xercesc.version.as_deref(), Some("3.2.3"));
    assert_eq!(info("structured-attrs-1.drv").name, "structured-attrs-1");
    let cves = |f: &str| -> Vec<String> {
        let mut v: Vec<String> = info(f)
            .patches
            .iter()
            .flat_map(|p| nixsec_vulns::packages::cve_ids(p))
            .collect();
        v.sort();
        v.dedup();
        v
    };
    assert_eq!(cves("bzip2-1.0.6.0.1.drv"), ["CVE-2016-3189"]);
    assert_eq!(cves("cpio-2.12.drv"), ["CVE-2015-1197", "CVE-2016-2037"]);
    let mut audiofile = vec!["CVE-2015-7747".to_string()];
    audiofile.extend((6827..=6839).map(|n| format!("CVE-2017-{n}")));
    assert_eq!(cves("audiofile-0.3.6.drv"), audiofile);
    assert!(cves("unzip-6.0.drv").contains(&"CVE-2016-9844".to_string()));
}

/// test_derivation.py: test_product_candidates. nixsec's products for an unmapped package are
/// the lower-case pname and its `_` spelling (CPE products are lower case).
#[test]
fn derivation_product_candidates() {
    let m = Mapping::builtin();
    let products = |pname: &str| -> Vec<String> {
        m.identities(pname, &format!("{pname}-1"))
            .0
            .into_iter()
            .map(|i| i.product)
            .collect()
    };
    assert_eq!(products("linux-kernel"), ["linux-kernel", "linux_kernel"]);
    assert_eq!(
        products("Email-Address"),
        ["email-address", "email_address"]
    );
}

/// vulnerability_test.py: test_cvss_score, test_no_cvss_score, and the descriptions of
/// output_test.py: test_description (vulnix reads the CVSS v3.1, else v3.0, score).
#[test]
fn vulnerability_scores_and_descriptions() {
    let load = |f: &str| {
        let text = std::fs::read_to_string(fixture(f)).expect("json");
        let doc = format!("{{\"vulnerabilities\": [{text}]}}");
        nvd::parse_bytes(f, doc.as_bytes())
            .expect("NVD")
            .advisories
            .remove(0)
    };
    assert_eq!(load("CVE-2019-10160.json").cvss3, Some(9.8));
    let t = load("CVE-2010-0748.json");
    assert_eq!(t.cvss3, None);
    assert_eq!(
        t.description,
        "Transmission before 1.92 allows an attacker to cause a denial of service (crash) or possibly have other unspecified impact via a large number of tr arguments in a magnet link."
    );
    // CVE-2015-1789 has a CVSS 3.0 metric only.
    assert_eq!(load("CVE-2015-1789.json").cvss3, Some(7.5));
}

/// nvd_test.py: test_update reads vulnix's `nvdcve-2.0-modified.json.gz`: three CVEs.
#[test]
fn nvd_modified_feed() {
    let l = nvd::read_file(&fixture("nvdcve-2.0-modified.json.gz")).expect("feed");
    let mut ids: Vec<&str> = l.advisories.iter().map(|a| a.id.as_str()).collect();
    ids.sort_unstable();
    assert_eq!(ids, ["CVE-2010-0748", "CVE-2010-3765", "CVE-2010-3962"]);
    let t = l
        .advisories
        .iter()
        .find(|a| a.id == "CVE-2010-0748")
        .expect("transmission");
    assert!(t
        .products()
        .contains(&("transmissionbt".into(), "transmission".into())));
}

/// whitelist_test.py: check_whitelist_entries, for test_from_toml and test_from_yaml: six
/// entries with their fields (2018-02-28).
#[test]
fn whitelist_from_toml_and_yaml() {
    for f in ["whitelist.toml", "whitelist.yaml"] {
        let w = whitelist(f);
        assert_eq!(w.rules.len(), 6, "{f}");
        let star = rule(&w, "*");
        assert_eq!(
            star.cves.iter().collect::<Vec<_>>(),
            ["CVE-2015-2504", "CVE-2015-7696"]
        );
        assert!(star.issue_urls.is_empty() && star.comments.is_empty());
        assert_eq!(rule(&w, "libxslt").comments, ["broken, won't fix"], "{f}");
        assert_eq!(rule(&w, "libxslt-2.0").until, Some(d("2018-03-01")), "{f}");
        assert_eq!(
            rule(&w, "unzip").cves.iter().collect::<Vec<_>>(),
            ["CVE-2015-7696"]
        );
        let _ = rule(&w, "audiofile-0.3.2");
        let a = rule(&w, "audiofile-0.3.6");
        assert_eq!(
            a.issue_urls,
            ["https://fb.flyingcircus.io/f/cases/26909/"],
            "{f}"
        );
        assert_eq!(
            a.cves.iter().collect::<Vec<_>>(),
            ["CVE-2017-6827", "CVE-2017-6828", "CVE-2017-6834"]
        );
        // `status` is accepted and ignored, as in vulnix: no warning.
        assert!(w.warnings.is_empty(), "{:?}", w.warnings);
    }
}

/// whitelist_test.py: test_neither_name_nor_cve, test_toml_missing_quote,
/// test_toml_malformed_url, test_section_header_unexpected_space(_2): errors;
/// test_section_header_alphanumeric and test_parse_until: accepted.
#[test]
fn whitelist_invalid_and_valid_files() {
    for (file, text) in [
        ("w.yaml", "-\n  comment: invalid entry\n"),
        (
            "w.toml",
            "[libxslt-2.0.1]\ncomment = \"unquoted, triggers TOML's table syntax inadvertently\"\n",
        ),
        ("w.toml", "[\"pkg\"]\nissue_url = \"foobar\""),
        (
            "w.toml",
            "\n[\"ok-section-1.0\"]\n\n[ \"broken-section-1.1\" ]\ncomment = \"whitespace confuses TOML parser\"\n",
        ),
        (
            "w.toml",
            "\n[\"broken-section 1.2\"]\ncomment = \"incorrect whitespace between package and version\"\n",
        ),
    ] {
        let e = Whitelist::default()
            .add_text(file, text)
            .expect_err(text);
        assert!(e.line > 0, "{e}: names the line");
    }
    let mut w = Whitelist::default();
    w.add_text(
        "w.toml",
        "\n[systemd-236]\ncomment = \"section headers consisting only of alphanum chars are ok\"\n",
    )
    .expect("alphanumeric header");
    let mut w2 = Whitelist::default();
    w2.add_text("w.toml", "[\"libarchive\"]\nuntil = \"2019-03-10\"\n")
        .expect("until");
    assert_eq!(w2.rules[0].until, Some(d("2019-03-10")));
    assert_eq!(w.rules[0].key, "systemd-236");
}

fn masked(w: &Whitelist, name: &str, cve: &str, today: &str) -> bool {
    w.masks(&pkg(name), cve, d(today)).is_some()
}

/// whitelist_test.py: test_match_pname_version, test_match_pname_only,
/// test_match_pname_version_cve, test_match_cve_only, test_match_partial, test_until.
#[test]
fn whitelist_matching() {
    let one = |text: &str| {
        let mut w = Whitelist::default();
        w.add_text("w.toml", text).expect("rule");
        w
    };
    let today = "2018-02-28";
    let w = one("[\"libxslt-2.0\"]\n");
    assert!(masked(&w, "libxslt-2.0", "CVE-1-1", today));
    assert!(!masked(&w, "libxslt-2.1", "CVE-1-1", today));
    let w = one("[\"libxslt\"]\n");
    assert!(masked(&w, "libxslt-2.0", "CVE-1-1", today));
    assert!(masked(&w, "libxslt-2.1", "CVE-1-1", today));
    assert!(!masked(&w, "libxml2-2.0", "CVE-1-1", today));
    let w = one("[\"cpio-2.12\"]\ncve = [\"CVE-2015-1197\"]\n");
    assert!(masked(&w, "cpio-2.12", "CVE-2015-1197", today));
    assert!(!masked(&w, "cpio-2.12", "CVE-2015-1198", today));
    let w = one("[\"*\"]\ncve = [\"CVE-2015-1197\", \"CVE-2016-2037\"]\n");
    assert!(masked(&w, "cpio-2.12", "CVE-2015-1197", today));
    assert!(!masked(&w, "cpio-2.12", "CVE-2016-2038", today));
    // Partial: the listed CVE is masked, the other one stays.
    assert!(!masked(&w, "cpio-2.12", "CVE-2015-1198", today));
    let w = one("[\"libxslt\"]\nuntil = \"2018-04-12\"\n");
    assert!(masked(&w, "libxslt-2.0", "CVE-1-1", "2018-04-11"));
    assert!(!masked(&w, "libxslt-2.0", "CVE-1-1", "2018-04-12"));
}

/// whitelist_test.py: test_not_whitelisted and test_filter, with vulnix's whitelist.toml.
#[test]
fn whitelist_filter() {
    let w = whitelist("whitelist.toml");
    let today = "2018-02-28";
    assert!(!masked(&w, "cpio-2.12", "CVE-2016-2037", today));
    assert!(!masked(&w, "audiofile-0.3.6", "CVE-2017-6826", today));
    assert!(masked(&w, "audiofile-0.3.6", "CVE-2017-6827", today));
    assert!(masked(&w, "unzip-6.0", "CVE-2015-7696", today));
    assert!(masked(&w, "audiofile-0.3.2", "CVE-2018-2668", today));
    // The most specific rule is the one shown: unzip's, not `*` (both list CVE-2015-7696).
    let shown = w
        .masks(&pkg("unzip-6.0"), "CVE-2015-7696", d(today))
        .expect("masked");
    assert_eq!(w.rules[shown].key, "unzip");
}

const MERGE: &str = r#"["libxslt-2.0"]
until = "2018-02-25"
comment = "latest date wins"

["audiofile-0.3.6"]
cve = ["CVE-2017-6827", "CVE-2017-6839"]
comment = "new stuff should be appended"
issue_url = "https://github.com/NixOS/nixpkgs/issues/30959"

["libtasn1-4.12"]
cve = ["CVE-2017-10790"]
"#;

/// whitelist_test.py: test_merge, test_merge_into_empty, test_until_latest_wins.
#[test]
fn whitelist_merge() {
    let mut w = whitelist("whitelist.toml");
    w.add_text("new.toml", MERGE).expect("merge");
    assert_eq!(w.rules.len(), 7);
    let l = rule(&w, "libxslt-2.0");
    assert_eq!(l.until, Some(d("2018-03-01")));
    assert_eq!(l.comments, ["latest date wins"]);
    let a = rule(&w, "audiofile-0.3.6");
    assert_eq!(
        a.cves.iter().collect::<Vec<_>>(),
        [
            "CVE-2017-6827",
            "CVE-2017-6828",
            "CVE-2017-6834",
            "CVE-2017-6839"
        ]
    );
    assert_eq!(
        a.comments,
        [
            "some issues not fixed upstream",
            "new stuff should be appended"
        ]
    );
    let mut urls = a.issue_urls.clone();
    urls.sort();
    assert_eq!(
        urls,
        [
            "https://fb.flyingcircus.io/f/cases/26909/",
            "https://github.com/NixOS/nixpkgs/issues/30959"
        ]
    );
    assert_eq!(
        rule(&w, "libtasn1-4.12").cves.iter().collect::<Vec<_>>(),
        ["CVE-2017-10790"]
    );
    let mut e = Whitelist::default();
    e.add_text("new.toml", "[\"libxslt\"]\n[\"audiofile-0.3.6\"]\n")
        .expect("into empty");
    let keys: Vec<&str> = e.rules.iter().map(|r| r.key.as_str()).collect();
    assert_eq!(keys, ["libxslt", "audiofile-0.3.6"]);
    let mut w = whitelist("whitelist.toml");
    w.add_text(
        "new.toml",
        "[\"libxslt-2.0\"]\nuntil = \"2018-03-02\"\n\n[\"audiofile-0.3.2\"]\nuntil = \"2018-04-01\"\n",
    )
    .expect("merge");
    assert_eq!(rule(&w, "libxslt-2.0").until, Some(d("2018-03-02")));
    assert_eq!(rule(&w, "audiofile-0.3.2").until, Some(d("2018-04-01")));
}

const DUMP: &str = r#"["*"]
cve = [ "CVE-2015-2504", "CVE-2015-7696" ]

[libxslt]
comment = "broken, won't fix"

[unzip]
cve = "CVE-2015-7696"

["libxslt-2.0"]
cve = [ "CVE-2015-9019", "CVE-2017-2477" ]
until = "2018-03-01"

["audiofile-0.3.2"]

["audiofile-0.3.6"]
cve = [ "CVE-2017-6827", "CVE-2017-6828", "CVE-2017-6834" ]
comment = "some issues not fixed upstream"
issue_url = "https://fb.flyingcircus.io/f/cases/26909/"
"#;

/// whitelist_test.py: test_dump_str, test_dump_str_remove_outdated, test_dump_add_cve: what
/// `-W` writes, byte for byte as vulnix writes it.
#[test]
fn whitelist_dump() {
    let w = whitelist("whitelist.toml");
    assert_eq!(w.dump(d("2018-02-28")), DUMP);
    let without = DUMP.replace(
        "[\"libxslt-2.0\"]\ncve = [ \"CVE-2015-9019\", \"CVE-2017-2477\" ]\nuntil = \"2018-03-01\"\n\n",
        "",
    );
    assert_eq!(w.dump(d("2018-03-01")), without);
    let mut w = w;
    let mut add = rule(&w, "libxslt-2.0").clone();
    add.cves = ["CVE-2019-13118".to_string()].into();
    add.until = None;
    add.comments.clear();
    w.insert(add);
    assert!(w.dump(d("2018-02-28")).contains(
        "[\"libxslt-2.0\"]\ncve = [ \"CVE-2015-9019\", \"CVE-2017-2477\", \"CVE-2019-13118\" ]\nuntil = \"2018-03-01\"\n"
    ));
    // What nixsec writes reads back the same.
    let mut again = Whitelist::default();
    again
        .add_text("again.toml", &w.dump(d("2018-02-28")))
        .expect("round trip");
    assert_eq!(again.dump(d("2018-02-28")), w.dump(d("2018-02-28")));
}
