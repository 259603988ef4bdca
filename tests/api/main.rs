//! Integration tests of the woonregister HTTP API.

fn main() {}
