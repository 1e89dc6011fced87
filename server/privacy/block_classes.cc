#include "server/privacy/block_classes.h"

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace forge::privacy {
namespace {

#if defined(__x86_64__)
// The special bytes have distinct low nibbles: '@' 0, '%' 5, '(' 8, ':' A,
// '+' B, '\\' C, '=' D. A byte is special when it equals the table entry of
// its low nibble (entries of unused nibbles hold 0, whose low nibble is 0,
// so no byte with that nibble equals them; '@' holds nibble 0).
#define FORGE_SPECIAL_TABLE \
  '@', 0, 0, 0, 0, '%', 0, 0, '(', 0, ':', '+', '\\', '=', 0, 0
// '-' (nibble D) and '_' (nibble F) the same way; nibble 0 holds 1, which
// no byte with low nibble 0 equals.
#define FORGE_INNER_TABLE 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, '-', 0, '_'

// x in [lo, hi]: x - lo <= hi - lo, unsigned.
__attribute__((target("avx2"), always_inline)) inline __m256i InRange(__m256i x,
                                                                      char lo,
                                                                      char hi) {
  const __m256i d = _mm256_sub_epi8(x, _mm256_set1_epi8(lo));
  return _mm256_cmpeq_epi8(
      _mm256_min_epu8(d, _mm256_set1_epi8(static_cast<char>(hi - lo))), d);
}

__attribute__((target("avx2"))) void ClassifyAvx2(const uint8_t* p,
                                                  BlockClasses* out) {
  const __m256i special_table =
      _mm256_setr_epi8(FORGE_SPECIAL_TABLE, FORGE_SPECIAL_TABLE);
  const __m256i inner_table =
      _mm256_setr_epi8(FORGE_INNER_TABLE, FORGE_INNER_TABLE);
  uint32_t letter[2], upper[2], digit[2], inner[2], special[2];
  for (int h = 0; h < 2; ++h) {
    const __m256i v =
        _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + 32 * h));
    letter[h] = static_cast<uint32_t>(_mm256_movemask_epi8(
        InRange(_mm256_or_si256(v, _mm256_set1_epi8(0x20)), 'a', 'z')));
    upper[h] =
        static_cast<uint32_t>(_mm256_movemask_epi8(InRange(v, 'A', 'Z')));
    digit[h] =
        static_cast<uint32_t>(_mm256_movemask_epi8(InRange(v, '0', '9')));
    // pshufb gives 0 for bytes >= 0x80, which never equal 0.
    inner[h] = static_cast<uint32_t>(_mm256_movemask_epi8(
        _mm256_cmpeq_epi8(_mm256_shuffle_epi8(inner_table, v), v)));
    special[h] = static_cast<uint32_t>(_mm256_movemask_epi8(
        _mm256_cmpeq_epi8(_mm256_shuffle_epi8(special_table, v), v)));
  }
  auto join = [](const uint32_t* m) {
    return m[0] | (static_cast<uint64_t>(m[1]) << 32);
  };
  out->letter = join(letter);
  out->upper = join(upper);
  out->digit = join(digit);
  out->inner = join(inner);
  out->special = join(special);
}
#undef FORGE_SPECIAL_TABLE
#undef FORGE_INNER_TABLE

void ClassifySse2(const uint8_t* p, BlockClasses* out) {
  *out = BlockClasses{};
  for (int q = 0; q < 4; ++q) {
    const __m128i v =
        _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 16 * q));
    auto in_range = [](__m128i x, char lo, char hi) {
      const __m128i d = _mm_sub_epi8(x, _mm_set1_epi8(lo));
      return _mm_cmpeq_epi8(
          _mm_min_epu8(d, _mm_set1_epi8(static_cast<char>(hi - lo))), d);
    };
    auto eq = [&v](char c) { return _mm_cmpeq_epi8(v, _mm_set1_epi8(c)); };
    auto bits = [q](__m128i m) {
      return static_cast<uint64_t>(static_cast<uint32_t>(_mm_movemask_epi8(m)))
             << (16 * q);
    };
    out->letter |=
        bits(in_range(_mm_or_si128(v, _mm_set1_epi8(0x20)), 'a', 'z'));
    out->upper |= bits(in_range(v, 'A', 'Z'));
    out->digit |= bits(in_range(v, '0', '9'));
    out->inner |= bits(_mm_or_si128(eq('_'), eq('-')));
    __m128i special = _mm_or_si128(eq('@'), eq(':'));
    special = _mm_or_si128(special, _mm_or_si128(eq('='), eq('+')));
    special = _mm_or_si128(special, _mm_or_si128(eq('('), eq('%')));
    out->special |= bits(_mm_or_si128(special, eq('\\')));
  }
}

bool HasAvx2() {
  static const bool avx2 = __builtin_cpu_supports("avx2");
  return avx2;
}
#endif

}  // namespace

void ClassifyBlock(const uint8_t* p, BlockClasses* out) {
#if defined(__x86_64__)
  if (HasAvx2()) {
    ClassifyAvx2(p, out);
    return;
  }
#endif
  ClassifyBlockBaseline(p, out);
}

void ClassifyBlockBaseline(const uint8_t* p, BlockClasses* out) {
#if defined(__x86_64__)
  ClassifySse2(p, out);
#else
  *out = BlockClasses{};
  for (int i = 0; i < 64; ++i) {
    const uint8_t c = p[i];
    const uint64_t bit = uint64_t{1} << i;
    const uint8_t folded = c | 0x20;
    if (folded >= 'a' && folded <= 'z') out->letter |= bit;
    if (c >= 'A' && c <= 'Z') out->upper |= bit;
    if (c >= '0' && c <= '9') out->digit |= bit;
    if (c == '_' || c == '-') out->inner |= bit;
    if (c == '@' || c == ':' || c == '=' || c == '+' || c == '(' || c == '%' ||
        c == '\\') {
      out->special |= bit;
    }
  }
#endif
}

void ClassifyHex48(const uint8_t* p, HexClasses* out) {
  *out = HexClasses{};
#if defined(__x86_64__)
  for (int q = 0; q < 3; ++q) {
    const __m128i v =
        _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 16 * q));
    auto in_range = [](__m128i x, char lo, char hi) {
      const __m128i d = _mm_sub_epi8(x, _mm_set1_epi8(lo));
      return _mm_cmpeq_epi8(
          _mm_min_epu8(d, _mm_set1_epi8(static_cast<char>(hi - lo))), d);
    };
    auto bits = [q](__m128i m) {
      return static_cast<uint64_t>(static_cast<uint32_t>(_mm_movemask_epi8(m)))
             << (16 * q);
    };
    const __m128i hex =
        _mm_or_si128(in_range(v, '0', '9'),
                     in_range(_mm_or_si128(v, _mm_set1_epi8(0x20)), 'a', 'f'));
    out->hex |= bits(hex);
    out->colon |= bits(_mm_cmpeq_epi8(v, _mm_set1_epi8(':')));
    out->dot |= bits(_mm_cmpeq_epi8(v, _mm_set1_epi8('.')));
  }
#else
  for (int i = 0; i < 48; ++i) {
    const uint8_t c = p[i];
    const uint64_t bit = uint64_t{1} << i;
    const uint8_t folded = c | 0x20;
    if ((c >= '0' && c <= '9') || (folded >= 'a' && folded <= 'f')) {
      out->hex |= bit;
    }
    if (c == ':') out->colon |= bit;
    if (c == '.') out->dot |= bit;
  }
#endif
}

}  // namespace forge::privacy
