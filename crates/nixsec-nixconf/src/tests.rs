//! Tests of the nix.conf reader, written from Nix's `applyConfig` semantics.

use super::*;
use std::os::unix::fs::symlink;

fn root_with(files: &[(&str, &str)]) -> (nixsec_testutil::RootBuilder, Root) {
    let b = files
        .iter()
        .fold(nixsec_testutil::RootBuilder::new(), |b, (p, c)| {
            b.file(p, c)
        });
    let r = b.root();
    (b, r)
}

#[test]
fn comments_whitespace_and_values() {
    let c = NixConf::parse_str(
        "# comment\n  sandbox   =\tfalse # trailing\r\ntrusted-users = root  @wheel\nsubstituters = https://a#not-a-fragment\n\n",
        "/etc/nix/nix.conf",
    )
    .expect("parse");
    let s = c.get("sandbox").expect("sandbox");
    assert_eq!(s.value(), "false");
    assert_eq!(s.sources[0].line, 2);
    assert_eq!(
        c.get("trusted-users").expect("tu").items,
        ["root", "@wheel"]
    );
    // `#` starts a comment anywhere, even inside a URL.
    assert_eq!(c.get("substituters").expect("subs").value(), "https://a");
    assert!(c.get("require-sigs").is_none());
}

#[test]
fn extra_appends_and_plain_replaces() {
    let c = NixConf::parse_str(
        "trusted-users = root\nextra-trusted-users = alice\nextra-trusted-users = bob\ntrusted-users = carol\nextra-trusted-users = dave\n",
        "/etc/nix/nix.conf",
    )
    .expect("parse");
    let s = c.get("trusted-users").expect("tu");
    assert_eq!(s.items, ["carol", "dave"]);
    assert_eq!(s.sources.iter().map(|e| e.line).collect::<Vec<_>>(), [4, 5]);
    // extra- before any plain value appends to the default (an empty start here).
    let c = NixConf::parse_str("extra-substituters = https://x\n", "/n").expect("parse");
    assert_eq!(c.get("substituters").expect("s").items, ["https://x"]);
}

#[test]
fn empty_value_is_legal() {
    let c = NixConf::parse_str("build-users-group =\n", "/n").expect("parse");
    assert_eq!(c.get("build-users-group").expect("g").value(), "");
}

#[test]
fn nix_rejects_lines_without_spaced_equals() {
    for bad in [
        "sandbox=false\n",
        "sandbox\n",
        "sandbox : false\n",
        "include a b\n",
    ] {
        let e = NixConf::parse_str(bad, "/etc/nix/nix.conf").expect_err(bad);
        let msg = e.to_string();
        assert!(
            msg.starts_with("`/etc/nix/nix.conf`: line 1: illegal configuration line"),
            "{msg}"
        );
    }
}

#[test]
fn no_line_continuation() {
    // Nix joins no lines: the backslash is a token of the value and the next line stands alone.
    let c = NixConf::parse_str("trusted-users = root \\\n  alice = x\n", "/n").expect("parse");
    assert_eq!(c.get("trusted-users").expect("tu").items, ["root", "\\"]);
    assert_eq!(c.get("alice").expect("alice").value(), "x");
}

#[test]
fn booleans_as_nix_reads_them() {
    for (v, b) in [
        ("true", true),
        ("yes", true),
        ("1", true),
        ("false", false),
        ("no", false),
        ("0", false),
    ] {
        let c = NixConf::parse_str(&format!("require-sigs = {v}\n"), "/n").expect("parse");
        assert_eq!(
            c.bool("require-sigs").expect("bool").map(|x| x.0),
            Some(b),
            "{v}"
        );
    }
    for v in ["True", "off", "true false", ""] {
        let c = NixConf::parse_str(&format!("require-sigs = {v}\n"), "/n").expect("parse");
        let e = c.bool("require-sigs").expect_err(v);
        assert!(e.message.contains("line 1"), "{}", e.message);
    }
}

#[test]
fn includes_relative_to_the_including_file_and_in_order() {
    let (_t, root) = root_with(&[
        ("/etc/nix/nix.conf", "sandbox = true\ninclude extra.conf\n!include /etc/nix/missing.conf\ntrusted-users = root\n"),
        ("/etc/nix/extra.conf", "sandbox = false\ntrusted-users = @wheel\n"),
    ]);
    let c = NixConf::load(&root, NIX_CONF)
        .expect("load")
        .expect("present");
    assert_eq!(c.files, ["/etc/nix/nix.conf", "/etc/nix/extra.conf"]);
    let s = c.get("sandbox").expect("sandbox");
    assert_eq!(
        (
            s.value().as_str(),
            s.sources[0].path.as_str(),
            s.sources[0].line
        ),
        ("false", "/etc/nix/extra.conf", 1)
    );
    // The line after the include wins over the included file.
    assert_eq!(c.get("trusted-users").expect("tu").items, ["root"]);
}

#[test]
fn missing_include_is_an_error_missing_bang_include_is_not() {
    let (_t, root) = root_with(&[("/etc/nix/nix.conf", "include /etc/nix/nope.conf\n")]);
    let e = NixConf::load(&root, NIX_CONF).expect_err("missing include");
    assert_eq!(e.to_string(), "`/etc/nix/nix.conf`: line 1: included file `/etc/nix/nope.conf` not found (Nix refuses to start)");
}

#[test]
fn include_loops_end() {
    let (_t, root) = root_with(&[("/etc/nix/nix.conf", "include nix.conf\n")]);
    let e = NixConf::load(&root, NIX_CONF).expect_err("loop");
    assert!(e.to_string().contains("include loop"), "{e}");
}

#[test]
fn nixos_symlink_chain_into_the_store() {
    let (t, root) = root_with(&[
        (
            "/nix/store/aaaa-nix.conf",
            "sandbox = relaxed\ninclude local.conf\n",
        ),
        ("/etc/nix/local.conf", "x = 1\n"),
    ]);
    std::fs::create_dir_all(t.path().join("etc/static/nix")).expect("mkdir");
    symlink(
        "/nix/store/aaaa-nix.conf",
        t.path().join("etc/static/nix/nix.conf"),
    )
    .expect("ln");
    symlink(
        "/etc/static/nix/nix.conf",
        t.path().join("etc/nix/nix.conf"),
    )
    .expect("ln");
    let c = NixConf::load(&root, NIX_CONF)
        .expect("load")
        .expect("present");
    assert_eq!(c.get("sandbox").expect("s").value(), "relaxed");
    // The include is relative to /etc/nix (as written), not to the store file.
    assert_eq!(
        c.get("x").expect("x").sources[0].path,
        "/etc/nix/local.conf"
    );
}

#[test]
fn binary_garbage_and_loops_are_errors() {
    let (t, root) = root_with(&[]);
    std::fs::create_dir_all(t.path().join("etc/nix")).expect("mkdir");
    std::fs::write(
        t.path().join("etc/nix/nix.conf"),
        b"\x7fELF\x02\x01\x01\x00\xff\xfe\x00\x00",
    )
    .expect("write");
    let e = NixConf::load(&root, NIX_CONF).expect_err("garbage");
    assert!(e.to_string().contains("not a text file"), "{e}");
    std::fs::remove_file(t.path().join("etc/nix/nix.conf")).expect("rm");
    symlink("nix.conf", t.path().join("etc/nix/nix.conf")).expect("ln");
    let e = NixConf::load(&root, NIX_CONF).expect_err("loop");
    assert!(e.to_string().contains("symbolic links"), "{e}");
    assert!(!e.is_not_found());
    assert!(matches!(
        SystemConf::load(&root),
        SystemConf::Broken(NixConfError::Read(RootError::Loop { .. }))
    ));
}

#[test]
fn absent_conf_means_defaults() {
    let (_t, root) = root_with(&[]);
    assert!(NixConf::load(&root, NIX_CONF).expect("load").is_none());
    assert!(matches!(SystemConf::load(&root), SystemConf::Absent));
}

#[test]
fn extra_appends_to_the_default() {
    let c = NixConf::parse_str("extra-allowed-users = @wheel\n", "/n").expect("parse");
    assert_eq!(
        NixConf::list(Some(&c), "allowed-users", &["*"]).items,
        ["*", "@wheel"]
    );
    let c = NixConf::parse_str("allowed-users = @wheel\nextra-allowed-users = bob\n", "/n")
        .expect("parse");
    assert_eq!(
        NixConf::list(Some(&c), "allowed-users", &["*"]).items,
        ["@wheel", "bob"]
    );
    let s = NixConf::list(None, "trusted-users", &["root"]);
    assert_eq!((s.items, s.sources.len()), (vec!["root".to_string()], 0));
}

mod properties {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Whatever the bytes, the reader returns a value or an error naming the file.
        #[test]
        fn any_text_parses_or_errors(text in "\\PC*") {
            match NixConf::parse_str(&text, "/etc/nix/nix.conf") {
                Ok(_) => {}
                Err(e) => prop_assert!(e.to_string().starts_with("`/etc/nix/nix.conf`: line ")),
            }
        }

        /// `NAME = TOKENS` lines read back as the tokens, the last plain assignment winning.
        #[test]
        fn settings_round_trip(
            lines in prop::collection::vec(("[a-z][a-z-]{0,12}", prop::collection::vec("[!-\"$-~]{1,8}", 0..4)), 1..8)
        ) {
            prop_assume!(lines.iter().all(|(k, _)| k != "include"));
            let text: String = lines.iter().map(|(k, v)| format!("{k} = {}\n", v.join(" \t "))).collect();
            let conf = NixConf::parse_str(&text, "/n").expect("well-formed");
            for (k, _) in &lines {
                let name = k.strip_prefix("extra-").unwrap_or(k);
                let mut want: Vec<String> = Vec::new();
                for (k2, v2) in &lines {
                    if k2 == name { want = v2.clone(); }
                    else if k2.strip_prefix("extra-") == Some(name) { want.extend(v2.iter().cloned()); }
                }
                prop_assert_eq!(&conf.get(name).expect("set").items, &want);
            }
        }
    }
}
