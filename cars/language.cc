#include "cars/language.h"

#include "absl/strings/str_cat.h"

namespace forge::cars {

absl::StatusOr<Language> LanguageForRuntime(absl::string_view runtime) {
  if (runtime == "python" || runtime == "python3") return Language::kPython;
  if (runtime == "javascript" || runtime == "typescript" || runtime == "node" ||
      runtime == "deno") {
    return Language::kJavaScript;
  }
  if (runtime == "bash" || runtime == "sh") return Language::kBash;
  return absl::InvalidArgumentError(
      absl::StrCat("runtime: no CARS language for \"", runtime, "\""));
}

absl::string_view LanguageName(Language language) {
  switch (language) {
    case Language::kPython:
      return "python";
    case Language::kJavaScript:
      return "javascript";
    case Language::kBash:
      return "bash";
  }
  return "unknown";
}

}  // namespace forge::cars
