#include "cars/analysis.h"

namespace forge::cars {

void AnalyzePython(absl::string_view code, const AnalysisContext& context,
                   Evidence* out);
void AnalyzeJavaScript(absl::string_view code, const AnalysisContext& context,
                       Evidence* out);
void AnalyzeBash(absl::string_view code, const AnalysisContext& context,
                 Evidence* out);

void AnalyzeSource(Language language, absl::string_view code,
                   const AnalysisContext& context, Evidence* out) {
  switch (language) {
    case Language::kPython:
      AnalyzePython(code, context, out);
      break;
    case Language::kJavaScript:
      AnalyzeJavaScript(code, context, out);
      break;
    case Language::kBash:
      AnalyzeBash(code, context, out);
      break;
  }
}

}  // namespace forge::cars
