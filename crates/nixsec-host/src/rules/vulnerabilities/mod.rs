//! Vulnerabilities and updates (catalogue section 12, NIX-150..157).

automod::dir!(pub "src/rules/vulnerabilities");
