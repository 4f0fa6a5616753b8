//! NIX-018: remote builders whose SSH host keys are not pinned.

use crate::cx::HostCx;
use nixsec_core::{Evidence, Outcome, Problem};
use nixsec_nixconf::machines::{parse_builders, Builder, DEFAULT_BUILDERS};
use nixsec_nixconf::NIX_CONF;

use crate::engine::Rule;
use crate::nix::with_conf;

/// A remote builder without a public host key.
pub struct BuildersUnpinned;

crate::host_rule!("NIX-018", BuildersUnpinned);

fn known_hosts(cx: &HostCx) -> Vec<String> {
    let Ok((_, text)) = cx.root().read_to_string("/etc/ssh/ssh_known_hosts") else {
        return Vec::new();
    };
    text.lines()
        .filter(|l| !l.trim_start().starts_with('#'))
        .filter_map(|l| {
            let mut f = l.split_whitespace();
            let first = f.next()?;
            let hosts = if first.starts_with('@') {
                f.next()?
            } else {
                first
            };
            Some(hosts.to_string())
        })
        .flat_map(|h| {
            h.split(',')
                .map(|x| {
                    x.trim_start_matches('[')
                        .split(']')
                        .next()
                        .unwrap_or("")
                        .to_string()
                })
                .collect::<Vec<_>>()
        })
        .collect()
}

fn evidence(b: &Builder) -> Evidence {
    Evidence {
        path: b.path.clone(),
        line: b.line,
        value: Some(nixsec_core::escape(&b.uri).into_owned()),
    }
}

impl Rule for BuildersUnpinned {
    fn check(&self, cx: &HostCx) -> Outcome {
        with_conf(cx, |conf| {
            let (value, at) = match conf.and_then(|c| c.get("builders")) {
                Some(s) => (
                    s.value(),
                    s.sources
                        .last()
                        .map_or_else(|| NIX_CONF.to_string(), |e| e.path.clone()),
                ),
                None => (DEFAULT_BUILDERS.to_string(), NIX_CONF.to_string()),
            };
            let builders = match parse_builders(cx.root(), &value, &at) {
                Ok(b) => b,
                Err(e) => return Outcome::error(e.to_string()),
            };
            let remote: Vec<&Builder> = builders.iter().filter(|b| b.is_remote()).collect();
            if remote.is_empty() {
                return Outcome::skip("no remote builders are configured");
            }
            let pinned = known_hosts(cx);
            // One problem per builder: each gets its key on its own.
            let mut problems: Vec<Problem> = Vec::new();
            for b in &remote {
                let in_known_hosts = b.host().is_some_and(|h| pinned.iter().any(|p| p == h));
                if b.host_key_is_valid() || in_known_hosts {
                    continue;
                }
                let uri = nixsec_core::escape(&b.uri).into_owned();
                if let Some(p) = problems
                    .iter_mut()
                    .find(|p| p.subject.as_deref() == Some(uri.as_str()))
                {
                    p.evidence.push(evidence(b));
                    continue;
                }
                let why = if b.public_host_key.is_some() {
                    "a malformed host key (not pinned)"
                } else {
                    "no pinned host key"
                };
                problems.push(
                    Problem::about(uri.clone(), format!("remote builder `{uri}` has {why}"))
                        .with_evidence([evidence(b)]),
                );
            }
            Outcome::problems_or(problems, || {
                Outcome::pass(format!(
                    "all {} remote builders have pinned host keys",
                    remote.len()
                ))
                .with_evidence(remote.iter().map(|b| evidence(b)))
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::*;

    // base64 of "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBuilderKeyForTestsOnly root@builder"
    const KEY: &str = "c3NoLWVkMjU1MTkgQUFBQUMzTnphQzFsWkRJMU5URTVBQUFBSUJ1aWxkZXJLZXlGb3JUZXN0c09ubHkgcm9vdEBidWlsZGVy";

    #[test]
    fn no_builders_is_a_skip() {
        assert_eq!(
            run(&BuildersUnpinned, &root_with_conf("")).status(),
            Status::Skip
        );
    }

    #[test]
    fn missing_key_fails_with_the_machines_line() {
        let b = root_with_conf("").file(
            "/etc/nix/machines",
            format!(
                "ssh://a x86_64-linux - 1 1 - - {KEY}\nssh-ng://nix@b.example.org x86_64-linux\n"
            ),
        );
        let o = run(&BuildersUnpinned, &b);
        let Some(crate::testing::Failed {
            evidence, message, ..
        }) = crate::testing::failed(&o)
        else {
            panic!("expected fail")
        };
        assert_eq!(
            message,
            "remote builder `ssh-ng://nix@b.example.org` has no pinned host key"
        );
        assert_eq!(
            (evidence[0].path.as_str(), evidence[0].line),
            ("/etc/nix/machines", Some(2))
        );
        assert_eq!(
            o.problems()[0].subject.as_deref(),
            Some("ssh-ng://nix@b.example.org")
        );
    }

    #[test]
    fn one_problem_per_builder() {
        let b = root_with_conf("").file(
            "/etc/nix/machines",
            "ssh://a x86_64-linux\nssh://b x86_64-linux - 1 1 - - bm90LWEta2V5\nssh://a aarch64-linux\n",
        );
        let o = run(&BuildersUnpinned, &b);
        let p = o.problems();
        assert_eq!(p.len(), 2, "{o:?}");
        assert_eq!(p[0].subject.as_deref(), Some("ssh://a"));
        // Listed twice (two systems): one problem, both lines.
        assert_eq!(p[0].evidence.len(), 2);
        assert_eq!(p[1].subject.as_deref(), Some("ssh://b"));
        assert_eq!(
            p[1].message,
            "remote builder `ssh://b` has a malformed host key (not pinned)"
        );
        assert!(p.iter().all(|p| p.severity.is_none()));
    }

    #[test]
    fn known_hosts_pins_too() {
        let b = root_with_conf("builders = ssh://b.example.org x86_64-linux\n").file(
            "/etc/ssh/ssh_known_hosts",
            "b.example.org,10.0.0.2 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB\n",
        );
        assert_eq!(run(&BuildersUnpinned, &b).status(), Status::Pass);
    }

    #[test]
    fn unreadable_machines_file_is_an_error() {
        let b = root_with_conf("").symlink("/etc/nix/machines", "/etc/nix/machines");
        let o = run(&BuildersUnpinned, &b);
        assert_eq!(o.status(), Status::Error, "{}", message(&o));
    }
}
