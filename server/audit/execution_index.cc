#include "server/audit/execution_index.h"

#include <algorithm>
#include <utility>
#include <vector>

#include "server/audit/record_types.h"

namespace forge::audit {

const ExecutionEntry* ExecutionIndex::Find(
    absl::string_view execution_id) const {
  auto it = entries_.find(execution_id);
  return it == entries_.end() ? nullptr : &it->second;
}

void ExecutionIndex::Add(const std::string& execution_id,
                         absl::string_view tenant, absl::string_view type,
                         uint64_t sequence, size_t file, uint64_t offset) {
  auto [it, inserted] = entries_.try_emplace(execution_id);
  ExecutionEntry& entry = it->second;
  if (inserted) {
    entry.tenant = std::string(tenant);
    entry.first_sequence = sequence;
    entry.first_file = file;
    entry.first_offset = offset;
  }
  ++entry.records;
  entry.last_sequence = sequence;
  if (type == kExecutionEnd) {
    MarkEnded(execution_id, entry);
    DropOverCapacity();
  }
}

void ExecutionIndex::Recall(const std::string& execution_id,
                            ExecutionEntry entry) {
  auto [it, inserted] = entries_.try_emplace(execution_id, std::move(entry));
  if (!inserted) return;
  it->second.ended = false;
  it->second.recalled = true;
}

void ExecutionIndex::Release(const std::string& execution_id) {
  auto it = entries_.find(execution_id);
  if (it == entries_.end() || !it->second.recalled) return;
  it->second.recalled = false;
  MarkEnded(execution_id, it->second);
  DropOverCapacity();
}

void ExecutionIndex::EndAll() {
  std::vector<std::pair<uint64_t, const std::string*>> open;
  for (const auto& [id, entry] : entries_) {
    if (!entry.ended) open.emplace_back(entry.last_sequence, &id);
  }
  std::sort(open.begin(), open.end());
  std::vector<std::string> ids;
  ids.reserve(open.size());
  for (const auto& [sequence, id] : open) ids.push_back(*id);
  for (const std::string& id : ids) MarkEnded(id, entries_[id]);
  DropOverCapacity();
}

void ExecutionIndex::MarkEnded(const std::string& execution_id,
                               ExecutionEntry& entry) {
  if (entry.ended) return;
  entry.ended = true;
  finished_.push_back(execution_id);
}

void ExecutionIndex::DropOverCapacity() {
  while (finished_.size() > finished_capacity_) {
    // Every id in finished_ names an ended entry: entries only leave the map
    // here, and an id is queued once per time it is marked ended.
    entries_.erase(finished_.front());
    finished_.pop_front();
    dropped_any_ = true;
  }
}

}  // namespace forge::audit
