//! `vectors`: the command-line front end (work in progress).

fn main() {}
