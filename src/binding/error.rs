//! One mapping from core errors to JS errors: a JS class (`TypeError`,
//! `RangeError` or `Error`), a stable `code`, and the core's message, which
//! names the value at fault. [`guard`] turns a Rust panic into such an error's
//! message, so a bug reaches JS as an exception, never as an abort.

use napi::{sys, Env, Error, Status};
use std::cell::Cell;
use std::panic::{self, AssertUnwindSafe};
use std::sync::Once;

/// The JS error class a core error becomes.
#[derive(Debug, Clone, Copy)]
pub enum Kind {
    #[allow(dead_code)] // for bindings that validate user input in Rust
    Type,
    Range,
    Plain,
}

/// Throws `message` as a JS error of `kind` carrying `code`, and returns the
/// value that tells napi-rs an exception is already pending.
pub fn throw(env: &Env, kind: Kind, code: &str, message: &str) -> Error {
    let raw = env.raw();
    let create = match kind {
        Kind::Type => sys::napi_create_type_error,
        Kind::Range => sys::napi_create_range_error,
        Kind::Plain => sys::napi_create_error,
    };
    // SAFETY: `raw` is the live env of the current call; every out-pointer is a
    // local, and a failed step falls back to a plain napi-rs error.
    unsafe {
        let mut code_val = std::ptr::null_mut();
        let mut msg_val = std::ptr::null_mut();
        let mut err = std::ptr::null_mut();
        let ok = sys::Status::napi_ok;
        if sys::napi_create_string_utf8(
            raw,
            code.as_ptr().cast(),
            code.len() as isize,
            &mut code_val,
        ) == ok
            && sys::napi_create_string_utf8(
                raw,
                message.as_ptr().cast(),
                message.len() as isize,
                &mut msg_val,
            ) == ok
            && create(raw, code_val, msg_val, &mut err) == ok
            && sys::napi_throw(raw, err) == ok
        {
            return Error::new(Status::PendingException, String::new());
        }
    }
    Error::new(Status::GenericFailure, format!("{code}: {message}"))
}

thread_local! {
    /// True while [`guard`] runs on this thread.
    static GUARDED: Cell<bool> = const { Cell::new(false) };
    /// Where the last guarded panic on this thread happened (` (file:line)`).
    static PANIC_AT: Cell<Option<String>> = const { Cell::new(None) };
}

/// Runs `f`, returning a panic as `Err` with the message of the JS error it
/// becomes: `internal error (a bug in leakguard): <panic message> (<file:line>)`.
/// For these panics the default hook's stderr report (message and backtrace) is
/// left out, since the error carries it; panics elsewhere still print.
///
/// Needed wherever napi-rs does not catch: an `AsyncTask`'s `compute` runs on
/// the libuv pool, where an unwinding panic aborts the whole process.
pub fn guard<T>(f: impl FnOnce() -> T) -> Result<T, String> {
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        let default = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            if GUARDED.get() {
                let at = info
                    .location()
                    .map(|l| format!(" ({}:{})", l.file(), l.line()));
                PANIC_AT.set(at);
            } else {
                default(info);
            }
        }));
    });
    let outer = GUARDED.replace(true);
    let result = panic::catch_unwind(AssertUnwindSafe(f));
    GUARDED.set(outer);
    result.map_err(|payload| {
        let what = payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_default();
        let at = PANIC_AT.take().unwrap_or_default();
        format!("internal error (a bug in leakguard): {what}{at}")
    })
}
