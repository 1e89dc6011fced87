#include "cars/match_cache.h"

#include <cstring>

namespace forge::cars {

absl::string_view MatchCache::Key(uint8_t space, absl::string_view text,
                                  char* buffer) {
  buffer[0] = static_cast<char>(space);
  // An empty view may have no data pointer, which memcpy must not get.
  if (!text.empty()) std::memcpy(buffer + 1, text.data(), text.size());
  return absl::string_view(buffer, text.size() + 1);
}

const MatchCache::Shard& MatchCache::ShardFor(absl::string_view key) const {
  // A cheap spread over the shards (the map hashes the key anyway): length
  // and the last two bytes, which differ between most chains and names.
  const size_t n = key.size();
  const size_t mix = n * 31 + static_cast<unsigned char>(key[n - 1]) * 7 +
                     static_cast<unsigned char>(key[n > 1 ? n - 2 : 0]);
  return shards_[mix % kShards];
}

bool MatchCache::Find(uint8_t space, absl::string_view text,
                      std::vector<int>* hits) const {
  if (text.size() > kMaxText) return false;
  char buffer[kMaxText + 1];
  const absl::string_view key = Key(space, text, buffer);
  const Shard& shard = ShardFor(key);
  std::lock_guard<std::mutex> lock(shard.mutex);
  auto it = shard.entries.find(key);
  if (it == shard.entries.end()) return false;
  hits->assign(it->second.begin(), it->second.end());
  return true;
}

void MatchCache::Store(uint8_t space, absl::string_view text,
                       std::vector<int> hits) const {
  if (text.size() > kMaxText) return;
  char buffer[kMaxText + 1];
  const absl::string_view key = Key(space, text, buffer);
  const Shard& shard = ShardFor(key);
  std::lock_guard<std::mutex> lock(shard.mutex);
  if (shard.entries.size() >= kShardCapacity) shard.entries.clear();
  shard.entries.emplace(std::string(key), std::move(hits));
}

}  // namespace forge::cars
