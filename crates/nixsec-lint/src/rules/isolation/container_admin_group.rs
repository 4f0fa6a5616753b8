//! NIX-056: users in groups that give root through a container or VM daemon.

use linkme::distributed_slice;
use nixsec_core::{RuleMeta, Section, Severity};

use crate::index::Assignment;
use crate::rules::{strings, FileCx, Hit, LintRule, LINT_RULES};

/// ## What it checks
/// `users.users.<n>.extraGroups` (and `users.groups.<g>.members`) containing `docker`, `lxd`,
/// `incus-admin` or `libvirtd`, and `podman` when the same file turns on
/// `virtualisation.podman.dockerSocket.enable`.
///
/// ## Why it matters
/// Access to a rootful container daemon's socket is root: `docker run -v /:/host` mounts the
/// host's file system writable.
///
/// ## Fix (NixOS)
/// `virtualisation.docker.rootless = { enable = true; setSocketVariable = true; };` and drop the
/// group.
///
/// ## References
/// Docker "daemon attack surface"; CWE-250.
pub struct ContainerAdminGroup;

static META: RuleMeta = RuleMeta {
    id: "NIX-056",
    title: "Users with root-equivalent container or VM access",
    section: Section::Isolation,
    severity: Severity::High,
    checks: "`docker`, `lxd`, `incus-admin`, `libvirtd` (or `podman` with its docker socket) in a user's groups",
    rationale: "Access to a rootful container daemon's socket is root: `docker run -v /:/host` mounts the host writable.",
    fix: "Use rootless Docker or Podman and drop the group",
    nixos: "virtualisation.docker.rootless = { enable = true; setSocketVariable = true; };",
    references: &["https://docs.docker.com/engine/security/#docker-daemon-attack-surface", "CWE-250"],
    source: file!(),
};

// linkme places the entry with `#[link_section]`, which the workspace's `unsafe_code` lint flags.
#[allow(unsafe_code)]
#[distributed_slice(LINT_RULES)]
static RULE: &dyn LintRule = &ContainerAdminGroup;

const GROUPS: &[&str] = &["docker", "lxd", "incus-admin", "libvirtd"];

fn podman_socket(cx: &FileCx<'_>) -> bool {
    cx.index
        .find(&["virtualisation", "podman", "dockerSocket", "enable"])
        .any(|a| a.value.v.as_bool() == Some(true))
}

impl LintRule for ContainerAdminGroup {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }
    fn also_reads(&self) -> &'static [&'static [&'static str]] {
        &[&["virtualisation", "podman", "dockerSocket", "enable"]]
    }
    fn options(&self) -> &'static [&'static [&'static str]] {
        &[
            &["users", "users", "*", "extraGroups"],
            &["users", "extraUsers", "*", "extraGroups"],
            &["users", "groups", "*", "members"],
        ]
    }
    fn check(&self, a: &Assignment, cx: &FileCx<'_>, out: &mut Vec<Hit>) {
        let risky = |g: &str| GROUPS.contains(&g) || (g == "podman" && podman_socket(cx));
        if a.path[1] == "groups" {
            let group = a.path[2].as_str();
            if !risky(group) {
                return;
            }
            for (user, range) in strings(&a.value) {
                out.push(Hit::new(
                    range,
                    format!("user `{user}` is in group `{group}` (root-equivalent)"),
                ));
            }
            return;
        }
        let user = &a.path[2];
        for (g, range) in strings(&a.value) {
            if risky(g) {
                out.push(Hit::new(
                    range,
                    format!("user `{user}` is in group `{g}` (root-equivalent)"),
                ));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{h, hits};
    use nixsec_core::Severity::High;

    const ID: &str = "NIX-056";

    #[test]
    fn groups() {
        assert_eq!(
            hits(
                r#"{ users.users.alice.extraGroups = [ "wheel" "docker" "networkmanager" ]; }"#,
                ID
            ),
            [h("\"docker\"", 1, High)]
        );
        assert_eq!(
            hits(
                r#"{ users.users.alice = { extraGroups = [ "libvirtd" ] ++ [ "lxd" ]; }; }"#,
                ID
            ),
            [h("\"libvirtd\"", 1, High), h("\"lxd\"", 1, High)]
        );
        assert_eq!(
            hits(r#"{ users.groups.docker.members = [ "bob" ]; }"#, ID),
            [h("\"bob\"", 1, High)]
        );
        assert!(hits(r#"{ users.users.a.extraGroups = [ "podman" ]; }"#, ID).is_empty());
        assert_eq!(
            hits(r#"{ virtualisation.podman.dockerSocket.enable = true; users.users.a.extraGroups = [ "podman" ]; }"#, ID).len(),
            1
        );
        assert!(hits(
            r#"{ users.users.a.extraGroups = [ "wheel" "video" ]; }"#,
            ID
        )
        .is_empty());
    }
}
