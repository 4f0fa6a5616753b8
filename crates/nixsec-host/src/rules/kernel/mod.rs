//! Kernel, sysctl and mounts (catalogue section 10, NIX-110..120).

automod::dir!(pub "src/rules/kernel");
