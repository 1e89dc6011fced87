// MatchCache: a bounded, thread-safe memo of rule-set matches by text.
//
// The texts CARS matches (call chains, module names, common strings) repeat
// across assessments, and an RE2::Set match costs far more than a hash
// lookup, so RuleSet keeps one process-wide memo per rule set. It is sharded
// by hash to keep lock contention low; a shard that fills up is cleared
// (the memo is an optimisation, never a source of truth). Long texts are not
// memoised. Lookups allocate nothing.
#ifndef FORGE_CARS_MATCH_CACHE_H_
#define FORGE_CARS_MATCH_CACHE_H_

#include <array>
#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"

namespace forge::cars {

class MatchCache {
 public:
  // Texts longer than this are never memoised.
  static constexpr size_t kMaxText = 160;

  // When (space, text) is memoised: true, with its hits copied to *hits
  // (replacing what was there). Otherwise false and *hits is untouched.
  bool Find(uint8_t space, absl::string_view text,
            std::vector<int>* hits) const;
  // Remembers hits for (space, text).
  void Store(uint8_t space, absl::string_view text,
             std::vector<int> hits) const;

 private:
  static constexpr size_t kShards = 16;
  static constexpr size_t kShardCapacity = 2048;
  // A plain std::mutex: uncontended it costs a few instructions, and this
  // lock is taken once per distinct text of every assessment.
  struct Shard {
    mutable std::mutex mutex;
    // Guarded by mutex. Keys are the space byte followed by the text.
    mutable absl::flat_hash_map<std::string, std::vector<int>> entries;
  };
  // Writes the key into `buffer` (kMaxText + 1 bytes) and returns it.
  static absl::string_view Key(uint8_t space, absl::string_view text,
                               char* buffer);
  const Shard& ShardFor(absl::string_view key) const;

  std::array<Shard, kShards> shards_;
};

}  // namespace forge::cars

#endif  // FORGE_CARS_MATCH_CACHE_H_
