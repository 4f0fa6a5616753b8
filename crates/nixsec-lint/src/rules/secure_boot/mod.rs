//! Rules of the catalogue section `secure_boot`; one file per rule.
automod::dir!("src/rules/secure_boot");
