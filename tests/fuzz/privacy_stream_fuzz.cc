// libFuzzer target for the privacy filter's streaming contract: whatever
// the bytes and however they are split into reads, the streamed output must
// equal the one-shot output — with and without a classified file — and the
// spans FindSpans reports must be sorted, disjoint and inside the input.
//
// Input layout: 4 bytes seed the split points, the rest is the stream.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>

#include "server/privacy/classified_index.h"
#include "server/privacy/redactor.h"

namespace {

using forge::privacy::ClassifiedIndex;
using forge::privacy::Redactor;
using forge::privacy::StreamOptions;

const Redactor& TheRedactor() {
  static const Redactor* redactor = [] {
    auto r = Redactor::CreateFromConfig({});
    if (!r.ok()) std::abort();
    return r->release();
  }();
  return *redactor;
}

// xorshift32: deterministic split points from the seed.
uint32_t Next(uint32_t* state) {
  uint32_t x = *state;
  x ^= x << 13;
  x ^= x >> 17;
  x ^= x << 5;
  *state = x;
  return x;
}

std::string Streamed(const Redactor& r, const StreamOptions& options,
                     const std::string& text, uint32_t seed) {
  auto stream = r.NewStream(options);
  std::string out;
  uint32_t state = seed | 1;
  for (size_t off = 0; off < text.size();) {
    // Mostly small reads, sometimes large ones.
    const uint32_t roll = Next(&state);
    const size_t n = (roll & 7) == 0 ? 1 + roll % 4096 : 1 + roll % 17;
    stream->Feed(
        absl::string_view(text.data() + off, std::min(n, text.size() - off)),
        &out);
    off += n;
  }
  stream->Flush(&out);
  if (stream->held_bytes() != 0) std::abort();
  if (stream->bytes_out() != out.size()) std::abort();
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 4) return 0;
  uint32_t seed;
  std::memcpy(&seed, data, 4);
  const std::string text(reinterpret_cast<const char*>(data + 4), size - 4);
  const Redactor& r = TheRedactor();

  const StreamOptions plain = r.DefaultOptions();
  const std::string expected = r.Redact(text, plain);
  if (Streamed(r, plain, text, seed) != expected) std::abort();

  // A classified file made of the middle of the input itself, so copies of
  // it are present.
  StreamOptions classified = plain;
  classified.classified =
      ClassifiedIndex::Build({text.substr(text.size() / 4, text.size() / 2)});
  const std::string expected_classified = r.Redact(text, classified);
  if (Streamed(r, classified, text, seed ^ 0x9e3779b9u) !=
      expected_classified) {
    std::abort();
  }

  size_t last_end = 0;
  for (const auto& span : r.FindSpans(text, plain)) {
    if (span.begin < last_end || span.end <= span.begin ||
        span.end > text.size()) {
      std::abort();
    }
    last_end = span.end;
  }

  // Idle releases at random points: no equality to expect, but nothing may
  // stay held after one, and the counters must agree with the output.
  auto stream = r.NewStream(plain);
  std::string out;
  uint32_t state = seed | 2;
  for (size_t off = 0; off < text.size();) {
    const size_t n = 1 + Next(&state) % 9;
    stream->Feed(
        absl::string_view(text.data() + off, std::min(n, text.size() - off)),
        &out);
    off += n;
    if (Next(&state) % 4 == 0) {
      stream->ReleaseHeld(&out);
      if (stream->held_bytes() != 0) std::abort();
    }
  }
  stream->Flush(&out);
  if (stream->bytes_out() != out.size()) std::abort();
  return 0;
}
