//! What ICAO 9303 check digits do not cover: the codes of the issuing state and the
//! nationality, the sex, dates that exist, names and the filler rules. A reader that misreads
//! `CHN` as `CH6` or `M` as `5` passes every check digit; these rules catch it.

/// The three-letter codes ICAO 9303 Part 3 allows for an issuing state or a nationality:
/// ISO 3166-1 alpha-3 (from Debian's `iso-codes`, `/usr/share/iso-codes/json/iso_3166-1.json`)
/// and ICAO's own below, sorted for a binary search.
const ISO_3166: &[&str] = &[
    "ABW", "AFG", "AGO", "AIA", "ALA", "ALB", "AND", "ARE", "ARG", "ARM", "ASM", "ATA", "ATF",
    "ATG", "AUS", "AUT", "AZE", "BDI", "BEL", "BEN", "BES", "BFA", "BGD", "BGR", "BHR", "BHS",
    "BIH", "BLM", "BLR", "BLZ", "BMU", "BOL", "BRA", "BRB", "BRN", "BTN", "BVT", "BWA", "CAF",
    "CAN", "CCK", "CHE", "CHL", "CHN", "CIV", "CMR", "COD", "COG", "COK", "COL", "COM", "CPV",
    "CRI", "CUB", "CUW", "CXR", "CYM", "CYP", "CZE", "DEU", "DJI", "DMA", "DNK", "DOM", "DZA",
    "ECU", "EGY", "ERI", "ESH", "ESP", "EST", "ETH", "FIN", "FJI", "FLK", "FRA", "FRO", "FSM",
    "GAB", "GBR", "GEO", "GGY", "GHA", "GIB", "GIN", "GLP", "GMB", "GNB", "GNQ", "GRC", "GRD",
    "GRL", "GTM", "GUF", "GUM", "GUY", "HKG", "HMD", "HND", "HRV", "HTI", "HUN", "IDN", "IMN",
    "IND", "IOT", "IRL", "IRN", "IRQ", "ISL", "ISR", "ITA", "JAM", "JEY", "JOR", "JPN", "KAZ",
    "KEN", "KGZ", "KHM", "KIR", "KNA", "KOR", "KWT", "LAO", "LBN", "LBR", "LBY", "LCA", "LIE",
    "LKA", "LSO", "LTU", "LUX", "LVA", "MAC", "MAF", "MAR", "MCO", "MDA", "MDG", "MDV", "MEX",
    "MHL", "MKD", "MLI", "MLT", "MMR", "MNE", "MNG", "MNP", "MOZ", "MRT", "MSR", "MTQ", "MUS",
    "MWI", "MYS", "MYT", "NAM", "NCL", "NER", "NFK", "NGA", "NIC", "NIU", "NLD", "NOR", "NPL",
    "NRU", "NZL", "OMN", "PAK", "PAN", "PCN", "PER", "PHL", "PLW", "PNG", "POL", "PRI", "PRK",
    "PRT", "PRY", "PSE", "PYF", "QAT", "REU", "ROU", "RUS", "RWA", "SAU", "SDN", "SEN", "SGP",
    "SGS", "SHN", "SJM", "SLB", "SLE", "SLV", "SMR", "SOM", "SPM", "SRB", "SSD", "STP", "SUR",
    "SVK", "SVN", "SWE", "SWZ", "SXM", "SYC", "SYR", "TCA", "TCD", "TGO", "THA", "TJK", "TKL",
    "TKM", "TLS", "TON", "TTO", "TUN", "TUR", "TUV", "TWN", "TZA", "UGA", "UKR", "UMI", "URY",
    "USA", "UZB", "VAT", "VCT", "VEN", "VGB", "VIR", "VNM", "VUT", "WLF", "WSM", "YEM", "ZAF",
    "ZMB", "ZWE",
];

/// ICAO's codes beyond ISO 3166-1 (Doc 9303 Part 3, 5): Germany's `D`; the British nationality
/// classes; the United Nations and its agencies; other international organisations; the
/// European Union; Kosovo; the stateless, refugees and an unspecified nationality; and `UTO`,
/// the Utopia of the standard's own specimens.
const ICAO_ONLY: &[&str] = &[
    "D", "EUE", "GBD", "GBN", "GBO", "GBP", "GBS", "RKS", "UNA", "UNK", "UNO", "UTO", "XBA", "XCC",
    "XCE", "XCO", "XDC", "XEC", "XES", "XIM", "XMP", "XOM", "XPO", "XXA", "XXB", "XXC", "XXX",
];

/// Whether `code` (as printed, fillers included: `D<<`) names a state, organisation or
/// status ICAO allows.
pub fn is_icao_code(code: &str) -> bool {
    let code = code.trim_end_matches('<');
    ISO_3166.binary_search(&code).is_ok() || ICAO_ONLY.binary_search(&code).is_ok()
}

/// Every code [`is_icao_code`] accepts (for generating test documents).
pub fn icao_codes() -> impl Iterator<Item = &'static str> {
    ISO_3166.iter().chain(ICAO_ONLY).copied()
}

/// `M`, `F` or `<` (unspecified).
pub fn is_sex(s: &str) -> bool {
    matches!(s, "M" | "F" | "<")
}

/// A name field: letters, single `<` between a name's parts, `<<` between the surname and the
/// given names, and only fillers after the last letter. No digits (a misread `O` or `I`).
pub fn is_name_field(s: &str) -> bool {
    let names = s.trim_end_matches('<');
    !names.is_empty()
        && !names.starts_with('<')
        && !names.contains("<<<")
        && names.matches("<<").count() <= 1
        && names.bytes().all(|c| c.is_ascii_uppercase() || c == b'<')
}

/// A field of letters and digits filled with `<` on the right only: a document or personal
/// number (an empty one, all fillers, is allowed where `optional`).
pub fn is_filled_right(s: &str, optional: bool) -> bool {
    let value = s.trim_end_matches('<');
    (optional || !value.is_empty()) && value.bytes().all(|c| c.is_ascii_alphanumeric())
}

/// A document code: its first letter (`P` passports; `I`, `A` or `C` identity cards), then a
/// letter or `<`.
pub fn is_document_code(s: &str, first: &[u8]) -> bool {
    let b = s.as_bytes();
    b.len() == 2 && first.contains(&b[0]) && (b[1].is_ascii_uppercase() || b[1] == b'<')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_sorted_for_the_search() {
        assert!(ISO_3166.windows(2).all(|w| w[0] < w[1]));
        assert!(ICAO_ONLY.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(ISO_3166.len(), 249);
    }

    #[test]
    fn codes_as_printed() {
        for ok in [
            "CHN", "HKG", "MAC", "TWN", "D<<", "GBD", "UNO", "XXA", "UTO",
        ] {
            assert!(is_icao_code(ok), "{ok}");
        }
        for bad in ["CH6", "C<N", "DEU1", "DD<", "XYZ", "<<<", ""] {
            assert!(!is_icao_code(bad), "{bad}");
        }
    }

    #[test]
    fn names_and_numbers() {
        assert!(is_name_field("ERIKSSON<<ANNA<MARIA<<<<<<"));
        assert!(is_name_field("ZHANG<<SAN<<<<"));
        assert!(is_name_field("MONONYM<<<<<<"));
        assert!(!is_name_field("ER1KSSON<<ANNA<<<<"));
        assert!(!is_name_field("<<ANNA<<<<"));
        assert!(!is_name_field("A<<B<<C<<<"));
        assert!(!is_name_field("<<<<<<<<"));
        assert!(is_filled_right("L898902C3", false));
        assert!(is_filled_right("D2314589<", false));
        assert!(!is_filled_right("D23<14589", false));
        assert!(is_filled_right("<<<<<<<<<<<<<<", true));
        assert!(!is_filled_right("<<<<<<<<<", false));
    }
}
