// Byte classes of a 64-byte block as bit masks (bit i for p[i]): the first
// step of the prefilter's scan, one SIMD pass per block (AVX2 when the CPU
// has it, else SSE2, else a byte table). Stateless and thread-safe.
#ifndef FORGE_SERVER_PRIVACY_BLOCK_CLASSES_H_
#define FORGE_SERVER_PRIVACY_BLOCK_CLASSES_H_

#include <cstdint>

namespace forge::privacy {

struct BlockClasses {
  uint64_t letter = 0;   // [A-Za-z]
  uint64_t upper = 0;    // [A-Z]
  uint64_t digit = 0;    // [0-9]
  uint64_t inner = 0;    // '_' '-': inside tokens, but start a new word
  uint64_t special = 0;  // @ : = + ( % backslash: bytes with their own check
};

// Classifies p[0..63]; all 64 bytes must be readable.
void ClassifyBlock(const uint8_t* p, BlockClasses* out);
// What ClassifyBlock calls on this CPU, for callers that classify many
// blocks and keep the pointer.
using BlockClassifier = void (*)(const uint8_t* p, BlockClasses* out);
BlockClassifier ClassifierForThisCpu();
// The same without AVX2 (SSE2, or a byte loop off x86-64): what
// ClassifyBlock runs on a CPU without AVX2.
void ClassifyBlockBaseline(const uint8_t* p, BlockClasses* out);

// Hex digits ([0-9A-Fa-f]), ':' and '.' among p[0..47] (the bytes of an
// IPv6 address); all 48 bytes must be readable.
struct HexClasses {
  uint64_t hex = 0;
  uint64_t colon = 0;
  uint64_t dot = 0;
};
void ClassifyHex48(const uint8_t* p, HexClasses* out);

}  // namespace forge::privacy

#endif  // FORGE_SERVER_PRIVACY_BLOCK_CLASSES_H_
