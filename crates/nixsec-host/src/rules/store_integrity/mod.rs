//! Store integrity and signatures: the nix.conf rules (catalogue section 3, NIX-020..023).

automod::dir!(pub "src/rules/store_integrity");
