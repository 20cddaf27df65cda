//! The one place an error reaches the user: its code, its message and its help.
//!
//! A spec with errors is shown as the checker's reports, the source under each label (the
//! same rendering as `tandem validate`); every other error as
//!
//! ```text
//! error[tandem::state::locked]: another apply holds the state lock ...
//!   help: wait for the other apply to finish; ...
//! ```

use std::process::ExitCode;

use miette::Diagnostic;

use super::error::CliError;
use crate::diagnostics::render_human;
use crate::session::SessionError;

/// Width of the spec reports (the same as `tandem validate`'s).
const REPORT_WIDTH: usize = 100;

/// Prints `error` to standard error and returns exit code 1.
pub fn report(error: &CliError) -> ExitCode {
    eprint!("{}", render(error));
    ExitCode::from(1)
}

/// The text [`report`] prints for `error`.
pub fn render(error: &CliError) -> String {
    if let CliError::Session(session) = error {
        return render_session(session);
    }
    render_diagnostic(error)
}

/// The text for a driver error (`tandem validate` reports its per-spec errors with it).
pub fn render_session(error: &SessionError) -> String {
    match error.spec_diagnostics() {
        Some((diags, sources)) => render_human(diags, sources, false, REPORT_WIDTH),
        None => render_diagnostic(error),
    }
}

fn render_diagnostic(error: &dyn Diagnostic) -> String {
    let mut text = match error.code() {
        Some(code) => format!("error[{code}]: {error}\n"),
        None => format!("error: {error}\n"),
    };
    if let Some(help) = error.help() {
        text.push_str(&format!("  help: {help}\n"));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::StateError;

    #[test]
    fn an_error_is_rendered_with_its_code_and_help() {
        let error = CliError::from(StateError::Locked {
            path: "state.db.lock".into(),
            holder: "pid 7".into(),
        });
        assert_eq!(
            render(&error),
            "error[tandem::state::locked]: another apply holds the state lock state.db.lock (pid 7)\n  \
             help: wait for the other apply to finish; the lock is released when it exits, even if it crashes\n"
        );
    }

    #[test]
    fn an_error_without_help_is_one_line() {
        let error = CliError::UnknownCode {
            code: "tandem::nope".into(),
        };
        assert_eq!(
            render(&error),
            "error[tandem::cli::unknown_code]: `tandem::nope` is not a tandem diagnostic code (`tandem explain` lists them)\n"
        );
    }
}
