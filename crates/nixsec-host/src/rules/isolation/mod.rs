//! Isolation (catalogue section 6, NIX-050..069).

automod::dir!(pub "src/rules/isolation");
