//! Firewall and network (catalogue section 7, NIX-070..089).

automod::dir!(pub "src/rules/firewall");
