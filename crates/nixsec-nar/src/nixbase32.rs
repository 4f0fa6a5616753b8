//! Nix's base-32 encoding ("nixbase32").
//!
//! Alphabet `0123456789abcdfghijklmnpqrsvwxyz` (no `e`, `o`, `t`, `u`). The byte string is read
//! as one little-endian integer whose 5-bit digits are printed from the most significant to the
//! least significant, so `n` bytes give `ceil(8n/5)` characters and the first character carries
//! only the top `8n - 5(len-1)` bits.

/// The 32 digits, in value order.
pub const ALPHABET: &[u8; 32] = b"0123456789abcdfghijklmnpqrsvwxyz";

/// Why a string is not nixbase32.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    /// A character outside the alphabet.
    #[error("invalid nixbase32 character {ch:?} at byte {pos}")]
    InvalidChar {
        /// The character.
        ch: char,
        /// Its 0-based byte position.
        pos: usize,
    },
    /// No byte string encodes to this many characters (the length in bytes).
    #[error("invalid nixbase32 length {0}")]
    InvalidLength(usize),
    /// The first character has bits set above the top of the decoded bytes.
    #[error("nixbase32 string has non-zero overflow bits")]
    Overflow,
}

/// Number of characters for `n` bytes: `ceil(8n/5)`.
#[must_use]
pub fn encoded_len(n: usize) -> usize {
    // ceil(8n/5) without overflowing for huge n (saturates where it cannot be represented).
    (n / 5)
        .saturating_mul(8)
        .saturating_add((n % 5 * 8).div_ceil(5))
}

/// Number of bytes a string of `len` characters decodes to (`floor(5len/8)`), if some byte
/// string encodes to exactly `len` characters.
#[must_use]
pub fn decoded_len(len: usize) -> Option<usize> {
    let n = len / 8 * 5 + len % 8 * 5 / 8;
    (encoded_len(n) == len).then_some(n)
}

/// Encode `bytes`.
#[must_use]
pub fn encode(bytes: &[u8]) -> String {
    let len = encoded_len(bytes.len());
    let mut out = String::with_capacity(len);
    for m in (0..len).rev() {
        let b = m * 5;
        let (i, j) = (b / 8, b % 8);
        let lo = bytes.get(i).map_or(0, |&x| u16::from(x) >> j);
        let hi = bytes.get(i + 1).map_or(0, |&x| u16::from(x) << (8 - j));
        let digit = usize::from((lo | hi) & 0x1f);
        out.push(char::from(ALPHABET[digit]));
    }
    out
}

/// Value of one digit, if it is one.
fn digit_value(c: u8) -> Option<u8> {
    ALPHABET
        .iter()
        .position(|&a| a == c)
        .and_then(|p| u8::try_from(p).ok())
}

/// Decode `s`, rejecting characters outside the alphabet, lengths no byte string has, and
/// non-zero overflow bits.
pub fn decode(s: &str) -> Result<Vec<u8>, DecodeError> {
    let chars = s.as_bytes();
    let Some(size) = decoded_len(chars.len()) else {
        return Err(DecodeError::InvalidLength(chars.len()));
    };
    let mut out = vec![0u8; size];
    for (k, &c) in chars.iter().enumerate() {
        let Some(digit) = digit_value(c) else {
            let ch = s
                .get(k..)
                .and_then(|rest| rest.chars().next())
                .unwrap_or(char::REPLACEMENT_CHARACTER);
            return Err(DecodeError::InvalidChar { ch, pos: k });
        };
        let m = chars.len() - 1 - k;
        let b = m * 5;
        let (i, j) = (b / 8, b % 8);
        let wide = u16::from(digit) << j;
        let [low, high] = wide.to_le_bytes();
        match out.get_mut(i) {
            Some(slot) => *slot |= low,
            None if low != 0 => return Err(DecodeError::Overflow),
            None => {}
        }
        match out.get_mut(i + 1) {
            Some(slot) => *slot |= high,
            None if high != 0 => return Err(DecodeError::Overflow),
            None => {}
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const KNOWN_HEX: &str = "2ca0b8ce996f865db37619bfe91023559305aad8158042fc6ddb0ef1d43c5b67";
    const KNOWN_NB32: &str = "0rsv7kag23nvdpy4500mv2m0b4sm4c8fkgqrfsrmv1kgk77bi81c";

    #[test]
    fn known_value_both_ways() {
        let bytes = hex::decode(KNOWN_HEX).expect("should succeed");
        assert_eq!(encode(&bytes), KNOWN_NB32);
        assert_eq!(decode(KNOWN_NB32).expect("should succeed"), bytes);
    }

    #[test]
    fn lengths() {
        assert_eq!(encoded_len(0), 0);
        assert_eq!(encoded_len(1), 2);
        assert_eq!(encoded_len(16), 26);
        assert_eq!(encoded_len(20), 32);
        assert_eq!(encoded_len(32), 52);
        assert_eq!(encoded_len(64), 103);
        assert_eq!(encoded_len(usize::MAX), usize::MAX);
        assert_eq!(decoded_len(52), Some(32));
        assert_eq!(decoded_len(32), Some(20));
        assert_eq!(decoded_len(1), None);
        assert_eq!(decoded_len(0), Some(0));
    }

    #[test]
    fn empty() {
        assert_eq!(encode(&[]), "");
        assert_eq!(decode("").expect("should succeed"), Vec::<u8>::new());
    }

    #[test]
    fn single_bytes() {
        // 0xff: 8 bits -> "7z" (top digit 0b111 = 7, low digit 0b11111 = z).
        assert_eq!(encode(&[0xff]), "7z");
        assert_eq!(encode(&[0x01]), "01");
        assert_eq!(encode(&[0x20]), "10");
        assert_eq!(decode("7z").expect("should succeed"), vec![0xff]);
    }

    #[test]
    fn rejects_letters_outside_alphabet() {
        for bad in ['e', 'o', 't', 'u', 'E', '-', ' '] {
            let mut s = KNOWN_NB32.to_string();
            s.replace_range(5..6, &bad.to_string());
            assert_eq!(
                decode(&s),
                Err(DecodeError::InvalidChar { ch: bad, pos: 5 }),
                "{bad:?}"
            );
        }
        let err =
            decode("0rsv7kag23nvdpy4500mv2m0b4sm4c8fkgqrfsrmv1kgk77bi8é").expect_err("should fail");
        assert!(matches!(
            err,
            DecodeError::InvalidChar { ch: 'é', .. } | DecodeError::InvalidLength(_)
        ));
    }

    #[test]
    fn rejects_overflow_bits() {
        // 52 characters carry 260 bits; only 2 bits of the first character fit in 32 bytes.
        for first in ['4', '8', 'z'] {
            let mut s = KNOWN_NB32.to_string();
            s.replace_range(0..1, &first.to_string());
            assert_eq!(decode(&s), Err(DecodeError::Overflow), "{first}");
        }
        assert_eq!(decode("80"), Err(DecodeError::Overflow));
        assert_eq!(decode("3z").expect("should succeed"), vec![0x7f]);
    }

    #[test]
    fn rejects_impossible_lengths() {
        assert_eq!(decode("0"), Err(DecodeError::InvalidLength(1)));
        assert_eq!(
            decode(&KNOWN_NB32[1..]),
            Err(DecodeError::InvalidLength(51))
        );
    }

    proptest! {
        #[test]
        fn round_trip(bytes in proptest::collection::vec(any::<u8>(), 0..100)) {
            let s = encode(&bytes);
            prop_assert_eq!(s.len(), encoded_len(bytes.len()));
            prop_assert_eq!(decode(&s).expect("should succeed"), bytes);
        }

        #[test]
        fn decode_never_panics(s in "[0-9a-z]{0,60}") {
            if let Ok(bytes) = decode(&s) {
                prop_assert_eq!(encode(&bytes), s);
            }
        }
    }
}
