// Small value types shared by the privacy filter's parts.
#ifndef FORGE_SERVER_PRIVACY_TYPES_H_
#define FORGE_SERVER_PRIVACY_TYPES_H_

#include <bitset>
#include <cstddef>
#include <cstdint>

namespace forge::privacy {

// Upper bound on rules plus block rules in one rule set (built-in and custom
// together); Redactor::Create refuses larger sets.
inline constexpr size_t kMaxRules = 256;

// One bit per compiled rule (index in RuleSet::rules(), then blocks after
// the rules): which rules may fire.
using RuleMask = std::bitset<kMaxRules>;

// Index of a redaction type ("EMAIL", "AWS_ACCESS_KEY_ID", ...) in the
// Redactor's type table.
using TypeId = uint16_t;

// A span of sensitive bytes found in a text, in the coordinates of the text
// it was found in. `rule` indexes the rule (or block rule) that found it;
// `priority` decides the type when spans overlap.
struct Span {
  size_t begin = 0;
  size_t end = 0;
  TypeId type = 0;
  int priority = 0;
  uint16_t rule = 0;
};

}  // namespace forge::privacy

#endif  // FORGE_SERVER_PRIVACY_TYPES_H_
