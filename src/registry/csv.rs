//! Reading the CSV files that imports come in, as municipalities and
//! Dutch Excel write them: `,` or `;` between fields, with or without a
//! UTF-8 byte-order mark.

use std::fmt;
use std::io::{BufRead, BufReader, Read};

/// The field separator a file uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Separator {
    /// `,`, the CSV default.
    Comma,
    /// `;`, what Dutch Excel writes.
    Semicolon,
}

impl Separator {
    fn byte(self) -> u8 {
        match self {
            Self::Comma => b',',
            Self::Semicolon => b';',
        }
    }
}

impl fmt::Display for Separator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Comma => "`,` (comma)",
            Self::Semicolon => "`;` (semicolon)",
        })
    }
}

/// Why a file cannot be read as CSV at all.
#[derive(Debug, thiserror::Error)]
pub enum CsvFileError {
    /// Reading failed.
    #[error("the file cannot be read: {0}")]
    Io(#[from] std::io::Error),
    /// The header names one column at most, or no separator is used.
    #[error(
        "the header row has neither `,` nor `;` between its column names; \
         save the file as CSV (comma- or semicolon-separated)"
    )]
    NoSeparator,
}

/// A CSV reader over `input` with the separator its header row uses (the
/// one that occurs more often in it), past a UTF-8 byte-order mark;
/// fields are trimmed.
pub fn open(input: impl Read) -> Result<(csv::Reader<impl Read>, Separator), CsvFileError> {
    let mut buffered = BufReader::with_capacity(1 << 16, input);
    let start = buffered.fill_buf()?;
    let has_bom = start.starts_with(b"\xEF\xBB\xBF");
    let header = &start[if has_bom { 3 } else { 0 }..];
    let header = &header[..header
        .iter()
        .position(|b| *b == b'\n')
        .unwrap_or(header.len())];
    #[expect(
        clippy::naive_bytecount,
        reason = "one header line; not worth a dependency"
    )]
    let count = |separator: u8| header.iter().filter(|b| **b == separator).count();
    let separator = match (count(b','), count(b';')) {
        (0, 0) => return Err(CsvFileError::NoSeparator),
        (commas, semicolons) if semicolons > commas => Separator::Semicolon,
        _ => Separator::Comma,
    };
    if has_bom {
        buffered.consume(3);
    }
    let reader = csv::ReaderBuilder::new()
        .delimiter(separator.byte())
        .trim(csv::Trim::All)
        .from_reader(buffered);
    Ok((reader, separator))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests fail loudly")]

    use super::*;

    fn read(text: &[u8]) -> (Vec<Vec<String>>, Separator) {
        let (mut reader, separator) = open(text).unwrap();
        let mut rows = vec![
            reader
                .headers()
                .unwrap()
                .iter()
                .map(str::to_owned)
                .collect(),
        ];
        for record in reader.records() {
            rows.push(record.unwrap().iter().map(str::to_owned).collect());
        }
        (rows, separator)
    }

    #[test]
    fn commas_and_semicolons_are_both_read_and_named() {
        let (comma, found) = read(b"a,b\n1,2\n");
        assert_eq!(found, Separator::Comma);
        let (semicolon, found) = read(b"a;b\n1;2\n");
        assert_eq!(found, Separator::Semicolon);
        assert_eq!(comma, semicolon);
        assert_eq!(comma[1], ["1", "2"]);
    }

    #[test]
    fn a_byte_order_mark_is_not_part_of_the_first_column() {
        let (rows, found) = read(b"\xEF\xBB\xBFbsn;familyName\n123456782;Nowak\n");
        assert_eq!(found, Separator::Semicolon);
        assert_eq!(rows[0], ["bsn", "familyName"]);
    }

    #[test]
    fn a_decimal_comma_in_a_semicolon_file_stays_in_its_field() {
        let (rows, found) = read(b"area;city\n64,5;Vlaardingen\n");
        assert_eq!(found, Separator::Semicolon);
        assert_eq!(rows[1], ["64,5", "Vlaardingen"]);
    }

    #[test]
    fn a_file_with_neither_separator_gets_one_clear_error() {
        let error = open(&b"a\tb\n1\t2\n"[..]).map(drop).unwrap_err();
        assert!(matches!(error, CsvFileError::NoSeparator), "{error}");
    }
}
