// MatchCache: a bounded, thread-safe memo of rule-set matches by text.
//
// The texts CARS matches (call chains, module names, common strings) repeat
// across assessments, and an RE2::Set match costs far more than a hash
// lookup, so RuleSet keeps one process-wide memo per rule set. It is sharded
// by hash to keep lock contention low; a shard that fills up is cleared
// (the memo is an optimisation, never a source of truth). Long texts are not
// memoised.
#ifndef FORGE_CARS_MATCH_CACHE_H_
#define FORGE_CARS_MATCH_CACHE_H_

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"

namespace forge::cars {

class MatchCache {
 public:
  // Texts longer than this are never memoised.
  static constexpr size_t kMaxText = 160;

  // The memoised hits for (space, text), or nullopt.
  std::optional<std::vector<int>> Find(uint8_t space,
                                       absl::string_view text) const;
  // Remembers hits for (space, text).
  void Store(uint8_t space, absl::string_view text,
             std::vector<int> hits) const;

 private:
  static constexpr size_t kShards = 16;
  static constexpr size_t kShardCapacity = 2048;
  struct Shard {
    mutable absl::Mutex mutex;
    mutable absl::flat_hash_map<std::string, std::vector<int>> entries
        ABSL_GUARDED_BY(mutex);
  };
  static std::string Key(uint8_t space, absl::string_view text);
  const Shard& ShardFor(const std::string& key) const;

  std::array<Shard, kShards> shards_;
};

}  // namespace forge::cars

#endif  // FORGE_CARS_MATCH_CACHE_H_
