//! nixsec-elf against the reference tools: Debian's `checksec` for the hardening properties
//! (on a deterministic sample of this machine's `/usr/bin` and `/usr/lib`, and on small
//! programs built here with `cc`), `patchelf` for RPATH/RUNPATH/interpreter.
//!
//! `NIXSEC_CHECKSEC_ALL=1` compares every ELF file of `/usr/bin` and `/usr/lib` instead of the
//! sample (`scripts/checksec-all` does that). A missing tool skips a test with a message, and
//! fails it when `CI` is set (`scripts/test` installs them).

use std::os::unix::fs::PermissionsExt as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use nixsec_elf::{parse, resolve, Pie, Relro};

fn elf_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    for e in rd.flatten() {
        let Ok(ft) = e.file_type() else { continue };
        let p = e.path();
        if ft.is_dir() {
            elf_files(&p, out);
        } else if ft.is_file() {
            let mut magic = [0u8; 4];
            let ok = std::fs::File::open(&p)
                .and_then(|mut f| std::io::Read::read_exact(&mut f, &mut magic))
                .is_ok();
            if ok && &magic == nixsec_elf::MAGIC {
                out.push(p);
            }
        }
    }
}

/// checksec's JSON for one file: `{ "<file>": { "relro": ..., ... } }`.
fn checksec(file: &Path) -> serde_json::Value {
    let out = Command::new("checksec")
        .arg("--output=json")
        .arg(format!("--file={}", file.display()))
        .output()
        .expect("run checksec");
    let text = String::from_utf8_lossy(&out.stdout);
    let v: serde_json::Value = serde_json::from_str(text.trim())
        .unwrap_or_else(|e| panic!("checksec JSON for {}: {e}: {text}", file.display()));
    v.as_object()
        .and_then(|o| o.values().next().cloned())
        .unwrap_or_else(|| panic!("checksec printed nothing for {}", file.display()))
}

/// Our properties in checksec's words.
fn ours(file: &Path) -> Result<[String; 7], String> {
    let bytes = std::fs::read(file).map_err(|e| e.to_string())?;
    let e = parse(&bytes).map_err(|e| e.to_string())?;
    let yn = |b: bool| if b { "yes" } else { "no" }.to_string();
    let nonempty =
        |l: &Option<Vec<String>>| yn(l.as_ref().is_some_and(|v| v.iter().any(|s| !s.is_empty())));
    Ok([
        match e.relro {
            Relro::Full => "full",
            Relro::Partial => "partial",
            Relro::None => "no",
        }
        .to_string(),
        yn(e.canary),
        yn(e.nx),
        e.pie.as_str().to_string(),
        nonempty(&e.rpath),
        nonempty(&e.runpath),
        yn(e.fortify),
    ])
}

fn theirs(v: &serde_json::Value) -> [String; 7] {
    let f = |k: &str| v[k].as_str().unwrap_or("?").to_string();
    [
        f("relro"),
        f("canary"),
        f("nx"),
        f("pie"),
        f("rpath"),
        f("runpath"),
        f("fortify_source"),
    ]
}

fn compare(files: &[PathBuf]) -> Vec<String> {
    let chunks: Vec<&[PathBuf]> = files.chunks(files.len().div_ceil(2).max(1)).collect();
    std::thread::scope(|s| {
        let handles: Vec<_> = chunks
            .into_iter()
            .map(|chunk| {
                s.spawn(move || {
                    let mut bad = Vec::new();
                    for f in chunk {
                        let want = theirs(&checksec(f));
                        match ours(f) {
                            Ok(got) if got == want => {}
                            Ok(got) => bad.push(format!(
                                "{}: checksec {want:?}, nixsec {got:?}",
                                f.display()
                            )),
                            Err(e) => bad.push(format!("{}: {e}", f.display())),
                        }
                    }
                    bad
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("thread"))
            .collect()
    })
}

#[test]
fn hardening_equals_checksec_on_usr() {
    if !require(&["checksec", "readelf", "file"]) {
        return;
    }
    let mut files = Vec::new();
    elf_files(Path::new("/usr/bin"), &mut files);
    elf_files(Path::new("/usr/lib"), &mut files);
    files.sort();
    assert!(!files.is_empty(), "no ELF files under /usr");
    let sample: Vec<PathBuf> = if std::env::var_os("NIXSEC_CHECKSEC_ALL").is_some() {
        files
    } else {
        // Every k-th file: about 120 files, spread over both trees, the same on every run.
        let k = (files.len() / 120).max(1);
        files.into_iter().step_by(k).collect()
    };
    let bad = compare(&sample);
    assert!(
        bad.is_empty(),
        "{} of {} files differ from checksec:\n{}",
        bad.len(),
        sample.len(),
        bad.join("\n")
    );
    eprintln!("{} files equal checksec", sample.len());
}

const PROGRAM: &str = r#"
#include <stdio.h>
#include <string.h>
int main(int argc, char **argv) {
    char buf[64];
    strcpy(buf, argc > 1 ? argv[1] : "x");
    printf("%s\n", buf);
    return 0;
}
"#;

struct Built {
    _dir: tempfile::TempDir,
    path: PathBuf,
}

fn build(flags: &[&str]) -> Built {
    let dir = tempfile::tempdir().expect("tempdir");
    let src = dir.path().join("p.c");
    std::fs::write(&src, PROGRAM).expect("write");
    let path = dir.path().join("p");
    let out = Command::new("cc")
        .args(flags)
        .arg(&src)
        .arg("-o")
        .arg(&path)
        .output()
        .expect("cc");
    assert!(
        out.status.success(),
        "cc {flags:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    Built { _dir: dir, path }
}

fn patchelf(args: &[&str], file: &Path) -> String {
    let out = Command::new("patchelf")
        .args(args)
        .arg(file)
        .output()
        .expect("patchelf");
    assert!(out.status.success(), "patchelf {args:?}");
    String::from_utf8_lossy(&out.stdout).trim_end().to_string()
}

#[test]
fn built_programs_equal_checksec() {
    if !require(&["cc", "checksec", "readelf", "file"]) {
        return;
    }
    let cases: &[&[&str]] = &[
        &[],
        &["-no-pie"],
        &["-Wl,-z,norelro"],
        &["-Wl,-z,lazy"],
        &["-Wl,-z,now"],
        &["-fno-stack-protector"],
        &["-fstack-protector-all"],
        &["-D_FORTIFY_SOURCE=2", "-O2"],
        &["-z", "execstack"],
        &["-shared", "-fPIC"],
        &["-c"],
        &[
            "-no-pie",
            "-Wl,-z,norelro",
            "-fno-stack-protector",
            "-z",
            "execstack",
        ],
    ];
    let mut built = Vec::new();
    for flags in cases {
        built.push(build(flags));
    }
    let files: Vec<PathBuf> = built.iter().map(|b| b.path.clone()).collect();
    let bad = compare(&files);
    assert!(bad.is_empty(), "{}", bad.join("\n"));
    // And what the flags should give, by hand.
    let get = |i: usize| parse(&std::fs::read(&files[i]).expect("read")).expect("parse");
    assert_eq!(get(1).pie, Pie::No);
    assert_eq!(get(2).relro, Relro::None);
    assert_eq!(get(4).relro, Relro::Full);
    assert!(!get(5).canary);
    assert!(get(6).canary);
    assert!(get(7).fortify);
    assert!(!get(8).nx);
    assert_eq!(get(9).pie, Pie::Dso);
    assert_eq!(get(10).pie, Pie::Rel);
}

#[test]
fn search_paths_equal_patchelf() {
    if !require(&["cc", "patchelf"]) {
        return;
    }
    // (cc flags, expected rpath, expected runpath)
    let cases: &[(&[&str], Option<&str>, Option<&str>)] = &[
        (&[], None, None),
        (
            &["-Wl,--disable-new-dtags,-rpath,/nix/store/aaaa-lib/lib"],
            Some("/nix/store/aaaa-lib/lib"),
            None,
        ),
        (
            &["-Wl,--enable-new-dtags,-rpath,/usr/lib/x:$ORIGIN/../lib"],
            None,
            Some("/usr/lib/x:$ORIGIN/../lib"),
        ),
        (
            &["-Wl,--disable-new-dtags,-rpath,/tmp/build::relative/dir"],
            Some("/tmp/build::relative/dir"),
            None,
        ),
        (
            &["-Wl,--enable-new-dtags,-rpath,$LIB/$PLATFORM"],
            None,
            Some("$LIB/$PLATFORM"),
        ),
    ];
    for (flags, rpath, runpath) in cases {
        let b = build(flags);
        let e = parse(&std::fs::read(&b.path).expect("read")).expect("parse");
        let printed = patchelf(&["--print-rpath"], &b.path);
        let ours_joined = e
            .runpath
            .as_ref()
            .or(e.rpath.as_ref())
            .map(|v| v.join(":"))
            .unwrap_or_default();
        assert_eq!(ours_joined, printed, "{flags:?} vs patchelf --print-rpath");
        assert_eq!(
            e.rpath.as_ref().map(|v| v.join(":")).as_deref(),
            *rpath,
            "{flags:?}"
        );
        assert_eq!(
            e.runpath.as_ref().map(|v| v.join(":")).as_deref(),
            *runpath,
            "{flags:?}"
        );
        assert_eq!(
            e.interpreter.as_deref(),
            Some(patchelf(&["--print-interpreter"], &b.path).as_str())
        );
    }
    // Interpreter rewritten into and out of the store.
    let b = build(&[]);
    for interp in [
        "/nix/store/bbbb-glibc-2.40/lib/ld-linux-x86-64.so.2",
        "/tmp/ld.so",
    ] {
        patchelf(&["--set-interpreter", interp], &b.path);
        let e = parse(&std::fs::read(&b.path).expect("read")).expect("parse");
        assert_eq!(e.interpreter.as_deref(), Some(interp));
        assert_eq!(patchelf(&["--print-interpreter"], &b.path), interp);
        let esc = nixsec_elf::escapes(&e, "/x", false, &[]);
        assert_eq!(
            esc.iter().any(|x| x.what == "interpreter"),
            !interp.starts_with("/nix/store/")
        );
    }
}

#[test]
fn escapes_and_resolution() {
    if !require(&["cc", "patchelf"]) {
        return;
    }
    let b = build(&[
        "-Wl,--disable-new-dtags,-rpath,/nix/store/aaaa-a/lib::rel:$ORIGIN/../lib:/usr/lib",
    ]);
    let e = parse(&std::fs::read(&b.path).expect("read")).expect("parse");
    let origin = "/nix/store/cccc-prog/bin";
    let esc = nixsec_elf::escapes(&e, origin, false, &[]);
    let reasons: Vec<(&str, &str)> = esc.iter().map(|x| (x.entry.as_str(), x.reason)).collect();
    assert!(reasons.contains(&("", "empty entry: the current directory")));
    assert!(reasons.contains(&(
        "rel",
        "relative directory: depends on the working directory"
    )));
    assert!(reasons.contains(&("/usr/lib", "outside the Nix store")));
    assert!(!reasons.iter().any(|(e, _)| e.starts_with("$ORIGIN")));
    assert!(!reasons.iter().any(|(e, _)| e.starts_with("/nix/store")));
    // $ORIGIN in a setuid file.
    let esc = nixsec_elf::escapes(&e, origin, true, &[]);
    assert!(esc
        .iter()
        .any(|x| x.reason == "$ORIGIN in a setuid/setgid file"));
    // Resolution order: RPATH (no RUNPATH) first; libc.so.6 found in /usr/lib, outside the store.
    let fs = ["/nix/store/cccc-prog/lib/libc.so.6", "/usr/lib/libc.so.6"];
    let r = resolve(&e, origin, &[], |p| fs.contains(&p));
    assert_eq!(r[0].name, "libc.so.6");
    assert_eq!(
        r[0].found.as_deref(),
        Some("/nix/store/cccc-prog/lib/libc.so.6")
    );
    let r = resolve(&e, origin, &[], |p| p == "/usr/lib/libc.so.6");
    let esc = nixsec_elf::escapes(&e, origin, false, &r);
    assert!(esc
        .iter()
        .any(|x| x.what == "needed" && x.entry == "libc.so.6 => /usr/lib/libc.so.6"));
    // With RUNPATH, RPATH is ignored.
    patchelf(&["--set-rpath", "/nix/store/dddd-x/lib"], &b.path); // patchelf writes RUNPATH
    let e2 = parse(&std::fs::read(&b.path).expect("read")).expect("parse");
    assert!(e2.runpath.is_some());
    let r = resolve(&e2, origin, &["/nix/store/eeee-glibc/lib".into()], |p| {
        p == "/nix/store/eeee-glibc/lib/libc.so.6" || p == "/usr/lib/libc.so.6"
    });
    assert_eq!(
        r[0].found.as_deref(),
        Some("/nix/store/eeee-glibc/lib/libc.so.6")
    );
    let r = resolve(&e2, origin, &[], |_| false);
    assert_eq!(r[0].found, None);
}

/// The first executable `tool` on `PATH`, as a shell finds it.
fn find(tool: &str) -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|dir| dir.join(tool))
        .find(|p| {
            p.metadata()
                .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        })
}

/// True when every one of `tools` is on `PATH`; otherwise [`skip`] naming the missing ones.
fn require(tools: &[&str]) -> bool {
    let missing: Vec<&str> = tools
        .iter()
        .copied()
        .filter(|t| find(t).is_none())
        .collect();
    if !missing.is_empty() {
        skip(&format!("not on PATH: {}", missing.join(", ")));
    }
    missing.is_empty()
}

/// The test cannot run here (`reason`): a one-line message, or a failure when `CI` is set
/// (`scripts/test` installs every tool the suite uses).
fn skip(reason: &str) {
    assert!(
        std::env::var_os("CI").is_none(),
        "{reason}: CI is set, so this fails instead of skipping (scripts/test installs it)"
    );
    eprintln!("skipped: {reason}");
}
