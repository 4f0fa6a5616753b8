//! `nixsec completions SHELL` and `nixsec man`, generated from the clap definitions.

use std::io::Write;

use clap::CommandFactory;
use nixsec_core::ExitStatus;

use crate::cli::{Cli, CompletionsArgs};

pub fn completions(args: &CompletionsArgs) -> anyhow::Result<ExitStatus> {
    let mut cmd = Cli::command();
    let mut out = std::io::stdout().lock();
    clap_complete::generate(args.shell, &mut cmd, "nixsec", &mut out);
    out.flush()?;
    Ok(ExitStatus::Success)
}

pub fn man() -> anyhow::Result<ExitStatus> {
    let cmd = Cli::command();
    let mut out = std::io::stdout().lock();
    clap_mangen::Man::new(cmd.clone()).render(&mut out)?;
    // One section per subcommand, so `man nixsec` documents every option.
    for sub in cmd.get_subcommands() {
        writeln!(out, ".SH \"NIXSEC {}\"", sub.get_name().to_uppercase())?;
        if let Some(about) = sub.get_long_about().or_else(|| sub.get_about()) {
            writeln!(out, "{about}")?;
        }
        clap_mangen::Man::new(sub.clone()).render_options_section(&mut out)?;
    }
    out.flush()?;
    Ok(ExitStatus::Success)
}
