//! Documents cleaned on all cores, results handed on in input order.
//!
//! Work is cut into batches of bounded size (bytes and count); each batch is cleaned in parallel
//! and its results are passed on in order while the next batch is cleaned, so memory is bounded by
//! twice the batch size whatever the input size, and the output is the same for any number of
//! threads.

use std::io;

use rayon::prelude::*;

/// Largest batch, in input bytes (a single larger item is a batch of its own).
pub(crate) const BATCH_BYTES: u64 = 8 << 20;
/// Most items in a batch.
pub(crate) const BATCH_ITEMS: usize = 4096;

/// Sets the number of worker threads (0: one per core); later calls change nothing.
pub(crate) fn set_threads(jobs: usize) {
    let _ = rayon::ThreadPoolBuilder::new().num_threads(jobs).build_global();
}

/// Maps `work` over `items` on the worker threads and calls `sink` with the results in input
/// order. `weight` is an item's size in bytes, for batching. Stops at the first error of the input
/// or of `sink`.
pub(crate) fn ordered<T, R>(
    items: impl Iterator<Item = io::Result<T>>,
    weight: impl Fn(&T) -> u64,
    work: impl Fn(T) -> R + Sync,
    sink: impl FnMut(R) -> io::Result<()>,
) -> io::Result<()>
where
    T: Send,
    R: Send,
{
    ordered_in_batches(items, weight, work, sink, BATCH_ITEMS)
}

/// [`ordered`] with at most `max_items` items a batch: files are handed on (and written) one
/// small batch at a time, so writing goes on while later files are cleaned.
pub(crate) fn ordered_in_batches<T, R>(
    items: impl Iterator<Item = io::Result<T>>,
    weight: impl Fn(&T) -> u64,
    work: impl Fn(T) -> R + Sync,
    mut sink: impl FnMut(R) -> io::Result<()>,
    max_items: usize,
) -> io::Result<()>
where
    T: Send,
    R: Send,
{
    let mut batch: Vec<T> = Vec::new();
    let mut bytes = 0;
    // The results of the batch before, handed on while this one is cleaned.
    let mut done: Vec<R> = Vec::new();
    let overlap = rayon::current_num_threads() > 1;
    let mut run = |batch: Vec<T>, done: &mut Vec<R>| -> io::Result<()> {
        if !overlap {
            // One thread cleans and writes in turn (`-j 1` is one core).
            return batch.into_par_iter().map(&work).collect::<Vec<R>>().into_iter().try_for_each(&mut sink);
        }
        // The workers clean this batch while this thread hands on the one before: writing is
        // not a serial section between batches.
        let mut cleaned = Vec::new();
        let mut handed = Ok(());
        rayon::in_place_scope(|scope| {
            scope.spawn(|_| cleaned = batch.into_par_iter().map(&work).collect());
            handed = std::mem::take(done).into_iter().try_for_each(&mut sink);
        });
        *done = cleaned;
        handed
    };
    for item in items {
        let item = item?;
        bytes += weight(&item);
        batch.push(item);
        if bytes >= BATCH_BYTES || batch.len() >= max_items.max(1) {
            run(std::mem::take(&mut batch), &mut done)?;
            bytes = 0;
        }
    }
    if !batch.is_empty() {
        run(batch, &mut done)?;
    }
    done.into_iter().try_for_each(&mut sink)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_in_input_order() {
        let items = (0..10_000u64).map(Ok);
        let mut seen = Vec::new();
        ordered(items, |_| 1000, |i| i * 2, |r| {
            seen.push(r);
            Ok(())
        })
        .unwrap();
        assert_eq!(seen, (0..10_000u64).map(|i| i * 2).collect::<Vec<_>>());
    }
}
