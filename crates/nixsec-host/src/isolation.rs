//! What the isolation rules share: the Flatpak scan, container and Docker readers, computed
//! once per audit through the typed facts of [`HostCx`].

use std::sync::Arc;

use crate::cx::HostCx;
use nixsec_isolation::{docker, flatpak, lxc, nspawn};

/// Every Flatpak installation, app view and remote under the root.
#[must_use]
pub fn flatpak_scan(cx: &HostCx) -> Arc<flatpak::Scan> {
    cx.fact(|f| &f.flatpak, |cx| flatpak::scan(cx.root()))
}

/// NixOS declarative containers and `.nspawn` files.
#[must_use]
pub fn nspawn_scan(cx: &HostCx) -> Arc<nspawn::Scan> {
    cx.fact(|f| &f.nspawn, |cx| nspawn::scan(cx.root()))
}

/// The problem for a file that could not be read while other problems were found, so that
/// nothing unverified looks clean: about the file a reader's error names first (`` `PATH`:
/// why ``), or about the whole error when it names none.
#[must_use]
pub fn unread(error: &str) -> nixsec_core::Problem {
    let error = nixsec_core::escape(error);
    let named = error
        .strip_prefix('`')
        .and_then(|rest| rest.split_once('`'))
        .map(|(path, why)| (path, why.trim_start_matches(':').trim_start()));
    match named {
        Some((path, why)) if !path.is_empty() => nixsec_core::Problem::about(
            path,
            format!("`{path}` could not be read: {why}; not checked"),
        )
        .with_evidence([nixsec_core::Evidence::path(path)]),
        _ => nixsec_core::Problem::about(error.as_ref(), format!("not checked: {error}")),
    }
}

/// `problems` with those about one subject merged into the first of them (its message, every
/// one's evidence), so that no two problems of a rule share a subject.
#[must_use]
pub fn merged(problems: Vec<nixsec_core::Problem>) -> Vec<nixsec_core::Problem> {
    let mut out: Vec<nixsec_core::Problem> = Vec::new();
    for p in problems {
        match out
            .iter_mut()
            .find(|q| q.subject.is_some() && q.subject == p.subject)
        {
            Some(q) => {
                for e in p.evidence {
                    if !q.evidence.contains(&e) {
                        q.evidence.push(e);
                    }
                }
            }
            None => out.push(p),
        }
    }
    out
}

/// One outcome over every nspawn container: one problem per container for which `check`
/// returns evidence (`container `NAME` {what}`), one per file that could not be read; `error`
/// when a file could not be read and nothing failed, skip without containers.
pub fn over_nspawn(
    cx: &HostCx,
    what: &str,
    check: impl Fn(&nspawn::Container) -> Vec<nixsec_core::Evidence>,
) -> nixsec_core::Outcome {
    use nixsec_core::{Outcome, Problem};
    let scan = nspawn_scan(cx);
    if scan.containers.is_empty() && scan.errors.is_empty() {
        return Outcome::skip("no NixOS container (/etc/nixos-containers) or .nspawn file");
    }
    let mut problems = Vec::new();
    for c in &scan.containers {
        let e = check(c);
        if !e.is_empty() {
            let name = nixsec_core::escape(&c.name);
            problems.push(
                Problem::about(name.as_ref(), format!("container `{name}` {what}"))
                    .with_evidence(e),
            );
        }
    }
    if problems.is_empty() {
        if !scan.errors.is_empty() {
            return Outcome::error(scan.errors.join("; "));
        }
        return Outcome::pass(format!("{} container(s) checked", scan.containers.len()));
    }
    problems.extend(scan.errors.iter().map(|e| unread(e)));
    Outcome::Fail { problems }
}

/// Evidence at a setting (line 0 = the file as a whole).
#[must_use]
pub fn at_evidence(at: &nspawn::At, value: String) -> nixsec_core::Evidence {
    if at.line == 0 {
        nixsec_core::Evidence::value(at.path.clone(), value)
    } else {
        nixsec_core::Evidence::line(at.path.clone(), at.line, value)
    }
}

/// LXC containers, read once per audit.
#[must_use]
pub fn lxc_scan(cx: &HostCx) -> Arc<lxc::Scan> {
    cx.fact(|f| &f.lxc, |cx| lxc::scan(cx.root()))
}

/// The Docker daemon's settings and every container it keeps.
#[derive(Debug)]
pub struct Docker {
    /// Daemon settings and the evidence of a rootful daemon.
    pub daemon: docker::Daemon,
    /// Containers of every data root.
    pub containers: docker::Containers,
}

impl Docker {
    /// True when a rootful daemon or any container data is present.
    #[must_use]
    pub fn present(&self) -> bool {
        !self.daemon.rootful.is_empty() || !self.containers.roots.is_empty()
    }
}

/// Docker under the root, read once per audit.
#[must_use]
pub fn docker_state(cx: &HostCx) -> Arc<Docker> {
    cx.fact(
        |f| &f.docker,
        |cx| {
            let daemon = docker::daemon(cx.root());
            let containers = docker::containers(cx.root(), &daemon.settings);
            Docker { daemon, containers }
        },
    )
}

#[cfg(test)]
pub(crate) mod fixtures {
    //! The isolation fixtures copied into the project (`tests/fixtures/isolation/`).
    use std::path::{Path, PathBuf};

    use nixsec_testutil::RootBuilder;

    /// `tests/fixtures/isolation/<rel>` of the repository.
    pub fn dir(rel: &str) -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../tests/fixtures/isolation")
            .join(rel)
    }

    /// passwd with root, alice (a desktop user) and nobody.
    pub const PASSWD: &str = "root:x:0:0:root:/root:/bin/bash\nalice:x:1000:100::/home/alice:/bin/bash\nnobody:x:65534:65534::/nonexistent:/usr/sbin/nologin\n";

    /// The Docker fixtures: the four containers of a real dockerd, the remapped one, and
    /// `daemon` as `/etc/docker/daemon.json`.
    pub fn docker_root(daemon: &str) -> RootBuilder {
        let d = dir("containers/docker");
        RootBuilder::new()
            .file("/etc/passwd", PASSWD)
            .tree(
                "/var/lib/docker/containers",
                &d.join("var-lib-docker-containers"),
            )
            .tree(
                "/var/lib/docker/100000.100000/containers",
                &d.join("userns-remap/var-lib-docker-100000.100000-containers"),
            )
            .file("/etc/docker/daemon.json", daemon)
    }

    /// The text of a fixture file.
    pub fn text(rel: &str) -> String {
        std::fs::read_to_string(dir(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
    }

    /// The three modelled NixOS container files as `/etc/nixos-containers/<name>.conf`.
    pub fn nixos_containers_root() -> RootBuilder {
        RootBuilder::new().tree("/etc/nixos-containers", &dir("containers/nixos-containers"))
    }

    /// The LXC fixtures: four containers made by lxc-create under `/var/lib/lxc`, Debian's
    /// `/etc/lxc/default.conf` and `/usr/share/lxc/config`.
    pub fn lxc_root() -> RootBuilder {
        RootBuilder::new()
            .file("/etc/passwd", PASSWD)
            .tree("/var/lib/lxc", &dir("containers/lxc/var-lib-lxc"))
            .tree(
                "/etc/lxc/default.conf",
                &dir("containers/lxc/etc-lxc-default.conf"),
            )
            .tree(
                "/usr/share/lxc/config",
                &dir("containers/lxc/usr-share-lxc-config"),
            )
    }

    /// The Flatpak fixtures: four system apps, one of alice's, overrides at both levels.
    pub fn flatpak_root() -> RootBuilder {
        RootBuilder::new()
            .file("/etc/passwd", PASSWD)
            .tree("/var/lib/flatpak", &dir("flatpak/var-lib-flatpak"))
            .tree(
                "/home/alice/.local/share/flatpak",
                &dir("flatpak/user-data-flatpak"),
            )
    }
}
