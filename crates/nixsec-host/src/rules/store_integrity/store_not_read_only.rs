//! NIX-024: the store is not a read-only, nosuid, nodev bind mount (NixOS).

use linkme::distributed_slice;
use nixsec_core::{Evidence, HostCx, Outcome, Rule, RuleMeta, Section, Severity, HOST_RULES};

/// `/nix/store` is writable through its mount, or allows setuid or device files.
pub struct StoreNotReadOnly;

#[distributed_slice(HOST_RULES)]
static RULE: &dyn Rule = &StoreNotReadOnly;

static META: RuleMeta = RuleMeta {
    id: "NIX-024",
    title: "Store not mounted read-only",
    section: Section::StoreIntegrity,
    severity: Severity::Medium,
    checks: "On a running NixOS system, the last `/nix/store` entry of `/proc/self/mountinfo` (the mount on top). Fails when its per-mount options lack `ro`, `nosuid` or `nodev`. NixOS makes this bind mount by default (`boot.readOnlyNixStore`); other hosts and mounted roots are skipped.",
    rationale: "A read-only bind mount means that even root's processes (and anything that gains root) cannot modify store paths in place by accident or by a simple write: the daemon remounts privately to add paths. `nosuid` and `nodev` keep a path that slipped into the store from becoming a setuid root binary or a device node.",
    fix: "Keep NixOS's read-only store mount with `nosuid` and `nodev`.",
    nixos: "boot.readOnlyNixStore = true;\nboot.nixStoreMountOpts = [ \"nodev\" \"nosuid\" ];",
    references: &["NixOS option boot.readOnlyNixStore", "proc(5): mountinfo"],
    source: file!(),
};

/// One mountinfo line: mount point and per-mount options.
fn parse_line(line: &str) -> Option<(String, Vec<&str>)> {
    let f: Vec<&str> = line.split(' ').collect();
    if f.len() < 10 || !f.contains(&"-") {
        return None;
    }
    Some((unescape(f[4]), f[5].split(',').collect()))
}

/// mountinfo escapes space, tab, newline and backslash as `\NNN` octal.
fn unescape(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\\' && i + 3 < b.len() && b[i + 1..i + 4].iter().all(|c| (b'0'..=b'7').contains(c)) {
            out.push((b[i + 1] - b'0') * 64 + (b[i + 2] - b'0') * 8 + (b[i + 3] - b'0'));
            i += 4;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

impl Rule for StoreNotReadOnly {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &HostCx) -> Outcome {
        if !cx.info().is_nixos {
            return Outcome::skip("not a NixOS system: the read-only store mount is a NixOS feature (`boot.readOnlyNixStore`)");
        }
        let text = match cx.root().read_to_string("/proc/self/mountinfo") {
            Ok((_, t)) => t,
            Err(e) if e.is_not_found() => {
                return Outcome::skip("no `/proc` under this root: mounts can only be checked on the running system")
            }
            Err(e) => return Outcome::error(e.to_string()),
        };
        let mut found = None;
        for (i, line) in text.lines().enumerate() {
            if let Some((mp, opts)) = parse_line(line) {
                if mp == "/nix/store" {
                    found = Some((u32::try_from(i + 1).unwrap_or(u32::MAX), opts.join(",")));
                }
            }
        }
        let Some((line, opts)) = found else {
            return Outcome::fail("`/nix/store` is not a mount of its own: it is writable wherever its filesystem is")
                .with_evidence([Evidence::value("/proc/self/mountinfo", "no /nix/store mount")]);
        };
        let has = |o: &str| opts.split(',').any(|x| x == o);
        let missing: Vec<&str> = ["ro", "nosuid", "nodev"].into_iter().filter(|o| !has(o)).collect();
        let ev = Evidence::line("/proc/self/mountinfo", line, format!("/nix/store {opts}"));
        if missing.is_empty() {
            Outcome::pass("`/nix/store` is mounted ro,nosuid,nodev").with_evidence([ev])
        } else {
            Outcome::fail(format!("`/nix/store` is mounted without {}", missing.join(", "))).with_evidence([ev])
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::*;

    const NIXOS_LINE: &str = "27 1 259:2 /nix/store /nix/store ro,nosuid,nodev,relatime shared:2 - ext4 /dev/nvme0n1p2 rw";

    fn nixos(mountinfo: &str) -> RootBuilder {
        RootBuilder::new().file("/etc/NIXOS", "").file("/proc/self/mountinfo", mountinfo)
    }

    #[test]
    fn skipped_off_nixos_and_without_proc() {
        let o = run(&StoreNotReadOnly, &RootBuilder::new().file("/proc/self/mountinfo", NIXOS_LINE));
        assert_eq!(o.status(), Status::Skip);
        assert!(message(&o).contains("not a NixOS system"));
        assert_eq!(run(&StoreNotReadOnly, &RootBuilder::new().file("/etc/NIXOS", "")).status(), Status::Skip);
    }

    #[test]
    fn read_only_bind_mount_passes() {
        let text = format!("22 1 259:2 / / rw,relatime shared:1 - ext4 /dev/nvme0n1p2 rw\n{NIXOS_LINE}\n");
        assert_eq!(run(&StoreNotReadOnly, &nixos(&text)).status(), Status::Pass);
    }

    #[test]
    fn writable_or_missing_mount_fails() {
        let o = run(&StoreNotReadOnly, &nixos("27 1 259:2 /nix/store /nix/store rw,relatime shared:2 - ext4 /dev/x rw\n"));
        assert_eq!(o.status(), Status::Fail);
        assert_eq!(message(&o), "`/nix/store` is mounted without ro, nosuid, nodev");
        let o = run(&StoreNotReadOnly, &nixos("22 1 259:2 / / rw,relatime shared:1 - ext4 /dev/x rw\n"));
        assert_eq!(o.status(), Status::Fail);
        // The last (topmost) mount decides.
        let o = run(&StoreNotReadOnly, &nixos(&format!("{NIXOS_LINE}\n28 27 259:2 /nix/store /nix/store rw,nosuid,nodev - ext4 /dev/x rw\n")));
        assert_eq!(message(&o), "`/nix/store` is mounted without ro");
    }

    #[test]
    fn escapes_and_garbage() {
        assert_eq!(unescape("/mnt/my\\040disk"), "/mnt/my disk");
        assert!(parse_line("garbage").is_none());
        assert_eq!(run(&StoreNotReadOnly, &nixos("\u{0}\u{1}junk\n")).status(), Status::Fail);
    }
}
