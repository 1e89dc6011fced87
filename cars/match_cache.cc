#include "cars/match_cache.h"

#include "absl/hash/hash.h"

namespace forge::cars {

std::string MatchCache::Key(uint8_t space, absl::string_view text) {
  std::string key;
  key.reserve(text.size() + 1);
  key.push_back(static_cast<char>(space));
  key.append(text.data(), text.size());
  return key;
}

const MatchCache::Shard& MatchCache::ShardFor(const std::string& key) const {
  return shards_[absl::Hash<std::string>()(key) % kShards];
}

std::optional<std::vector<int>> MatchCache::Find(uint8_t space,
                                                 absl::string_view text) const {
  if (text.size() > kMaxText) return std::nullopt;
  const std::string key = Key(space, text);
  const Shard& shard = ShardFor(key);
  absl::MutexLock lock(&shard.mutex);
  auto it = shard.entries.find(key);
  if (it == shard.entries.end()) return std::nullopt;
  return it->second;
}

void MatchCache::Store(uint8_t space, absl::string_view text,
                       std::vector<int> hits) const {
  if (text.size() > kMaxText) return;
  std::string key = Key(space, text);
  const Shard& shard = ShardFor(key);
  absl::MutexLock lock(&shard.mutex);
  if (shard.entries.size() >= kShardCapacity) shard.entries.clear();
  shard.entries.emplace(std::move(key), std::move(hits));
}

}  // namespace forge::cars
