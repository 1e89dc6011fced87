// The languages CARS understands and how runtime names map onto them.
#ifndef FORGE_CARS_LANGUAGE_H_
#define FORGE_CARS_LANGUAGE_H_

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace forge::cars {

enum class Language { kPython, kJavaScript, kBash };

// "python" → kPython; "javascript", "typescript", "node", "deno" →
// kJavaScript; "bash", "sh" → kBash. Case-sensitive. Unknown names are
// INVALID_ARGUMENT naming the runtime.
absl::StatusOr<Language> LanguageForRuntime(absl::string_view runtime);

// "python", "javascript" or "bash".
absl::string_view LanguageName(Language language);

}  // namespace forge::cars

#endif  // FORGE_CARS_LANGUAGE_H_
