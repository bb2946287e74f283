//! Rare characters by handwriting, measured: how often a written rare character is among the
//! candidates, whether common characters keep their places, and what it costs.
//!
//! The handwriting is not ours: the stroke medians of Make Me a Hanzi (drawn from the Arphic
//! fonts, a source independent of the Noto glyphs matched against), from npm:
//!
//! ```sh
//! (cd /tmp && npm pack hanzi-writer-data@2.0.1 && tar xzf hanzi-writer-data-2.0.1.tgz)
//! HANZI_WRITER_DATA=/tmp/package cargo bench -p onevisit-ime --bench rare
//! ```
//!
//! Without that folder it says so and measures only the cost.

use std::path::{Path, PathBuf};
use std::time::Instant;

use onevisit_ime::coverage::Coverage;
use onevisit_ime::handwriting::{self, Handwriting, PAD, Stroke};
use onevisit_ime::rare::{self, RareGlyphs, WithRare};
use onevisit_ime::shape;
use onevisit_ime::zinnia::Zinnia;

/// Make Me a Hanzi's medians (1024 units, y up from −124 to 900) on the 300-unit pad, with
/// points every few units as a finger gives them.
fn medians(dir: &Path, c: char) -> Option<Vec<Stroke>> {
    let text = std::fs::read_to_string(dir.join(format!("{c}.json"))).ok()?;
    let v: serde_json::Value = serde_json::from_str(&text).ok()?;
    let to = |p: &serde_json::Value| -> Option<(f32, f32)> {
        let x = p.get(0)?.as_f64()? as f32;
        let y = p.get(1)?.as_f64()? as f32;
        Some((x * PAD / 1024.0, (900.0 - y) * PAD / 1024.0))
    };
    let mut out = Vec::new();
    for s in v.get("medians")?.as_array()? {
        let pts: Vec<(f32, f32)> = s.as_array()?.iter().filter_map(to).collect();
        let mut dense = Vec::new();
        for w in pts.windows(2) {
            let steps = ((w[1].0 - w[0].0).hypot(w[1].1 - w[0].1) / 6.0)
                .ceil()
                .max(1.0) as usize;
            for i in 0..steps {
                let t = i as f32 / steps as f32;
                dense.push((
                    w[0].0 + (w[1].0 - w[0].0) * t,
                    w[0].1 + (w[1].1 - w[0].1) * t,
                ));
            }
        }
        if let Some(&last) = pts.last() {
            dense.push(last);
        }
        out.push(dense);
    }
    Some(out)
}

fn font() -> &'static [u8] {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fonts/OneVisitSansSC-Regular.otf");
    Box::leak(
        std::fs::read(path)
            .expect("bundled font")
            .into_boxed_slice(),
    )
}

fn percent(n: usize, of: usize) -> String {
    format!("{:.1}% ({n}/{of})", 100.0 * n as f64 / of.max(1) as f64)
}

fn main() {
    let font = font();
    let t = Instant::now();
    let glyphs = RareGlyphs::new(font).expect("glyphs");
    println!(
        "rare glyphs drawn: {} in {:.0} ms, {} KB of shapes",
        glyphs.len(),
        t.elapsed().as_secs_f64() * 1e3,
        glyphs.len() * shape::DIM / 1024
    );
    let Some(dir) = std::env::var_os("HANZI_WRITER_DATA").map(PathBuf::from) else {
        println!("HANZI_WRITER_DATA not set: accuracy not measured (see the top of this file)");
        return;
    };
    let coverage = Coverage::from_font(font).expect("coverage");

    // Rare characters written: among the glyph matcher's own first k, and among the
    // candidates a citizen sees (8, or 5 in elderly mode) with Zinnia's.
    let samples: Vec<(char, Vec<Stroke>)> = rare::chars()
        .filter_map(|(c, _)| Some((c, medians(&dir, c)?)))
        .collect();
    let mut zinnia = WithRare::new(
        Zinnia::open(&Zinnia::model_path()).expect("zinnia"),
        &glyphs,
    );
    let (mut top1, mut top3, mut shown8, mut shown5) = (0, 0, 0, 0);
    let mut times = Vec::new();
    for (c, strokes) in &samples {
        let s = shape::of_strokes(strokes).expect("shape");
        let near = zinnia.rare().nearest(&s, 3);
        top1 += usize::from(near.first().is_some_and(|n| n.0 == *c));
        top3 += usize::from(near.iter().any(|n| n.0 == *c));
        let t = Instant::now();
        let got = handwriting::candidates(&mut zinnia, strokes, 8, &coverage).expect("recognize");
        times.push(t.elapsed().as_secs_f64() * 1e3);
        let want = c.to_string();
        shown8 += usize::from(got.contains(&want));
        shown5 += usize::from(got.iter().take(5).any(|g| *g == want));
    }
    println!("rare characters written ({} with medians):", samples.len());
    println!("  glyph matcher first: {}", percent(top1, samples.len()));
    println!(
        "  glyph matcher first three: {}",
        percent(top3, samples.len())
    );
    println!("  among 8 candidates: {}", percent(shown8, samples.len()));
    println!(
        "  among 5 candidates (elderly): {}",
        percent(shown5, samples.len())
    );

    // Common characters written: Zinnia alone against Zinnia with the rare ones.
    let mut plain = Zinnia::open(&Zinnia::model_path()).expect("zinnia");
    let (mut n, mut first_alone, mut first_with, mut five_alone, mut five_with) = (0, 0, 0, 0, 0);
    let rare_set: std::collections::HashSet<char> = rare::chars().map(|(c, _)| c).collect();
    let common: Vec<char> = ('\u{4E00}'..='\u{9FFF}')
        .filter(|c| coverage.has(*c) && !rare_set.contains(c))
        .step_by(10)
        .collect();
    for c in common {
        let Some(strokes) = medians(&dir, c) else {
            continue;
        };
        let want = c.to_string();
        let alone = handwriting::candidates(&mut plain, &strokes, 8, &coverage).expect("z");
        let with = handwriting::candidates(&mut zinnia, &strokes, 8, &coverage).expect("z");
        n += 1;
        first_alone += usize::from(alone.first() == Some(&want));
        first_with += usize::from(with.first() == Some(&want));
        five_alone += usize::from(alone.iter().take(5).any(|g| *g == want));
        five_with += usize::from(with.iter().take(5).any(|g| *g == want));
    }
    println!("common (GB 2312) characters written, a spread of {n}:");
    println!(
        "  first: Zinnia alone {}, with rare {}",
        percent(first_alone, n),
        percent(first_with, n)
    );
    println!(
        "  among 5: Zinnia alone {}, with rare {}",
        percent(five_alone, n),
        percent(five_with, n)
    );
    times.sort_by(f64::total_cmp);
    println!(
        "recognition with rare characters: p50 {:.2} ms, p99 {:.2} ms ({})",
        times[times.len() / 2],
        times[(times.len() - 1) * 99 / 100],
        zinnia.describe()
    );
}
