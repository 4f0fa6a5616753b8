//! Docker containers created by a real dockerd (20.10, see
//! `tests/fixtures/isolation/containers/README.md`): each container's problems against the
//! `docker create` flags it was made with.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};

use nixsec_isolation::docker;
use nixsec_testutil::RootBuilder;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/isolation/containers/docker")
}

fn root() -> RootBuilder {
    RootBuilder::new()
        .tree(
            "/var/lib/docker/containers",
            &fixtures().join("var-lib-docker-containers"),
        )
        .tree(
            "/var/lib/docker/100000.100000/containers",
            &fixtures().join("userns-remap/var-lib-docker-100000.100000-containers"),
        )
        .file(
            "/etc/docker/daemon.json",
            std::fs::read(fixtures().join("userns-remap/daemon.json")).unwrap(),
        )
}

#[test]
fn every_fixture_container_with_its_create_flags() {
    let b = root();
    let d = docker::daemon(&b.root());
    assert!(d.errors.is_empty(), "{:?}", d.errors);
    assert_eq!(d.settings.userns_remap.as_deref(), Some("default"));
    let cs = docker::containers(&b.root(), &d.settings);
    assert!(cs.errors.is_empty(), "{:?}", cs.errors);
    let by_name = |n: &str| {
        cs.containers
            .iter()
            .find(|c| c.name == n)
            .unwrap_or_else(|| panic!("{n}"))
    };
    assert_eq!(
        docker::problems(by_name("privileged-sock")),
        [
            "--privileged",
            "--pid=host",
            "--network=host",
            "--ipc=host",
            "-v /var/run/docker.sock:/var/run/docker.sock"
        ]
    );
    assert_eq!(
        docker::problems(by_name("caps-unconfined")),
        [
            "--cap-add=NET_ADMIN",
            "--cap-add=SYS_ADMIN",
            "--security-opt seccomp=unconfined",
            "--security-opt apparmor=unconfined",
            "-v /:/host:ro",
            "-v /etc:/host-etc",
            "-v /run:/host-run",
        ]
    );
    assert!(docker::problems(by_name("hardened")).is_empty());
    assert!(docker::problems(by_name("web-default")).is_empty());
    let web = by_name("web-default");
    assert!(web.running);
    assert_eq!(docker::published_on_all(web, None).len(), 1);
    assert!(docker::published_on_all(web, Some("127.0.0.1")).is_empty());
    let remapped = by_name("remapped");
    assert!(remapped.remapped && docker::in_user_namespace(remapped));
    // `--userns host` opts out of remapping.
    assert_eq!(by_name("caps-unconfined").userns_mode, "host");
}

#[test]
fn daemon_json_fixtures() {
    let read = |n: &str| {
        let p = fixtures().join("daemon-json").join(n);
        docker::parse_daemon_json(
            &std::fs::read_to_string(&p).unwrap(),
            "/etc/docker/daemon.json",
        )
        .unwrap()
    };
    assert_eq!(
        docker::unauthenticated_tcp(&read("insecure-tcp.json")).len(),
        1
    );
    assert_eq!(
        docker::unauthenticated_tcp(&read("tcp-tls-no-verify.json")).len(),
        1
    );
    assert!(docker::unauthenticated_tcp(&read("tcp-with-tls.json")).is_empty());
    assert!(docker::unauthenticated_tcp(&read("hardened.json")).is_empty());
    assert!(docker::unauthenticated_tcp(&read("empty.json")).is_empty());
}

/// A Podman OCI runtime spec (modelled on the runtime-spec format Podman writes to
/// `overlay-containers/<ID>/userdata/config.json` for `podman run --pid=host --network=host
/// -v /run/podman/podman.sock:/sock --cap-add=SYS_ADMIN --security-opt seccomp=unconfined`).
#[test]
fn podman_runtime_spec() {
    let spec = r#"{"ociVersion":"1.0.2-dev","hostname":"web",
      "annotations":{"io.podman.annotations.name":"sockpod"},
      "process":{"capabilities":{"bounding":["CAP_CHOWN","CAP_SYS_ADMIN","CAP_NET_BIND_SERVICE"]}},
      "mounts":[{"destination":"/proc","type":"proc","source":"proc"},
                {"destination":"/sock","type":"bind","source":"/run/podman/podman.sock","options":["rbind","rw"]}],
      "linux":{"namespaces":[{"type":"mount"},{"type":"ipc"},{"type":"uts"}]}}"#;
    let id = "c".repeat(64);
    let b = RootBuilder::new()
        .file(
            &format!("/var/lib/containers/storage/overlay-containers/{id}/userdata/config.json"),
            spec,
        )
        .file(
            &format!(
                "/var/lib/containers/storage/overlay-containers/{}/userdata/config.json",
                "d".repeat(64)
            ),
            "{\"linux\": ",
        );
    let cs = docker::containers(&b.root(), &docker::DaemonSettings::default());
    assert_eq!(cs.errors.len(), 1, "the truncated spec: {:?}", cs.errors);
    let c = &cs.containers[0];
    assert_eq!(c.name, "sockpod");
    assert_eq!(
        docker::problems(c),
        [
            "--cap-add=SYS_ADMIN",
            "--pid=host",
            "--network=host",
            "--security-opt seccomp=unconfined",
            "-v /run/podman/podman.sock:/sock"
        ]
    );
}
