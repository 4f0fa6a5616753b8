//! Rules of the catalogue section `accounts`; one file per rule.
automod::dir!("src/rules/accounts");
