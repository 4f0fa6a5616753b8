//! NIX-091: Secure Boot is not enforced.

use crate::cx::HostCx;
use crate::engine::Rule;
use nixsec_boot::efivars::{self, SbState};
use nixsec_boot::SignatureCheck;
use nixsec_core::{escape, Evidence, Outcome, Problem, Severity};

/// Secure Boot is off, in setup/audit mode, or the booted binaries are unsigned.
pub struct NotEnforced;

crate::host_rule!("NIX-091", NotEnforced);

fn var_evidence(name: &str, guid: &str, value: Option<bool>) -> Evidence {
    Evidence::value(
        efivars::var_path(name, guid),
        match value {
            Some(true) => "1",
            Some(false) => "0",
            None => "absent",
        },
    )
}

impl Rule for NotEnforced {
    fn check(&self, cx: &HostCx) -> Outcome {
        let root = cx.root();
        let state = match efivars::secure_boot_state(root) {
            Ok(s) => s,
            Err(e) => return Outcome::error(e.to_string()),
        };
        if state == SbState::LegacyBios {
            return Outcome::fail(state.describe())
                .with_evidence([Evidence::value("/sys/firmware/efi", "absent")])
                .with_severity(Severity::Info);
        }
        let g = efivars::EFI_GLOBAL;
        let ev: Vec<Evidence> = [
            ("SecureBoot", g),
            ("SetupMode", g),
            ("AuditMode", g),
            ("DeployedMode", g),
            ("MokSBStateRT", efivars::SHIM_LOCK),
        ]
        .into_iter()
        .filter_map(|(n, guid)| {
            efivars::read_flag(root, n, guid)
                .ok()
                .flatten()
                .map(|v| var_evidence(n, guid, Some(v)))
        })
        .collect();
        if !state.enforced() {
            return Outcome::fail(state.describe()).with_evidence(ev);
        }
        // Enforced by the firmware: are the binaries that boot signed?
        let esp = match nixsec_boot::esp::find(root) {
            Ok(Some(e)) => e,
            Ok(None) => {
                return Outcome::pass(format!(
                    "{}; no ESP found under /boot, /efi or /boot/efi to check the booted binaries",
                    state.describe()
                ))
                .with_evidence(ev)
            }
            Err(e) => return Outcome::error(e.to_string()),
        };
        let selected = efivars::read_string(root, "LoaderEntrySelected", efivars::LOADER)
            .ok()
            .flatten();
        let mut binaries: Vec<String> = Vec::new();
        match efivars::read_string(root, "LoaderImageIdentifier", efivars::LOADER)
            .ok()
            .flatten()
        {
            Some(id) => binaries.push(format!(
                "{}/{}",
                esp.dir,
                id.trim_start_matches(['\\', '/']).replace('\\', "/")
            )),
            None => binaries.extend(esp.loaders.first().cloned()),
        }
        for e in esp.booting_entries(selected.as_deref()) {
            binaries.extend(e.binary.clone());
        }
        let (mut bad, mut good, mut errors) = (Vec::new(), Vec::new(), Vec::new());
        let dbx = match efivars::dbx_hashes(root) {
            Ok(d) => d.unwrap_or_default(),
            Err(e) => {
                errors.push(e.to_string());
                Vec::new()
            }
        };
        for path in &binaries {
            let bytes = match root.read_limited(path, nixsec_boot::pe::MAX_IMAGE_SIZE) {
                Ok((_, b)) => b,
                Err(e) => {
                    errors.push(e.to_string());
                    continue;
                }
            };
            match nixsec_boot::inspect(&bytes) {
                Ok(img)
                    if dbx
                        .iter()
                        .any(|h| nixsec_boot::pe::hex(h) == img.authenticode_sha256) =>
                {
                    bad.push((
                        path.clone(),
                        format!(
                            "its Authenticode hash {} is revoked in dbx",
                            img.authenticode_sha256
                        ),
                    ));
                }
                Ok(img) => match img.signature {
                    SignatureCheck::DigestMatches => good.push(path.clone()),
                    SignatureCheck::Malformed(why) => {
                        errors.push(format!("`{path}`: signature table malformed: {why}"))
                    }
                    other => bad.push((path.clone(), other.describe())),
                },
                Err(e) => errors.push(format!("`{path}`: {e}")),
            }
        }
        if !bad.is_empty() {
            // One problem per boot binary that does not verify.
            let mut problems: Vec<Problem> = bad
                .into_iter()
                .map(|(path, why)| {
                    let shown = escape(&path);
                    Problem::about(
                        shown.as_ref(),
                        format!(
                            "{}, but the boot chain does not verify: `{shown}`: {why}",
                            state.describe()
                        ),
                    )
                    .with_evidence(std::iter::once(Evidence::path(path.clone())).chain(ev.clone()))
                })
                .collect();
            problems = crate::isolation::merged(problems);
            problems.extend(errors.iter().map(|e| crate::isolation::unread(e)));
            return Outcome::Fail { problems };
        }
        if !errors.is_empty() {
            return Outcome::error(errors.join("; ")).with_evidence(ev);
        }
        if good.is_empty() {
            return Outcome::pass(format!(
                "{}; no boot binaries found on the ESP at {}",
                state.describe(),
                esp.dir
            ))
            .with_evidence(ev);
        }
        Outcome::pass(format!(
            "{}; signed with matching Authenticode digests: {}",
            state.describe(),
            good.join(", ")
        ))
        .with_evidence(ev)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::secure_boot::fixtures::*;
    use crate::testing::*;

    #[test]
    fn unenforced_states_fail() {
        for (state, words) in [
            ("setup-mode", "setup mode"),
            ("audit-mode", "audit mode"),
            ("disabled-user-mode", "disabled in firmware"),
            ("no-secureboot-variable", "no Secure Boot support"),
            ("enabled-shim-validation-disabled", "MokSBStateRT=1"),
        ] {
            let o = run(&NotEnforced, &efivars(RootBuilder::new(), state));
            assert_eq!(o.status(), Status::Fail, "{state}");
            assert!(message(&o).contains(words), "{state}: {}", message(&o));
        }
    }

    #[test]
    fn bios_boot_is_info() {
        let Some(crate::testing::Failed {
            severity, message, ..
        }) = crate::testing::failed(&run(&NotEnforced, &RootBuilder::new()))
        else {
            panic!()
        };
        assert_eq!(severity, Some(Severity::Info));
        assert!(message.contains("legacy BIOS"));
    }

    #[test]
    fn enabled_with_signed_lanzaboote_chain_passes() {
        for state in ["enabled-user-mode", "enabled-deployed-mode"] {
            let b = esp(efivars(RootBuilder::new(), state), "esp-lanzaboote")
                .file("/sys/firmware/efi/efivars/LoaderEntrySelected-4a67b082-0a4c-41cf-b6c7-440b29bb8c4f", utf16("nixos-generation-42.efi"));
            // The fixture dbx revokes the test loader's hash (see below): a firmware with an
            // empty dbx here.
            std::fs::remove_file(
                b.path()
                    .join("sys/firmware/efi/efivars/dbx-d719b2cb-3d3a-4596-a3bc-dad00e67656f"),
            )
            .expect("rm dbx");
            let o = run(&NotEnforced, &b);
            assert_eq!(o.status(), Status::Pass, "{state}: {}", message(&o));
            assert!(
                message(&o).contains("nixos-generation-42.efi"),
                "{}",
                message(&o)
            );
        }
    }

    fn utf16(s: &str) -> Vec<u8> {
        let mut v = vec![6, 0, 0, 0];
        for u in s.encode_utf16().chain([0]) {
            v.extend(u.to_le_bytes());
        }
        v
    }

    #[test]
    fn unsigned_or_tampered_boot_binaries_fail() {
        // Without LoaderEntrySelected every lanzaboote entry counts: generation 41 is unsigned.
        let b = esp(
            efivars(RootBuilder::new(), "enabled-user-mode"),
            "esp-lanzaboote",
        );
        let o = run(&NotEnforced, &b);
        assert_eq!(o.status(), Status::Fail, "{}", message(&o));
        assert!(
            message(&o).contains("nixos-generation-41.efi`: unsigned"),
            "{}",
            message(&o)
        );
        let p = o
            .problems()
            .iter()
            .find(|p| p.subject.as_deref() == Some("/boot/EFI/Linux/nixos-generation-41.efi"))
            .unwrap_or_else(|| panic!("{o:?}"));
        assert!(
            p.message.ends_with(
                "`/boot/EFI/Linux/nixos-generation-41.efi`: unsigned (no signature table)"
            ),
            "{}",
            p.message
        );
        assert_eq!(
            p.evidence[0],
            Evidence::path("/boot/EFI/Linux/nixos-generation-41.efi")
        );
        let subjects: Vec<_> = o.problems().iter().map(|p| p.subject.as_deref()).collect();
        let mut unique = subjects.clone();
        unique.dedup();
        assert_eq!(subjects, unique, "one problem per binary");
        let b = esp(
            efivars(RootBuilder::new(), "enabled-user-mode"),
            "esp-lanzaboote",
        )
        .file(
            "/boot/EFI/Linux/nixos-generation-41.efi",
            pe("tiny-signed-tampered.efi"),
        );
        let o = run(&NotEnforced, &b);
        assert!(message(&o).contains("does not match"), "{}", message(&o));
        // The fixture's dbx (efitools' hash of tiny-unsigned.efi) revokes the signed test loader
        // `EFI/systemd/systemd-bootx64.efi` (tiny-signed.efi, same Authenticode hash).
        let b = esp(
            efivars(RootBuilder::new(), "enabled-user-mode"),
            "esp-lanzaboote",
        )
        .file(
            "/sys/firmware/efi/efivars/LoaderEntrySelected-4a67b082-0a4c-41cf-b6c7-440b29bb8c4f",
            utf16("nixos-generation-42.efi"),
        );
        let o = run(&NotEnforced, &b);
        assert_eq!(o.status(), Status::Fail, "{}", message(&o));
        assert!(message(&o).contains("revoked in dbx"), "{}", message(&o));
    }

    #[test]
    fn garbage_efivars_and_binaries_are_errors() {
        let b = efivars(RootBuilder::new(), "enabled-user-mode").file(
            "/sys/firmware/efi/efivars/SecureBoot-8be4df61-93ca-11d2-aa0d-00e098032b8c",
            b"\x06\x00\x00\x00\x01\x00\x00",
        );
        let o = run(&NotEnforced, &b);
        assert_eq!(o.status(), Status::Error);
        assert!(
            message(&o).contains("SecureBoot-8be4df61"),
            "{}",
            message(&o)
        );
        // A type #1 entry whose kernel is not a PE image (the fixture's text stand-ins).
        let b = esp(
            efivars(RootBuilder::new(), "enabled-user-mode"),
            "esp-systemd-boot-editor-off",
        );
        let o = run(&NotEnforced, &b);
        assert_eq!(o.status(), Status::Fail, "{}", message(&o));
        let b = esp(
            efivars(RootBuilder::new(), "enabled-user-mode"),
            "esp-lanzaboote",
        )
        .file(
            "/boot/EFI/Linux/nixos-generation-41.efi",
            pe("tiny-signed.efi"),
        )
        .file("/boot/EFI/Linux/nixos-generation-42.efi", "not a PE\n");
        std::fs::remove_file(
            b.path()
                .join("sys/firmware/efi/efivars/dbx-d719b2cb-3d3a-4596-a3bc-dad00e67656f"),
        )
        .expect("rm dbx");
        let o = run(&NotEnforced, &b);
        assert_eq!(o.status(), Status::Error, "{}", message(&o));
        assert!(message(&o).contains("not a PE image"), "{}", message(&o));
        let b = RootBuilder::new().dir("/sys/firmware/efi", 0o755);
        assert_eq!(run(&NotEnforced, &b).status(), Status::Error);
    }
}
