// ExecutionIndex: where each execution's records are in the log files, for
// the executions the log keeps in memory.
//
// Memory is bounded: an execution is pinned while it is open (no
// execution_end record yet); once it has ended it stays only until
// `finished_capacity` later executions have ended, oldest end first. An
// execution recovered from the files when the log opens counts as ended (the
// process that ran it is gone). What the index has dropped is found again by
// reading the files (FindExecutionInFiles) and can be put back with Recall()
// (held until Release()).
//
// Plain data; the owner synchronises access.
#ifndef FORGE_SERVER_AUDIT_EXECUTION_INDEX_H_
#define FORGE_SERVER_AUDIT_EXECUTION_INDEX_H_

#include <cstddef>
#include <cstdint>
#include <deque>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"

namespace forge::audit {

// Where one execution's records are.
struct ExecutionEntry {
  std::string tenant;
  uint64_t records = 0;
  uint64_t first_sequence = 0;
  uint64_t last_sequence = 0;
  // Index into LogState::files of the file holding the first record, and the
  // record's byte offset there.
  size_t first_file = 0;
  uint64_t first_offset = 0;
  // An execution_end record was seen, or the execution was recovered.
  bool ended = false;
  // Put back by Recall() and held until Release().
  bool recalled = false;
};

class ExecutionIndex {
 public:
  // Ended executions kept at most; 0 keeps none once they end.
  static constexpr size_t kDefaultFinishedCapacity = 1024;

  explicit ExecutionIndex(size_t finished_capacity = kDefaultFinishedCapacity)
      : finished_capacity_(finished_capacity) {}

  // The entry of `execution_id`, or null if the index does not hold it (it
  // never had records, or it ended long enough ago to be dropped). The
  // pointer is valid until the next non-const call.
  const ExecutionEntry* Find(absl::string_view execution_id) const;

  // Counts one committed record of `execution_id` (type `type`, at
  // `sequence`, byte `offset` of file `file`), creating the entry on its
  // first record. An execution_end makes the entry droppable.
  void Add(const std::string& execution_id, absl::string_view tenant,
           absl::string_view type, uint64_t sequence, size_t file,
           uint64_t offset);

  // Puts back an entry read from the files, unless the index already holds
  // `execution_id` (whose entry is newer). The entry is held (not dropped)
  // until Release(), so the records it was recalled for are numbered on.
  void Recall(const std::string& execution_id, ExecutionEntry entry);

  // The records a recalled entry was held for are settled: it may be dropped
  // again. No effect on other entries.
  void Release(const std::string& execution_id);

  // Marks every entry ended (the log was just recovered) and drops what
  // exceeds the capacity.
  void EndAll();

  // Entries held, open ones included.
  size_t size() const { return entries_.size(); }
  // Whether any ended entry was ever dropped (if not, an id the index does
  // not hold has no records at all).
  bool dropped_any() const { return dropped_any_; }

 private:
  void MarkEnded(const std::string& execution_id, ExecutionEntry& entry);
  void DropOverCapacity();

  const size_t finished_capacity_;
  absl::flat_hash_map<std::string, ExecutionEntry> entries_;
  // Ended executions, oldest end first (an id may repeat after a Recall; a
  // stale occurrence drops nothing it should not: see DropOverCapacity).
  std::deque<std::string> finished_;
  bool dropped_any_ = false;
};

}  // namespace forge::audit

#endif  // FORGE_SERVER_AUDIT_EXECUTION_INDEX_H_
