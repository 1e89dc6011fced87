#include "server/privacy/classified_index.h"

#include <algorithm>
#include <cstring>
#include <utility>

namespace forge::privacy {
namespace {

constexpr uint64_t kBase = 0x100000001b3ull;

constexpr uint64_t PowBase(int n) {
  uint64_t r = 1;
  for (int i = 0; i < n; ++i) r *= kBase;
  return r;
}
constexpr uint64_t kBaseToGram = PowBase(ClassifiedIndex::kGram);

uint64_t HashGram(const uint8_t* p) {
  uint64_t h = 0;
  for (size_t i = 0; i < ClassifiedIndex::kGram; ++i) h = h * kBase + p[i];
  return h;
}

// Mixes the rolling hash so the filter's low bits are well spread.
uint64_t Mix(uint64_t h) {
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdull;
  h ^= h >> 33;
  return h;
}

bool HasEnoughVariety(const uint8_t* p) {
  uint8_t seen[4];
  int distinct = 0;
  for (size_t i = 0; i < ClassifiedIndex::kGram && distinct < 4; ++i) {
    bool known = false;
    for (int k = 0; k < distinct; ++k) known |= seen[k] == p[i];
    if (!known) seen[distinct++] = p[i];
  }
  return distinct >= 4;
}

constexpr size_t kMaxAnchorsPerHash = 8;

}  // namespace

std::shared_ptr<const ClassifiedIndex> ClassifiedIndex::Build(
    const std::vector<std::string>& contents) {
  std::shared_ptr<ClassifiedIndex> index(new ClassifiedIndex());
  for (const std::string& c : contents) {
    if (c.size() < kMinRun) continue;
    const uint32_t file = static_cast<uint32_t>(index->files_.size());
    index->files_.push_back(c);
    const uint8_t* p = reinterpret_cast<const uint8_t*>(c.data());
    for (size_t off = 0; off + kGram <= c.size(); off += kGram) {
      if (!HasEnoughVariety(p + off)) continue;
      auto& list = index->anchors_[Mix(HashGram(p + off))];
      if (list.size() >= kMaxAnchorsPerHash) continue;
      list.push_back(Anchor{file, static_cast<uint32_t>(off)});
      ++index->anchor_count_;
    }
  }
  size_t bits = 1 << 16;
  while (bits < index->anchor_count_ * 16 && bits < (1u << 24)) bits <<= 1;
  index->filter_.assign(bits / 64, 0);
  index->filter_mask_ = bits - 1;
  for (const auto& [hash, list] : index->anchors_) {
    const uint64_t bit = hash & index->filter_mask_;
    index->filter_[bit >> 6] |= 1ull << (bit & 63);
  }
  return index;
}

ClassifiedScanner::ClassifiedScanner(
    std::shared_ptr<const ClassifiedIndex> index)
    : index_(std::move(index)) {}

uint8_t ClassifiedScanner::ByteAt(uint64_t abs) const {
  return recent_[abs & 63];
}

uint64_t ClassifiedScanner::frontier() const {
  // A run is detected at an aligned window of the file that passes the
  // variety check, which can lie well past its first 32 bytes in repetitive
  // text; the run is then extended back up to kLookBack bytes (StartRunAt).
  // Bytes are final only once no such extension can reach them.
  const uint64_t lag = ClassifiedIndex::kLookBack;
  return std::max(forced_frontier_, pos_ > lag ? pos_ - lag : 0);
}

void ClassifiedScanner::StartRunAt(uint64_t window_end) {
  const uint64_t window_begin = window_end - ClassifiedIndex::kGram;
  auto it = index_->anchors_.find(Mix(hash_));
  if (it == index_->anchors_.end()) return;
  uint8_t window[ClassifiedIndex::kGram];
  for (size_t i = 0; i < ClassifiedIndex::kGram; ++i) {
    window[i] = ByteAt(window_begin + i);
  }
  // Bytes before the window that are still in the ring, and not before the
  // end of the previous span (which already covers them).
  uint64_t earliest = window_end > ClassifiedIndex::kLookBack
                          ? window_end - ClassifiedIndex::kLookBack
                          : 0;
  if (!spans_.empty()) earliest = std::max(earliest, spans_.back().end);
  int best = -1;
  uint64_t best_left = 0;
  for (size_t a = 0; a < it->second.size(); ++a) {
    const ClassifiedIndex::Anchor& anchor = it->second[a];
    const std::string& file = index_->files_[anchor.file];
    if (std::memcmp(file.data() + anchor.offset, window, sizeof(window)) != 0) {
      continue;
    }
    uint64_t left = 0;
    while (left < anchor.offset && window_begin - left > earliest &&
           ByteAt(window_begin - left - 1) ==
               static_cast<uint8_t>(file[anchor.offset - left - 1])) {
      ++left;
    }
    if (best < 0 || left > best_left) {
      best = static_cast<int>(a);
      best_left = left;
    }
  }
  if (best < 0) return;
  const ClassifiedIndex::Anchor& anchor = it->second[best];
  run_active_ = true;
  run_reported_ = false;
  run_file_ = anchor.file;
  run_file_pos_ = anchor.offset + ClassifiedIndex::kGram;
  run_begin_ = window_begin - best_left;
  if (window_end - run_begin_ >= ClassifiedIndex::kMinRun) {
    spans_.push_back(StreamSpan{run_begin_, window_end});
    run_reported_ = true;
  }
}

void ClassifiedScanner::Scan(absl::string_view data) {
  if (index_ == nullptr || index_->empty()) {
    pos_ += data.size();
    return;
  }
  const uint8_t* p = reinterpret_cast<const uint8_t*>(data.data());
  for (size_t i = 0; i < data.size(); ++i) {
    const uint8_t c = p[i];
    const uint64_t leaving = pos_ >= ClassifiedIndex::kGram
                                 ? ByteAt(pos_ - ClassifiedIndex::kGram)
                                 : 0;
    hash_ = hash_ * kBase + c - kBaseToGram * leaving;
    recent_[pos_ & 63] = c;
    ++pos_;
    if (run_active_) {
      const std::string& file = index_->files_[run_file_];
      if (run_file_pos_ < file.size() &&
          static_cast<uint8_t>(file[run_file_pos_]) == c) {
        ++run_file_pos_;
        if (run_reported_) {
          spans_.back().end = pos_;
        } else if (pos_ - run_begin_ >= ClassifiedIndex::kMinRun) {
          spans_.push_back(StreamSpan{run_begin_, pos_});
          run_reported_ = true;
        }
        continue;
      }
      run_active_ = false;
    }
    if (pos_ >= ClassifiedIndex::kGram && index_->MayContain(Mix(hash_))) {
      StartRunAt(pos_);
    }
  }
}

void ClassifiedScanner::Finish() {
  run_active_ = false;
  forced_frontier_ = pos_;
}

void ClassifiedScanner::ReleaseIdle() {
  if (run_active_ && !run_reported_) {
    spans_.push_back(StreamSpan{run_begin_, pos_});
    run_reported_ = true;
  }
  forced_frontier_ = pos_;
}

void ClassifiedScanner::DropBefore(uint64_t offset) {
  while (!spans_.empty() && spans_.front().end <= offset &&
         !(run_active_ && run_reported_ && spans_.size() == 1)) {
    spans_.pop_front();
  }
}

}  // namespace forge::privacy
