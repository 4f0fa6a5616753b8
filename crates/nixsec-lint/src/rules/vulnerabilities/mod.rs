//! Rules of the catalogue section `vulnerabilities`; one file per rule.
automod::dir!("src/rules/vulnerabilities");
pub(crate) use release_end_of_life::pinned_releases;
