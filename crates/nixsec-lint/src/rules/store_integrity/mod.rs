//! Rules of the catalogue section `store_integrity`; one file per rule.
automod::dir!("src/rules/store_integrity");
