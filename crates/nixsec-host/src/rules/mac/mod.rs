//! Mandatory access control: AppArmor, SELinux (catalogue section 9, NIX-100..102). The
//! securityfs and selinuxfs files are read by [`nixsec_readers::mac`].

automod::dir!(pub "src/rules/mac");

#[cfg(test)]
pub(crate) mod fixtures {
    //! `tests/fixtures/mac`: modelled securityfs, selinuxfs and AppArmor files.
    use std::path::Path;

    /// A fixture file's content.
    pub fn mac(name: &str) -> Vec<u8> {
        std::fs::read(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("tests/fixtures/mac")
                .join(name),
        )
        .expect("mac fixture")
    }
}
