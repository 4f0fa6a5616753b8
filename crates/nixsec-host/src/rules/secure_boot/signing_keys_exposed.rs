//! NIX-092: Secure Boot signing keys readable by non-root users.

use std::os::unix::fs::MetadataExt;

use crate::cx::HostCx;
use crate::engine::Rule;
use nixsec_core::{escape, Evidence, Outcome, Problem, Root};

/// Secure Boot private keys readable by others.
pub struct SigningKeysExposed;

crate::host_rule!("NIX-092", SigningKeysExposed);

const BUNDLES: [&str; 2] = ["/var/lib/sbctl", "/etc/secureboot"];

/// Which classes (group 0o040 / other 0o004) can search every directory from `/` down to `dir`.
fn reachable(root: &Root, dir: &str) -> (bool, bool) {
    let mut group = true;
    let mut other = true;
    let mut cur = String::new();
    for part in std::iter::once("").chain(dir.split('/').filter(|p| !p.is_empty())) {
        if !part.is_empty() {
            cur.push('/');
            cur.push_str(part);
        }
        let path = if cur.is_empty() { "/" } else { cur.as_str() };
        if let Ok((_, md)) = root.metadata(path) {
            let m = md.mode();
            group &= m & 0o010 != 0;
            other &= m & 0o001 != 0;
        }
    }
    (group, other)
}

impl Rule for SigningKeysExposed {
    fn check(&self, cx: &HostCx) -> Outcome {
        let root = cx.root();
        let (mut bad, mut ok, mut errors) = (Vec::new(), Vec::new(), Vec::new());
        let mut any_bundle = false;
        for bundle in BUNDLES {
            let keys = format!("{bundle}/keys");
            let kinds = match root.read_dir(&keys) {
                Ok((_, v)) => v,
                Err(e) if e.is_not_found() => continue,
                Err(e) => {
                    errors.push(e.to_string());
                    continue;
                }
            };
            any_bundle = true;
            for kind in kinds.iter().filter_map(|k| k.to_str()) {
                let dir = format!("{keys}/{kind}");
                let Ok((_, files)) = root.read_dir(&dir) else {
                    continue;
                };
                let (group_ok, other_ok) = reachable(root, &dir);
                for f in files
                    .iter()
                    .filter_map(|f| f.to_str())
                    .filter(|f| f.ends_with(".key"))
                {
                    let path = format!("{dir}/{f}");
                    match root.metadata(&path) {
                        Ok((_, md)) => {
                            let mode = md.mode() & 0o7777;
                            let readable_by_group = mode & 0o040 != 0 && md.gid() != 0 && group_ok;
                            let readable_by_other = mode & 0o004 != 0 && other_ok;
                            if md.uid() != 0 || readable_by_group || readable_by_other {
                                bad.push((
                                    path,
                                    format!("mode {mode:04o}, uid {}, gid {}", md.uid(), md.gid()),
                                ));
                            } else {
                                ok.push(path);
                            }
                        }
                        Err(e) => errors.push(e.to_string()),
                    }
                }
            }
        }
        if !any_bundle && errors.is_empty() {
            return Outcome::skip(
                "no Secure Boot PKI bundle (/var/lib/sbctl/keys, /etc/secureboot/keys)",
            );
        }
        if !bad.is_empty() {
            // One problem per key; a key or bundle that could not be read is one too.
            let mut problems: Vec<Problem> = bad
                .into_iter()
                .map(|(p, m)| {
                    let shown = escape(&p).into_owned();
                    Problem::about(
                        shown.as_str(),
                        format!(
                            "Secure Boot private key `{shown}` is readable by non-root users ({m})"
                        ),
                    )
                    .with_evidence([Evidence::value(p, m)])
                })
                .collect();
            problems.extend(errors.iter().map(|e| crate::isolation::unread(e)));
            return Outcome::Fail { problems };
        }
        if !errors.is_empty() {
            return Outcome::error(errors.join("; "));
        }
        if ok.is_empty() {
            return Outcome::pass("the PKI bundle holds no private keys");
        }
        Outcome::pass(format!("{} Secure Boot private keys, root-only", ok.len()))
            .with_evidence(ok.into_iter().map(Evidence::path))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::*;

    fn bundle(mode: u32) -> RootBuilder {
        let mut b = RootBuilder::new().dir("/var/lib/sbctl/keys", 0o755);
        for k in ["PK", "KEK", "db"] {
            b = b
                .file(
                    &format!("/var/lib/sbctl/keys/{k}/{k}.key"),
                    "-----BEGIN PRIVATE KEY-----\n",
                )
                .file(&format!("/var/lib/sbctl/keys/{k}/{k}.pem"), "cert")
                .chmod(&format!("/var/lib/sbctl/keys/{k}/{k}.key"), mode);
        }
        b
    }

    #[test]
    fn world_readable_keys_fail() {
        let o = run(&SigningKeysExposed, &bundle(0o644));
        assert_eq!(o.status(), Status::Fail, "{}", message(&o));
        let mut subjects: Vec<&str> = o
            .problems()
            .iter()
            .filter_map(|p| p.subject.as_deref())
            .collect();
        subjects.sort_unstable();
        assert_eq!(
            subjects,
            [
                "/var/lib/sbctl/keys/KEK/KEK.key",
                "/var/lib/sbctl/keys/PK/PK.key",
                "/var/lib/sbctl/keys/db/db.key"
            ],
            "one problem per key, no certificate: {o:?}"
        );
        let db = o
            .problems()
            .iter()
            .find(|p| p.subject.as_deref() == Some("/var/lib/sbctl/keys/db/db.key"))
            .expect("db.key");
        assert!(
            db.message.starts_with(
                "Secure Boot private key `/var/lib/sbctl/keys/db/db.key` is readable by non-root users (mode 0644, uid "
            ),
            "{}",
            db.message
        );
        assert_eq!(db.evidence.len(), 1);
        assert_eq!(db.evidence[0].path, "/var/lib/sbctl/keys/db/db.key");
    }

    #[test]
    fn root_only_keys_pass() {
        if !root_or_skip("needs root-owned fixture files") {
            return;
        }
        let o = run(&SigningKeysExposed, &bundle(0o600));
        assert_eq!(o.status(), Status::Pass, "{}", message(&o));
        // A 0644 key behind a 0700 directory is not reachable.
        let o = run(
            &SigningKeysExposed,
            &bundle(0o644).chmod("/var/lib/sbctl", 0o700),
        );
        assert_eq!(o.status(), Status::Pass, "{}", message(&o));
    }

    #[test]
    fn skipped_without_bundle() {
        assert_eq!(
            run(&SigningKeysExposed, &RootBuilder::new()).status(),
            Status::Skip
        );
    }

    #[test]
    fn unreadable_bundle_is_an_error() {
        let b = RootBuilder::new().file("/var/lib/sbctl/keys", "not a directory");
        let o = run(&SigningKeysExposed, &b);
        assert_eq!(o.status(), Status::Error, "{}", message(&o));
        assert!(
            message(&o).contains("/var/lib/sbctl/keys"),
            "{}",
            message(&o)
        );
    }
}
