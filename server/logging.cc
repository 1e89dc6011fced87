#include "server/logging.h"

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "spdlog/pattern_formatter.h"
#include "spdlog/sinks/stdout_sinks.h"
#include "spdlog/spdlog.h"

namespace forge::server {
namespace {

constexpr char kTextPattern[] = "%Y-%m-%dT%H:%M:%S.%fZ %l component=%n %v";
// %* is the message, escaped for a JSON string.
constexpr char kJsonPattern[] =
    R"({"time":"%Y-%m-%dT%H:%M:%S.%fZ","level":"%l","component":"%n","msg":"%*"})";

class JsonEscapedMessage : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& msg, const std::tm&,
              spdlog::memory_buf_t& dest) override {
    for (char c : std::string_view(msg.payload.data(), msg.payload.size())) {
      switch (c) {
        case '"':
          dest.append(std::string_view("\\\""));
          break;
        case '\\':
          dest.append(std::string_view("\\\\"));
          break;
        case '\n':
          dest.append(std::string_view("\\n"));
          break;
        case '\r':
          dest.append(std::string_view("\\r"));
          break;
        case '\t':
          dest.append(std::string_view("\\t"));
          break;
        default:
          if (static_cast<unsigned char>(c) < 0x20) {
            char escaped[8];
            std::snprintf(escaped, sizeof(escaped), "\\u%04x", c);
            dest.append(std::string_view(escaped));
          } else {
            dest.push_back(c);
          }
      }
    }
  }
  std::unique_ptr<custom_flag_formatter> clone() const override {
    return std::make_unique<JsonEscapedMessage>();
  }
};

absl::Mutex& LoggerMutex() {
  static absl::Mutex* const mutex = new absl::Mutex();
  return *mutex;
}

}  // namespace

absl::Status ConfigureLogging(const std::string& level,
                              const std::string& format) {
  spdlog::level::level_enum parsed = spdlog::level::from_str(level);
  if (parsed == spdlog::level::off && level != "off") {
    return absl::InvalidArgumentError(
        absl::StrCat("unknown log level ", level));
  }
  absl::MutexLock lock(&LoggerMutex());
  spdlog::set_level(parsed);
  auto formatter = std::make_unique<spdlog::pattern_formatter>(
      spdlog::pattern_time_type::utc);
  formatter->add_flag<JsonEscapedMessage>('*').set_pattern(
      format == "json" ? kJsonPattern : kTextPattern);
  spdlog::set_formatter(std::move(formatter));
  return absl::OkStatus();
}

std::shared_ptr<spdlog::logger> ComponentLogger(const std::string& component) {
  absl::MutexLock lock(&LoggerMutex());
  if (auto existing = spdlog::get(component)) return existing;
  return spdlog::stderr_logger_mt(component);
}

}  // namespace forge::server
