//! `nixsec store scan` and `nixsec elf` on real Nix stores: secrets planted by
//! `scripts/make-secrets-store.sh` (built once per test run, cached under
//! `CARGO_TARGET_TMPDIR` with a lock) and ELF files built here with `cc` and `patchelf`.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use crate::tools;
use crate::{audit_json, finding, nixsec, run_json};

/// The planted store: its directory (holding `store/`, `expected.tsv`, `values.txt`,
/// `paths.tsv`).
fn secrets_store() -> Option<&'static PathBuf> {
    static S: OnceLock<Option<PathBuf>> = OnceLock::new();
    S.get_or_init(|| {
        if !tools::require_root("real Nix builds the planted store as root")
            || !tools::require(&["nix-store", "ssh-keygen", "openssl"])
        {
            return None;
        }
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/make-secrets-store.sh");
        let tag = std::fs::read(&script)
            .expect("script")
            .iter()
            .fold(0u64, |h, b| h.wrapping_mul(31).wrapping_add(u64::from(*b)));
        let base = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("secrets-store-{tag:016x}"));
        let ready = base.join("ready");
        let lock = PathBuf::from(format!("{}.lock", base.display()));
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(300);
        while !ready.exists() {
            if std::fs::create_dir(&lock).is_ok() {
                let out = Command::new("bash")
                    .arg(&script)
                    .arg(&base)
                    .output()
                    .expect("run");
                if out.status.success() {
                    std::fs::write(&ready, "").expect("ready");
                }
                let _ = std::fs::remove_dir(&lock);
                assert!(
                    out.status.success(),
                    "make-secrets-store failed: {}",
                    String::from_utf8_lossy(&out.stderr)
                );
            } else {
                assert!(
                    std::time::Instant::now() < deadline,
                    "waited too long for {}",
                    lock.display()
                );
                std::thread::sleep(std::time::Duration::from_millis(200));
            }
        }
        Some(base)
    })
    .as_ref()
}

/// `<item>/<rel>` for a scanned file, from `paths.tsv`.
fn item_path(base: &Path, file: &str) -> String {
    let paths = std::fs::read_to_string(base.join("paths.tsv")).expect("paths.tsv");
    for line in paths.lines() {
        let (item, sp) = line.split_once('\t').expect("tab");
        if file == sp {
            return item.to_string();
        }
        if let Some(rest) = file.strip_prefix(&format!("{sp}/")) {
            return format!("{item}/{rest}");
        }
    }
    panic!("{file} is in no planted store path")
}

#[test]
fn every_planted_secret_is_found_and_no_lookalike() {
    let Some(base) = secrets_store() else { return };
    let (code, v) = run_json(
        nixsec()
            .args([
                "store",
                "scan",
                "--all",
                "--secrets",
                "--format",
                "json",
                "--store-root",
            ])
            .arg(base.join("store")),
    );
    assert_eq!(code, 1, "high findings fail the run");
    let found: BTreeSet<(String, String)> = v["secrets"]
        .as_array()
        .expect("secrets array")
        .iter()
        .map(|s| {
            (
                item_path(base, s["file"].as_str().expect("file")),
                s["kind"].as_str().expect("kind").to_string(),
            )
        })
        .collect();
    let expected: BTreeSet<(String, String)> = std::fs::read_to_string(base.join("expected.tsv"))
        .expect("expected.tsv")
        .lines()
        .map(|l| {
            let (f, k) = l.split_once('\t').expect("tab");
            (f.to_string(), k.to_string())
        })
        .collect();
    let missed: Vec<_> = expected.difference(&found).collect();
    let extra: Vec<_> = found.difference(&expected).collect();
    assert!(missed.is_empty(), "planted secrets not found: {missed:?}");
    assert!(
        extra.is_empty(),
        "reported but not planted (look-alikes?): {extra:?}"
    );
    assert!(expected.len() >= 25);
    // The NixOS option is named where the store path shows it.
    let options: BTreeSet<(String, String, String)> = v["secrets"]
        .as_array()
        .expect("secrets array")
        .iter()
        .filter_map(|s| {
            Some((
                item_path(base, s["file"].as_str()?),
                s["kind"].as_str()?.to_string(),
                s["option"].as_str()?.to_string(),
            ))
        })
        .collect();
    let want = std::fs::read_to_string(base.join("options.tsv")).expect("options.tsv");
    for l in want.lines() {
        let f: Vec<&str> = l.split('\t').collect();
        let key = (f[0].to_string(), f[1].to_string(), f[2].to_string());
        assert!(
            options.contains(&key),
            "option not named: {key:?} in {options:?}"
        );
    }
    assert!(want.lines().count() >= 8);
    // Findings in the common model: evidence path = file, with a line.
    for f in v["findings"].as_array().expect("findings") {
        let ev = &f["evidence"][0];
        assert!(ev["path"]
            .as_str()
            .expect("path")
            .starts_with("/nix/store/"));
        assert!(ev["line"].as_u64().is_some(), "{f}");
    }
    let users: Vec<&str> = v["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["rule"] == "NIX-030" || f["rule"] == "NIX-031")
        .map(|f| f["message"].as_str().expect("message"))
        .filter(|m| m.contains("users-groups.json"))
        .collect();
    assert_eq!(users.len(), 3, "{users:?}");
    assert!(users
        .iter()
        .any(|m| m.contains("users.users.alice.password")));
    assert!(users
        .iter()
        .any(|m| m.contains("users.users.bob.hashedPassword")));
    let carol = v["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .find(|f| {
            f["message"]
                .as_str()
                .is_some_and(|m| m.contains("users.users.carol"))
        })
        .expect("carol's MD5 hash");
    assert_eq!(carol["severity"], "high", "a $1$ hash is weak");
}

#[test]
fn secrets_are_redacted_in_every_format() {
    let Some(base) = secrets_store() else { return };
    let values = std::fs::read_to_string(base.join("values.txt")).expect("values");
    for format in ["json", "text", "sarif"] {
        let out = nixsec()
            .args([
                "store",
                "scan",
                "--all",
                "--secrets",
                "--format",
                format,
                "--store-root",
            ])
            .arg(base.join("store"))
            .output()
            .expect("run");
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.contains("redacted"), "{format}: {text}");
        for v in values.lines().filter(|v| v.len() >= 8) {
            assert!(!text.contains(v), "{format} output shows a secret value");
        }
        // Private key bodies are never printed either.
        let key = std::fs::read_to_string(base.join("tree/keys/keys/legacy-rsa.pem")).expect("key");
        let body_line = key.lines().nth(1).expect("body");
        assert!(
            !text.contains(body_line),
            "{format} output shows a key body"
        );
    }
}

#[test]
fn audit_reports_the_system_closure() {
    let Some(base) = secrets_store() else { return };
    let (_, v) = audit_json(
        &base.join("store"),
        &["--rule", "NIX-034", "--rule", "NIX-008"],
    );
    // One finding per secret, about its file (and what tells it from the file's others).
    let found: Vec<&serde_json::Value> = v["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["rule"] == "NIX-034")
        .collect();
    assert!(found.len() > 1, "{found:?}");
    let mut subjects = std::collections::BTreeSet::new();
    for f in &found {
        assert_eq!(f["status"], "fail", "{f}");
        let subject = f["subject"].as_str().expect("subject");
        assert!(subject.starts_with("/nix/store/"), "{f}");
        assert!(subjects.insert(subject), "{subject} twice");
        let m = f["message"].as_str().expect("message");
        assert!(
            m.starts_with("`/nix/store/") && m.contains("` line "),
            "{m}"
        );
        assert!(f["evidence"][0]["line"].as_u64().is_some(), "{f}");
    }
    assert_eq!(finding(&v, "NIX-008")["status"], "pass");
}

/// `nixsec secrets DIR` on the test set built from gitleaks' and detect-secrets' public test
/// data (`tests/data/secrets-corpus`, labels by the sources, reviewed by hand): at least 90% of
/// the secrets found, at most 10% of the non-secrets flagged, and no secret value printed.
#[test]
fn secrets_command_on_the_public_test_set() {
    let base = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/secrets-corpus");
    let (code, v) = run_json(
        nixsec()
            .current_dir(base.join("files"))
            .args(["secrets", "--format", "json", "."]),
    );
    assert_eq!(code, 1, "high findings fail the run");
    let flagged: BTreeSet<String> = v["secrets"]
        .as_array()
        .expect("secrets")
        .iter()
        .map(|s| {
            s["file"]
                .as_str()
                .expect("file")
                .trim_start_matches("./")
                .to_string()
        })
        .collect();
    let labels = std::fs::read_to_string(base.join("labels.tsv")).expect("labels");
    let (mut secrets, mut found, mut others, mut wrong) = (0u32, 0u32, 0u32, 0u32);
    for l in labels.lines().skip(1) {
        let f: Vec<&str> = l.split('\t').collect();
        let hit = flagged.contains(f[0]);
        if f[1] == "secret" {
            secrets += 1;
            found += u32::from(hit);
        } else {
            others += 1;
            wrong += u32::from(hit);
        }
    }
    assert!(secrets > 900 && others > 350);
    assert!(
        f64::from(found) >= 0.9 * f64::from(secrets),
        "recall {found}/{secrets}"
    );
    assert!(
        f64::from(wrong) <= 0.1 * f64::from(others),
        "flagged {wrong}/{others}"
    );
    assert_eq!(
        v["files_scanned"].as_u64(),
        Some(u64::from(secrets + others))
    );
    // Redacted: no value of 12 characters or more from a flagged file's secret line is shown.
    let text = v.to_string();
    for e in std::fs::read_dir(base.join("files/gitleaks/github-pat")).expect("dir") {
        for f in std::fs::read_dir(e.expect("entry").path()).expect("case") {
            let body = std::fs::read_to_string(f.expect("file").path()).expect("read");
            if let Some(i) = body.find("ghp_") {
                let token: String = body[i..].chars().take(40).collect();
                assert!(!text.contains(&token), "a token is shown");
            }
        }
    }
    for s in v["secrets"].as_array().expect("secrets") {
        assert!(
            s["redacted"]
                .as_str()
                .is_some_and(|r| r.contains("redacted")),
            "{s}"
        );
    }
    // A missing path is a usage error naming it.
    let out = nixsec()
        .args(["secrets", "/nonexistent/x"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("/nonexistent/x"));
}

fn cc(dir: &Path, name: &str, flags: &[&str]) -> PathBuf {
    let src = dir.join("p.c");
    std::fs::write(&src, "int main(void){return 0;}\n").expect("write");
    let out = dir.join(name);
    let st = Command::new("cc")
        .args(flags)
        .arg(&src)
        .arg("-o")
        .arg(&out)
        .status()
        .expect("cc");
    assert!(st.success());
    std::fs::remove_file(&src).expect("rm");
    out
}

#[test]
fn elf_search_paths_in_a_real_store() {
    if !tools::require_root("real Nix adds the programs to a store as root")
        || !tools::require(&["nix-store", "sqlite3", "cc", "patchelf"])
    {
        return;
    }
    let tmp = tempfile::Builder::new()
        .prefix("elf-store")
        .tempdir_in(env!("CARGO_TARGET_TMPDIR"))
        .expect("tmp");
    let pkg = tmp.path().join("pkg");
    std::fs::create_dir_all(pkg.join("bin")).expect("mkdir");
    std::fs::create_dir_all(pkg.join("lib")).expect("mkdir");
    let bin = pkg.join("bin");
    cc(
        &bin,
        "good",
        &["-Wl,--enable-new-dtags,-rpath,$ORIGIN/../lib"],
    );
    cc(
        &bin,
        "leaky",
        &["-Wl,--disable-new-dtags,-rpath,/usr/lib:/build/src/.libs::rel"],
    );
    let interp = cc(&bin, "interp", &[]);
    let st = Command::new("patchelf")
        .args(["--set-interpreter", "/tmp/ld.so"])
        .arg(&interp)
        .status()
        .expect("patchelf");
    assert!(st.success());
    cc(
        &bin,
        "soft",
        &["-no-pie", "-Wl,-z,norelro", "-fno-stack-protector"],
    );
    std::fs::write(pkg.join("lib/notes.txt"), "not an ELF file\n").expect("write");
    std::os::unix::fs::symlink("/etc/passwd", pkg.join("lib/outside")).expect("symlink");
    let store = tmp.path().join("store");
    let out = Command::new("nix-store")
        .arg("--store")
        .arg(&store)
        .arg("--add")
        .arg(&pkg)
        .env("NIX_CONF_DIR", tmp.path())
        .output()
        .expect("nix-store");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let sp = String::from_utf8_lossy(&out.stdout).trim().to_string();
    // A deriver with `hardeningDisable`, registered as the package's deriver (as a build
    // would), so that NIX-009 cites it.
    // (Nix validates files named `.drv` on `--add`; the reader does not care about the name.)
    let drv_file = tmp.path().join("pkg-deriver");
    std::fs::write(
        &drv_file,
        format!(r#"Derive([("out","{sp}","","")],[],[],"x86_64-linux","/bin/sh",["-c","true"],[("hardeningDisable","pie stackprotector"),("name","pkg"),("out","{sp}")])"#),
    )
    .expect("drv");
    let out = Command::new("nix-store")
        .arg("--store")
        .arg(&store)
        .arg("--add")
        .arg(&drv_file)
        .env("NIX_CONF_DIR", tmp.path())
        .output()
        .expect("nix-store");
    assert!(out.status.success());
    let drv = String::from_utf8_lossy(&out.stdout).trim().to_string();
    let st = Command::new("sqlite3")
        .arg(store.join("nix/var/nix/db/db.sqlite"))
        .arg(format!(
            "update ValidPaths set deriver = '{drv}' where path = '{sp}'"
        ))
        .status()
        .expect("sqlite3");
    assert!(st.success());
    let (code, v) = run_json(
        nixsec()
            .args([
                "store",
                "scan",
                "--elf",
                "--format",
                "json",
                "--closure",
                &sp,
                "--store-root",
            ])
            .arg(&store),
    );
    assert_eq!(code, 1);
    let elf = v["elf"].as_array().expect("elf array");
    assert_eq!(elf.len(), 4, "{elf:?}");
    let get = |name: &str| {
        elf.iter()
            .find(|e| e["file"] == format!("{sp}/bin/{name}"))
            .unwrap_or_else(|| panic!("no {name}"))
    };
    assert_eq!(
        get("good")["runpath"],
        serde_json::json!(["$ORIGIN/../lib"])
    );
    assert_eq!(
        get("leaky")["rpath"],
        serde_json::json!(["/usr/lib", "/build/src/.libs", "", "rel"])
    );
    assert_eq!(get("interp")["interpreter"], "/tmp/ld.so");
    assert_eq!(get("soft")["pie"], "no");
    assert_eq!(get("soft")["relro"], "none");
    assert_eq!(get("soft")["canary"], false);
    // libc.so.6 is not in this store: unresolved everywhere.
    assert_eq!(
        get("good")["unresolved_needed"],
        serde_json::json!(["libc.so.6"])
    );
    let f008: Vec<&serde_json::Value> = v["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["rule"] == "NIX-008")
        .collect();
    let files: BTreeSet<&str> = f008
        .iter()
        .map(|f| f["evidence"][0]["path"].as_str().expect("path"))
        .collect();
    // Every test program has the host's interpreter (/lib64/ld-linux...), outside the store.
    assert!(files.contains(format!("{sp}/bin/leaky").as_str()));
    assert!(files.contains(format!("{sp}/bin/interp").as_str()));
    let leaky = f008
        .iter()
        .find(|f| {
            f["message"]
                .as_str()
                .is_some_and(|m| m.contains("/bin/leaky"))
        })
        .expect("leaky");
    let values: Vec<&str> = leaky["evidence"]
        .as_array()
        .expect("ev")
        .iter()
        .map(|e| e["value"].as_str().expect("v"))
        .collect();
    assert!(
        values
            .iter()
            .any(|x| x.contains("`/usr/lib`: outside the Nix store")),
        "{values:?}"
    );
    assert!(values
        .iter()
        .any(|x| x.contains("`/build/src/.libs`: outside the Nix store")));
    assert!(values.iter().any(|x| x.contains("``: empty entry")));
    assert!(values
        .iter()
        .any(|x| x.contains("`rel`: relative directory")));
    let good = f008.iter().find(|f| {
        f["message"]
            .as_str()
            .is_some_and(|m| m.contains("/bin/good"))
    });
    let good_values: Vec<&str> = good
        .map(|g| {
            g["evidence"]
                .as_array()
                .expect("ev")
                .iter()
                .map(|e| e["value"].as_str().expect("v"))
                .collect()
        })
        .unwrap_or_default();
    assert!(
        good_values.iter().all(|x| x.starts_with("interpreter")),
        "{good_values:?}"
    );
    assert_eq!(
        get("soft")["hardening_disable"],
        serde_json::json!(["pie", "stackprotector"])
    );
    assert!(v["findings"]
        .as_array()
        .expect("f")
        .iter()
        .any(|f| f["rule"] == "NIX-009"
            && f["message"]
                .as_str()
                .is_some_and(|m| m.contains("/bin/soft")
                    && m.contains("hardeningDisable = [ pie stackprotector ]"))));
    // NIX-009 for the soft program.
    assert!(v["findings"]
        .as_array()
        .expect("f")
        .iter()
        .any(|f| f["rule"] == "NIX-009"
            && f["message"]
                .as_str()
                .is_some_and(|m| m.contains("/bin/soft") && m.contains("no pie"))));
}

#[test]
fn elf_command_on_host_files() {
    let (code, v) =
        run_json(nixsec().args(["elf", "--format", "json", "/usr/bin/ls", "/etc/hostname"]));
    assert_eq!(code, 0);
    let elf = v["elf"].as_array().expect("elf");
    assert_eq!(elf.len(), 1);
    assert_eq!(elf[0]["file"], "/usr/bin/ls");
    for k in [
        "type",
        "pie",
        "nx",
        "relro",
        "canary",
        "fortify",
        "setuid",
        "interpreter",
        "rpath",
        "runpath",
        "unresolved_needed",
    ] {
        assert!(elf[0].get(k).is_some(), "missing {k}");
    }
    let out = nixsec()
        .args(["elf", "/nonexistent/x"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("/nonexistent/x"));
}
