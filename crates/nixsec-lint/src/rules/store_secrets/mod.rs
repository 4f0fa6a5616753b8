//! Rules of the catalogue section `store_secrets`; one file per rule.
automod::dir!("src/rules/store_secrets");
