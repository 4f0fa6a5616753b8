//! nixsec: a security auditor for NixOS and Nix hosts.
//!
//! `main` parses arguments, calls [`run`], and maps the result to an exit code; nothing else
//! exits the process.

mod cli;
mod commands;
mod output;
mod printer;
mod progress;

use std::process::ExitCode;

use clap::Parser;
use nixsec_core::ExitStatus;

/// mimalloc instead of the C library's allocator: a lint run makes and frees millions of small
/// syntax-tree nodes. Built without transparent huge pages (`no_thp`): zeroing 2 MiB pages cost
/// more system time than they saved.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let args = cli::Cli::parse();
    printer::init_logging(&args.global);
    match run(args) {
        Ok(status) => ExitCode::from(status.code()),
        Err(err) => {
            // `nixsec audit | head`: a closed pipe is not an error worth a message.
            if err.chain().any(|c| {
                c.downcast_ref::<std::io::Error>()
                    .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
            }) {
                return ExitCode::SUCCESS;
            }
            printer::report_error(&err);
            ExitCode::from(ExitStatus::Error.code())
        }
    }
}

fn run(args: cli::Cli) -> anyhow::Result<ExitStatus> {
    // Keep the host rules linked in: they register themselves, nothing else names them.
    let _ = nixsec_host::link();
    match args.command {
        cli::Command::Audit(a) => commands::audit::run(&args.global, &a),
        cli::Command::Rules(a) => commands::rules::run(&a),
        cli::Command::Explain(a) => commands::explain::run(&args.global, &a),
        cli::Command::Store(cli::StoreCommand::Verify(a)) => {
            commands::store::verify(&args.global, &a)
        }
        cli::Command::Store(cli::StoreCommand::Scan(a)) => {
            commands::scan::store_scan(&args.global, &a)
        }
        cli::Command::Elf(a) => commands::scan::elf(&args.global, &a),
        cli::Command::Secrets(a) => commands::scan::secrets(&args.global, &a),
        cli::Command::Units(a) => commands::units::run(&a),
        cli::Command::Vulns(a) => commands::vulns::run(&args.global, &a),
        cli::Command::Lint(a) => commands::lint::run(&args.global, &a),
        cli::Command::Diff(a) => commands::diff::run(&args.global, &a),
        cli::Command::Completions(a) => commands::generate::completions(&a),
        cli::Command::Man => commands::generate::man(),
    }
}
