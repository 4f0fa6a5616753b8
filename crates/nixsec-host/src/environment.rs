//! What the rules about system-wide environment variables share: where a file assigns one, and
//! the files that could not be read. The files are read by [`nixsec_readers::environment`] once
//! per audit (`EnvFiles::of(cx)`, [`crate::cx::Fact`]).

use nixsec_core::Problem;
use nixsec_readers::environment::{Assignment, EnvFiles};

/// `line 3` or `lines 3, 7`: where a file assigns a variable.
#[must_use]
pub fn lines(hits: &[Assignment]) -> String {
    let n: Vec<String> = hits.iter().map(|a| a.line.to_string()).collect();
    format!(
        "line{} {}",
        if n.len() > 1 { "s" } else { "" },
        n.join(", ")
    )
}

/// One problem per file that exists but could not be read, for a rule that found other
/// problems.
#[must_use]
pub fn unreadable(env: &EnvFiles) -> Vec<Problem> {
    env.errors
        .iter()
        .map(|e| crate::perms::unreadable(&e.to_string(), "environment file"))
        .collect()
}

/// The files that could not be read, `; `-separated: the reason of an `error` outcome.
#[must_use]
pub fn errors(env: &EnvFiles) -> String {
    let errors: Vec<String> = env.errors.iter().map(ToString::to_string).collect();
    errors.join("; ")
}
