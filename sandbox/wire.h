// A minimal binary encoding for the launcher protocol. sandbox/ may not use
// protobuf (DESIGN §1), and the messages are few and flat, so fields are
// written in a fixed order: little-endian integers and length-prefixed
// strings. Readers check every length against what is left, so a malformed
// or truncated message is an error, never an out-of-bounds read.
#ifndef FORGE_SANDBOX_WIRE_H_
#define FORGE_SANDBOX_WIRE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace forge::sandbox {

// Appends fields to a byte string. Not thread-safe.
class WireWriter {
 public:
  void PutU32(uint32_t value);
  void PutU64(uint64_t value);
  void PutBool(bool value) { PutU32(value ? 1 : 0); }
  void PutString(absl::string_view value);
  void PutStrings(const std::vector<std::string>& values);

  const std::string& data() const { return data_; }
  std::string Release() { return std::move(data_); }

 private:
  std::string data_;
};

// Reads fields in the order they were written. Every getter fails with
// INVALID_ARGUMENT once the input is exhausted or a length is implausible;
// after a failure the reader stays failed. Not thread-safe. The input must
// outlive the reader.
class WireReader {
 public:
  explicit WireReader(absl::string_view input) : rest_(input) {}

  absl::StatusOr<uint32_t> GetU32();
  absl::StatusOr<uint64_t> GetU64();
  absl::StatusOr<bool> GetBool();
  absl::StatusOr<std::string> GetString();
  absl::StatusOr<std::vector<std::string>> GetStrings();

  // OK when every byte was consumed; trailing bytes mean a version mismatch.
  absl::Status ExpectEnd() const;

 private:
  absl::StatusOr<absl::string_view> Take(size_t size);

  absl::string_view rest_;
};

}  // namespace forge::sandbox

#endif  // FORGE_SANDBOX_WIRE_H_
