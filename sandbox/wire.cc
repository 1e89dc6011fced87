#include "sandbox/wire.h"

#include <cstring>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"

namespace forge::sandbox {

void WireWriter::PutU32(uint32_t value) {
  char bytes[4];
  for (int i = 0; i < 4; ++i) bytes[i] = static_cast<char>(value >> (8 * i));
  data_.append(bytes, 4);
}

void WireWriter::PutU64(uint64_t value) {
  char bytes[8];
  for (int i = 0; i < 8; ++i) bytes[i] = static_cast<char>(value >> (8 * i));
  data_.append(bytes, 8);
}

void WireWriter::PutString(absl::string_view value) {
  PutU64(value.size());
  data_.append(value.data(), value.size());
}

void WireWriter::PutStrings(const std::vector<std::string>& values) {
  PutU32(static_cast<uint32_t>(values.size()));
  for (const std::string& value : values) PutString(value);
}

absl::StatusOr<absl::string_view> WireReader::Take(size_t size) {
  if (size > rest_.size()) {
    rest_ = absl::string_view();
    return absl::InvalidArgumentError(
        absl::StrCat("wire: message truncated (wanted ", size, " bytes)"));
  }
  absl::string_view taken = rest_.substr(0, size);
  rest_.remove_prefix(size);
  return taken;
}

absl::StatusOr<uint32_t> WireReader::GetU32() {
  FORGE_ASSIGN_OR_RETURN(absl::string_view bytes, Take(4));
  uint32_t value = 0;
  for (int i = 0; i < 4; ++i) {
    value |= static_cast<uint32_t>(static_cast<unsigned char>(bytes[i]))
             << (8 * i);
  }
  return value;
}

absl::StatusOr<uint64_t> WireReader::GetU64() {
  FORGE_ASSIGN_OR_RETURN(absl::string_view bytes, Take(8));
  uint64_t value = 0;
  for (int i = 0; i < 8; ++i) {
    value |= static_cast<uint64_t>(static_cast<unsigned char>(bytes[i]))
             << (8 * i);
  }
  return value;
}

absl::StatusOr<bool> WireReader::GetBool() {
  FORGE_ASSIGN_OR_RETURN(uint32_t value, GetU32());
  if (value > 1) return absl::InvalidArgumentError("wire: bad boolean");
  return value == 1;
}

absl::StatusOr<std::string> WireReader::GetString() {
  FORGE_ASSIGN_OR_RETURN(uint64_t size, GetU64());
  FORGE_ASSIGN_OR_RETURN(absl::string_view bytes, Take(size));
  return std::string(bytes);
}

absl::StatusOr<std::vector<std::string>> WireReader::GetStrings() {
  FORGE_ASSIGN_OR_RETURN(uint32_t count, GetU32());
  // Each string needs at least its 8-byte length, which bounds `count` by
  // the input before anything is allocated.
  if (count > rest_.size() / 8) {
    return absl::InvalidArgumentError("wire: implausible list length");
  }
  std::vector<std::string> values;
  values.reserve(count);
  for (uint32_t i = 0; i < count; ++i) {
    FORGE_ASSIGN_OR_RETURN(std::string value, GetString());
    values.push_back(std::move(value));
  }
  return values;
}

absl::Status WireReader::ExpectEnd() const {
  if (!rest_.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("wire: ", rest_.size(), " unexpected trailing bytes"));
  }
  return absl::OkStatus();
}

}  // namespace forge::sandbox
