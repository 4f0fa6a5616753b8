//! NIX-056: users in groups that give root through a container or VM daemon.

use crate::index::Assignment;
use crate::rules::{elements, FileCx, Hit, LintRule};
use crate::value::Value;

struct ContainerAdminGroup;

crate::lint_rule!("NIX-056", ContainerAdminGroup);

const GROUPS: &[&str] = &["docker", "lxd", "incus-admin", "libvirtd"];

fn podman_socket(cx: &FileCx<'_>) -> bool {
    cx.facts.podman_socket
        || cx
            .index
            .find(&["virtualisation", "podman", "dockerSocket", "enable"])
            .any(|a| a.value.v.as_bool() == Some(true))
}

/// `…instances.NAME.roles.ROLE.settings.groups` of a clan inventory: the length of the path up
/// to the instance's name.
fn clan_role_groups(path: &[String]) -> Option<usize> {
    let n = path.len();
    (n >= 6
        && path[n - 1] == "groups"
        && path[n - 2] == "settings"
        && path[n - 4] == "roles"
        && path[n - 6] == "instances")
        .then(|| n - 4)
}

/// What the groups of a clan instance (`…instances.NAME.roles…`) need: its module's name
/// (`module.name = "users"`) and the user its role settings name (`settings.user`).
fn clan_instance_part(path: &[String]) -> bool {
    let n = path.len();
    (n >= 4 && path[n - 4] == "instances" && path[n - 2] == "module" && path[n - 1] == "name")
        || (n >= 3 && path[n - 3] == "instances" && path[n - 1] == "module")
        || (n >= 6
            && path[n - 6] == "instances"
            && path[n - 4] == "roles"
            && path[n - 2] == "settings"
            && path[n - 1] == "user")
}

/// The user of a clan-core `users` service instance whose role settings `a` gives groups
/// (`roles.default.settings = { user = "kiesen"; groups = [ ... ]; }`): the user's name, or
/// the instance's when not written. `None` for another service's instance.
fn clan_users_instance(a: &Assignment, cx: &FileCx<'_>) -> Option<String> {
    let k = clan_role_groups(&a.path)?;
    let same = |b: &Assignment, tail: &[&str]| {
        b.path.len() == k + tail.len()
            && b.path[..k] == a.path[..k]
            && b.path[k..].iter().zip(tail).all(|(x, y)| x == y)
    };
    let is_users = cx.index.assignments.iter().any(|b| {
        (same(b, &["module", "name"]) && b.value.v.as_str() == Some("users"))
            || (same(b, &["module"])
                && b.value.v.attr("name").and_then(|v| v.v.as_str()) == Some("users"))
    });
    if !is_users {
        return None;
    }
    let role = a.path[k + 1].as_str();
    let user = cx
        .index
        .assignments
        .iter()
        .find(|b| same(b, &["roles", role, "settings", "user"]))
        .and_then(|b| b.value.v.as_str().map(str::to_string));
    Some(user.unwrap_or_else(|| a.path[k - 1].clone()))
}

impl LintRule for ContainerAdminGroup {
    fn also_reads(&self) -> &'static [&'static [&'static str]] {
        &[
            &["virtualisation", "podman", "dockerSocket", "enable"],
            &["virtualisation", "libvirtd", "enable"],
            &["virtualisation", "libvirt", "enable"],
            &["virtualisation", "lxd", "enable"],
            &["virtualisation", "incus", "enable"],
            &["virtualisation", "docker", "enable"],
        ]
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
    /// And the groups a clan-core `users` service instance gives its user
    /// (`inventory.instances.NAME.roles.default.settings.groups`).
    fn wants(&self, a: &Assignment) -> bool {
        a.path.len() >= 2
            && a.path.last().is_some_and(|l| l == "extraGroups")
            && !crate::index::NIXOS_NAMESPACES.contains(&a.path[0].as_str())
            && a.path[0] != "options"
            || clan_role_groups(&a.path).is_some()
            || clan_instance_part(&a.path)
    }
    fn check(&self, a: &Assignment, cx: &FileCx<'_>, out: &mut Vec<Hit>) {
        // The group of a VM or container daemon no file of the run turns on gives nothing
        // (docker's is judged unless the run turns docker off and never on: its daemon is
        // often turned on by a module of another flake).
        // Judged by the hosts that reach the file where there are some; else by the run.
        // Docker's too, when some file of the run turns it on: then the hosts reaching the
        // file that do not turn it on have no Docker daemon.
        let vm = cx.host_daemons.map(|[a, b, c, _]| [a, b, c]);
        let daemon_off = |g: &str| {
            (g == "docker"
                && (cx.facts.docker_off
                    || (cx.facts.docker_on && cx.host_daemons.is_some_and(|d| !d[3]))))
                || vm.or(cx.facts.vm_daemons).is_some_and(|on| {
                    crate::rules::VM_DAEMONS
                        .iter()
                        .zip(on)
                        .any(|((_, group), on)| *group == g && !on)
                })
        };
        let risky = |g: &str| {
            (GROUPS.contains(&g) && !daemon_off(g)) || (g == "podman" && podman_socket(cx))
        };
        // A clan `users` instance's groups: its user's, judged as `extraGroups` below.
        let clan_user = if clan_role_groups(&a.path).is_some() {
            let Some(user) = clan_users_instance(a, cx) else {
                return;
            };
            Some(user)
        } else {
            None
        };
        if clan_instance_part(&a.path) {
            return;
        }
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
        let (user, given) = match clan_user {
            Some(u) => (
                u,
                ", given by a clan `users` instance on each machine of its role",
            ),
            None if a.path[0] == "users" && a.path.len() == 4 => (a.path[2].clone(), ""),
            None => (a.path[..a.path.len() - 1].join("."), ""),
        };
        if user == "root" {
            return;
        }
        for (g, range, cond) in elements(&a.value) {
            // `optionals config.virtualisation.docker.enable [ "docker" ]`: in the group only
            // where Docker runs, which no file of the run turns on.
            let guarded = g == "docker"
                && cx.facts.vm_daemons.is_some()
                && !cx.facts.docker_on
                && [cond, a.condition.as_deref()]
                    .into_iter()
                    .flatten()
                    .any(docker_guard);
            if risky(g) && !guarded {
                // One list given to many users (`extraGroups = groups;`) is one finding.
                out.push(
                    Hit::new(
                        range,
                        format!("user `{user}` is in group `{g}` (root-equivalent){given}"),
                    )
                    .subject(format!("{g}:{user}"))
                    .when(cond)
                    .grouped(g, user.clone()),
                );
            }
        }
    }
    fn merged(&self, group: &str, users: &[String]) -> String {
        let names = crate::rules::quoted_once(users);
        if let [one] = names.as_slice() {
            return format!("user {one} is in group `{group}` (root-equivalent)");
        }
        format!(
            "users {} are in group `{group}` (root-equivalent), all from this one list",
            names.join(", ")
        )
    }
}

/// A condition one of whose conjuncts is Docker's switch (`config.virtualisation.docker.enable`,
/// `osConfig.virtualisation.docker.enable`), not negated.
fn docker_guard(cond: &str) -> bool {
    cond.split(" && ").any(|part| {
        let p = part
            .trim()
            .trim_start_matches('(')
            .trim_end_matches(')')
            .trim();
        !p.starts_with('!')
            && (p == "virtualisation.docker.enable" || p.ends_with(".virtualisation.docker.enable"))
    })
}

#[cfg(test)]
mod merged_tests {
    use super::ContainerAdminGroup;
    use crate::rules::LintRule;

    #[test]
    fn a_user_reached_twice_is_named_once() {
        let r = ContainerAdminGroup;
        assert_eq!(
            r.merged("docker", &["sudha".into(), "sudha".into()]),
            "user `sudha` is in group `docker` (root-equivalent)"
        );
        assert!(r
            .merged("docker", &["a".into(), "b".into(), "a".into()])
            .starts_with("users `a`, `b` are in group"));
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

    /// clan-core's `users` service gives its user the groups of the role's settings; another
    /// service's `groups` setting is not a user's.
    #[test]
    fn clan_users_instances() {
        for src in [
            "{ inventory.instances.kiesen-user = { module.name = \"users\"; roles.default.tags.all = { }; roles.default.settings = { user = \"kiesen\"; groups = [ \"wheel\" \"docker\" ]; }; }; }",
            "{ clan.inventory.instances = { me = { module = { name = \"users\"; input = \"clan-core\"; }; roles.default.settings.groups = [ \"libvirtd\" ]; }; }; }",
        ] {
            let f = hits(src, ID);
            assert_eq!(f.len(), 1, "{src}: {f:?}");
        }
        let f = crate::rules::testing::findings(
            "{ inventory.instances.kiesen-user = { module.name = \"users\"; roles.default.settings = { user = \"kiesen\"; groups = [ \"docker\" ]; }; }; }",
            ID,
        );
        assert!(f[0].finding.message.contains("user `kiesen`"), "{f:?}");
        for src in [
            "{ inventory.instances.x = { module.name = \"other\"; roles.default.settings.groups = [ \"docker\" ]; }; }",
            "{ inventory.instances.r = { module.name = \"users\"; roles.default.settings = { user = \"root\"; groups = [ \"docker\" ]; }; }; }",
            "{ inventory.instances.u = { module.name = \"users\"; roles.default.settings = { user = \"a\"; groups = [ \"wheel\" ]; }; }; }",
        ] {
            assert!(hits(src, ID).is_empty(), "{src}");
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
