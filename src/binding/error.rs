//! One mapping from core errors to JS errors: a JS class (`TypeError`,
//! `RangeError` or `Error`), a stable `code`, and the core's message, which
//! names the value at fault.

use napi::{sys, Env, Error, Status};

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
