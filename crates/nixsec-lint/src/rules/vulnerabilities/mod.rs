//! Rules of the catalogue section `vulnerabilities`; one file per rule.
automod::dir!("src/rules/vulnerabilities");
