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

// The constants of the AVX2 classifier, 32 bytes each, loaded from memory
// (no setup per call).
struct alignas(32) Avx2Constants {
  uint8_t special_table[32] = {FORGE_SPECIAL_TABLE, FORGE_SPECIAL_TABLE};
  uint8_t inner_table[32] = {FORGE_INNER_TABLE, FORGE_INNER_TABLE};
  uint8_t case_bit[32];
  uint8_t minus_lower_a[32];
  uint8_t minus_upper_a[32];
  uint8_t minus_0[32];
  uint8_t letter_span[32];
  uint8_t digit_span[32];
  constexpr Avx2Constants()
      : case_bit(),
        minus_lower_a(),
        minus_upper_a(),
        minus_0(),
        letter_span(),
        digit_span() {
    for (int i = 0; i < 32; ++i) {
      case_bit[i] = 0x20;
      minus_lower_a[i] = static_cast<uint8_t>(-'a');
      minus_upper_a[i] = static_cast<uint8_t>(-'A');
      minus_0[i] = static_cast<uint8_t>(-'0');
      letter_span[i] = 'z' - 'a';
      digit_span[i] = '9' - '0';
    }
  }
};
constexpr Avx2Constants kAvx2{};

__attribute__((target("avx2"), always_inline)) inline __m256i Load(
    const uint8_t* p) {
  return _mm256_load_si256(reinterpret_cast<const __m256i*>(p));
}

// Bit i set when x[i] - lo (wrapping, already subtracted) <= span: x[i] was
// in [lo, lo + span].
__attribute__((target("avx2"), always_inline)) inline uint32_t InRange(
    __m256i x_minus_lo, const uint8_t* span) {
  return static_cast<uint32_t>(_mm256_movemask_epi8(
      _mm256_cmpeq_epi8(_mm256_min_epu8(x_minus_lo, Load(span)), x_minus_lo)));
}

// Bit i set when v[i] equals the entry of `table` at its low nibble.
__attribute__((target("avx2"), always_inline)) inline uint32_t InTable(
    __m256i v, const uint8_t* table) {
  // pshufb gives 0 for bytes >= 0x80, which never equal 0.
  return static_cast<uint32_t>(_mm256_movemask_epi8(
      _mm256_cmpeq_epi8(_mm256_shuffle_epi8(Load(table), v), v)));
}

__attribute__((target("avx2"))) void ClassifyAvx2(const uint8_t* p,
                                                  BlockClasses* out) {
  const Avx2Constants& k = kAvx2;
  const __m256i lo = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
  const __m256i hi =
      _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + 32));
  auto join = [](uint32_t low, uint32_t high) {
    return low | (static_cast<uint64_t>(high) << 32);
  };
  const __m256i case_bit = Load(k.case_bit);
  const __m256i minus_lower_a = Load(k.minus_lower_a);
  out->letter = join(
      InRange(_mm256_add_epi8(_mm256_or_si256(lo, case_bit), minus_lower_a),
              k.letter_span),
      InRange(_mm256_add_epi8(_mm256_or_si256(hi, case_bit), minus_lower_a),
              k.letter_span));
  const __m256i minus_upper_a = Load(k.minus_upper_a);
  out->upper = join(InRange(_mm256_add_epi8(lo, minus_upper_a), k.letter_span),
                    InRange(_mm256_add_epi8(hi, minus_upper_a), k.letter_span));
  const __m256i minus_0 = Load(k.minus_0);
  out->digit = join(InRange(_mm256_add_epi8(lo, minus_0), k.digit_span),
                    InRange(_mm256_add_epi8(hi, minus_0), k.digit_span));
  out->inner = join(InTable(lo, k.inner_table), InTable(hi, k.inner_table));
  out->special =
      join(InTable(lo, k.special_table), InTable(hi, k.special_table));
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

BlockClassifier ClassifierForThisCpu() {
#if defined(__x86_64__)
  if (HasAvx2()) return ClassifyAvx2;
#endif
  return ClassifyBlockBaseline;
}

void ClassifyBlock(const uint8_t* p, BlockClasses* out) {
  ClassifierForThisCpu()(p, out);
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
