//! A 12-megapixel camera frame (4000 × 3000) to a stored PDF page: time per page on one core
//! and the page's size. Targets: ≤ 200 ms and ≤ 250 KB for a legible A4 text page.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use onevisit_capture::pdf;
use onevisit_capture::quality::Thresholds;
use onevisit_capture::{Mode, process};

#[path = "../tests/fixtures/mod.rs"]
mod fixtures;

fn bench(c: &mut Criterion) {
    let quad = fixtures::placed(2000.0, 1500.0, 1900.0, 2690.0, 6.0, 0.04);
    let frame = fixtures::photograph(4000, 3000, &quad, &fixtures::PageArt::a4(), 40.0);
    let t = Thresholds::default();
    let page = process(&frame, None, Mode::Text, &t);
    let stored = pdf::write(&[page.pdf_page.clone().expect("page")]);
    eprintln!(
        "12 MP frame: quality {:?}, rotation {:.1}°, stored PDF page {} bytes ({:.0} KB)",
        page.quality,
        page.rotation_degrees.unwrap_or(0.0),
        stored.bytes.len(),
        stored.bytes.len() as f64 / 1024.0
    );
    let mut g = c.benchmark_group("capture");
    g.sample_size(20);
    g.bench_function("12MP frame to stored PDF page (text)", |b| {
        b.iter(|| {
            let p = process(black_box(&frame), None, Mode::Text, &t);
            black_box(pdf::write(&[p.pdf_page.expect("page")]))
        })
    });
    g.bench_function("12MP frame to stored PDF page (grey JPEG)", |b| {
        b.iter(|| {
            let p = process(black_box(&frame), None, Mode::Gray, &t);
            black_box(pdf::write(&[p.pdf_page.expect("page")]))
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
