//! SSH server rules (catalogue section 7, NIX-078..082).

automod::dir!(pub "src/rules/ssh");
