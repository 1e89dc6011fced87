#include "cars/source_text.h"

#include <string>

#include "cars/decoders.h"
#include "cars/utf8.h"
#include "gtest/gtest.h"

namespace forge::cars {
namespace {

TEST(LineIndexTest, LocatesLinesAndCodePointColumns) {
  const std::string text = "ab\nçd e\n";
  LineIndex index(text);
  EXPECT_EQ(index.Locate(0).line, 1u);
  const Location e = index.Locate(static_cast<uint32_t>(text.find('e')));
  EXPECT_EQ(e.line, 2u);
  EXPECT_EQ(e.column, 4u);
}

TEST(MakeExcerptTest, CutsLongLinesAndMasksSecrets) {
  const std::string code = "short line\n" + std::string(300, 'x') + " SECRET " +
                           std::string(300, 'y') + "\n";
  const uint32_t at = static_cast<uint32_t>(code.find("SECRET"));
  const std::string excerpt = MakeExcerpt(code, at, {{at, at + 6, "TOKEN"}});
  EXPECT_LT(excerpt.size(), 200u);
  EXPECT_NE(excerpt.find("[REDACTED:TOKEN]"), std::string::npos);
  EXPECT_EQ(excerpt.find("SECRET"), std::string::npos);
  EXPECT_EQ(excerpt.rfind("…", 0), 0u);
  EXPECT_EQ(MakeExcerpt(code, 2, {}), "short line");
}

TEST(MakeExcerptTest, PartialSecretOverlapIsMasked) {
  const std::string code = std::string(200, 'a') + "KEYKEYKEY\n";
  const uint32_t at = static_cast<uint32_t>(code.find("KEY"));
  // The window starts before the secret and the secret runs past it.
  const std::string excerpt = MakeExcerpt(code, at - 10, {{at, at + 9, "K"}});
  EXPECT_EQ(excerpt.find("KEY"), std::string::npos) << excerpt;
}

TEST(EscapeForDisplayTest, ShowsInvisibleAndBrokenText) {
  EXPECT_EQ(EscapeForDisplay("a\u202eb"), "a\\u{202E}b");
  EXPECT_EQ(EscapeForDisplay(std::string("a\xff") + "b"), "a\\xFFb");
  EXPECT_EQ(EscapeForDisplay("a\nb\x01"), "a\\nb\\x01");
  EXPECT_EQ(EscapeForDisplay("héllo"), "héllo");
}

TEST(DecodersTest, Base64HexRot13Percent) {
  EXPECT_EQ(DecodeBase64("aWQ=").value_or("?"), "id");
  EXPECT_EQ(DecodeBase64("aWQ").value_or("?"), "id");
  EXPECT_EQ(DecodeBase64("a-_").value_or("?").size(), 2u);
  EXPECT_FALSE(DecodeBase64("!!!").has_value());
  EXPECT_EQ(DecodeHex("69 64").value_or("?"), "id");
  EXPECT_EQ(DecodeHex("\\x69\\x64").value_or("?"), "id");
  EXPECT_FALSE(DecodeHex("6").has_value());
  EXPECT_EQ(Rot13("vq"), "id");
  EXPECT_EQ(DecodePercent("%69%64%zz"), "id%zz");
}

TEST(Utf8Test, DecodesSafely) {
  size_t length;
  EXPECT_EQ(DecodeUtf8At("\xc3\xa9", 0, &length), 0xE9u);
  EXPECT_EQ(length, 2u);
  EXPECT_EQ(DecodeUtf8At("\xc3", 0, &length), kReplacementCharacter);
  EXPECT_EQ(length, 1u);
  EXPECT_EQ(DecodeUtf8At("\xed\xa0\x80", 0, &length),
            kReplacementCharacter);  // surrogate
  EXPECT_EQ(AsciiFoldedFromCompatibilityForm(0xFF45), 'e');
  EXPECT_EQ(AsciiFoldedFromCompatibilityForm(0x1D41E),
            'e');  // mathematical bold e
  EXPECT_EQ(AsciiFoldedFromCompatibilityForm(0x00E9), 0);
}

}  // namespace
}  // namespace forge::cars
