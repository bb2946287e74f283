//! The line being composed: characters (each with the style in force when it arrived) and
//! `ESC *` image bands, placed left to right, wrapped at the print area's edge as printers do,
//! and printed on LF with the line's alignment, spacing and upside-down mode.

use super::graphics::Bitmap;
use super::{BASE, Interpreter, LINE_GAP, Style};
use crate::glyphs::Glyphs;

/// Items one line may hold: `ESC $` can move back and overprint forever; a printer's line
/// buffer is finite, so a line this full is printed.
const MAX_ITEMS: usize = 1_024;
/// Text lines kept with a page (a metre of paper holds about 270).
const MAX_TEXT_LINES: usize = 1_000;

#[derive(Debug, Clone)]
pub(super) enum Item {
    Char { c: char, wide: bool, style: Style },
    Dots(Bitmap),
}

#[derive(Debug, Clone)]
pub(super) struct Placed {
    x: u32,
    w: u32,
    h: u32,
    item: Item,
}

#[derive(Debug, Default)]
pub(super) struct Line {
    items: Vec<Placed>,
    /// Where the next item goes, in dots from the start of the print area.
    pub(super) cursor: u32,
}

impl Line {
    pub(super) fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    #[cfg(test)]
    pub(super) fn len(&self) -> usize {
        self.items.len()
    }
}

/// A character's cell before scaling: 12 × 24 (font A), 9 × 17 (font B), 24 × 24 for a
/// double-byte (Chinese) character.
fn cell(style: &Style, wide: bool) -> (u32, u32) {
    if wide {
        (24, 24)
    } else if style.font_b {
        (9, 17)
    } else {
        (12, BASE)
    }
}

impl Interpreter {
    fn place(&mut self, w: u32, h: u32, item: Item, glyphs: &dyn Glyphs) {
        let (_, room) = self.area();
        if (self.line.cursor.saturating_add(w) > room && !self.line.is_empty())
            || self.line.items.len() >= MAX_ITEMS
        {
            self.print_line(glyphs);
        }
        let x = self.line.cursor;
        self.line.items.push(Placed { x, w, h, item });
        self.line.cursor = x.saturating_add(w);
    }

    pub(super) fn put_char(&mut self, c: char, wide: bool, glyphs: &dyn Glyphs) {
        let style = self.state.style;
        let (cw, ch) = cell(&style, wide);
        let (cw, ch) = if style.rotated { (ch, cw) } else { (cw, ch) };
        let spacing = if wide { 0 } else { style.spacing };
        let w = (cw + spacing).saturating_mul(style.width);
        let h = ch.saturating_mul(style.height);
        self.place(w, h, Item::Char { c, wide, style }, glyphs);
    }

    pub(super) fn put_dots(&mut self, bitmap: Bitmap, glyphs: &dyn Glyphs) {
        let (w, h) = (bitmap.width, bitmap.height);
        self.place(w, h, Item::Dots(bitmap), glyphs);
    }

    /// HT: to the next tab stop (default every 8 columns of font A); none left: ignored.
    pub(super) fn tab(&mut self) {
        let (_, room) = self.area();
        let cursor = self.line.cursor;
        let next = match &self.state.tabs {
            Some(stops) => stops.iter().copied().find(|&s| s > cursor),
            None => Some((cursor / 96 + 1) * 96),
        };
        if let Some(x) = next.filter(|&x| x < room) {
            self.line.cursor = x;
        }
    }

    /// `ESC $` / `ESC \`: moves within the line; positions outside the print area are ignored.
    pub(super) fn move_to(&mut self, x: i64) {
        let (_, room) = self.area();
        if (0..i64::from(room)).contains(&x) {
            self.line.cursor = x as u32;
        }
    }

    pub(super) fn flush_line(&mut self, glyphs: &dyn Glyphs) {
        if !self.line.is_empty() {
            self.print_line(glyphs);
        }
    }

    /// LF: prints the line (an empty one feeds one line).
    pub(super) fn print_line(&mut self, glyphs: &dyn Glyphs) {
        let spacing = self.state.line_spacing;
        self.print_line_feeding(spacing, glyphs);
    }

    /// Prints the line and feeds `spacing` dots (or the line's height, if taller); None: the
    /// default spacing, the line's height and a gap. `ESC J n` prints with a feed of n.
    pub(super) fn print_line_feeding(&mut self, spacing: Option<u32>, glyphs: &dyn Glyphs) {
        let line = std::mem::take(&mut self.line);
        let content = line.items.iter().map(|p| p.x + p.w).max().unwrap_or(0);
        let tall = line.items.iter().map(|p| p.h).max().unwrap_or(0);
        let feed = match spacing {
            None => (tall + LINE_GAP).max(BASE + LINE_GAP),
            Some(n) => n.max(tall),
        };
        let x0 = self.x_for(content);
        let top = self.add_rows(feed);
        let mut upside_down = false;
        let text: String = line
            .items
            .iter()
            .filter_map(|p| match p.item {
                Item::Char { c, .. } => Some(c),
                Item::Dots(_) => None,
            })
            .collect();
        if !text.is_empty() && self.text.len() < MAX_TEXT_LINES {
            self.text.push(text);
        }
        for p in line.items {
            match p.item {
                Item::Char { c, wide, style } => {
                    upside_down |= style.upside_down;
                    self.draw_char(x0 + p.x, top + tall - p.h, p.w, c, wide, &style, glyphs);
                }
                Item::Dots(b) => self.draw_bitmap(x0 + p.x, top, &b),
            }
        }
        if upside_down {
            // The whole line turned half a circle, as printers do in upside-down mode.
            let w = self.width as usize;
            let end = self.rows.len().min((top + feed) as usize * w);
            let start = (top as usize * w).min(end);
            self.rows[start..end].reverse();
        }
    }

    /// Draws `c` with its style at (x, y); `w` is its advance (cell and spacing, scaled).
    #[allow(clippy::too_many_arguments)]
    fn draw_char(
        &mut self,
        x: u32,
        y: u32,
        w: u32,
        c: char,
        wide: bool,
        style: &Style,
        glyphs: &dyn Glyphs,
    ) {
        let (cw, ch) = cell(style, wide);
        let (sw, sh) = (style.width, style.height);
        let h = if style.rotated { cw } else { ch } * sh;
        let mut dots = Vec::new();
        glyphs.draw(c, cw, ch, &mut |dx, dy| dots.push((dx, dy)));
        let ink = if style.reverse {
            self.paint(x, y, w, h, 1);
            0
        } else {
            1
        };
        // Bold strikes each dot again one dot to the right.
        let bold = u32::from(style.bold);
        for (dx, dy) in dots {
            // Turned 90° clockwise: column becomes row from the right.
            let (dx, dy) = if style.rotated {
                (ch.saturating_sub(1 + dy), dx)
            } else {
                (dx, dy)
            };
            self.paint(x + dx * sw, y + dy * sh, sw + bold, sh, ink);
        }
        if style.underline > 0 && !style.reverse {
            let u = u32::from(style.underline);
            self.paint(x, (y + h).saturating_sub(u), w, u, 1);
        }
    }

    pub(super) fn draw_bitmap(&mut self, x: u32, y: u32, b: &Bitmap) {
        let w = self.width as usize;
        let rows = self.rows.len() / w.max(1);
        for (dy, row) in b.dots.chunks(b.width.max(1) as usize).enumerate() {
            let yy = y as usize + dy;
            if yy >= rows {
                break;
            }
            for (dx, &d) in row.iter().enumerate() {
                let xx = x as usize + dx;
                if d != 0 && xx < w {
                    self.rows[yy * w + xx] = 1;
                }
            }
        }
    }

    /// A line of plain text (font A or B) centred on the span `x`..`x + span`: barcode HRI.
    pub(super) fn text_line(
        &mut self,
        text: &str,
        x: u32,
        span: u32,
        font_b: bool,
        glyphs: &dyn Glyphs,
    ) {
        let style = Style {
            font_b,
            ..Style::default()
        };
        let (cw, ch) = cell(&style, false);
        let w = cw * text.chars().count() as u32;
        let top = self.add_rows(ch + LINE_GAP / 2);
        if self.text.len() < MAX_TEXT_LINES {
            self.text.push(text.to_owned());
        }
        let mut cx = x + span.saturating_sub(w) / 2;
        for c in text.chars() {
            self.draw_char(cx, top, cw, c, false, &style, glyphs);
            cx += cw;
        }
    }
}
