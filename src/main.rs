//! The `woonregister` command: serves the API by default; see `--help`.

fn main() -> std::process::ExitCode {
    woonregister::cli::run()
}
