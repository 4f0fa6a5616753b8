//! Secure Boot and the boot chain (catalogue section 8, NIX-090..094).

automod::dir!(pub "src/rules/secure_boot");

use crate::cx::HostCx;

/// The loader and stub nixsec-boot reads from efivarfs (`LoaderInfo`, `StubInfo`), if any.
pub(crate) fn loader_info(cx: &HostCx) -> Option<String> {
    nixsec_boot::efivars::read_string(cx.root(), "LoaderInfo", nixsec_boot::efivars::LOADER)
        .ok()
        .flatten()
}

#[cfg(test)]
pub(crate) mod fixtures {
    //! Fixture roots from nixsec-boot's fixtures: efivarfs states and ESP layouts.
    use std::path::{Path, PathBuf};

    use nixsec_testutil::RootBuilder;

    fn boot_fixtures() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../nixsec-boot/tests/fixtures")
    }

    fn copy_tree(src: &Path, dst: &Path) {
        std::fs::create_dir_all(dst).expect("mkdir");
        for e in std::fs::read_dir(src).expect("fixture dir") {
            let e = e.expect("entry");
            let to = dst.join(e.file_name());
            if e.file_type().expect("type").is_dir() {
                copy_tree(&e.path(), &to);
            } else {
                std::fs::copy(e.path(), &to).expect("copy");
            }
        }
    }

    /// Add the efivarfs state `state` (a directory of `efivars/`).
    pub fn efivars(b: RootBuilder, state: &str) -> RootBuilder {
        copy_tree(
            &boot_fixtures().join("efivars").join(state),
            &b.path().join("sys/firmware/efi/efivars"),
        );
        b
    }

    /// Add the ESP layout `layout` (`esp-systemd-boot`, ...) at `/boot`.
    pub fn esp(b: RootBuilder, layout: &str) -> RootBuilder {
        copy_tree(&boot_fixtures().join(layout), &b.path().join("boot"));
        b
    }

    /// A PE fixture's bytes.
    pub fn pe(name: &str) -> Vec<u8> {
        std::fs::read(boot_fixtures().join("pe").join(name)).expect("pe fixture")
    }
}
