//! Entropy-coded scans: baseline (sequential Huffman) and the four kinds of progressive
//! scans (DC first/refine, AC first/refine), into each component's coefficient blocks.

use super::bits::{BitReader, Huffman};
use super::{corrupt, Frame, Result, Tables, ZIGZAG};

struct Scan {
    /// Indices into the frame's components, in scan order.
    comps: Vec<usize>,
    ss: usize,
    se: usize,
    ah: u32,
    al: u32,
}

fn parse_header(p: &[u8], f: &mut Frame) -> Result<Scan> {
    let n = usize::from(*p.first().ok_or_else(|| corrupt("scan header cut short"))?);
    if n == 0 || n > 4 || p.len() < 1 + 2 * n + 3 {
        return Err(corrupt("bad scan header"));
    }
    let mut comps = Vec::with_capacity(n);
    for i in 0..n {
        let id = p[1 + 2 * i];
        let tables = p[2 + 2 * i];
        let c = f
            .comps
            .iter()
            .position(|c| c.id == id)
            .ok_or_else(|| corrupt(format!("scan names unknown component {id}")))?;
        if comps.contains(&c) {
            return Err(corrupt("scan names a component twice"));
        }
        let (dc, ac) = (usize::from(tables >> 4), usize::from(tables & 15));
        if dc > 3 || ac > 3 {
            return Err(corrupt("bad Huffman table index in scan header"));
        }
        f.comps[c].dc_table = dc;
        f.comps[c].ac_table = ac;
        comps.push(c);
    }
    let (ss, se) = (usize::from(p[1 + 2 * n]), usize::from(p[2 + 2 * n]));
    let a = p[3 + 2 * n];
    let (ah, al) = (u32::from(a >> 4), u32::from(a & 15));
    if f.progressive {
        let dc_scan = ss == 0;
        if se > 63 || ss > se || (dc_scan && se != 0) || (!dc_scan && n != 1) || al > 13 || ah > 13
        {
            return Err(corrupt("bad progressive scan parameters"));
        }
    } else if ss != 0 || se != 63 || ah != 0 || al != 0 {
        // Sequential scans must cover every coefficient; libjpeg ignores these fields
        // for baseline, so only warn-worthy values are accepted as they are.
        if ss != 0 {
            return Err(corrupt("bad sequential scan parameters"));
        }
    }
    let blocks: usize = comps.iter().map(|&c| f.comps[c].h * f.comps[c].v).sum();
    if n > 1 && blocks > 10 {
        return Err(corrupt("more than 10 blocks per MCU"));
    }
    Ok(Scan {
        comps,
        ss,
        se: if f.progressive { se } else { 63 },
        ah,
        al,
    })
}

/// Per-scan decoding state.
struct State<'a> {
    r: BitReader<'a>,
    pred: [i32; 4],
    eobrun: u32,
}

fn table<'t>(t: &'t [Option<Huffman>; 4], i: usize, what: &str) -> Result<&'t Huffman> {
    t[i].as_ref()
        .ok_or_else(|| corrupt(format!("scan uses undefined {what} Huffman table {i}")))
}

/// Decodes the scan whose header is `p` and whose data start at `pos` in `d`; returns
/// the position of the marker that ends it.
pub(crate) fn decode_scan(
    d: &[u8],
    pos: usize,
    p: &[u8],
    f: &mut Frame,
    t: &Tables,
) -> Result<usize> {
    let scan = parse_header(p, f)?;
    for &c in &scan.comps {
        let comp = &mut f.comps[c];
        if comp.quant.is_none() {
            comp.quant = Some(t.quant[comp.tq].ok_or_else(|| {
                corrupt(format!(
                    "component {} uses an undefined quantization table",
                    comp.id
                ))
            })?);
        }
    }
    let mut st = State {
        r: BitReader::new(d, pos),
        pred: [0; 4],
        eobrun: 0,
    };
    // The MCUs: one block of the component for single-component scans (over the blocks
    // that hold samples), else h×v blocks of each component per MCU.
    let single = scan.comps.len() == 1;
    let (mx, my) = if single {
        let c = &f.comps[scan.comps[0]];
        (c.bw_used, c.bh_used)
    } else {
        (f.mcux, f.mcuy)
    };
    let total = mx * my;
    let interval = t.restart_interval as usize;
    let mut restarts = 0u32;
    for m in 0..total {
        if interval > 0 && m > 0 && m % interval == 0 {
            st.r.restart(restarts)?;
            restarts += 1;
            st.pred = [0; 4];
            st.eobrun = 0;
        }
        let (mcol, mrow) = (m % mx, m / mx);
        for (si, &c) in scan.comps.iter().enumerate() {
            let (h, v, bw) = {
                let comp = &f.comps[c];
                if single {
                    (1, 1, comp.bw)
                } else {
                    (comp.h, comp.v, comp.bw)
                }
            };
            for by in 0..v {
                for bx in 0..h {
                    let (col, row) = (mcol * h + bx, mrow * v + by);
                    let idx = row * bw + col;
                    let (dc_t, ac_t) = (f.comps[c].dc_table, f.comps[c].ac_table);
                    let block = &mut f.comps[c].coef[idx];
                    if !f.progressive {
                        baseline_block(
                            &mut st,
                            si,
                            block,
                            table(&t.dc, dc_t, "DC")?,
                            table(&t.ac, ac_t, "AC")?,
                        )?;
                    } else if scan.ss == 0 {
                        if scan.ah == 0 {
                            let s = u32::from(st.r.decode(table(&t.dc, dc_t, "DC")?)?);
                            if s > 11 {
                                return Err(corrupt("bad DC magnitude"));
                            }
                            st.pred[si] = st.pred[si].wrapping_add(st.r.receive_extend(s));
                            block[0] = (st.pred[si].wrapping_shl(scan.al)) as i16;
                        } else if st.r.bit() {
                            block[0] |= (1i32 << scan.al) as i16;
                        }
                    } else if scan.ah == 0 {
                        ac_first(
                            &mut st,
                            block,
                            table(&t.ac, ac_t, "AC")?,
                            scan.ss,
                            scan.se,
                            scan.al,
                        )?;
                    } else {
                        ac_refine(
                            &mut st,
                            block,
                            table(&t.ac, ac_t, "AC")?,
                            scan.ss,
                            scan.se,
                            scan.al,
                        )?;
                    }
                }
            }
        }
        if st.r.overran() {
            return Err(corrupt(format!(
                "the scan's data end after {m} of {total} MCUs (truncated or corrupt file)"
            )));
        }
    }
    // The position of the next marker: skip what is left of the data.
    let mut end = st.r.position();
    while end + 1 < d.len()
        && !(d[end] == 0xFF
            && d[end + 1] != 0x00
            && !(0xD0..=0xD7).contains(&d[end + 1])
            && d[end + 1] != 0xFF)
    {
        end += 1;
    }
    if end + 1 >= d.len() {
        return Err(corrupt(
            "the data ends before the end-of-image marker (truncated file)",
        ));
    }
    Ok(end)
}

fn baseline_block(
    st: &mut State<'_>,
    si: usize,
    block: &mut [i16; 64],
    dc: &Huffman,
    ac: &Huffman,
) -> Result<()> {
    let s = u32::from(st.r.decode(dc)?);
    if s > 11 {
        return Err(corrupt("bad DC magnitude"));
    }
    st.pred[si] = st.pred[si].wrapping_add(st.r.receive_extend(s));
    block[0] = st.pred[si] as i16;
    let mut k = 1;
    while k < 64 {
        let rs = st.r.decode(ac)?;
        let (r, s) = (usize::from(rs >> 4), u32::from(rs & 15));
        if s == 0 {
            if r != 15 {
                break;
            }
            k += 16;
            continue;
        }
        k += r;
        if k > 63 {
            return Err(corrupt("AC coefficient index past 63"));
        }
        block[ZIGZAG[k]] = st.r.receive_extend(s) as i16;
        k += 1;
    }
    Ok(())
}

fn ac_first(
    st: &mut State<'_>,
    block: &mut [i16; 64],
    ac: &Huffman,
    ss: usize,
    se: usize,
    al: u32,
) -> Result<()> {
    if st.eobrun > 0 {
        st.eobrun -= 1;
        return Ok(());
    }
    let mut k = ss;
    while k <= se {
        let rs = st.r.decode(ac)?;
        let (r, s) = (u32::from(rs >> 4), u32::from(rs & 15));
        if s == 0 {
            if r < 15 {
                st.eobrun = (1 << r) - 1;
                if r > 0 {
                    st.eobrun += st.r.bits(r);
                }
                break;
            }
            k += 16;
            continue;
        }
        k += r as usize;
        if k > se {
            return Err(corrupt("AC coefficient index past the scan's band"));
        }
        block[ZIGZAG[k]] = (st.r.receive_extend(s).wrapping_shl(al)) as i16;
        k += 1;
    }
    Ok(())
}

fn refine(st: &mut State<'_>, coef: &mut i16, p1: i16, m1: i16) {
    if st.r.bit() && (*coef & p1) == 0 {
        *coef = if *coef >= 0 {
            coef.wrapping_add(p1)
        } else {
            coef.wrapping_add(m1)
        };
    }
}

fn ac_refine(
    st: &mut State<'_>,
    block: &mut [i16; 64],
    ac: &Huffman,
    ss: usize,
    se: usize,
    al: u32,
) -> Result<()> {
    let p1 = (1i32 << al) as i16;
    let m1 = (-1i32 << al) as i16;
    let mut k = ss;
    if st.eobrun == 0 {
        while k <= se {
            let rs = st.r.decode(ac)?;
            let (mut r, s) = (i32::from(rs >> 4), u32::from(rs & 15));
            let mut value = 0i16;
            if s != 0 {
                if s != 1 {
                    return Err(corrupt("bad refinement coefficient magnitude"));
                }
                value = if st.r.bit() { p1 } else { m1 };
            } else if r != 15 {
                st.eobrun = 1 << r;
                if r > 0 {
                    st.eobrun += st.r.bits(r as u32);
                }
                break;
            }
            // Skip r zero-history coefficients (refining the non-zero ones met), then
            // place the new one.
            while k <= se {
                let z = ZIGZAG[k];
                if block[z] != 0 {
                    refine(st, &mut block[z], p1, m1);
                } else {
                    if r == 0 {
                        if value != 0 {
                            block[z] = value;
                        }
                        k += 1;
                        break;
                    }
                    r -= 1;
                }
                k += 1;
            }
        }
    }
    if st.eobrun > 0 {
        while k <= se {
            let z = ZIGZAG[k];
            if block[z] != 0 {
                refine(st, &mut block[z], p1, m1);
            }
            k += 1;
        }
        st.eobrun -= 1;
    }
    Ok(())
}
