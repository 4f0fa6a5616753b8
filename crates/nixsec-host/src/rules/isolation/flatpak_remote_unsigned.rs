//! NIX-051: a Flatpak remote that does not verify signatures.

use crate::cx::HostCx;
use nixsec_core::{Evidence, Outcome};

use crate::engine::Rule;
use crate::isolation::flatpak_scan;

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
        let mut bad = Vec::new();
        let mut names = Vec::new();
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
            names.push(format!(
                "`{}` ({})",
                nixsec_core::escape(&r.name),
                r.installation
            ));
            let value = format!(
                "[remote \"{}\"] url={} {}=false",
                r.name,
                r.url,
                off.join("=false ")
            );
            bad.push(match r.line {
                Some(l) => Evidence::line(r.config.clone(), l, value),
                None => Evidence::value(r.config.clone(), value),
            });
        }
        if !bad.is_empty() {
            let mut msg = format!(
                "{} remote(s) without signature verification: {}",
                bad.len(),
                names.join(", ")
            );
            if !scan.remote_errors.is_empty() {
                msg.push_str(&format!("; not read: {}", scan.remote_errors.join("; ")));
            }
            return Outcome::fail(msg).with_evidence(bad);
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
        let Some(crate::testing::Failed {
            message, evidence, ..
        }) = crate::testing::failed(&o)
        else {
            panic!("{o:?}")
        };
        assert!(message.contains("`mirror` (user alice)"), "{message}");
        assert_eq!(evidence.len(), 1);
        assert_eq!(
            evidence[0].path,
            "/home/alice/.local/share/flatpak/repo/config"
        );
        assert_eq!(evidence[0].line, Some(6));
        // Summary verification off alone also fails.
        let o = run(
            &FlatpakRemoteUnsigned,
            &root("[remote \"x\"]\nurl=https://x.example/\ngpg-verify-summary=false\n"),
        );
        assert_eq!(o.status(), Status::Fail);
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
