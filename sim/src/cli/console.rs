//! Printing that survives a closed stdout or stderr.
//!
//! `println!` panics when its write fails, and the write fails as soon as the reader of a pipe is
//! gone (`hemisim run ... | head -1`): the program then dies with code 101 and CI never sees the
//! run's own exit code (1 or 3). The commands print through `outln!`, `out!` and `errln!`
//! instead, which drop what cannot be written: the run goes on, writes its files and exits with
//! its own code.

use std::fmt;
use std::io::{self, Write};

/// Writes to stdout, ignoring failures (a closed pipe).
pub fn stdout(args: fmt::Arguments) {
    let _ = io::stdout().lock().write_fmt(args);
}

/// Writes to stderr, ignoring failures (a closed pipe).
pub fn stderr(args: fmt::Arguments) {
    let _ = io::stderr().lock().write_fmt(args);
}

/// `println!` that never panics.
macro_rules! outln {
    ($($arg:tt)*) => { $crate::cli::console::stdout(format_args!("{}\n", format_args!($($arg)*))) };
}

/// `print!` that never panics.
macro_rules! out {
    ($($arg:tt)*) => { $crate::cli::console::stdout(format_args!($($arg)*)) };
}

/// `eprintln!` that never panics.
macro_rules! errln {
    ($($arg:tt)*) => { $crate::cli::console::stderr(format_args!("{}\n", format_args!($($arg)*))) };
}

pub(crate) use {errln, out, outln};
