//! A cache-line prefetch hint, for replaying access logs: the slots ahead in the
//! log are known, so their memory can be on its way while earlier hits run.

/// Hints that `*x` will be read soon. Never faults; a no-op off x86-64.
#[inline(always)]
pub fn hint<T>(x: &T) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: prefetching is only a hint; any address is allowed, and this one is valid.
    #[allow(unused_unsafe)]
    unsafe {
        use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
        _mm_prefetch::<_MM_HINT_T0>((x as *const T).cast());
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = x;
}
