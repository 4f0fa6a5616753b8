//! NIX-006: nix-ld's loader shim lets foreign (FHS) binaries run on a server.

use crate::cx::{Fact, HostCx};
use nixsec_core::{Evidence, Outcome, Profile};

use crate::engine::Rule;
use nixsec_readers::environment::EnvFiles;

/// `/lib64/ld-linux-x86-64.so.2` resolves to nix-ld, or `NIX_LD` is set, with `--profile server`.
pub struct NixLd;

crate::host_rule!("NIX-006", NixLd);

impl Rule for NixLd {
    fn check(&self, cx: &HostCx) -> Outcome {
        if !cx.info().is_nixos {
            return Outcome::skip("not a NixOS system: the FHS loader is the distribution's own");
        }
        let mut evidence = Vec::new();
        let mut enabled = false;
        for p in ["/lib64/ld-linux-x86-64.so.2", "/lib/ld-linux-aarch64.so.1"] {
            // The link text (the store path may be absent from a partial root), then the fully
            // resolved path when it exists.
            let first = match cx.root().resolve_nofollow(p) {
                Ok(r) => std::fs::read_link(&r.host)
                    .ok()
                    .map(|t| t.to_string_lossy().into_owned()),
                Err(e) if e.is_not_found() => None,
                Err(e) => return Outcome::error(e.to_string()),
            };
            let full = match cx.root().resolve(p) {
                Ok(r) => Some(r.display()),
                Err(e) if e.is_not_found() => None,
                Err(e) => return Outcome::error(e.to_string()),
            };
            if let Some(t) = first {
                let shown = full.filter(|f| f != p).unwrap_or(t);
                if shown.contains("nix-ld") {
                    enabled = true;
                }
                evidence.push(Evidence::value(p, format!("-> {shown}")));
            }
        }
        let env = EnvFiles::of(cx);
        for a in env.assignments("NIX_LD") {
            enabled = true;
            evidence.push(a.evidence());
        }
        if !enabled {
            return Outcome::pass("nix-ld is not enabled (no nix-ld loader, no NIX_LD)")
                .with_evidence(evidence);
        }
        if cx.options().profile() == Profile::Desktop {
            return Outcome::pass("nix-ld is enabled (accepted with --profile desktop)")
                .with_evidence(evidence);
        }
        Outcome::fail_about(
            "nix-ld",
            "nix-ld is enabled on a server: foreign FHS binaries run here",
        )
        .with_evidence(evidence)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::*;
    use nixsec_core::AuditOptions;

    fn with_loader(target: &str) -> RootBuilder {
        RootBuilder::new()
            .file("/etc/NIXOS", "")
            .symlink("/lib64/ld-linux-x86-64.so.2", target)
    }

    #[test]
    fn stub_ld_passes() {
        let o = run(
            &NixLd,
            &with_loader("/nix/store/aaaa-stub-ld-x86_64-linux/lib/ld-linux-x86-64.so.2"),
        );
        assert_eq!(o.status(), Status::Pass, "{}", message(&o));
    }

    #[test]
    fn nix_ld_fails_on_servers_only() {
        let b = with_loader("/nix/store/bbbb-nix-ld-2.0.3/libexec/nix-ld");
        let o = run(&NixLd, &b);
        assert_eq!(
            message(&o),
            "nix-ld is enabled on a server: foreign FHS binaries run here"
        );
        assert_eq!(o.problems()[0].subject.as_deref(), Some("nix-ld"));
        let cx = crate::testing::cx(&b).with_options(AuditOptions {
            profile: Some(Profile::Desktop),
            ..Default::default()
        });
        assert_eq!(NixLd.check(&cx).status(), Status::Pass);
        let b = RootBuilder::new().file("/etc/NIXOS", "").file(
            "/etc/set-environment",
            "export NIX_LD=\"/nix/store/cccc-glibc/lib/ld-linux-x86-64.so.2\"\n",
        );
        assert_eq!(run(&NixLd, &b).status(), Status::Fail);
    }

    #[test]
    fn skip_and_loop() {
        assert_eq!(run(&NixLd, &RootBuilder::new()).status(), Status::Skip);
        let b = RootBuilder::new()
            .file("/etc/NIXOS", "")
            .symlink("/lib64", "/lib64");
        assert_eq!(run(&NixLd, &b).status(), Status::Error);
    }
}
