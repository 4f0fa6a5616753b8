//! Rules of the catalogue section `store_secrets`; one file per rule.
automod::dir!("src/rules/store_secrets");

pub(crate) use secret_literal::default_may_hold_secret;
