// RedactionStream redacts one output stream (a program's stdout, or its
// stderr) as its bytes arrive. Make one per stream with Redactor::NewStream;
// stdout and stderr get one each and never share state.
//
// Output contract: the bytes Feed and Flush append, concatenated, are
// byte-identical to Redactor::Redact of everything fed, however the input
// was split into chunks. Only ReleaseHeld (an explicit idle release) may
// make them differ, and only in the ways described there.
//
// Hold-back. The stream works on records: a record ends after '\n' or '\r'.
// A record is redacted once it is complete, so a value split across any two
// reads is seen whole. Bytes of an incomplete record are held, bounded:
//   * a record longer than kMaxRecord (64 KiB) without a line end is handled
//     in kMaxRecord windows that overlap by kWindowOverlap (8 KiB) — every
//     value up to 8 KiB long lies whole in some window — so at most 64 KiB
//     of one line is ever held;
//   * with classified input files, a line also waits until 63 more bytes
//     have arrived (a verbatim copy found now may begin up to that far back:
//     ClassifiedIndex::kLookBack) or the idle timer fires;
//   * a PEM private key is not held at all: its begin line is replaced by
//     the marker as soon as it is complete, and the following body lines
//     are dropped as they arrive, up to and including the end marker (or
//     the first line that is not key material, or max_lines).
// Nothing else is held: a complete line leaves in the same Feed call.
//
// Idle release. When a program prints part of a line and pauses (a prompt,
// a progress bar, a value printed piecewise), the caller calls ReleaseHeld
// after its idle timer (Redactor::idle_release(); 1 ms by default) fires.
// The held bytes are redacted as if the line ended there and released, with
// one extra rule so that a value split by the pause never leaks in part:
// if the released bytes end inside what may be the beginning of a value —
// a detected value touching the end, a token containing a secret's fixed
// prefix ("AKIA", "ghp_", "eyJ"...), an e-mail or URL-with-password
// fragment, the value after a password/secret key ("password=hun"), a run
// of 6+ digits, or 16+ bytes of a classified file — that fragment is
// replaced by [REDACTED:<its type>] (or [REDACTED:PARTIAL] for digits), and
// when output resumes, the rest of the value (up to the next blank, quote
// or bracket) is dropped rather than shown. A value whose first part looked
// harmless is still redacted from where it resumes, because the released
// part of the line is kept (up to 256 bytes) as context for matching the
// rest. Inside a PEM block the rest of the block keeps being dropped.
// The price: a fragment that only looked like a value start is redacted
// (and counted) although the finished value would not have been. To keep
// that price for programs that really paused, the server releases in two
// stages: ReleaseHeld(out, /*hold_value_start=*/true) after idle_release()
// releases everything before such a fragment and keeps the fragment held;
// only after value_start_hold() more without output does ReleaseHeld(out)
// apply the rule above.
//
// Not thread-safe: one caller (the stream's IO loop) at a time. Starts no
// threads or timers. The Redactor must outlive the stream.
#ifndef FORGE_SERVER_PRIVACY_REDACTION_STREAM_H_
#define FORGE_SERVER_PRIVACY_REDACTION_STREAM_H_

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "server/privacy/classified_index.h"
#include "server/privacy/column_context.h"
#include "server/privacy/span_finder.h"
#include "server/privacy/types.h"

namespace forge::privacy {

class Redactor;

// A sensitive span of the input, as FindSpans reports it.
struct SensitiveSpan {
  size_t begin = 0;
  size_t end = 0;
  // Marker type, e.g. "EMAIL"; points into the Redactor's tables.
  absl::string_view type;
  // Id of the rule that found it ("email", "pem_private_key", ...), or
  // "classified_file" / "partial".
  absl::string_view rule;
};

// Redaction counts by type name ("EMAIL" → 2). Never the values.
using RedactionCounts = std::map<std::string, uint64_t>;

// What one stream redacts.
struct StreamOptions {
  // Rules that may fire (see Redactor::OptionsForTenant).
  RuleMask enabled;
  // Contents of the execution's classified input files; null for none.
  std::shared_ptr<const ClassifiedIndex> classified;
};

class RedactionStream {
 public:
  static constexpr size_t kMaxRecord = 64 * 1024;
  static constexpr size_t kWindowOverlap = 8 * 1024;
  static constexpr size_t kContext = 256;
  static constexpr size_t kMaxAbsorb = 16 * 1024;

  RedactionStream(const RedactionStream&) = delete;
  RedactionStream& operator=(const RedactionStream&) = delete;
  ~RedactionStream();

  // Takes the next bytes of the stream; appends to `*out` every byte that
  // is now final (redacted). Never fails.
  void Feed(absl::string_view chunk, std::string* out);

  // End of stream: appends everything still held, redacted. The stream can
  // be fed again afterwards, as a new stream (counts keep adding up).
  void Flush(std::string* out);

  // Bytes fed but not yet released (zero when nothing is held).
  size_t held_bytes() const;

  // Idle release (see the file comment): appends the held bytes, redacted
  // as if the line ended here, with a value fragment at the end redacted
  // and its continuation dropped when output resumes.
  //
  // With `hold_value_start`, the first stage of a two-stage release: the
  // bytes before a possible value start at the end are released, the
  // fragment itself stays held (held_bytes() > 0) — so output that only
  // paused briefly inside a number or token is never cut. The caller ends
  // the hold with a plain ReleaseHeld after Redactor::value_start_hold().
  void ReleaseHeld(std::string* out, bool hold_value_start = false);

  // Counts by type since the stream was made.
  RedactionCounts counts() const;
  uint64_t redaction_count() const;
  uint64_t bytes_in() const { return bytes_in_; }
  uint64_t bytes_out() const { return bytes_out_; }

 private:
  friend class Redactor;
  enum class RecordEnd { kLine, kWindow, kEndOfStream, kIdle };

  RedactionStream(const Redactor& redactor, StreamOptions options,
                  std::vector<SensitiveSpan>* span_sink);

  void Process(bool final);
  size_t FindLineEnd(size_t from, size_t to);
  void ProcessRecord(size_t begin, size_t end, RecordEnd kind);
  // Returns false when the block ended before `begin` and the record must
  // be processed as a normal one.
  bool ProcessBlockLine(size_t begin, size_t end, RecordEnd kind);
  void OpenBlock(absl::string_view text, size_t from, size_t content_end,
                 size_t record_end, RecordEnd kind, uint16_t block);
  bool Absorb(size_t limit);
  void AddClassifiedSpans(absl::string_view text, size_t lb,
                          std::vector<Span>* spans);
  struct Partial {
    size_t begin = 0;
    TypeId type = 0;
    uint16_t rule = 0;
  };
  bool FindPartialValue(absl::string_view text, size_t lb,
                        Partial* partial) const;
  void EmitText(absl::string_view text, size_t from, size_t to,
                const std::vector<Span>& spans);
  // Appends `bytes` to the output; bytes of in_ are held in pending_ and
  // appended with the bytes that follow them in in_ (one append for a run of
  // clean records). FlushPending appends them; every public call ends with
  // it, and anything else that writes to out_ starts with it.
  void EmitRaw(absl::string_view bytes);
  void FlushPending();
  void EmitRedaction(size_t text_begin, size_t text_end, TypeId type,
                     uint16_t rule, bool continuation);
  void KeepContext(absl::string_view text, size_t end);
  // Where a possible value starts at the end of `text` (an idle record whose
  // new bytes begin at `lb`): sets *span to the detected value touching the
  // end (*detected = true: it is spans.back()), or to the fragment
  // FindPartialValue reports (*detected = false). False when the end is not
  // inside a possible value.
  bool ValueAtEnd(absl::string_view text, size_t lb,
                  const std::vector<Span>& spans, Span* span,
                  bool* detected) const;
  void Commit(size_t buf_end);

  const Redactor& redactor_;
  StreamOptions options_;
  bool passthrough_ = false;
  bool hold_value_start_ = false;  // during ReleaseHeld(out, true)
  std::unique_ptr<ClassifiedScanner> classified_;
  std::vector<SensitiveSpan>* span_sink_;
  std::string* out_ = nullptr;
  // Output bytes of in_ not yet appended to *out_ (see EmitRaw).
  const char* pending_begin_ = nullptr;
  const char* pending_end_ = nullptr;

  // Input not yet released; buf_[0] is stream offset buf_start_.
  std::string buf_;
  // The input being processed, starting at buf_start_: buf_, or the chunk
  // Feed was given when nothing was held.
  absl::string_view in_;
  uint64_t buf_start_ = 0;
  size_t pos_ = 0;  // buf_[0, pos_) is released
  // The next '\r' (stream offset) when cr_valid_; otherwise there is none
  // in [.., cr_scan_end_).
  bool cr_valid_ = false;
  uint64_t cr_next_ = 0;
  uint64_t cr_scan_end_ = 0;

  // Released bytes of the current, unfinished line (context for the rest).
  std::string context_;
  // Stream offset of the start of the text being emitted, so that
  // EmitRedaction can report spans in stream offsets.
  uint64_t text_origin_ = 0;

  // PEM-style block being dropped.
  bool in_block_ = false;
  bool block_mid_line_ = false;
  uint16_t block_ = 0;
  uint32_t block_lines_ = 0;
  std::string block_terminator_;

  // Continuation of a value cut by an idle release.
  bool absorbing_ = false;
  size_t absorbed_ = 0;

  uint64_t last_classified_end_ = UINT64_MAX;
  RecordMatches matches_;
  ColumnContext columns_;
  std::vector<uint64_t> counts_;
  uint64_t bytes_in_ = 0;
  uint64_t bytes_out_ = 0;
};

}  // namespace forge::privacy

#endif  // FORGE_SERVER_PRIVACY_REDACTION_STREAM_H_
