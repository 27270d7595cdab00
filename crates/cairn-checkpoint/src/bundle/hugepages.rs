//! Asking Linux for transparent huge pages on the fresh buffers big tensors are read
//! into: one fault per 2 MiB instead of one per 4 KiB, which is most of the cost of
//! reading a checkpoint into new tensors on virtual machines.

/// Huge pages are 2 MiB on x86-64 and arm64 Linux.
#[cfg(target_os = "linux")]
const HUGE: usize = 2 << 20;

/// Advises the kernel to back the 2 MiB-aligned part of `buf` with huge pages. Purely a
/// hint: contents are unchanged, and failure (no THP support, THP disabled) is ignored.
#[cfg(target_os = "linux")]
#[allow(unsafe_code)]
pub fn advise(buf: &mut [u8]) {
    let start = buf.as_mut_ptr() as usize;
    let end = start + buf.len();
    let first = start.next_multiple_of(HUGE);
    let last = end - end % HUGE;
    if last <= first {
        return;
    }
    // SAFETY: [first, last) lies inside `buf`, memory this process owns and holds
    // mutably; MADV_HUGEPAGE only changes how the kernel backs those pages (their
    // contents, zero here because the buffer is freshly allocated, are preserved), so no
    // Rust-visible state changes.
    unsafe {
        libc::madvise(
            first as *mut libc::c_void,
            last - first,
            libc::MADV_HUGEPAGE,
        );
    }
}

/// No huge-page hint outside Linux.
#[cfg(not(target_os = "linux"))]
pub fn advise(_buf: &mut [u8]) {}
