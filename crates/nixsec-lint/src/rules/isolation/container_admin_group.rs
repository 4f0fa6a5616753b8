//! NIX-056: users in groups that give root through a container or VM daemon.

use crate::index::Assignment;
use crate::rules::{elements, FileCx, Hit, LintRule};
use crate::value::Value;

struct ContainerAdminGroup;

crate::lint_rule!("NIX-056", ContainerAdminGroup);

const GROUPS: &[&str] = &["docker", "lxd", "incus-admin", "libvirtd"];

fn podman_socket(cx: &FileCx<'_>) -> bool {
    cx.podman_socket
        || cx
            .index
            .find(&["virtualisation", "podman", "dockerSocket", "enable"])
            .any(|a| a.value.v.as_bool() == Some(true))
}

impl LintRule for ContainerAdminGroup {
    fn also_reads(&self) -> &'static [&'static [&'static str]] {
        &[&["virtualisation", "podman", "dockerSocket", "enable"]]
    }
    fn options(&self) -> &'static [&'static [&'static str]] {
        &[
            &["users", "users", "*", "extraGroups"],
            &["users", "extraUsers", "*", "extraGroups"],
            &["users", "groups", "*", "members"],
            &["users", "extraGroups", "*", "members"],
            // A user's primary group.
            &["users", "users", "*", "group"],
            &["users", "extraUsers", "*", "group"],
        ]
    }
    /// A repository's own user option (`local.user.extraGroups`, `snowflake.user.extraGroups`)
    /// that its modules hand to `users.users.<name>.extraGroups`.
    fn wants(&self, a: &Assignment) -> bool {
        a.path.len() >= 2
            && a.path.last().is_some_and(|l| l == "extraGroups")
            && !crate::index::NIXOS_NAMESPACES.contains(&a.path[0].as_str())
            && a.path[0] != "options"
    }
    fn check(&self, a: &Assignment, cx: &FileCx<'_>, out: &mut Vec<Hit>) {
        let risky = |g: &str| GROUPS.contains(&g) || (g == "podman" && podman_socket(cx));
        let group_members = a.path[0] == "users"
            && a.path.len() == 4
            && (a.path[1] == "groups" || a.path[1] == "extraGroups");
        if group_members {
            let group = a.path[2].as_str();
            if !risky(group) {
                return;
            }
            // Members named by a variable (`members = users;`, `[ username ]`): users set
            // elsewhere (a specialArg, a variables file).
            let named: Vec<(String, rnix::TextRange, Option<&str>)> = match &a.value.v {
                Value::Unknown(t) => vec![(t.clone(), a.value.range, a.value.cond.as_deref())],
                Value::List(items) => items
                    .iter()
                    .filter_map(|i| match &i.v {
                        Value::Unknown(t) => Some((t.clone(), i.range, i.cond.as_deref())),
                        _ => None,
                    })
                    .collect(),
                _ => Vec::new(),
            };
            for (expr, range, cond) in named {
                if expr.contains(' ') || expr.contains('[') {
                    continue;
                }
                out.push(
                    Hit::new(
                        range,
                        format!("the users of `{expr}` are in group `{group}` (root-equivalent)"),
                    )
                    .subject(format!("{group}:{expr}"))
                    .when(cond),
                );
            }
            // Root in the group gains nothing.
            for (user, range, cond) in elements(&a.value)
                .into_iter()
                .filter(|(u, ..)| *u != "root")
            {
                out.push(
                    Hit::new(
                        range,
                        format!("user `{user}` is in group `{group}` (root-equivalent)"),
                    )
                    .subject(format!("{group}:{user}"))
                    .when(cond),
                );
            }
            return;
        }
        if a.path[0] == "users" && a.path.len() == 4 && a.path[3] == "group" {
            let user = &a.path[2];
            if let Some(g) = a.value.v.as_str().filter(|g| risky(g) && user != "root") {
                out.push(
                    Hit::new(
                        a.value.range,
                        format!("user `{user}` has `{g}` as its primary group (root-equivalent)"),
                    )
                    .subject(format!("{g}:{user}"))
                    .when(a.value.cond.as_deref()),
                );
            }
            return;
        }
        let user = if a.path[0] == "users" && a.path.len() == 4 {
            a.path[2].clone()
        } else {
            a.path[..a.path.len() - 1].join(".")
        };
        if user == "root" {
            return;
        }
        for (g, range, cond) in elements(&a.value) {
            if risky(g) {
                // One list given to many users (`extraGroups = groups;`) is one finding.
                out.push(
                    Hit::new(
                        range,
                        format!("user `{user}` is in group `{g}` (root-equivalent)"),
                    )
                    .subject(format!("{g}:{user}"))
                    .when(cond)
                    .grouped(g, user.clone()),
                );
            }
        }
    }
    fn merged(&self, group: &str, users: &[String]) -> String {
        let names: Vec<String> = users.iter().map(|u| format!("`{u}`")).collect();
        format!(
            "users {} are in group `{group}` (root-equivalent), all from this one list",
            names.join(", ")
        )
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{h, hits};
    use nixsec_core::Severity::High;

    const ID: &str = "NIX-056";

    /// A repository's own option named like a NixOS one (`foo.extraGroups`, `a.groups.extraGroups`)
    /// once panicked here (found by the fuzzer).
    #[test]
    fn short_own_option_paths() {
        for src in [
            r#"{ foo.extraGroups = [ "docker" ]; }"#,
            r#"{ a.groups.extraGroups = [ "docker" ]; }"#,
        ] {
            assert_eq!(hits(src, ID), [h("\"docker\"", 1, High)], "{src}");
        }
    }

    #[test]
    fn root_gains_nothing() {
        for src in [
            r#"{ users.groups.libvirtd.members = [ "root" ]; }"#,
            r#"{ users.users.root.extraGroups = [ "docker" ]; }"#,
            r#"{ users.users.root.group = "docker"; }"#,
            r#"{ users.users.app = { isSystemUser = true; group = "app"; }; }"#,
        ] {
            assert!(hits(src, ID).is_empty(), "{src}");
        }
    }

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
        // A user's primary group.
        assert_eq!(
            hits(
                r#"{ users.users.deploy = { isNormalUser = true; group = "docker"; }; }"#,
                ID
            ),
            [h("\"docker\"", 1, High)]
        );
        assert_eq!(
            hits(r#"{ users.groups.docker.members = [ "bob" ]; }"#, ID),
            [h("\"bob\"", 1, High)]
        );
        // The old spelling, and members named by a variable.
        assert_eq!(
            hits(r#"{ users.extraGroups.docker.members = [ "bob" ]; }"#, ID),
            [h("\"bob\"", 1, High)]
        );
        assert_eq!(
            hits(
                r#"{ users, ... }: { users.extraGroups.libvirtd.members = users; }"#,
                ID
            ),
            [h("users", 1, High)]
        );
        assert_eq!(
            hits(
                r#"{ me, ... }: { users.groups.docker.members = [ me ]; }"#,
                ID
            ),
            [h("me", 1, High)]
        );
        // A repository's own user option handed to users.users.<name>.extraGroups.
        assert_eq!(
            hits(r#"{ snowflake.user.extraGroups = [ "docker" ]; }"#, ID),
            [h("\"docker\"", 1, High)]
        );
        assert!(hits(r#"{ options.my.extraGroups = [ "docker" ]; }"#, ID).is_empty());
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
