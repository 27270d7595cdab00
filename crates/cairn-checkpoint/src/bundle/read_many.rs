//! [`BundleReader::read_many`] and [`BundleReader::read_into_many`]: restoring a whole
//! model on every core.

use super::reader::BundleReader;
use crate::Result;
use cairn_tensor::Tensor;
use rayon::prelude::*;

/// Below this many stored bytes in all, tensors are read one after the other: starting
/// threads would cost more than it saves.
const PARALLEL_BYTES: u64 = 8 << 20;

impl BundleReader {
    /// Reads the tensors `names`, in that order, with the checks of
    /// [`BundleReader::read`]. Big restores read several tensors at once on rayon's
    /// threads: reading into fresh tensors is bound by the page faults of their new
    /// memory, which every core can take in parallel. The result does not depend on
    /// the number of threads; on failure the error is the one of the first failing
    /// name in `names` order.
    pub fn read_many(&self, names: &[&str]) -> Result<Vec<Tensor>> {
        if self.stored_bytes(names) < PARALLEL_BYTES {
            return names.iter().map(|n| self.read(n)).collect();
        }
        let results: Vec<Result<Tensor>> = names.par_iter().map(|n| self.read(n)).collect();
        results.into_iter().collect()
    }

    /// Reads each `(name, tensor)` pair's tensor `name` into its tensor, with the
    /// checks and the allocation reuse of [`BundleReader::read_into`], several at once
    /// for big restores. On failure the error is that of the first failing pair; the
    /// contents of the tensors are then unspecified.
    pub fn read_into_many(&self, items: &mut [(&str, &mut Tensor)]) -> Result<()> {
        let names: Vec<&str> = items.iter().map(|(n, _)| *n).collect();
        if self.stored_bytes(&names) < PARALLEL_BYTES {
            return items.iter_mut().try_for_each(|(n, t)| self.read_into(n, t));
        }
        let results: Vec<Result<()>> = items
            .par_iter_mut()
            .map(|(n, t)| self.read_into(n, t))
            .collect();
        results.into_iter().collect()
    }

    /// The stored size of the named entries that exist (an estimate used to decide
    /// whether to read in parallel; unknown names count zero).
    fn stored_bytes(&self, names: &[&str]) -> u64 {
        names
            .iter()
            .filter_map(|n| self.entry(n).ok())
            .map(|e| e.size.max(0) as u64)
            .fold(0u64, u64::saturating_add)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bundle::BundleWriter;

    fn tensors() -> Vec<(String, Tensor)> {
        (0..6)
            .map(|i| {
                let n = if i % 2 == 0 { 1 << 19 } else { 3 + i };
                let v: Vec<f32> = (0..n).map(|k| (k * (i + 1)) as f32 * 0.5).collect();
                (
                    format!("t{i}"),
                    Tensor::from_vec(vec![n], v).expect("shape"),
                )
            })
            .collect()
    }

    #[test]
    fn many_equals_one_by_one() -> Result<()> {
        let dir = tempfile::tempdir().map_err(|e| crate::Error::io("tempdir", e))?;
        let prefix = dir.path().join("m");
        let ts = tensors();
        let mut w = BundleWriter::new(&prefix)?;
        for (n, t) in &ts {
            w.add(n, t)?;
        }
        w.finish()?;
        let r = BundleReader::open(&prefix)?;
        let names: Vec<&str> = ts.iter().map(|(n, _)| n.as_str()).collect();
        let got = r.read_many(&names)?;
        for ((_, want), got) in ts.iter().zip(&got) {
            assert_eq!(want, got);
        }
        let mut outs: Vec<Tensor> = ts.iter().map(|_| Tensor::default()).collect();
        let mut items: Vec<(&str, &mut Tensor)> =
            names.iter().copied().zip(outs.iter_mut()).collect();
        r.read_into_many(&mut items)?;
        for ((_, want), got) in ts.iter().zip(&outs) {
            assert_eq!(want, got);
        }
        let missing = r.read_many(&["t0", "nope", "t1"]);
        assert!(matches!(missing, Err(crate::Error::NotFound { .. })));
        Ok(())
    }
}
