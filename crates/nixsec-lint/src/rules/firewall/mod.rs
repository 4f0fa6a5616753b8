//! Rules of the catalogue section `firewall`; one file per rule.
automod::dir!("src/rules/firewall");
