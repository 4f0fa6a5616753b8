//! Rules of the catalogue section `kernel`; one file per rule.
automod::dir!("src/rules/kernel");
