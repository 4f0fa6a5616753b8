//! Accounts and authentication (catalogue section 11, NIX-130..139).

automod::dir!(pub "src/rules/accounts");
