//! Rules of the catalogue section `isolation`; one file per rule.
automod::dir!("src/rules/isolation");
