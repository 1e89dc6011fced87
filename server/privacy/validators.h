// Checksums and structural checks that confirm a candidate found by a rule's
// pattern really is an instance of its format (a card number that passes
// Luhn, an IBAN that passes mod-97, a phone number with a real country
// code, ...). Pure functions of their arguments; thread-safe.
//
// Functions that take `text` plus a span look at the characters around the
// value (an IPv4 address that is really part of "1.2.3.4.5" or "v1.2.3.4");
// functions that take `end` by pointer may narrow the span to the longest
// valid prefix (a phone number followed by an unrelated digit group).
#ifndef FORGE_SERVER_PRIVACY_VALIDATORS_H_
#define FORGE_SERVER_PRIVACY_VALIDATORS_H_

#include <cstddef>
#include <string>

#include "absl/strings/string_view.h"

namespace forge::privacy {

// 13-19 digits (spaces and dashes ignored) that pass the Luhn checksum and
// start with a known card-issuer prefix.
bool IsCardNumber(absl::string_view value);

// An IBAN: known country, that country's length, mod-97 == 1. Spaces are
// ignored; `*end` is narrowed to the country's length when the match ran on.
bool IsIban(absl::string_view text, size_t begin, size_t* end);

// A US social security number (dashes or spaces optional): area not 000,
// 666 or 900-999, group not 00, serial not 0000.
bool IsUsSsn(absl::string_view value);

// A North American number: optional 1, then [2-9]xx [2-9]xx xxxx.
bool IsNanpPhone(absl::string_view value);

// '+', a country code in use, 8-15 digits (NANP rules for +1). Narrows
// `*end` to the longest valid run of digit groups.
bool IsE164Phone(absl::string_view text, size_t begin, size_t* end);

// 7-15 digits in the candidate (a national format found next to a context
// word). Narrows `*end` to the longest run of groups with 7-15 digits.
bool IsPhoneDigits(absl::string_view text, size_t begin, size_t* end);

// A dotted quad worth redacting: octets without leading zeros; not 0.x,
// 127.x or 255.x; not part of a longer dotted number; not a version
// ("v1.2.3.4", "==1.2.3.4", "version 1.2.3.4").
bool IsReportableIpv4(absl::string_view text, size_t begin, size_t end);

// An IPv6 address (zone suffix allowed) with at least five hex digits, so
// "::1", "::" and Python slices ("1::2") are not.
bool IsReportableIpv6(absl::string_view value);

// A calendar date with a year in 1900-2100, in one of the usual numeric or
// month-name forms (ISO, d/m/y, m/d/y, d.m.y, "12 March 1985",
// "March 12, 1985", yyyymmdd).
bool IsPlausibleDate(absl::string_view value);

// A JWT/JWS/JWE: dot-separated base64url parts, the first of which decodes
// to a JSON object with "alg", "typ" or "enc".
bool IsJwt(absl::string_view value);

// Base64 that decodes to printable "user:password" with a non-empty
// password (an HTTP Basic credential).
bool IsBasicAuthCredential(absl::string_view value);

// Decodes standard or URL-safe base64, padding optional. Returns false on a
// character outside both alphabets.
bool DecodeBase64(absl::string_view in, std::string* out);

}  // namespace forge::privacy

#endif  // FORGE_SERVER_PRIVACY_VALIDATORS_H_
