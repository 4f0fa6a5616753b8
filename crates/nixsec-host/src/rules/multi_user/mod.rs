//! Multi-user Nix (catalogue section 2, NIX-010..018).

automod::dir!(pub "src/rules/multi_user");
