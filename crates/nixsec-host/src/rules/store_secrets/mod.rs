//! Store obscurity and secrets (catalogue section 4, NIX-030..037).

automod::dir!(pub "src/rules/store_secrets");
