// libFuzzer target for config loading: the whole input is a config file's
// text, overlaid on the embedded default as forge-execd --config does.
// Besides the sanitizers' checks it asserts the loader's contract: a refusal
// is a status with a message, and an accepted config validates and keeps
// every runtime binary absolute.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "server/config.h"

namespace {

void Check(bool condition) {
  if (!condition) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  auto config = forge::server::LoadConfigFromText(text, "/opt/forge");
  if (!config.ok()) {
    Check(!config.status().message().empty());
    return 0;
  }
  Check(forge::server::ValidateConfig(*config).ok());
  for (const auto& runtime : config->runtimes()) {
    Check(!runtime.binary().empty() && runtime.binary()[0] == '/');
  }
  return 0;
}
