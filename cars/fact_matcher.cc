#include "cars/fact_matcher.h"

#include <cstring>
#include <utility>

namespace forge::cars {

absl::string_view FactMatcher::Keep(absl::string_view text) const {
  if (text.empty()) return absl::string_view("", 0);
  if (text.size() > kChunk / 4) {
    // Long texts get a buffer of their own, so chunks stay well used.
    chunks_.push_back(std::make_unique<char[]>(text.size()));
    std::memcpy(chunks_.back().get(), text.data(), text.size());
    return absl::string_view(chunks_.back().get(), text.size());
  }
  if (kChunk - chunk_used_ < text.size()) {
    // The current chunk moves to the back after any long-text buffers.
    chunks_.push_back(std::make_unique<char[]>(kChunk));
    chunk_used_ = 0;
    current_ = chunks_.back().get();
  }
  char* out = current_ + chunk_used_;
  std::memcpy(out, text.data(), text.size());
  chunk_used_ += text.size();
  return absl::string_view(out, text.size());
}

const std::vector<int>& FactMatcher::Hits(Language language, FactKind kind,
                                          absl::string_view text) const {
  auto& memo = memo_[static_cast<size_t>(language)][static_cast<size_t>(kind)];
  auto it = memo.find(text);
  if (it == memo.end()) {
    std::vector<int> hits;
    rules_.MatchText(language, kind, text, &hits);
    it = memo.emplace(Keep(text), std::move(hits)).first;
  }
  return it->second;
}

}  // namespace forge::cars
