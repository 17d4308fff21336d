//! Hand-registered N-API functions, for the few calls on a cache's hot path.
//!
//! napi-rs 3 wraps every generated function that takes arguments in borrow-scope
//! bookkeeping that costs about 250 ns a call on Node 20; a plain N-API callback
//! costs about 35. Functions here read their number arguments directly, catch
//! panics, and map errors through [`super::error`] like every other binding.

use super::error::{guard, throw, Kind};
use napi::{sys, Env};
use std::ffi::CStr;
use std::ptr;

const MAX_ARGS: usize = 6;

/// The arguments of one call.
pub struct Call {
    env: sys::napi_env,
    argv: [sys::napi_value; MAX_ARGS],
    argc: usize,
}

/// A JS error to throw: its class, code and message.
pub struct Thrown {
    pub kind: Kind,
    pub code: &'static str,
    pub message: String,
}

impl Thrown {
    pub fn new(kind: Kind, code: &'static str, message: impl Into<String>) -> Thrown {
        Thrown {
            kind,
            code,
            message: message.into(),
        }
    }
}

/// What a call returns to JS.
pub enum Ret {
    Undefined,
    U32(u32),
    F64(f64),
}

impl Call {
    /// # Safety
    /// `env` and `info` must be the live arguments of an N-API callback.
    unsafe fn new(env: sys::napi_env, info: sys::napi_callback_info) -> Call {
        let mut argc = MAX_ARGS;
        let mut argv = [ptr::null_mut(); MAX_ARGS];
        unsafe {
            sys::napi_get_cb_info(
                env,
                info,
                &mut argc,
                argv.as_mut_ptr(),
                ptr::null_mut(),
                ptr::null_mut(),
            )
        };
        Call {
            env,
            argv,
            argc: argc.min(MAX_ARGS),
        }
    }

    fn arg(&self, i: usize) -> Result<sys::napi_value, Thrown> {
        if i < self.argc {
            Ok(self.argv[i])
        } else {
            Err(Thrown::new(
                Kind::Type,
                "ERR_LEAKGUARD_ARG",
                format!("argument {i} is missing"),
            ))
        }
    }

    pub fn f64(&self, i: usize) -> Result<f64, Thrown> {
        let mut v = 0f64;
        // SAFETY: a value handle of this call, read on its thread.
        let status = unsafe { sys::napi_get_value_double(self.env, self.arg(i)?, &mut v) };
        if status == sys::Status::napi_ok {
            Ok(v)
        } else {
            Err(Thrown::new(
                Kind::Type,
                "ERR_LEAKGUARD_ARG",
                format!("argument {i} must be a number"),
            ))
        }
    }

    pub fn u32(&self, i: usize) -> Result<u32, Thrown> {
        whole_u32(self.f64(i)?, &format!("argument {i}"))
    }
}

/// `v` as a `u32` if it is one exactly, else a `RangeError` naming `what`.
pub fn whole_u32(v: f64, what: &str) -> Result<u32, Thrown> {
    if v >= 0.0 && v <= f64::from(u32::MAX) && v.fract() == 0.0 {
        Ok(v as u32)
    } else {
        let msg = format!("{what} must be an integer from 0 to {}, got {v}", u32::MAX);
        Err(Thrown::new(Kind::Range, "ERR_LEAKGUARD_ARG", msg))
    }
}

/// Runs a callback body: catches panics, throws errors, converts the result.
///
/// # Safety
/// `env` and `info` must be the live arguments of an N-API callback.
pub unsafe fn run(
    env: sys::napi_env,
    info: sys::napi_callback_info,
    body: impl FnOnce(&Call) -> Result<Ret, Thrown>,
) -> sys::napi_value {
    let call = unsafe { Call::new(env, info) };
    let result = guard(|| body(&call))
        .unwrap_or_else(|what| Err(Thrown::new(Kind::Plain, "ERR_LEAKGUARD_PANIC", what)));
    let mut out = ptr::null_mut();
    // SAFETY: creating values on the callback's own env and thread.
    unsafe {
        match result {
            Ok(Ret::Undefined) => sys::napi_get_undefined(env, &mut out),
            Ok(Ret::U32(v)) => sys::napi_create_uint32(env, v, &mut out),
            Ok(Ret::F64(v)) => sys::napi_create_double(env, v, &mut out),
            Err(t) => {
                throw(&Env::from(env), t.kind, t.code, &t.message);
                return ptr::null_mut();
            }
        };
    }
    out
}

pub type Callback = unsafe extern "C" fn(sys::napi_env, sys::napi_callback_info) -> sys::napi_value;

/// Adds `callback` to `exports` as `name`.
pub fn define(
    env: &Env,
    exports: sys::napi_value,
    name: &CStr,
    callback: Callback,
) -> napi::Result<()> {
    let raw = env.raw();
    let mut f = ptr::null_mut();
    // SAFETY: module init runs on the JS thread with a live env and exports object.
    let ok = unsafe {
        sys::napi_create_function(
            raw,
            name.as_ptr(),
            name.count_bytes() as isize,
            Some(callback),
            ptr::null_mut(),
            &mut f,
        ) == sys::Status::napi_ok
            && sys::napi_set_named_property(raw, exports, name.as_ptr(), f) == sys::Status::napi_ok
    };
    if ok {
        Ok(())
    } else {
        Err(napi::Error::from_reason(format!(
            "cannot define {}",
            name.to_string_lossy()
        )))
    }
}
