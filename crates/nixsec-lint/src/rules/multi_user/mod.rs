//! Rules of the catalogue section `multi_user`; one file per rule.
automod::dir!("src/rules/multi_user");
