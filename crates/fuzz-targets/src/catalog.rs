//! The catalog folder's files, as the kiosk loads them (from disk or a catalog bundle).

use onevisit_domain::SourceFile;
use onevisit_domain::calendar::Calendar;
use onevisit_domain::default_answers;

/// Several files in one input: parts separated by a NUL byte, each `path` `\n` `text`
/// (text read as UTF-8, lossily, as the kiosk would refuse other bytes before this). Loaded
/// as a catalog and as the holiday calendar; a catalog that loads is planned for each theme
/// with its default answers (what the kiosk shows first), since a catalog that passed the
/// loader must never make the engine fail.
pub fn catalog_load(data: &[u8]) {
    let files = split_files(data);
    if let Ok(catalog) = onevisit_domain::catalog::load(&files) {
        for theme in catalog.themes.iter() {
            let _ = onevisit_domain::plan(&catalog, &theme.id, &default_answers(theme));
        }
    }
    let _ = Calendar::from_sources(&files);
}

/// The input format of [`catalog_load`], for seeds and tests.
pub fn join_files(files: &[(&str, &str)]) -> Vec<u8> {
    let mut out = Vec::new();
    for (i, (path, text)) in files.iter().enumerate() {
        if i > 0 {
            out.push(0);
        }
        out.extend_from_slice(path.as_bytes());
        out.push(b'\n');
        out.extend_from_slice(text.as_bytes());
    }
    out
}

fn split_files(data: &[u8]) -> Vec<SourceFile> {
    data.split(|&b| b == 0)
        .map(|part| {
            let (path, text) = match part.iter().position(|&b| b == b'\n') {
                Some(i) => (&part[..i], &part[i + 1..]),
                None => (part, &[][..]),
            };
            SourceFile {
                path: String::from_utf8_lossy(path).into_owned(),
                text: String::from_utf8_lossy(text).into_owned(),
            }
        })
        .collect()
}
