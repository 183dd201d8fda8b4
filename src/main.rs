//! The carepanel binary: one program that serves, migrates, seeds and answers policy questions.

fn main() -> std::process::ExitCode {
    carepanel_cli::run()
}
