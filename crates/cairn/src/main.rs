//! The `cairn` command line.

mod cli;

use clap::Parser;

/// Output piped into `head` and closed early ends the process quietly, as for other
/// Unix tools, instead of panicking on the broken pipe.
#[cfg(unix)]
#[allow(unsafe_code)]
fn default_sigpipe() {
    // SAFETY: restoring the default disposition of SIGPIPE at start-up, before any thread
    // exists, has no memory-safety preconditions.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

#[cfg(not(unix))]
fn default_sigpipe() {}

fn main() {
    default_sigpipe();
    let cli = cli::Cli::parse();
    // The whole command runs on a thread of the kernels' pool: parallel kernels then start
    // without waking the pool from outside each time (see `on_pool`).
    cairn::tensor::kernels::init_pool(64 << 20);
    if let Err(e) = cairn::tensor::kernels::on_pool(|| cli::run(cli)) {
        eprintln!("error: {e:#}");
        std::process::exit(1);
    }
}
