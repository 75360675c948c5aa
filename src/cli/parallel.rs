//! Documents cleaned on all cores, results handed on in input order.
//!
//! Documents are handed to the workers as they are read, and their results are held until those
//! before them are handed on ([`ordered_stream`]): memory is bounded whatever the input size, and
//! the output is the same for any number of threads.

use std::collections::BTreeMap;
use std::io;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Condvar, Mutex, MutexGuard};

/// Sets the number of worker threads (0: one per core); later calls change nothing.
pub(crate) fn set_threads(jobs: usize) {
    let _ = rayon::ThreadPoolBuilder::new().num_threads(jobs).build_global();
}

/// Input bytes handed to a worker at once by [`ordered_stream`]: enough that handing out work
/// costs little next to doing it, little enough that the threads share the work evenly.
const TASK_BYTES: u64 = 64 << 10;
/// Most input bytes in [`ordered_stream`] that are being cleaned or wait to be handed on (one
/// larger item goes alone).
const IN_FLIGHT_BYTES: u64 = 4 << 20;

/// Maps `work` over `items` on the worker threads and calls `sink` with the results in input
/// order, on a thread of its own, while this thread reads on. Nothing waits for a batch to be
/// finished: a thread that is done takes the next items while the others finish theirs. Items
/// go to the workers `TASK_BYTES` at a time, or at once when no more input is at hand (the
/// `bool` of an item: a consumer that waits for output before writing more input is never left
/// waiting). Memory is bounded by `IN_FLIGHT_BYTES` of input being cleaned or held, whatever the
/// input size. `sink(None)` says that every item read so far has been handed on: the time to
/// flush output. Stops at the first error of the input or of `sink`; a panic of `work` stops the
/// reading and reaches the caller.
pub(crate) fn ordered_stream<T, R>(
    items: impl Iterator<Item = io::Result<(T, bool)>>,
    weight: impl Fn(&T) -> u64,
    work: impl Fn(T) -> R + Sync,
    mut sink: impl FnMut(Option<R>) -> io::Result<()> + Send,
) -> io::Result<()>
where
    T: Send,
    R: Send,
{
    let flight = Mutex::new(Flight { bytes: 0, stopped: false, resume_at: 0 });
    let landed = Condvar::new();
    let lock = || flight.lock().unwrap_or_else(|e| e.into_inner());
    // Tasks handed out so far; the writer has caught up when it has handed on as many.
    let dispatched = AtomicUsize::new(0);
    std::thread::scope(|threads| {
        // Made in here, so that a panic of `work` drops the last sender before the writer is
        // waited for, and the writer stops instead of waiting for the lost result.
        let (done, finished) = mpsc::channel::<(usize, Vec<R>, u64)>();
        let (lock, landed, dispatched) = (&lock, &landed, &dispatched);
        let writer = threads.spawn(move || {
            let mut held = BTreeMap::<usize, (Vec<R>, u64)>::new();
            let mut next = 0;
            let written = (|| loop {
                while let Some((results, bytes)) = held.remove(&next) {
                    results.into_iter().try_for_each(|r| sink(Some(r)))?;
                    next += 1;
                    let mut f = lock();
                    f.bytes -= bytes;
                    if f.bytes <= f.resume_at {
                        landed.notify_all();
                    }
                }
                if next == dispatched.load(Ordering::Acquire) {
                    sink(None)?;
                }
                match finished.recv() {
                    Ok((task, results, bytes)) => held.insert(task, (results, bytes)),
                    Err(_) => return Ok(()),
                };
            })();
            if written.is_err() {
                lock().stopped = true;
                landed.notify_all();
            }
            written
        });
        let mut read = Ok(());
        rayon::in_place_scope(|scope| {
            let dispatch = |chunk: Vec<T>, bytes: u64| {
                let mut f = lock();
                if f.bytes > 0 && f.bytes + bytes > IN_FLIGHT_BYTES {
                    // Woken once half the room is free, not at every result handed on: the
                    // reader then hands out several tasks in a row, and the threads switch less.
                    f = wait_until(landed, f, IN_FLIGHT_BYTES.saturating_sub(bytes).min(IN_FLIGHT_BYTES / 2));
                }
                if f.stopped {
                    return false;
                }
                let before = f.bytes;
                f.bytes += bytes;
                drop(f);
                let task = dispatched.fetch_add(1, Ordering::Release);
                let (done, work) = (done.clone(), &work);
                let run = move || {
                    let results = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| chunk.into_iter().map(work).collect()));
                    match results {
                        // The writer has gone only after an error of its own, which is what is returned.
                        Ok(results) => drop(done.send((task, results, bytes))),
                        // The reader must not wait for the room this lost result would have freed.
                        Err(panic) => {
                            lock().stopped = true;
                            landed.notify_all();
                            std::panic::resume_unwind(panic);
                        }
                    }
                };
                if bytes <= IN_FLIGHT_BYTES {
                    scope.spawn(move |_| run());
                } else if rayon::current_num_threads() > 1 {
                    // Alone in flight, so the workers would wait anyway; cleaned here, every such
                    // item on the same thread, the memory of one serves the next.
                    run();
                } else {
                    // A single worker cleans it, so that what it keeps for reuse (the regex
                    // engines' scratch space) serves every item; reading on waits for it, as it
                    // would were the item cleaned here.
                    scope.spawn(move |_| run());
                    drop(wait_until(landed, lock(), before));
                }
                true
            };
            let (mut chunk, mut bytes) = (Vec::new(), 0);
            for item in items {
                let (item, more) = match item {
                    Ok(i) => i,
                    Err(e) => {
                        read = Err(e);
                        break;
                    }
                };
                bytes += weight(&item);
                chunk.push(item);
                if (bytes >= TASK_BYTES || !more) && !dispatch(std::mem::take(&mut chunk), std::mem::take(&mut bytes)) {
                    return;
                }
            }
            if !chunk.is_empty() {
                dispatch(chunk, bytes);
            }
        });
        drop(done);
        let written = writer.join().unwrap_or_else(|_| Err(io::Error::other("the writing thread failed")));
        written.and(read)
    })
}

/// Waits until at most `bytes` are in flight (`landed` is notified when `resume_at` is reached),
/// or the writer has stopped.
fn wait_until<'a>(landed: &Condvar, mut f: MutexGuard<'a, Flight>, bytes: u64) -> MutexGuard<'a, Flight> {
    f.resume_at = bytes;
    while !f.stopped && f.bytes > f.resume_at {
        f = landed.wait(f).unwrap_or_else(|e| e.into_inner());
    }
    f.resume_at = 0;
    f
}

/// Input bytes of [`ordered_stream`] in flight, whether the writer has stopped, and at how many
/// bytes in flight the waiting reader is to be woken.
struct Flight {
    bytes: u64,
    stopped: bool,
    resume_at: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stream_hands_on_results_in_input_order() {
        // Weights from tiny to larger than all that may be in flight; some items with no more
        // input at hand, which are handed out at once.
        let items = (0..20_000u64).map(|i| Ok((i, i % 7 != 0)));
        let weight = |&i: &u64| if i % 1000 == 999 { IN_FLIGHT_BYTES + 1 } else { i % 5000 };
        let (mut seen, mut flushes) = (Vec::new(), 0);
        let sink = |r: Option<u64>| {
            match r {
                Some(r) => seen.push(r),
                None => flushes += 1,
            }
            Ok(())
        };
        ordered_stream(items, weight, |i| i * 2, sink).unwrap();
        assert_eq!(seen, (0..20_000u64).map(|i| i * 2).collect::<Vec<_>>());
        assert!(flushes > 0);
    }

    #[test]
    fn stream_stops_at_the_first_error() {
        let mut seen = Vec::new();
        let items = (0..10_000u64).map(|i| if i == 3000 { Err(io::Error::other("bad read")) } else { Ok((i, true)) });
        let e = ordered_stream(items, |_| 100, |i| i, |r| {
            seen.extend(r);
            Ok(())
        })
        .unwrap_err();
        assert_eq!((e.to_string(), seen), ("bad read".to_owned(), (0..3000).collect::<Vec<_>>()));

        let mut seen = Vec::new();
        let sink = |r: Option<u64>| match r {
            Some(500) => Err(io::Error::other("bad record")),
            r => {
                seen.extend(r);
                Ok(())
            }
        };
        let e = ordered_stream((0..10_000u64).map(|i| Ok((i, true))), |_| 100, |i| i, sink).unwrap_err();
        assert_eq!((e.to_string(), seen), ("bad record".to_owned(), (0..500).collect::<Vec<_>>()));
    }

    /// A panic of `work` reaches the caller; the writer does not wait for the result it lost.
    #[test]
    fn stream_passes_on_a_panic() {
        let run = std::panic::catch_unwind(|| {
            let items = (0..1000u64).map(|i| Ok((i, true)));
            ordered_stream(items, |_| 100, |i| if i == 500 { panic!("lost") } else { i }, |_| Ok(()))
        });
        assert!(run.is_err());
        // Also when the reader is waiting for room that the lost result would have freed.
        let run = std::panic::catch_unwind(|| {
            let items = (0..1000u64).map(|i| Ok((i, true)));
            ordered_stream(items, |_| IN_FLIGHT_BYTES / 3, |i| if i == 5 { panic!("lost") } else { i }, |_| Ok(()))
        });
        assert!(run.is_err());
    }
}
