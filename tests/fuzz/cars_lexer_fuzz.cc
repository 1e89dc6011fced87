// libFuzzer target for one CARS lexer, chosen at build time with
// FORGE_CARS_FUZZ_LANGUAGE (0 Python, 1 JavaScript, 2 Bash). Besides the
// sanitizers' checks it asserts the lexer's contract: bounded output, token
// ranges inside the input, 1-based positions, capped values.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "cars/lexer.h"

#ifndef FORGE_CARS_FUZZ_LANGUAGE
#error "define FORGE_CARS_FUZZ_LANGUAGE"
#endif

namespace {

constexpr forge::cars::Language kLanguages[] = {
    forge::cars::Language::kPython, forge::cars::Language::kJavaScript,
    forge::cars::Language::kBash};

void Check(bool condition) {
  if (!condition) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  forge::cars::LexLimits limits;
  limits.max_tokens = 1 << 16;
  limits.max_value_bytes = 4096;
  const absl::string_view source(reinterpret_cast<const char*>(data), size);
  const forge::cars::LexedSource lexed =
      forge::cars::Lex(kLanguages[FORGE_CARS_FUZZ_LANGUAGE], source, limits);
  Check(lexed.tokens.size() <= limits.max_tokens);
  int64_t checksum = 0;
  for (const forge::cars::Token& t : lexed.tokens) {
    Check(t.begin <= t.end && t.end <= size);
    Check(t.line >= 1 && t.column >= 1);
    Check(t.value.size() <= limits.max_value_bytes || t.value.size() <= size);
    Check(t.link < static_cast<int32_t>(lexed.tokens.size()));
    // Values view the source or the result's decoded store: reading every
    // byte lets the sanitizers check that the view points at live memory.
    for (const char ch : t.value) checksum += static_cast<unsigned char>(ch);
  }
  Check(checksum >= 0);
  for (const forge::cars::Substitution& s : lexed.substitutions) {
    Check(s.begin <= s.end && s.end <= size);
    Check(s.token < lexed.tokens.size());
  }
  return 0;
}
