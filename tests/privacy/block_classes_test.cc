#include "server/privacy/block_classes.h"

#include <cstdint>
#include <random>

#include "gtest/gtest.h"

namespace forge::privacy {
namespace {

// The classes byte by byte, as block_classes.h defines them.
BlockClasses Reference(const uint8_t* p) {
  BlockClasses r;
  for (int i = 0; i < 64; ++i) {
    const uint8_t c = p[i];
    const uint64_t bit = uint64_t{1} << i;
    const bool lower = c >= 'a' && c <= 'z';
    const bool upper = c >= 'A' && c <= 'Z';
    if (lower || upper) r.letter |= bit;
    if (upper) r.upper |= bit;
    if (c >= '0' && c <= '9') r.digit |= bit;
    if (c == '_' || c == '-') r.inner |= bit;
    for (char s : {'@', ':', '=', '+', '(', '%', '\\'}) {
      if (c == static_cast<uint8_t>(s)) r.special |= bit;
    }
  }
  return r;
}

void ExpectSame(const BlockClasses& want, const BlockClasses& got, int where) {
  EXPECT_EQ(want.letter, got.letter) << where;
  EXPECT_EQ(want.upper, got.upper) << where;
  EXPECT_EQ(want.digit, got.digit) << where;
  EXPECT_EQ(want.inner, got.inner) << where;
  EXPECT_EQ(want.special, got.special) << where;
}

TEST(BlockClassesTest, EveryByteValueAtEveryPosition) {
  uint8_t block[64];
  for (int v = 0; v < 256; ++v) {
    for (int i = 0; i < 64; ++i) {
      block[i] = static_cast<uint8_t>(v + i);
    }
    BlockClasses got;
    ClassifyBlock(block, &got);
    ExpectSame(Reference(block), got, v);
    ClassifyBlockBaseline(block, &got);
    ExpectSame(Reference(block), got, v);
  }
}

TEST(BlockClassesTest, RandomBlocks) {
  std::mt19937 rng(7);
  uint8_t block[64];
  for (int round = 0; round < 2000; ++round) {
    for (uint8_t& b : block) b = static_cast<uint8_t>(rng());
    BlockClasses got;
    ClassifyBlock(block, &got);
    ExpectSame(Reference(block), got, round);
    ClassifyBlockBaseline(block, &got);
    ExpectSame(Reference(block), got, round);
  }
}

TEST(BlockClassesTest, TextBlock) {
  const char text[] =
      "Key_1 = \"pa%20ss\" (x@y.z) a+b: \\n c-d_e 0123456789 ZZ zz\xc3\xa9!? "
      "[more]";
  static_assert(sizeof(text) >= 64);
  BlockClasses got;
  ClassifyBlock(reinterpret_cast<const uint8_t*>(text), &got);
  ExpectSame(Reference(reinterpret_cast<const uint8_t*>(text)), got, 0);
  EXPECT_EQ(got.upper & 0x7, 0x1u);  // "Key"
  EXPECT_NE(got.special, 0u);
}

TEST(BlockClassesTest, HexClassesOfEveryByteValue) {
  uint8_t block[48];
  for (int v = 0; v < 256; ++v) {
    HexClasses want;
    for (int i = 0; i < 48; ++i) {
      const uint8_t c = static_cast<uint8_t>(v + 7 * i);
      block[i] = c;
      const uint64_t bit = uint64_t{1} << i;
      if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
          (c >= 'A' && c <= 'F')) {
        want.hex |= bit;
      }
      if (c == ':') want.colon |= bit;
      if (c == '.') want.dot |= bit;
    }
    HexClasses got;
    ClassifyHex48(block, &got);
    EXPECT_EQ(want.hex, got.hex) << v;
    EXPECT_EQ(want.colon, got.colon) << v;
    EXPECT_EQ(want.dot, got.dot) << v;
  }
}

}  // namespace
}  // namespace forge::privacy
