// The exfiltration guard: finds verbatim copies (runs of 32 bytes or more)
// of CONFIDENTIAL or RESTRICTED input files in a program's output.
//
// ClassifiedIndex holds the files' contents and a hash of every 16-byte
// window that starts at a multiple of 16 in a file. Any copied run of 32+
// bytes contains such an aligned window, so looking up the hash of every
// 16-byte window of the output finds every run; the run is then verified
// byte by byte and extended both ways. Windows with fewer than four distinct
// bytes (padding, blank runs) are not indexed, so runs made only of such
// filler are not reported. Immutable after Build; thread-safe; shared by
// every stream of one execution.
//
// ClassifiedScanner follows one output stream: fed bytes in order, it
// reports the classified spans (absolute stream offsets) and the frontier
// below which every byte's verdict is final — 63 bytes behind the input,
// because a run is only found at an aligned window of the file that passes
// the variety check (in repetitive text, well past its first 32 bytes) and
// is then extended back over the bytes still in its 64-byte ring.
// Single-threaded.
#ifndef FORGE_SERVER_PRIVACY_CLASSIFIED_INDEX_H_
#define FORGE_SERVER_PRIVACY_CLASSIFIED_INDEX_H_

#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"

namespace forge::privacy {

class ClassifiedIndex {
 public:
  static constexpr size_t kMinRun = 32;
  static constexpr size_t kGram = 16;
  // How far before its detecting window a run may begin (the scanner's
  // 64-byte ring), and so how far the frontier trails the input.
  static constexpr size_t kLookBack = 63;

  // Indexes `contents` (copied). Files shorter than kMinRun cannot yield a
  // run and are skipped. Never fails; an index of nothing is empty().
  static std::shared_ptr<const ClassifiedIndex> Build(
      const std::vector<std::string>& contents);

  bool empty() const { return anchors_.empty(); }
  size_t anchor_count() const { return anchor_count_; }

 private:
  friend class ClassifiedScanner;
  struct Anchor {
    uint32_t file;
    uint32_t offset;
  };

  ClassifiedIndex() = default;
  bool MayContain(uint64_t hash) const {
    const uint64_t bit = hash & filter_mask_;
    return (filter_[bit >> 6] >> (bit & 63)) & 1;
  }

  std::vector<std::string> files_;
  absl::flat_hash_map<uint64_t, std::vector<Anchor>> anchors_;
  std::vector<uint64_t> filter_;
  uint64_t filter_mask_ = 0;
  size_t anchor_count_ = 0;
};

// Absolute [begin, end) of a classified run in a stream.
struct StreamSpan {
  uint64_t begin = 0;
  uint64_t end = 0;
};

class ClassifiedScanner {
 public:
  explicit ClassifiedScanner(std::shared_ptr<const ClassifiedIndex> index);

  // Consumes the next bytes of the stream.
  void Scan(absl::string_view data);
  // Offset below which verdicts are final.
  uint64_t frontier() const;
  // End of stream: runs still shorter than kMinRun are not classified; every
  // verdict is final.
  void Finish();
  // Idle release: a run that is verified for at least one aligned window
  // (16+ bytes) is classified now, so its first bytes do not leave the
  // server while the program pauses; it keeps growing if the copy resumes.
  void ReleaseIdle();

  // Classified spans, in order; the last may still grow. Spans ending at or
  // before `offset` can be dropped with DropBefore.
  const std::deque<StreamSpan>& spans() const { return spans_; }
  void DropBefore(uint64_t offset);

 private:
  uint8_t ByteAt(uint64_t abs) const;
  void StartRunAt(uint64_t window_end);

  std::shared_ptr<const ClassifiedIndex> index_;
  uint64_t pos_ = 0;  // bytes scanned
  uint64_t forced_frontier_ = 0;
  uint64_t hash_ = 0;
  // Last bytes of the stream (ring of 64).
  uint8_t recent_[64] = {};
  // The run being followed.
  bool run_active_ = false;
  bool run_reported_ = false;
  uint32_t run_file_ = 0;
  uint64_t run_file_pos_ = 0;
  uint64_t run_begin_ = 0;
  std::deque<StreamSpan> spans_;
};

}  // namespace forge::privacy

#endif  // FORGE_SERVER_PRIVACY_CLASSIFIED_INDEX_H_
