//! A streaming ZIP writer for export files: entries are stored (not compressed) and written
//! with a data descriptor, so a file of any length streams out in bounded memory; readers
//! that use the central directory (Python's `zipfile`, Info-ZIP `unzip`, the Rust and Java
//! `ZipFile` readers) open it. Layout per PKWARE APPNOTE 4.3: local file header, data, data
//! descriptor; then the central directory and the end-of-central-directory record. No ZIP64:
//! an export past 4 GiB is refused by the caller.

/// CRC-32 (IEEE 802.3, reflected, polynomial 0xEDB88320) as ZIP uses it.
#[derive(Debug, Clone, Copy)]
pub struct Crc32(u32);

const fn crc_table() -> [u32; 256] {
    let mut table = [0u32; 256];
    let mut n = 0;
    while n < 256 {
        let mut c = n as u32;
        let mut k = 0;
        while k < 8 {
            c = if c & 1 != 0 {
                0xEDB8_8320 ^ (c >> 1)
            } else {
                c >> 1
            };
            k += 1;
        }
        table[n] = c;
        n += 1;
    }
    table
}

static CRC_TABLE: [u32; 256] = crc_table();

impl Crc32 {
    pub fn new() -> Self {
        Crc32(0xFFFF_FFFF)
    }

    pub fn update(&mut self, data: &[u8]) {
        let mut c = self.0;
        for byte in data {
            c = CRC_TABLE[((c ^ u32::from(*byte)) & 0xFF) as usize] ^ (c >> 8);
        }
        self.0 = c;
    }

    pub fn value(self) -> u32 {
        self.0 ^ 0xFFFF_FFFF
    }
}

impl Default for Crc32 {
    fn default() -> Self {
        Crc32::new()
    }
}

struct Entry {
    name: String,
    crc: u32,
    size: u32,
    offset: u32,
}

struct Open {
    name: String,
    crc: Crc32,
    size: u64,
    offset: u64,
}

/// Why an archive cannot be written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the export is larger than 4 GiB, which a ZIP without ZIP64 cannot hold")]
pub struct TooLarge;

/// Builds the bytes of a ZIP archive piece by piece; the caller sends each piece on.
pub struct ZipWriter {
    written: u64,
    entries: Vec<Entry>,
    open: Option<Open>,
    dos_time: u16,
    dos_date: u16,
}

/// Flags: bit 3 (sizes and CRC in the data descriptor), bit 11 (UTF-8 names).
const FLAGS: u16 = 0x0008 | 0x0800;

fn u16le(out: &mut Vec<u8>, v: u16) {
    out.extend_from_slice(&v.to_le_bytes());
}

fn u32le(out: &mut Vec<u8>, v: u32) {
    out.extend_from_slice(&v.to_le_bytes());
}

fn fit(value: u64) -> Result<u32, TooLarge> {
    u32::try_from(value).map_err(|_| TooLarge)
}

impl ZipWriter {
    /// `modified_ms` stamps every entry (DOS time, two-second precision, UTC).
    pub fn new(modified_ms: i64) -> Self {
        use chrono::{Datelike, TimeZone, Timelike, Utc};
        let at = Utc
            .timestamp_millis_opt(modified_ms)
            .single()
            .unwrap_or_default();
        let year = (at.year() - 1980).clamp(0, 127) as u16;
        ZipWriter {
            written: 0,
            entries: Vec::new(),
            open: None,
            dos_time: ((at.hour() as u16) << 11)
                | ((at.minute() as u16) << 5)
                | (at.second() as u16 / 2),
            dos_date: (year << 9) | ((at.month() as u16) << 5) | at.day() as u16,
        }
    }

    /// The local header that opens entry `name` (closing the previous entry first).
    pub fn start_entry(&mut self, name: &str) -> Result<Vec<u8>, TooLarge> {
        // The previous entry's descriptor is already counted in `written`.
        let mut out = self.finish_entry()?;
        let offset = self.written;
        u32le(&mut out, 0x0403_4b50);
        u16le(&mut out, 20);
        u16le(&mut out, FLAGS);
        u16le(&mut out, 0);
        u16le(&mut out, self.dos_time);
        u16le(&mut out, self.dos_date);
        u32le(&mut out, 0);
        u32le(&mut out, 0);
        u32le(&mut out, 0);
        u16le(&mut out, name.len() as u16);
        u16le(&mut out, 0);
        out.extend_from_slice(name.as_bytes());
        self.written = offset + 30 + name.len() as u64;
        self.open = Some(Open {
            name: name.to_string(),
            crc: Crc32::new(),
            size: 0,
            offset,
        });
        Ok(out)
    }

    /// Accounts for entry data the caller sends as it is.
    pub fn data(&mut self, data: &[u8]) {
        if let Some(open) = &mut self.open {
            open.crc.update(data);
            open.size += data.len() as u64;
        }
        self.written += data.len() as u64;
    }

    fn finish_entry(&mut self) -> Result<Vec<u8>, TooLarge> {
        let Some(open) = self.open.take() else {
            return Ok(Vec::new());
        };
        let entry = Entry {
            name: open.name,
            crc: open.crc.value(),
            size: fit(open.size)?,
            offset: fit(open.offset)?,
        };
        let mut out = Vec::with_capacity(16);
        u32le(&mut out, 0x0807_4b50);
        u32le(&mut out, entry.crc);
        u32le(&mut out, entry.size);
        u32le(&mut out, entry.size);
        self.written += out.len() as u64;
        self.entries.push(entry);
        Ok(out)
    }

    /// The bytes that end the archive: the last descriptor, the central directory, the end
    /// record.
    pub fn finish(mut self) -> Result<Vec<u8>, TooLarge> {
        let mut out = self.finish_entry()?;
        let directory_start = fit(self.written)?;
        let before = out.len();
        for entry in &self.entries {
            u32le(&mut out, 0x0201_4b50);
            u16le(&mut out, 20);
            u16le(&mut out, 20);
            u16le(&mut out, FLAGS);
            u16le(&mut out, 0);
            u16le(&mut out, self.dos_time);
            u16le(&mut out, self.dos_date);
            u32le(&mut out, entry.crc);
            u32le(&mut out, entry.size);
            u32le(&mut out, entry.size);
            u16le(&mut out, entry.name.len() as u16);
            u16le(&mut out, 0);
            u16le(&mut out, 0);
            u16le(&mut out, 0);
            u16le(&mut out, 0);
            u32le(&mut out, 0);
            u32le(&mut out, entry.offset);
            out.extend_from_slice(entry.name.as_bytes());
        }
        let directory_size = fit((out.len() - before) as u64)?;
        u32le(&mut out, 0x0605_4b50);
        u16le(&mut out, 0);
        u16le(&mut out, 0);
        u16le(&mut out, self.entries.len() as u16);
        u16le(&mut out, self.entries.len() as u16);
        u32le(&mut out, directory_size);
        u32le(&mut out, directory_start);
        u16le(&mut out, 0);
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc32_matches_the_standard_check_value() {
        let mut crc = Crc32::new();
        crc.update(b"123456789");
        assert_eq!(crc.value(), 0xCBF4_3926);
    }

    #[test]
    fn an_archive_lists_its_entries_in_the_central_directory() {
        let mut zip = ZipWriter::new(1_700_000_000_000);
        let mut bytes = zip.start_entry("a.csv").expect("entry");
        zip.data(b"x,y\n");
        bytes.extend_from_slice(b"x,y\n");
        bytes.extend(zip.start_entry("b.csv").expect("entry"));
        zip.data(b"z\n");
        bytes.extend_from_slice(b"z\n");
        bytes.extend(zip.finish().expect("end"));
        // The end record says two entries, and the directory offset points at a directory.
        let end = bytes.len() - 22;
        assert_eq!(&bytes[end..end + 4], &0x0605_4b50u32.to_le_bytes());
        assert_eq!(u16::from_le_bytes([bytes[end + 10], bytes[end + 11]]), 2);
        let start = u32::from_le_bytes([
            bytes[end + 16],
            bytes[end + 17],
            bytes[end + 18],
            bytes[end + 19],
        ]) as usize;
        assert_eq!(&bytes[start..start + 4], &0x0201_4b50u32.to_le_bytes());
        // The second entry's local header sits where the directory says.
        let second = start + 46 + "a.csv".len();
        let offset = u32::from_le_bytes([
            bytes[second + 42],
            bytes[second + 43],
            bytes[second + 44],
            bytes[second + 45],
        ]) as usize;
        assert_eq!(&bytes[offset..offset + 4], &0x0403_4b50u32.to_le_bytes());
        assert_eq!(&bytes[offset + 30..offset + 35], b"b.csv");
    }
}
