//! Where output goes: colour decisions, logging to stderr, and fatal-error printing.

use std::io::IsTerminal;

use crate::cli::{ColorChoice, GlobalArgs};

/// Colour for a stream: `always`, `never`, or on a terminal when `NO_COLOR` is unset or empty.
pub fn use_color(choice: ColorChoice, is_terminal: bool) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            is_terminal
                && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                && std::env::var_os("TERM").is_none_or(|t| t != "dumb")
        }
    }
}

/// Logs go to stderr: warnings by default, `-v` info, `-vv` debug, `RUST_LOG` overrides.
pub fn init_logging(global: &GlobalArgs) {
    let level = match global.verbose {
        0 => "warn",
        1 => "info",
        2 => "debug",
        _ => "trace",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(level));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(use_color(global.color, std::io::stderr().is_terminal()))
        .without_time()
        .with_target(false)
        .try_init();
}

/// `nixsec: <problem>`, then a `Cause:` line per link of the chain, all escaped.
#[allow(clippy::print_stderr)]
pub fn report_error(err: &anyhow::Error) {
    eprintln!("nixsec: {}", nixsec_core::escape(&err.to_string()));
    for cause in err.chain().skip(1) {
        eprintln!("  Cause: {}", nixsec_core::escape(&cause.to_string()));
    }
}

/// A warning the user should act on, on stderr.
#[allow(clippy::print_stderr)]
pub fn warn_user(msg: &str) {
    eprintln!("warning: {}", nixsec_core::escape(msg));
}
