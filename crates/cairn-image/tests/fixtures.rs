//! Decoded pixels against TensorFlow's `DecodeJpeg`/`DecodePng` (fixtures made by
//! `xtask/python/fixtures_images.py`).

use crate::{fixture, read_npy, TestResult};
use cairn_image::{decode, DecodeOptions, Image, Pixels};

fn samples(img: &Image) -> Vec<u16> {
    match &img.pixels {
        Pixels::U8(v) => v.iter().map(|&x| u16::from(x)).collect(),
        Pixels::U16(v) => v.clone(),
    }
}

/// Largest absolute difference and how many samples differ by more than 2.
fn compare(name: &str, opts: &DecodeOptions) -> Result<(u16, usize), Box<dyn std::error::Error>> {
    let img = decode(&std::fs::read(fixture(name))?, opts)?;
    let (dims, want) = read_npy(&format!("{name}.npy"))?;
    assert_eq!(dims, [img.height, img.width, img.channels], "{name}");
    let got = samples(&img);
    assert_eq!(got.len(), want.len(), "{name}");
    let diffs: Vec<u16> = got.iter().zip(&want).map(|(a, b)| a.abs_diff(*b)).collect();
    let max = diffs.iter().copied().max().unwrap_or(0);
    Ok((max, diffs.iter().filter(|&&d| d > 2).count()))
}

/// cairn's decoder reproduces libjpeg-turbo as TensorFlow runs it (fast IDCT, fancy
/// upsampling): every sample of every fixture is TensorFlow's.
#[test]
fn jpegs_equal_tensorflows_pixels() -> TestResult {
    for name in [
        "img_grey.jpg",
        "img_1x1.jpg",
        "img_420.jpg",
        "img_422.jpg",
        "img_444.jpg",
        "img_prog.jpg",
    ] {
        let (max, _) = compare(name, &DecodeOptions::default())?;
        assert_eq!(max, 0, "{name}: max difference {max}");
    }
    Ok(())
}

#[test]
fn pngs_match_tensorflow_exactly() -> TestResult {
    for name in ["png_rgb.png", "png_rgba.png", "png_grey.png", "png_pal.png"] {
        assert_eq!(compare(name, &DecodeOptions::default())?.0, 0, "{name}");
    }
    let wide = DecodeOptions {
        uint16: true,
        ..DecodeOptions::default()
    };
    for name in ["png_rgb16.png", "png_grey16.png"] {
        assert_eq!(compare(name, &wide)?.0, 0, "{name}");
    }
    Ok(())
}

#[test]
fn channel_requests() -> TestResult {
    let bytes = std::fs::read(fixture("img_grey.jpg"))?;
    let rgb = decode(&bytes, &DecodeOptions::with_channels(3))?;
    assert_eq!(rgb.channels, 3);
    let bytes = std::fs::read(fixture("img_444.jpg"))?;
    let grey = decode(&bytes, &DecodeOptions::with_channels(1))?;
    assert_eq!((grey.height, grey.width, grey.channels), (53, 67, 1));
    let bytes = std::fs::read(fixture("png_rgb.png"))?;
    let rgba = decode(&bytes, &DecodeOptions::with_channels(4))?;
    let Pixels::U8(v) = &rgba.pixels else {
        return Err("expected u8".into());
    };
    assert!(v.chunks(4).all(|p| p[3] == 255));
    Ok(())
}
