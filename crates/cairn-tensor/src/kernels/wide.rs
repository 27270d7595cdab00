//! Running a loop body compiled for AVX-512 when the CPU has it.
//!
//! The workspace is built for baseline x86-64 (SSE2), so a plain loop over floats uses
//! 4-lane vectors. [`wide`] runs a closure inside a function compiled with AVX-512F
//! enabled: when the closure's body is inlined there (mark it `#[inline(always)]`, or keep
//! it small), the compiler vectorizes it 16 lanes wide. The result is the same as running
//! the closure directly as long as the body performs the same float operations (no
//! reassociation is ever done by the compiler, and fused multiply-adds are only emitted
//! when written explicitly), so callers stay bit-identical across CPUs.
//!
//! The AVX-512 build is skipped when [`packed::available`](super::packed::available) says
//! no (no AVX-512F, or `CAIRN_NO_AVX512` set).

/// Runs `f`, compiled with AVX-512F enabled when available.
#[inline]
pub(crate) fn wide<R>(f: impl FnOnce() -> R) -> R {
    #[cfg(target_arch = "x86_64")]
    if super::packed::available() {
        return avx512::run(f);
    }
    f()
}

#[cfg(target_arch = "x86_64")]
#[allow(unsafe_code)]
mod avx512 {
    #[inline]
    pub(super) fn run<R>(f: impl FnOnce() -> R) -> R {
        // SAFETY: only called after `packed::available()` detected AVX-512F on this CPU,
        // and calling a `target_feature` function is sound when the CPU has its features.
        unsafe { run_avx512(f) }
    }

    #[target_feature(enable = "avx512f")]
    fn run_avx512<R>(f: impl FnOnce() -> R) -> R {
        f()
    }
}

/// Runs `f(part, parts)` once on each thread of the pool, `part` being the thread's index
/// and `parts` the pool's size. The same part always goes to the same pool thread, so an
/// array split the same way by successive ops stays in that core's cache between them
/// (the MLP's weights and moving averages, 1.5 MB each, fit the two cores' L2 halves; a
/// work-stealing split sends them through the slower shared L3 instead).
pub(crate) fn per_thread(f: impl Fn(usize, usize) + Sync) {
    rayon::broadcast(|ctx| f(ctx.index(), ctx.num_threads()));
}

/// The number of zeros (`+0.0` or `-0.0`) in `v`, counted 16 lanes wide (the sparse
/// products' dispatch reads the whole left operand: a scalar count of the MLP's 78 400
/// inputs took ~15 µs per product).
pub(crate) fn count_zeros(v: &[f32]) -> usize {
    wide(
        #[inline(always)]
        || {
            let mut lanes = [0u32; 16];
            let chunks = v.chunks_exact(16);
            let rest = chunks.remainder();
            for ch in chunks {
                for (l, &x) in lanes.iter_mut().zip(ch) {
                    *l += u32::from(x == 0.0);
                }
            }
            let tail = rest.iter().filter(|&&x| x == 0.0).count();
            lanes.iter().map(|&l| l as usize).sum::<usize>() + tail
        },
    )
}

/// Copies rows `indices` of `src` (rows of `row` elements) into `out`, which is cleared
/// first (its capacity is reused): a training batch drawn from a data set. The rows are
/// split across the pool's threads (the copy is bound by memory latency, rows being
/// scattered over a large array).
///
/// # Panics
/// If an index is out of range.
pub fn gather_rows(src: &[f32], row: usize, indices: &[usize], out: &mut Vec<f32>) {
    // Every element is overwritten below: only a buffer of another size is refilled.
    if out.len() != indices.len() * row {
        out.clear();
        out.resize(indices.len() * row, 0.0);
    }
    let threads = rayon::current_num_threads();
    if threads < 2 || indices.len() < 8 || row == 0 {
        for (dst, &i) in out.chunks_exact_mut(row.max(1)).zip(indices) {
            dst.copy_from_slice(&src[i * row..(i + 1) * row]);
        }
        return;
    }
    let per = indices.len().div_ceil(threads);
    let chunks = chunks_for(out, threads, per * row);
    per_thread(|t, _| {
        if let Some(chunk) = chunks.get(t) {
            let mut guard = chunk.lock().unwrap_or_else(|e| e.into_inner());
            let (at, dst) = &mut *guard;
            let first = *at / row;
            for (d, &i) in dst.chunks_exact_mut(row).zip(&indices[first..]) {
                d.copy_from_slice(&src[i * row..(i + 1) * row]);
            }
        }
    });
}

/// Splits `v` into `parts` contiguous chunks of `align`-element multiples (the last one
/// takes the rest; some may be empty), each behind a lock so that [`per_thread`] can hand
/// chunk `i` to thread `i`. Returns each chunk's start offset with it.
pub(crate) fn chunks_for<T>(
    v: &mut [T],
    parts: usize,
    align: usize,
) -> Vec<std::sync::Mutex<(usize, &mut [T])>> {
    let units = v.len().div_ceil(align.max(1));
    let per = units.div_ceil(parts.max(1)) * align.max(1);
    let mut out = Vec::with_capacity(parts);
    let mut rest = v;
    let mut at = 0;
    for _ in 0..parts.max(1) {
        let take = per.min(rest.len());
        let (head, tail) = std::mem::take(&mut rest).split_at_mut(take);
        out.push(std::sync::Mutex::new((at, head)));
        at += take;
        rest = tail;
    }
    out
}

/// Creates the kernels' thread pool with `stack_bytes` of stack per thread, so that a
/// whole program can run on it through [`on_pool`] (pool threads otherwise get rayon's
/// default, smaller than a main thread's). Does nothing if the pool already exists.
pub fn init_pool(stack_bytes: usize) {
    // An error only means the pool was already built: keep that one.
    let _ = rayon::ThreadPoolBuilder::new()
        .stack_size(stack_bytes)
        .build_global();
}

/// Runs `f` on a thread of the kernels' thread pool and returns its result.
///
/// Call this around a sequence of kernels (a session run, a training loop). From a thread
/// outside the pool, each parallel kernel blocks its caller and wakes the pool again, and
/// in this virtual machine that costs about 0.1 ms per kernel (measured: a 392k-element
/// moving-average update took 0.135 ms called from outside and 0.023 ms from inside).
/// Inside the pool the other threads are still spinning when the next kernel starts. When
/// already on a pool thread, `f` simply runs.
pub fn on_pool<R: Send>(f: impl FnOnce() -> R + Send) -> R {
    rayon::scope(|_| f())
}

/// How long a spinning thread waits for work before it leaves (then it sleeps as usual).
const SPIN_IDLE: std::time::Duration = std::time::Duration::from_micros(200);

/// Pool threads currently running a spinner (see [`spinning`]).
static SPINNERS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

thread_local! {
    /// Whether this thread is inside `spinning` already.
    static INSIDE: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
    /// Whether this thread runs a spinner.
    static SPINNER_HERE: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Runs `f` (on a pool thread, as [`on_pool`]) while the pool's other threads spin,
/// picking up the parallel loops of `f`'s kernels as soon as they start.
///
/// An idle pool thread goes to sleep after a few microseconds; waking it again costs more
/// than many of a training step's parallel loops (measured: a 1.5 MB moving-average update
/// took ~0.05 ms after a serial op, ~0.02 ms back to back). Thread libraries used by
/// TensorFlow and PyTorch spin the same way. A spinning thread leaves after [`SPIN_IDLE`]
/// without work, so successive calls (the steps of a training loop) find the other
/// threads still spinning, and a program that stops calling lets them sleep.
///
/// Nested calls (a training step spinning around its session run) simply run `f`.
pub fn spinning<R: Send>(f: impl FnOnce() -> R + Send) -> R {
    use std::sync::atomic::Ordering;
    /// Clears `INSIDE` when `f` returns or unwinds.
    struct Leave;
    impl Drop for Leave {
        fn drop(&mut self) {
            INSIDE.with(|c| c.set(false));
        }
    }
    on_pool(|| {
        let threads = rayon::current_num_threads();
        if threads < 2 || INSIDE.with(|c| c.replace(true)) {
            return f();
        }
        let _leave = Leave;
        if SPINNERS.load(Ordering::Acquire) + 1 < threads {
            let me = rayon::current_thread_index();
            rayon::spawn_broadcast(move |ctx| {
                // The caller's own copy, and copies reaching a thread that already spins
                // (run from inside its spinner), return at once.
                if Some(ctx.index()) == me || SPINNER_HERE.with(|c| c.replace(true)) {
                    return;
                }
                SPINNERS.fetch_add(1, Ordering::AcqRel);
                // Spin until SPIN_IDLE passes without finding work (like OpenMP's block
                // time). This also bounds the one bad case: a copy that starts while its
                // thread is inside a job the caller waits for (a join half it stole)
                // spins on top of that job only until it has been idle that long.
                let mut idle_since = std::time::Instant::now();
                loop {
                    match rayon::yield_now() {
                        Some(rayon::Yield::Executed) => idle_since = std::time::Instant::now(),
                        _ if idle_since.elapsed() > SPIN_IDLE => break,
                        _ => std::hint::spin_loop(),
                    }
                }
                SPINNERS.fetch_sub(1, Ordering::AcqRel);
                SPINNER_HERE.with(|c| c.set(false));
            });
        }
        f()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zeros_are_counted() {
        let v: Vec<f32> = (0..1000)
            .map(|i| {
                if i % 3 == 0 {
                    0.0
                } else if i % 7 == 0 {
                    -0.0
                } else {
                    1.0
                }
            })
            .collect();
        assert_eq!(count_zeros(&v), v.iter().filter(|&&x| x == 0.0).count());
        assert_eq!(count_zeros(&[]), 0);
        assert_eq!(count_zeros(&[0.0, f32::NAN, -0.0]), 2);
    }

    #[test]
    fn gathered_rows_are_the_indexed_rows() {
        let src: Vec<f32> = (0..50 * 7).map(|i| i as f32).collect();
        let idx: Vec<usize> = (0..23).map(|i| (i * 17) % 50).collect();
        let mut out = vec![1.0; 3];
        gather_rows(&src, 7, &idx, &mut out);
        let want: Vec<f32> = idx
            .iter()
            .flat_map(|&i| src[i * 7..i * 7 + 7].to_vec())
            .collect();
        assert_eq!(out, want);
        // Nested spinning runs the inner closure directly.
        let n = spinning(|| spinning(|| 3));
        assert_eq!(n, 3);
    }

    #[test]
    fn wide_gives_the_same_bits_as_the_plain_loop() {
        let a: Vec<f32> = (0..1000).map(|i| (i as f32 * 0.37).sin()).collect();
        let body = |out: &mut Vec<f32>| {
            out.clear();
            out.extend(a.iter().map(|&x| x * 1.7 - x * x));
        };
        let (mut plain, mut fast) = (Vec::new(), Vec::new());
        body(&mut plain);
        wide(|| body(&mut fast));
        assert_eq!(plain, fast);
    }
}
