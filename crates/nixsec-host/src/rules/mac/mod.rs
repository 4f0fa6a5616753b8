//! Mandatory access control: AppArmor, SELinux (catalogue section 9, NIX-100..102).

automod::dir!(pub "src/rules/mac");
