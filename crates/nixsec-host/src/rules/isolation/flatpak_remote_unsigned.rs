//! NIX-051: a Flatpak remote that does not verify signatures.

use crate::cx::HostCx;
use nixsec_core::{escape, Evidence, Outcome, Problem};

use crate::engine::Rule;
use crate::isolation::{flatpak_scan, merged, unread};

/// Non-local Flatpak remotes with `gpg-verify=false` or `gpg-verify-summary=false`.
pub struct FlatpakRemoteUnsigned;

crate::host_rule!("NIX-051", FlatpakRemoteUnsigned);

impl Rule for FlatpakRemoteUnsigned {
    fn check(&self, cx: &HostCx) -> Outcome {
        let scan = flatpak_scan(cx);
        if scan.installations.is_empty() {
            return Outcome::skip(
                "no Flatpak installation (/var/lib/flatpak or ~/.local/share/flatpak)",
            );
        }
        let mut problems = Vec::new();
        for r in &scan.remotes {
            if (r.gpg_verify && r.gpg_verify_summary) || r.is_local() {
                continue;
            }
            let off: Vec<&str> = [
                ("gpg-verify", r.gpg_verify),
                ("gpg-verify-summary", r.gpg_verify_summary),
            ]
            .iter()
            .filter(|(_, v)| !v)
            .map(|(k, _)| *k)
            .collect();
            let subject = format!("{} ({})", escape(&r.name), escape(&r.installation));
            let value = format!(
                "[remote \"{}\"] url={} {}=false",
                r.name,
                r.url,
                off.join("=false ")
            );
            problems.push(
                Problem::about(
                    subject.as_str(),
                    format!(
                        "Flatpak remote `{}` ({}) does not verify signatures",
                        escape(&r.name),
                        escape(&r.installation)
                    ),
                )
                .with_evidence([match r.line {
                    Some(l) => Evidence::line(r.config.clone(), l, value),
                    None => Evidence::value(r.config.clone(), value),
                }]),
            );
        }
        let mut problems = merged(problems);
        if !problems.is_empty() {
            problems.extend(scan.remote_errors.iter().map(|e| unread(e)));
            return Outcome::Fail { problems };
        }
        if !scan.remote_errors.is_empty() {
            return Outcome::error(scan.remote_errors.join("; "));
        }
        let local = scan.remotes.iter().filter(|r| r.is_local()).count();
        Outcome::pass(format!(
            "{} remote(s), all verify signatures{}",
            scan.remotes.len(),
            if local > 0 {
                format!(" or are local `file://` repositories ({local})")
            } else {
                String::new()
            }
        ))
        .with_evidence(scan.remotes.iter().map(|r| {
            Evidence::value(
                r.config.clone(),
                format!("[remote \"{}\"] url={}", r.name, r.url),
            )
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::isolation::fixtures::PASSWD;
    use crate::testing::*;

    /// OSTree repo config as `flatpak remote-add` writes it (modelled; flathub with its key,
    /// and a local repository added with `--no-gpg-verify` as the fixtures' make script does).
    const FLATHUB: &str = "[core]\nrepo_version=1\nmode=bare-user-only\nmin-free-space-size=500MB\n\n[remote \"flathub\"]\nurl=https://dl.flathub.org/repo/\ngpg-verify=true\ngpg-verify-summary=true\ncollection-id=org.flathub.Stable\n\n[remote \"localrepo\"]\nurl=file:///srv/repo\ngpg-verify=false\ngpg-verify-summary=false\n";

    fn root(config: &str) -> RootBuilder {
        RootBuilder::new()
            .file("/etc/passwd", PASSWD)
            .file("/var/lib/flatpak/repo/config", config)
    }

    #[test]
    fn verified_and_local_remotes_pass() {
        let o = run(&FlatpakRemoteUnsigned, &root(FLATHUB));
        assert_eq!(o.status(), Status::Pass, "{}", message(&o));
    }

    #[test]
    fn unverified_https_remote_fails() {
        let cfg = "[core]\nrepo_version=1\n\n[remote \"mirror\"]\nurl=http://mirror.example/repo/\ngpg-verify=false\n";
        let b = root(FLATHUB).file("/home/alice/.local/share/flatpak/repo/config", cfg);
        let o = run(&FlatpakRemoteUnsigned, &b);
        let p = o.problems();
        assert_eq!(p.len(), 1, "{o:?}");
        assert_eq!(p[0].subject.as_deref(), Some("mirror (user alice)"));
        assert_eq!(
            p[0].message,
            "Flatpak remote `mirror` (user alice) does not verify signatures"
        );
        assert_eq!(
            p[0].evidence,
            [Evidence::line(
                "/home/alice/.local/share/flatpak/repo/config",
                6,
                "[remote \"mirror\"] url=http://mirror.example/repo/ gpg-verify=false"
            )]
        );
        // Summary verification off alone also fails.
        let o = run(
            &FlatpakRemoteUnsigned,
            &root("[remote \"x\"]\nurl=https://x.example/\ngpg-verify-summary=false\n"),
        );
        assert_eq!(o.status(), Status::Fail);
    }

    #[test]
    fn each_remote_is_a_problem_and_an_unreadable_config_too() {
        let cfg = "[remote \"a\"]\nurl=https://a.example/\ngpg-verify=false\n\n[remote \"b\"]\nurl=https://b.example/\ngpg-verify-summary=false\n";
        let b = root(cfg).file(
            "/home/alice/.local/share/flatpak/repo/config",
            "{\"remotes\": [}\n",
        );
        let o = run(&FlatpakRemoteUnsigned, &b);
        let subjects: Vec<_> = o.problems().iter().map(|p| p.subject.as_deref()).collect();
        assert_eq!(
            subjects,
            [
                Some("a (system)"),
                Some("b (system)"),
                Some("/home/alice/.local/share/flatpak/repo/config")
            ],
            "{o:?}"
        );
    }

    #[test]
    fn no_installation_skips_and_garbage_config_errors() {
        let o = run(
            &FlatpakRemoteUnsigned,
            &RootBuilder::new().file("/etc/passwd", PASSWD),
        );
        assert_eq!(o.status(), Status::Skip);
        let o = run(&FlatpakRemoteUnsigned, &root("{\"remotes\": [}\n"));
        assert_eq!(o.status(), Status::Error, "{}", message(&o));
        assert!(
            message(&o).contains("/var/lib/flatpak/repo/config"),
            "{}",
            message(&o)
        );
    }
}
