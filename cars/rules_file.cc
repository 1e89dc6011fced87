#include "cars/rules_file.h"

#include <fcntl.h>
#include <unistd.h>

#include "absl/strings/str_cat.h"
#include "common/errno_status.h"
#include "common/unique_fd.h"
#include "google/protobuf/io/tokenizer.h"
#include "google/protobuf/text_format.h"

namespace forge::cars {
namespace {

// Collects the first parse error with its position.
class FirstError : public google::protobuf::io::ErrorCollector {
 public:
  void AddError(int line, google::protobuf::io::ColumnNumber column,
                const std::string& message) override {
    if (error_.empty())
      error_ = absl::StrCat(line + 1, ":", column + 1, ": ", message);
  }
  const std::string& error() const { return error_; }

 private:
  std::string error_;
};

}  // namespace

absl::StatusOr<forge::exec::v1::CarsRuleSet> ParseRuleSet(
    absl::string_view text) {
  forge::exec::v1::CarsRuleSet rules;
  google::protobuf::TextFormat::Parser parser;
  FirstError errors;
  parser.RecordErrorsTo(&errors);
  if (!parser.ParseFromString(std::string(text), &rules)) {
    return absl::InvalidArgumentError(
        absl::StrCat("CARS rules: ", errors.error()));
  }
  return rules;
}

absl::StatusOr<forge::exec::v1::CarsRuleSet> LoadRuleSetFile(
    const std::string& path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return LastErrorStatus(absl::StrCat("open ", path));
  std::string text;
  char buffer[64 << 10];
  while (true) {
    const ssize_t n = ::read(fd.get(), buffer, sizeof(buffer));
    if (n < 0) {
      if (errno == EINTR) continue;
      return LastErrorStatus(absl::StrCat("read ", path));
    }
    if (n == 0) break;
    text.append(buffer, static_cast<size_t>(n));
    if (text.size() > (16 << 20)) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ": larger than 16 MiB"));
    }
  }
  absl::StatusOr<forge::exec::v1::CarsRuleSet> rules = ParseRuleSet(text);
  if (!rules.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": ", rules.status().message()));
  }
  return rules;
}

}  // namespace forge::cars
