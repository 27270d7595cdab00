//! `Pad`/`PadV2` (constant) and `MirrorPad` (`REFLECT`, `SYMMETRIC`), any rank, any
//! numeric or bool dtype.
//!
//! Every output coordinate maps, axis by axis, to an input coordinate or to the constant;
//! rows along the last axis are copied whole where possible.

use crate::{Error, Result, Tensor};

/// How padded positions are filled.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum PadMode {
    /// With a constant (`Pad`: zero, `PadV2`: the given value).
    Constant,
    /// Mirror without the edge: `[1 2 3]` padded by 2 → `3 2 [1 2 3] 2 1`.
    Reflect,
    /// Mirror with the edge: `[1 2 3]` padded by 2 → `2 1 [1 2 3] 3 2`.
    Symmetric,
}

/// Input coordinate of output coordinate `o` on an axis of length `len` padded by
/// `before`, or `None` for the constant.
fn source(o: usize, before: usize, len: usize, mode: PadMode) -> Option<usize> {
    let i = o as i64 - before as i64;
    let n = len as i64;
    let j = match mode {
        PadMode::Constant => i,
        PadMode::Reflect if i < 0 => -i,
        PadMode::Reflect if i >= n => 2 * (n - 1) - i,
        PadMode::Symmetric if i < 0 => -i - 1,
        PadMode::Symmetric if i >= n => 2 * n - 1 - i,
        _ => i,
    };
    (0..n).contains(&j).then_some(j as usize)
}

/// Pads `x` by `paddings[axis] = (before, after)`; `value` (a scalar of `x`'s dtype, or
/// `None` for zero) fills the constant mode.
pub fn pad(
    x: &Tensor,
    paddings: &[(usize, usize)],
    mode: PadMode,
    value: Option<&Tensor>,
    out: &mut Tensor,
) -> Result<()> {
    const OP: &str = "Pad";
    let dims = x.dims();
    if paddings.len() != dims.len() {
        return Err(Error::Invalid {
            op: OP,
            what: format!("{} paddings for an input of shape {dims:?}", paddings.len()),
        });
    }
    let mut out_dims = Vec::with_capacity(dims.len());
    for (a, (&d, &(b, e))) in dims.iter().zip(paddings).enumerate() {
        let limit = match mode {
            PadMode::Constant => usize::MAX,
            PadMode::Reflect => d.saturating_sub(1),
            PadMode::Symmetric => d,
        };
        if b > limit || e > limit {
            return Err(Error::Invalid {
                op: "MirrorPad",
                what: format!(
                    "paddings ({b}, {e}) of axis {a} must be at most {limit} for dimension {d}"
                ),
            });
        }
        let o = d.checked_add(b).and_then(|v| v.checked_add(e));
        out_dims.push(o.ok_or_else(|| Error::Overflow {
            shape: dims.to_vec(),
        })?);
    }
    crate::Shape::from(out_dims.clone()).num_elements_checked()?;
    with_num_bool!(x.dtype(), OP, |T| {
        let fill: T = match value {
            Some(v) => v.scalar_value::<T>()?,
            None => T::default(),
        };
        let xs = x.as_slice::<T>()?;
        let o = out.reset_as::<T>(&out_dims)?;
        pad_slices(xs, dims, &out_dims, paddings, mode, fill, o);
        Ok(())
    })
}

fn pad_slices<T: Copy>(
    x: &[T],
    dims: &[usize],
    out_dims: &[usize],
    pads: &[(usize, usize)],
    mode: PadMode,
    fill: T,
    o: &mut [T],
) {
    let rank = dims.len();
    if rank == 0 {
        o.copy_from_slice(x);
        return;
    }
    let (last, olast) = (dims[rank - 1], out_dims[rank - 1]);
    if olast == 0 {
        return;
    }
    let lp = pads[rank - 1].0;
    let mut idx = vec![0usize; rank - 1];
    for row in o.chunks_exact_mut(olast) {
        // Input row of this output row, or None when any outer coordinate is padding.
        let mut src = Some(0usize);
        for (a, &i) in idx.iter().enumerate() {
            src = match (src, source(i, pads[a].0, dims[a], mode)) {
                (Some(s), Some(j)) => Some(s * dims[a] + j),
                _ => None,
            };
        }
        match src {
            None => row.fill(fill),
            Some(r) => {
                let xr = &x[r * last..(r + 1) * last];
                for (k, v) in row.iter_mut().enumerate() {
                    *v = source(k, lp, last, mode).map_or(fill, |j| xr[j]);
                }
            }
        }
        for a in (0..rank - 1).rev() {
            idx[a] += 1;
            if idx[a] < out_dims[a] {
                break;
            }
            idx[a] = 0;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modes_match_tensorflow_docs() -> Result<()> {
        // tf.pad docs: t = [[1, 2, 3], [4, 5, 6]], paddings [[1, 1], [2, 2]].
        let t = Tensor::from_vec([2usize, 3], vec![1i32, 2, 3, 4, 5, 6])?;
        let p = [(1, 1), (2, 2)];
        let mut o = Tensor::default();
        pad(&t, &p, PadMode::Reflect, None, &mut o)?;
        assert_eq!(
            o.as_slice::<i32>()?,
            &[6, 5, 4, 5, 6, 5, 4, 3, 2, 1, 2, 3, 2, 1, 6, 5, 4, 5, 6, 5, 4, 3, 2, 1, 2, 3, 2, 1]
        );
        pad(&t, &p, PadMode::Symmetric, None, &mut o)?;
        assert_eq!(
            o.as_slice::<i32>()?,
            &[2, 1, 1, 2, 3, 3, 2, 2, 1, 1, 2, 3, 3, 2, 5, 4, 4, 5, 6, 6, 5, 5, 4, 4, 5, 6, 6, 5]
        );
        pad(
            &t,
            &p,
            PadMode::Constant,
            Some(&Tensor::scalar(9i32)),
            &mut o,
        )?;
        assert_eq!(o.dims(), &[4, 7]);
        assert_eq!(&o.as_slice::<i32>()?[7..14], &[9, 9, 1, 2, 3, 9, 9]);
        assert!(pad(&t, &[(3, 0), (0, 0)], PadMode::Reflect, None, &mut o).is_err());
        Ok(())
    }
}
