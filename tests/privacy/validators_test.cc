#include "server/privacy/validators.h"

#include <string>

#include "gtest/gtest.h"

namespace forge::privacy {
namespace {

TEST(CardNumber, AcceptsLuhnValidNumbersOfKnownIssuers) {
  EXPECT_TRUE(IsCardNumber("4111111111111111"));
  EXPECT_TRUE(IsCardNumber("4111 1111 1111 1111"));
  EXPECT_TRUE(IsCardNumber("5500-0000-0000-0004"));
  EXPECT_TRUE(IsCardNumber("378282246310005"));   // Amex, 15 digits
  EXPECT_TRUE(IsCardNumber("6011111111111117"));  // Discover
  EXPECT_TRUE(IsCardNumber("2223003122003222"));  // Mastercard 2-series
}

TEST(CardNumber, RejectsLuhnFailuresWrongLengthsAndUnknownIssuers) {
  EXPECT_FALSE(IsCardNumber("4111111111111112"));      // checksum off by one
  EXPECT_FALSE(IsCardNumber("411111111111"));          // 12 digits
  EXPECT_FALSE(IsCardNumber("41111111111111111111"));  // 20 digits
  EXPECT_FALSE(IsCardNumber("1714567890123"));         // epoch ms, prefix 1
  EXPECT_FALSE(IsCardNumber("9111111111111111"));
}

TEST(Iban, ChecksMod97AndCountryLength) {
  size_t end = 22;
  EXPECT_TRUE(IsIban("DE89370400440532013000", 0, &end));
  EXPECT_EQ(end, 22u);
  std::string spaced = "GB82 WEST 1234 5698 7654 32";
  end = spaced.size();
  EXPECT_TRUE(IsIban(spaced, 0, &end));
  end = 22;
  EXPECT_FALSE(IsIban("DE89370400440532013001", 0, &end));  // checksum
  end = 22;
  EXPECT_FALSE(IsIban("ZZ89370400440532013000", 0, &end));  // no country
}

TEST(Iban, NarrowsToTheCountryLengthWhenTheMatchRanOn) {
  const std::string text = "DE89 3704 0044 0532 0130 00 EUR";
  size_t end = text.size();
  ASSERT_TRUE(IsIban(text, 0, &end));
  EXPECT_EQ(text.substr(0, end), "DE89 3704 0044 0532 0130 00");
}

TEST(UsSsn, RejectsNeverIssuedAreasGroupsAndSerials) {
  EXPECT_TRUE(IsUsSsn("123-45-6789"));
  EXPECT_TRUE(IsUsSsn("123456789"));
  EXPECT_FALSE(IsUsSsn("000-12-3456"));
  EXPECT_FALSE(IsUsSsn("666-12-3456"));
  EXPECT_FALSE(IsUsSsn("901-12-3456"));
  EXPECT_FALSE(IsUsSsn("123-00-4567"));
  EXPECT_FALSE(IsUsSsn("123-45-0000"));
}

TEST(Phone, NanpNeedsValidAreaAndExchange) {
  EXPECT_TRUE(IsNanpPhone("(415) 555-0123"));
  EXPECT_TRUE(IsNanpPhone("1-415-555-0123"));
  EXPECT_FALSE(IsNanpPhone("123-456-7890"));  // area starts with 1
  EXPECT_FALSE(IsNanpPhone("415-155-0123"));  // exchange starts with 1
  EXPECT_FALSE(IsNanpPhone("911-555-0123"));  // N11 service code
}

TEST(Phone, E164NeedsCountryCodeAndLengthAndNarrowsTrailingGroups) {
  std::string t = "+44 20 7946 0958";
  size_t end = t.size();
  EXPECT_TRUE(IsE164Phone(t, 0, &end));
  t = "+1 415 555 0123 99";
  end = t.size();
  ASSERT_TRUE(IsE164Phone(t, 0, &end));
  EXPECT_EQ(t.substr(0, end), "+1 415 555 0123");
  t = "+28 1234 5678";  // 28 is not assigned
  end = t.size();
  EXPECT_FALSE(IsE164Phone(t, 0, &end));
  t = "+49 30";
  end = t.size();
  EXPECT_FALSE(IsE164Phone(t, 0, &end));
}

TEST(Ipv4, SkipsLoopbackMasksVersionsAndLongerDottedNumbers) {
  auto reportable = [](const std::string& text, const std::string& ip) {
    const size_t b = text.find(ip);
    return IsReportableIpv4(text, b, b + ip.size());
  };
  EXPECT_TRUE(reportable("from 10.1.2.3 port", "10.1.2.3"));
  EXPECT_TRUE(reportable("host=192.168.0.12", "192.168.0.12"));
  EXPECT_FALSE(reportable("on 127.0.0.1:8000", "127.0.0.1"));
  EXPECT_FALSE(reportable("mask 255.255.255.0", "255.255.255.0"));
  EXPECT_FALSE(reportable("v1.2.3.4", "1.2.3.4"));
  EXPECT_FALSE(reportable("pkg==1.2.3.4", "1.2.3.4"));
  EXPECT_FALSE(reportable("version 1.2.3.4", "1.2.3.4"));
  EXPECT_FALSE(reportable("oid 1.3.6.1.4.1", "1.3.6.1"));
  EXPECT_FALSE(reportable("x 01.2.3.4", "01.2.3.4"));
}

TEST(Ipv6, NeedsAValidAddressWithFiveHexDigits) {
  EXPECT_TRUE(IsReportableIpv6("2001:db8::8a2e:370:7334"));
  EXPECT_TRUE(IsReportableIpv6("fe80::1ff:fe23:4567:890a%eth0"));
  EXPECT_TRUE(IsReportableIpv6("::ffff:192.0.2.128"));
  EXPECT_FALSE(IsReportableIpv6("::1"));
  EXPECT_FALSE(IsReportableIpv6("1::2"));               // a Python slice
  EXPECT_FALSE(IsReportableIpv6("12:34:56"));           // a time
  EXPECT_FALSE(IsReportableIpv6("00:1a:2b:3c:4d:5e"));  // a MAC
}

TEST(Date, AcceptsRealCalendarDatesInCommonForms) {
  EXPECT_TRUE(IsPlausibleDate("1985-03-12"));
  EXPECT_TRUE(IsPlausibleDate("12/03/1985"));
  EXPECT_TRUE(IsPlausibleDate("03.12.1985"));
  EXPECT_TRUE(IsPlausibleDate("12 March 1985"));
  EXPECT_TRUE(IsPlausibleDate("March 12, 1985"));
  EXPECT_TRUE(IsPlausibleDate("12-Mar-1985"));
  EXPECT_TRUE(IsPlausibleDate("19850312"));
  EXPECT_TRUE(IsPlausibleDate("2000-02-29"));
  EXPECT_FALSE(IsPlausibleDate("1985-02-30"));
  EXPECT_FALSE(IsPlausibleDate("1900-02-29"));  // not a leap year
  EXPECT_FALSE(IsPlausibleDate("1850-01-01"));
  EXPECT_FALSE(IsPlausibleDate("13/13/1985"));
}

TEST(Jwt, NeedsAJsonHeaderWithAlgOrTyp) {
  EXPECT_TRUE(
      IsJwt("eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0."
            "dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U"));
  // base64 of {"a":1}, not a token header
  EXPECT_FALSE(IsJwt("eyJhIjoxfQ.eyJhIjoxfQ.abc"));
  EXPECT_FALSE(IsJwt("eyJhbGciOiJIUzI1NiJ9.only-two-parts"));
}

TEST(BasicAuth, DecodesToUserAndPassword) {
  EXPECT_TRUE(IsBasicAuthCredential("dXNlcjpwYXNzd29yZA=="));  // user:password
  EXPECT_FALSE(IsBasicAuthCredential("aGVsbG8gd29ybGQ="));     // hello world
  EXPECT_FALSE(IsBasicAuthCredential("dXNlcjo="));             // "user:"
}

TEST(Base64, DecodesBothAlphabets) {
  std::string out;
  ASSERT_TRUE(DecodeBase64("aGk_Pz8-", &out));  // URL-safe alphabet
  EXPECT_EQ(out, "hi\x3f\x3f\x3f>");
  EXPECT_FALSE(DecodeBase64("not base64!", &out));
}

}  // namespace
}  // namespace forge::privacy
