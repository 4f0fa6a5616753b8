//! What the isolation rules share: the Flatpak scan, container and Docker readers, computed
//! once per audit through [`HostCx::cached`].

use std::sync::Arc;

use nixsec_core::HostCx;
use nixsec_isolation::flatpak;

/// Every Flatpak installation, app view and remote under the root.
#[must_use]
pub fn flatpak_scan(cx: &HostCx) -> Arc<flatpak::Scan> {
    cx.cached(|cx| flatpak::scan(cx.root()))
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
