//! NIX-015: every local user may talk to the Nix daemon on a host with several users.

use std::os::unix::fs::PermissionsExt;

use crate::cx::{Fact, HostCx};
use nixsec_core::{Evidence, Outcome};

use nixsec_nixconf::NixConf;
use nixsec_readers::accounts::Accounts;

use crate::engine::Rule;
use crate::nix::{default_evidence, with_conf};
use nixsec_readers::perms::describe;

/// `allowed-users = *` and the socket reachable by everyone, with several human accounts.
pub struct DaemonOpenToAll;

crate::host_rule!("NIX-015", DaemonOpenToAll);

impl Rule for DaemonOpenToAll {
    fn check(&self, cx: &HostCx) -> Outcome {
        with_conf(cx, |conf| {
            let setting = NixConf::list(conf, "allowed-users", &["*"]);
            let items = setting.items.clone();
            let mut evidence = if setting.sources.is_empty() {
                vec![default_evidence(conf, "allowed-users", "*")]
            } else {
                setting.evidence()
            };
            if !items.iter().any(|u| u == "*") {
                return Outcome::pass(format!(
                    "only `{}` may use the daemon",
                    nixsec_core::escape(&items.join(" "))
                ))
                .with_evidence(evidence);
            }
            let accounts = Accounts::of(cx);
            match cx.root().metadata("/nix/var/nix/daemon-socket") {
                Ok((_, md)) => {
                    let dev = describe(&md, &accounts);
                    if md.permissions().mode() & 0o001 == 0 {
                        return Outcome::pass(format!(
                            "`allowed-users` lets everyone in, but the socket directory is {dev}: only its group can connect"
                        ))
                        .with_evidence([Evidence::value("/nix/var/nix/daemon-socket", dev)]);
                    }
                    evidence.push(Evidence::value("/nix/var/nix/daemon-socket", dev));
                }
                Err(e) if e.is_not_found() => {}
                Err(e) => return Outcome::error(e.to_string()),
            }
            let users = match &accounts.users {
                Ok(u) => u,
                Err(e) => return Outcome::error(e.to_string()),
            };
            let humans: Vec<&str> = users
                .iter()
                .filter(|u| {
                    u.uid >= 1000
                        && u.uid != 65534
                        && u.has_login_shell()
                        && !u.name.starts_with("nixbld")
                })
                .map(|u| u.name.as_str())
                .collect();
            if humans.len() <= 1 {
                return Outcome::pass(format!(
                    "every user may use the daemon, but there {} (single-tenant)",
                    if humans.is_empty() {
                        "is no human account".to_string()
                    } else {
                        format!("is one human account, `{}`", nixsec_core::escape(humans[0]))
                    }
                ))
                .with_evidence(evidence);
            }
            Outcome::fail_about(
                "allowed-users",
                format!(
                    "every local user may use the daemon, and {} human accounts exist ({})",
                    humans.len(),
                    nixsec_core::escape(&humans.join(", "))
                ),
            )
            .with_evidence(evidence)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::*;

    fn with_users(conf: &str, n: u32) -> RootBuilder {
        let mut passwd =
            String::from("root:x:0:0::/root:/bin/bash\nnobody:x:65534:65534::/:/bin/sh\n");
        for i in 0..n {
            passwd.push_str(&format!(
                "user{i}:x:{}:100::/home/user{i}:/bin/bash\n",
                1000 + i
            ));
        }
        root_with_conf(conf).file("/etc/passwd", passwd)
    }

    #[test]
    fn multi_tenant_default_fails() {
        let o = run(&DaemonOpenToAll, &with_users("", 3));
        assert_eq!(o.status(), Status::Fail, "{}", message(&o));
        assert!(message(&o).contains("3 human accounts"));
        assert_eq!(o.problems()[0].subject.as_deref(), Some("allowed-users"));
    }

    #[test]
    fn single_user_restricted_or_grouped_passes() {
        assert_eq!(
            run(&DaemonOpenToAll, &with_users("", 1)).status(),
            Status::Pass
        );
        assert_eq!(
            run(&DaemonOpenToAll, &with_users("allowed-users = @wheel\n", 3)).status(),
            Status::Pass
        );
        // `extra-` adds to Nix's default `*`: still open to everyone.
        assert_eq!(
            run(
                &DaemonOpenToAll,
                &with_users("extra-allowed-users = @wheel\n", 3)
            )
            .status(),
            Status::Fail
        );
        // Debian restricts the socket directory to a group (0770 root:nix-users).
        let b = with_users("", 3).chmod("/nix/var/nix/daemon-socket", 0o770);
        let o = run(&DaemonOpenToAll, &b);
        assert_eq!(o.status(), Status::Pass, "{}", message(&o));
    }
}
