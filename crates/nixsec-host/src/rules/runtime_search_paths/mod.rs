//! Runtime search paths (catalogue section 1, NIX-001..009).

automod::dir!(pub "src/rules/runtime_search_paths");
