//! Retraining a tiny model (mean colour as the bottleneck) on three colour classes,
//! then running the retrained graph on held-out images.

use cairn_graph::{graphdef, Graph, PartialShape, Session};
use cairn_retrain::{retrain, Event, HeadConfig, Options};
use cairn_tensor::{DType, Tensor};
use std::path::Path;

type Res<T = ()> = Result<T, Box<dyn std::error::Error>>;

/// `input` float [1, 8, 8, 3] → Mean over rows and columns = `bottleneck` [1, 3] → an
/// old head `softmax`.
fn tiny_model() -> Res<Vec<u8>> {
    let mut g = Graph::new();
    let x = g.placeholder(
        "input",
        DType::Float32,
        PartialShape::from_i64(&[1, 8, 8, 3]),
    )?;
    let m = g.reduce("Mean", "bottleneck", x, &[1, 2], false)?;
    let s = g.unary("Softmax", "softmax", m)?;
    let _ = s;
    Ok(graphdef::to_graph_def_bytes(&g))
}

/// A `w × h` RGB PNG of colour `rgb` with a little deterministic noise.
fn png(path: &Path, w: u32, h: u32, rgb: [u8; 3], salt: u32) -> Res {
    let mut data = Vec::new();
    for i in 0..w * h {
        for (c, v) in rgb.iter().enumerate() {
            let noise = ((i * 31 + c as u32 * 7 + salt * 13) % 41) as i32 - 20;
            data.push((i32::from(*v) + noise).clamp(0, 255) as u8);
        }
    }
    let file = std::fs::File::create(path)?;
    let mut enc = png::Encoder::new(std::io::BufWriter::new(file), w, h);
    enc.set_color(png::ColorType::Rgb);
    enc.set_depth(png::BitDepth::Eight);
    enc.write_header()?.write_image_data(&data)?;
    Ok(())
}

/// In the order of their labels (directory names sorted bytewise).
const COLOURS: [(&str, [u8; 3]); 3] = [
    ("Red", [220, 30, 30]),
    ("blue", [20, 40, 210]),
    ("green_ones", [30, 200, 40]),
];

fn image_dir(dir: &Path, per_class: u32) -> Res {
    for (name, rgb) in COLOURS {
        let d = dir.join(name);
        std::fs::create_dir_all(&d)?;
        for i in 0..per_class {
            png(
                &d.join(format!("img{i}.png")),
                12 + i % 5,
                9 + i % 3,
                rgb,
                i,
            )?;
        }
    }
    Ok(())
}

#[test]
fn retrained_graph_classifies_held_out_images() -> Res {
    let tmp = tempfile::tempdir()?;
    let model = tmp.path().join("model.pb");
    std::fs::write(&model, tiny_model()?)?;
    let images = tmp.path().join("images");
    image_dir(&images, 12)?;
    let mut opts = Options::new(model.clone(), "bottleneck:0", images.clone());
    opts.bottleneck_dir = Some(tmp.path().join("cache"));
    opts.head = HeadConfig {
        steps: 200,
        batch_size: 20,
        learning_rate: 2.0,
        eval_every: 50,
        seed: 3,
    };
    let mut events = Vec::new();
    let r = retrain(&opts, &mut |e| events.push(e))?;
    // Sorted by directory name, bytewise as retrain.py sorts: Red, blue, green_ones.
    assert_eq!(r.labels, ["red", "blue", "green ones"]);
    assert_eq!(r.bottleneck_size, 3);
    assert_eq!(r.computed, 36);
    assert_eq!(r.cached, 0);
    assert!(matches!(events.first(), Some(Event::Scanned { .. })));
    let last = r.last.clone().ok_or("no evaluation")?;
    assert_eq!(last.step, 200);
    assert!(last.train_accuracy > 0.99, "{last:?}");
    // The old head is pruned away; the new one is there.
    let names: Vec<&str> = r.graph.node.iter().map(|n| n.name.as_str()).collect();
    assert!(names.contains(&"final_result"));
    assert!(!names.contains(&"softmax"));

    // Run the retrained graph on new images of each class.
    let bytes = prost::Message::encode_to_vec(&r.graph);
    let mut s = Session::new(graphdef::from_graph_def_bytes(&bytes)?);
    for (k, (_, rgb)) in COLOURS.iter().enumerate() {
        // Feed the decoded, scaled pixels directly: the mean colour / 255.
        let v: Vec<f32> = (0..64)
            .flat_map(|_| rgb.iter().map(|c| f32::from(*c) / 255.0))
            .collect();
        let x = Tensor::from_vec(vec![1, 8, 8, 3], v)?;
        let out = s.run(&[("input:0", &x)], &["final_result:0"], &[])?;
        let p = out[0].as_slice::<f32>()?;
        let best = (0..3)
            .max_by(|a, b| p[*a].total_cmp(&p[*b]))
            .ok_or("empty")?;
        // COLOURS is in the labels' order.
        assert_eq!(best, k, "{p:?}");
    }

    // A second run reads every bottleneck from the cache.
    let again = retrain(&opts, &mut |_| {})?;
    assert_eq!((again.computed, again.cached), (0, 36));
    assert_eq!(again.graph, r.graph);
    Ok(())
}

#[test]
fn folders_that_cannot_be_retrained_are_clear_errors() -> Res {
    let tmp = tempfile::tempdir()?;
    let model = tmp.path().join("model.pb");
    std::fs::write(&model, tiny_model()?)?;
    let images = tmp.path().join("images");
    std::fs::create_dir_all(images.join("only"))?;
    png(&images.join("only").join("a.png"), 4, 4, [1, 2, 3], 0)?;
    let opts = Options::new(model.clone(), "bottleneck:0", images.clone());
    let e = retrain(&opts, &mut |_| {})
        .err()
        .ok_or("one class accepted")?;
    assert!(e.to_string().contains("at least 2"), "{e}");

    std::fs::create_dir_all(images.join("other"))?;
    for i in 0..6 {
        std::fs::write(
            images.join("other").join(format!("broken{i}.png")),
            b"\x89PNG\r\n\x1a\nnope",
        )?;
        png(
            &images.join("only").join(format!("b{i}.png")),
            4,
            4,
            [1, 2, 3],
            i,
        )?;
    }
    let e = retrain(&opts, &mut |_| {})
        .err()
        .ok_or("broken image accepted")?;
    assert!(e.to_string().contains("broken"), "{e}");

    let mut bad = opts.clone();
    bad.bottleneck_tensor = "nope:0".into();
    let e = retrain(&bad, &mut |_| {})
        .err()
        .ok_or("missing tensor accepted")?;
    assert!(e.to_string().contains("nope"), "{e}");

    std::fs::write(&model, b"\xff\xff\xff")?;
    let e = retrain(&opts, &mut |_| {})
        .err()
        .ok_or("garbage graph accepted")?;
    assert!(e.to_string().contains("model.pb"), "{e}");
    Ok(())
}
