#include "server/privacy/redaction_stream.h"

#include <algorithm>
#include <climits>
#include <cstring>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "server/privacy/re2_views.h"
#include "server/privacy/redactor.h"

namespace forge::privacy {
namespace {

using forge::exec::v1::PRIVACY_SHAPE_ASSIGNMENT;
using forge::exec::v1::PRIVACY_SHAPE_AT_SIGN;
using forge::exec::v1::PRIVACY_SHAPE_NUMBER;
using forge::exec::v1::PRIVACY_SHAPE_URL_USERINFO;

constexpr uint16_t kClassifiedRule = 0xfffe;
constexpr uint16_t kPartialRule = 0xffff;
constexpr int kClassifiedPriority = INT_MAX / 2;

// Bytes that end a value: blanks, quotes, brackets, separators.
bool IsValueDelimiter(char c) {
  switch (c) {
    case ' ':
    case '\t':
    case '\n':
    case '\r':
    case '\f':
    case '\v':
    case '"':
    case '\'':
    case '`':
    case '<':
    case '>':
    case '(':
    case ')':
    case '[':
    case ']':
    case '{':
    case '}':
    case ',':
    case ';':
      return true;
    default:
      return false;
  }
}

// A line of base64 only (the common PEM body line): body without the regex.
bool IsBase64Line(absl::string_view line) {
  if (line.empty() || line.size() > 128) return false;
  for (char c : line) {
    if (!absl::ascii_isalnum(c) && c != '+' && c != '/' && c != '=') {
      return false;
    }
  }
  return true;
}

bool IsKeyChar(char c) {
  return absl::ascii_isalnum(c) || c == '_' || c == '-' || c == '.';
}

}  // namespace

RedactionStream::RedactionStream(const Redactor& redactor,
                                 StreamOptions options,
                                 std::vector<SensitiveSpan>* span_sink)
    : redactor_(redactor),
      options_(std::move(options)),
      span_sink_(span_sink),
      columns_(redactor.finder()) {
  counts_.assign(redactor_.type_names().size(), 0);
  if (options_.classified != nullptr && !options_.classified->empty()) {
    classified_ = std::make_unique<ClassifiedScanner>(options_.classified);
  }
  passthrough_ = options_.enabled.none() && classified_ == nullptr;
}

RedactionStream::~RedactionStream() = default;

void RedactionStream::Feed(absl::string_view chunk, std::string* out) {
  out_ = out;
  bytes_in_ += chunk.size();
  if (passthrough_) {
    EmitRaw(chunk);
    return;
  }
  if (buf_.empty() && classified_ == nullptr) {
    // Nothing held: the records are redacted straight from the chunk and
    // only an unfinished tail is copied.
    in_ = chunk;
    Process(/*final=*/false);
    FlushPending();
    buf_start_ += pos_;
    buf_.assign(chunk.data() + pos_, chunk.size() - pos_);
    pos_ = 0;
    in_ = buf_;
    return;
  }
  buf_.append(chunk.data(), chunk.size());
  if (classified_ != nullptr) classified_->Scan(chunk);
  in_ = buf_;
  Process(/*final=*/false);
  FlushPending();
  Commit(pos_);
}

void RedactionStream::Flush(std::string* out) {
  out_ = out;
  if (passthrough_) return;
  if (classified_ != nullptr) classified_->Finish();
  in_ = buf_;
  Process(/*final=*/true);
  if (in_block_) EmitRaw(block_terminator_);
  in_block_ = false;
  block_mid_line_ = false;
  block_terminator_.clear();
  absorbing_ = false;
  context_.clear();
  FlushPending();
  Commit(pos_);
}

size_t RedactionStream::held_bytes() const { return buf_.size() - pos_; }

void RedactionStream::ReleaseHeld(std::string* out, bool hold_value_start) {
  out_ = out;
  if (passthrough_) return;
  hold_value_start_ = hold_value_start;
  struct Reset {
    bool& flag;
    ~Reset() { flag = false; }
  } reset{hold_value_start_};
  if (classified_ != nullptr) classified_->ReleaseIdle();
  in_ = buf_;
  Process(/*final=*/false);
  // The rest is an unfinished line (which may still end a PEM block and
  // go on after its end marker).
  while (pos_ < in_.size()) {
    if (absorbing_) {
      Absorb(in_.size());  // consumes bytes or ends the absorbing
      continue;
    }
    const size_t before = pos_;
    ProcessRecord(pos_, in_.size(), RecordEnd::kIdle);
    if (pos_ == before) break;
  }
  FlushPending();
  Commit(pos_);
}

RedactionCounts RedactionStream::counts() const {
  RedactionCounts counts;
  for (size_t t = 0; t < counts_.size(); ++t) {
    if (counts_[t] > 0) counts[redactor_.type_names()[t]] = counts_[t];
  }
  return counts;
}

uint64_t RedactionStream::redaction_count() const {
  uint64_t n = 0;
  for (uint64_t c : counts_) n += c;
  return n;
}

void RedactionStream::Process(bool final) {
  size_t limit = in_.size();
  if (classified_ != nullptr && !final) {
    const uint64_t frontier = classified_->frontier();
    limit = frontier > buf_start_ ? static_cast<size_t>(std::min<uint64_t>(
                                        frontier - buf_start_, in_.size()))
                                  : 0;
  }
  while (pos_ < in_.size()) {
    if (absorbing_) {
      if (!Absorb(limit)) break;
      continue;
    }
    const size_t window_end = std::min(in_.size(), pos_ + kMaxRecord);
    const size_t line_end = FindLineEnd(pos_, window_end);
    if (line_end != std::string::npos) {
      if (line_end + 1 > limit) break;
      ProcessRecord(pos_, line_end + 1, RecordEnd::kLine);
      continue;
    }
    if (window_end - pos_ == kMaxRecord) {
      if (window_end > limit) break;
      ProcessRecord(pos_, window_end, RecordEnd::kWindow);
      continue;
    }
    if (final) {
      ProcessRecord(pos_, in_.size(), RecordEnd::kEndOfStream);
      continue;
    }
    break;
  }
}

size_t RedactionStream::FindLineEnd(size_t from, size_t to) {
  const char* base = in_.data();
  const void* nl = std::memchr(base + from, '\n', to - from);
  size_t best =
      nl != nullptr ? static_cast<const char*>(nl) - base : std::string::npos;
  const uint64_t abs_from = buf_start_ + from;
  if (!(cr_valid_ && cr_next_ >= abs_from)) {
    const uint64_t start =
        cr_valid_ ? abs_from : std::max(abs_from, cr_scan_end_);
    const size_t rel = static_cast<size_t>(start - buf_start_);
    const void* cr = rel < in_.size()
                         ? std::memchr(base + rel, '\r', in_.size() - rel)
                         : nullptr;
    if (cr != nullptr) {
      cr_valid_ = true;
      cr_next_ = buf_start_ + (static_cast<const char*>(cr) - base);
    } else {
      cr_valid_ = false;
      cr_scan_end_ = buf_start_ + in_.size();
    }
  }
  if (cr_valid_ && cr_next_ < buf_start_ + to) {
    best = std::min(best, static_cast<size_t>(cr_next_ - buf_start_));
  }
  return best;
}

bool RedactionStream::Absorb(size_t limit) {
  const size_t start = pos_;
  size_t i = pos_;
  bool done = false;
  while (i < limit) {
    if (IsValueDelimiter(in_[i]) || absorbed_ >= kMaxAbsorb) {
      done = true;
      break;
    }
    ++i;
    ++absorbed_;
  }
  if (i > start) {
    absl::string_view gone(in_.data() + start, i - start);
    text_origin_ = buf_start_ + start;
    EmitRedaction(0, gone.size(), redactor_.rules().partial_type(),
                  kPartialRule, /*continuation=*/true);
    context_.append(gone.data(), gone.size());
    if (context_.size() > kContext) {
      context_.erase(0, context_.size() - kContext);
    }
    pos_ = i;
  }
  if (done) {
    absorbing_ = false;
    absorbed_ = 0;
  }
  return done;
}

void RedactionStream::ProcessRecord(size_t begin, size_t end, RecordEnd kind) {
  if (in_block_ && ProcessBlockLine(begin, end, kind)) return;
  absl::string_view part(in_.data() + begin, end - begin);
  std::string joined;
  absl::string_view text = part;
  const size_t lb = context_.size();
  if (lb > 0) {
    joined.reserve(lb + part.size());
    joined.append(context_);
    joined.append(part.data(), part.size());
    text = joined;
  }
  text_origin_ = buf_start_ + begin - lb;
  redactor_.finder().Find(text, options_.enabled, &matches_);
  std::vector<Span>& spans = matches_.spans;
  if (lb == 0 &&
      (kind == RecordEnd::kLine || kind == RecordEnd::kEndOfStream)) {
    const size_t before = spans.size();
    const size_t content =
        kind == RecordEnd::kLine ? text.size() - 1 : text.size();
    columns_.ProcessLine(text.substr(0, content), 0,
                         matches_.scratch.cands.digits, options_.enabled,
                         &spans);
    if (spans.size() > before) MergeSpans(&spans);
  }
  if (classified_ != nullptr) AddClassifiedSpans(text, lb, &spans);

  size_t emit_end = text.size();
  if (kind == RecordEnd::kWindow) {
    emit_end = text.size() - kWindowOverlap;
    for (const Span& s : spans) {
      if (s.begin < emit_end && s.end > emit_end) emit_end = s.end;
    }
  }
  if (matches_.block_opened && matches_.block_begin < emit_end) {
    const size_t from = std::max(matches_.block_begin, lb);
    EmitText(text, lb, from, spans);
    const size_t content_end =
        kind == RecordEnd::kLine ? text.size() - 1 : text.size();
    OpenBlock(text, from, std::max(from, content_end), text.size(), kind,
              matches_.block);
    pos_ = end;
    return;
  }
  Span value;
  bool detected = false;
  if (kind == RecordEnd::kIdle &&
      ValueAtEnd(text, lb, spans, &value, &detected)) {
    if (hold_value_start_) {
      // First stage: release up to the value, keep the value held. A span
      // that crosses the value's start is released whole.
      emit_end = std::max(value.begin, lb);
      for (const Span& s : spans) {
        if (s.begin < emit_end && s.end > emit_end && s.end < text.size())
          emit_end = s.end;
      }
      while (!spans.empty() && spans.back().end > emit_end) spans.pop_back();
    } else {
      if (!detected) {
        spans.push_back(value);
        MergeSpans(&spans);
      }
      absorbing_ = true;  // the value may go on when output resumes
    }
  }
  EmitText(text, lb, emit_end, spans);
  pos_ = begin + (emit_end - lb);
  if (kind == RecordEnd::kLine || kind == RecordEnd::kEndOfStream) {
    context_.clear();
  } else {
    KeepContext(text, emit_end);
  }
}

bool RedactionStream::ValueAtEnd(absl::string_view text, size_t lb,
                                 const std::vector<Span>& spans, Span* span,
                                 bool* detected) const {
  if (!spans.empty() && spans.back().end == text.size() &&
      spans.back().end > lb &&
      spans.back().type != redactor_.rules().classified_type()) {
    *span = spans.back();
    *detected = true;
    return true;
  }
  Partial partial;
  if (!FindPartialValue(text, lb, &partial)) return false;
  *detected = false;
  *span = Span{std::max(partial.begin, lb), text.size(), partial.type, INT_MAX,
               partial.rule};
  return true;
}

void RedactionStream::OpenBlock(absl::string_view text, size_t from,
                                size_t content_end, size_t record_end,
                                RecordEnd kind, uint16_t block) {
  const CompiledBlock& b = redactor_.rules().blocks()[block];
  EmitRedaction(from, content_end, b.type,
                static_cast<uint16_t>(redactor_.rules().block_bit(block)),
                /*continuation=*/false);
  in_block_ = true;
  block_ = block;
  block_lines_ = 0;
  block_terminator_.assign(text.data() + content_end, record_end - content_end);
  block_mid_line_ = kind == RecordEnd::kWindow || kind == RecordEnd::kIdle;
  if (block_mid_line_) {
    KeepContext(text, record_end);
  } else {
    context_.clear();
  }
}

bool RedactionStream::ProcessBlockLine(size_t begin, size_t end,
                                       RecordEnd kind) {
  const CompiledBlock& block = redactor_.rules().blocks()[block_];
  const uint16_t bit =
      static_cast<uint16_t>(redactor_.rules().block_bit(block_));
  absl::string_view part(in_.data() + begin, end - begin);
  std::string joined;
  absl::string_view text = part;
  const size_t lb = context_.size();
  if (lb > 0) {
    joined = context_;
    joined.append(part.data(), part.size());
    text = joined;
  }
  text_origin_ = buf_start_ + begin - lb;
  const size_t content_end =
      kind == RecordEnd::kLine ? text.size() - 1 : text.size();

  re2::StringPiece m;
  if ((block.end_literal.empty() ||
       absl::StrContains(text, block.end_literal)) &&
      block.end->Match(ToPiece(text), 0, content_end, RE2::UNANCHORED, &m, 1) &&
      static_cast<size_t>(m.data() - text.data()) + m.size() > lb) {
    const size_t marker_end = (m.data() - text.data()) + m.size();
    EmitRedaction(lb, marker_end, block.type, bit, /*continuation=*/true);
    in_block_ = false;
    block_mid_line_ = false;
    block_terminator_.clear();
    pos_ = begin + (marker_end - lb);
    // The rest of the line is ordinary output.
    KeepContext(text, marker_end);
    if (pos_ == end) context_.clear();
    return true;
  }
  if (block_mid_line_ || kind == RecordEnd::kWindow ||
      kind == RecordEnd::kIdle) {
    // The rest of a line inside the block, or a line too long (or not yet
    // complete) to judge: key material either way.
    EmitRedaction(lb, content_end, block.type, bit, /*continuation=*/true);
    if (kind == RecordEnd::kLine || kind == RecordEnd::kEndOfStream) {
      block_terminator_.assign(text.data() + content_end,
                               text.size() - content_end);
      block_mid_line_ = false;
      ++block_lines_;
      context_.clear();
    } else {
      block_mid_line_ = true;
      KeepContext(text, text.size());
    }
    pos_ = end;
    return true;
  }
  absl::string_view line = text.substr(lb, content_end - lb);
  if (block_lines_ < block.max_lines &&
      (IsBase64Line(line) || RE2::FullMatch(ToPiece(line), *block.body))) {
    EmitRedaction(lb, content_end, block.type, bit, /*continuation=*/true);
    block_terminator_.assign(text.data() + content_end,
                             text.size() - content_end);
    ++block_lines_;
    pos_ = end;
    return true;
  }
  // Not key material: the block ended with the previous line.
  EmitRaw(block_terminator_);
  block_terminator_.clear();
  in_block_ = false;
  return false;
}

void RedactionStream::AddClassifiedSpans(absl::string_view text, size_t lb,
                                         std::vector<Span>* spans) {
  const uint64_t from = text_origin_ + lb;
  const uint64_t to = text_origin_ + text.size();
  bool added = false;
  for (const StreamSpan& cs : classified_->spans()) {
    if (cs.end <= from || cs.begin >= to) continue;
    const uint64_t b = std::max(cs.begin, from);
    const uint64_t e = std::min(cs.end, to);
    spans->push_back(Span{static_cast<size_t>(b - text_origin_),
                          static_cast<size_t>(e - text_origin_),
                          redactor_.rules().classified_type(),
                          kClassifiedPriority, kClassifiedRule});
    added = true;
  }
  if (added) MergeSpans(spans);
}

bool RedactionStream::FindPartialValue(absl::string_view text, size_t lb,
                                       Partial* partial) const {
  const RuleSet& rules = redactor_.rules();
  const RuleMask& enabled = options_.enabled;
  const size_t n = text.size();
  size_t t0 = n;
  while (t0 > 0 && !IsValueDelimiter(text[t0 - 1])) --t0;
  auto first_rule_with_shape = [&](int shape, uint16_t* rule) {
    for (size_t r = 0; r < rules.rules().size(); ++r) {
      if (enabled.test(r) && (rules.rules()[r].shapes & (1u << shape))) {
        *rule = static_cast<uint16_t>(r);
        return true;
      }
    }
    return false;
  };
  auto use_rule = [&](size_t begin, uint16_t rule) {
    partial->begin = begin;
    partial->rule = rule;
    partial->type = rules.rules()[rule].type;
    return true;
  };
  if (t0 < n && n > lb) {
    // A fixed secret prefix at a token start inside the fragment.
    for (size_t q = t0; q + 1 < n; ++q) {
      if (q > t0 && (absl::ascii_isalnum(text[q - 1]) || text[q - 1] == '_')) {
        continue;
      }
      RuleMask bits;
      redactor_.finder().prefilter().LiteralsAt(text, q, &bits);
      bits &= enabled;
      for (size_t r = 0; r < rules.rules().size(); ++r) {
        if (bits.test(r)) return use_rule(q, static_cast<uint16_t>(r));
      }
    }
    absl::string_view token = text.substr(t0);
    const size_t at = token.find('@');
    const size_t scheme = token.find("://");
    uint16_t rule = 0;
    if (scheme != absl::string_view::npos &&
        token.find(':', scheme + 3) != absl::string_view::npos &&
        first_rule_with_shape(PRIVACY_SHAPE_URL_USERINFO, &rule)) {
      return use_rule(t0, rule);
    }
    if (at != absl::string_view::npos && at > 0 &&
        first_rule_with_shape(PRIVACY_SHAPE_AT_SIGN, &rule)) {
      return use_rule(t0, rule);
    }
  }
  // The value after a password- or secret-like key: "password=hun",
  // "\"token\": \"ab", "secret = 'x".
  {
    size_t v = n;
    while (v > 0 && !IsValueDelimiter(text[v - 1]) && text[v - 1] != '=' &&
           text[v - 1] != ':') {
      --v;
    }
    size_t k = v;
    if (k > 0 && (text[k - 1] == '"' || text[k - 1] == '\'')) --k;
    while (k > 0 && (text[k - 1] == ' ' || text[k - 1] == '\t')) --k;
    bool op = false;
    if (k > 1 && text[k - 1] == '>' && text[k - 2] == '=') {
      k -= 2;
      op = true;
    } else if (k > 0 && (text[k - 1] == '=' || text[k - 1] == ':')) {
      --k;
      if (k > 0 && text[k - 1] == ':') --k;
      op = true;
    }
    if (op && v < n && n > lb) {
      while (k > 0 && (text[k - 1] == ' ' || text[k - 1] == '\t')) --k;
      if (k > 0 && (text[k - 1] == '"' || text[k - 1] == '\'')) --k;
      size_t key_begin = k;
      while (key_begin > 0 && k - key_begin < 64 &&
             IsKeyChar(text[key_begin - 1])) {
        --key_begin;
      }
      absl::string_view key = text.substr(key_begin, k - key_begin);
      int best = -1;
      for (size_t r = 0; r < rules.rules().size() && !key.empty(); ++r) {
        const CompiledRule& rule = rules.rules()[r];
        if (!enabled.test(r) ||
            !(rule.shapes & (1u << PRIVACY_SHAPE_ASSIGNMENT)) ||
            rule.key_words.empty() || !rule.key_words.Matches(key)) {
          continue;
        }
        if (best < 0 || rule.priority > rules.rules()[best].priority) {
          best = static_cast<int>(r);
        }
      }
      if (best >= 0) return use_rule(v, static_cast<uint16_t>(best));
    }
  }
  // Six or more digits of what may become a card, phone or SSN number.
  size_t d = n;
  int digits = 0;
  while (d > 0) {
    const char c = text[d - 1];
    if (absl::ascii_isdigit(c)) {
      ++digits;
    } else if (c != ' ' && c != '-' && c != '.' && c != '(' && c != ')' &&
               c != '+') {
      break;
    }
    --d;
  }
  uint16_t rule = 0;
  if (digits >= 6 && n > lb &&
      first_rule_with_shape(PRIVACY_SHAPE_NUMBER, &rule)) {
    while (d < n && !absl::ascii_isdigit(text[d]) && text[d] != '+' &&
           text[d] != '(') {
      ++d;
    }
    partial->begin = d;
    partial->rule = kPartialRule;
    partial->type = rules.partial_type();
    return true;
  }
  return false;
}

void RedactionStream::EmitText(absl::string_view text, size_t from, size_t to,
                               const std::vector<Span>& spans) {
  size_t cur = from;
  for (const Span& s : spans) {
    if (s.end <= cur) continue;
    if (s.begin >= to) break;
    const size_t b = std::max(s.begin, cur);
    const size_t e = std::min(s.end, to);
    if (b > cur) EmitRaw(text.substr(cur, b - cur));
    bool continuation = false;
    if (s.type == redactor_.rules().classified_type()) {
      continuation = text_origin_ + b == last_classified_end_;
      last_classified_end_ = text_origin_ + e;
    }
    EmitRedaction(b, e, s.type, s.rule, continuation);
    cur = e;
  }
  if (to > cur) EmitRaw(text.substr(cur, to - cur));
}

void RedactionStream::EmitRaw(absl::string_view bytes) {
  if (bytes.empty()) return;
  bytes_out_ += bytes.size();
  const char* in_end = in_.data() + in_.size();
  if (bytes.data() == pending_end_ && pending_end_ + bytes.size() <= in_end) {
    pending_end_ += bytes.size();
    return;
  }
  FlushPending();
  // Bytes of the input being processed stay valid until the call returns:
  // consecutive ones are appended at once.
  if (bytes.data() >= in_.data() && bytes.data() + bytes.size() <= in_end) {
    pending_begin_ = bytes.data();
    pending_end_ = bytes.data() + bytes.size();
    return;
  }
  out_->append(bytes.data(), bytes.size());
}

void RedactionStream::FlushPending() {
  if (pending_begin_ == pending_end_) return;
  out_->append(pending_begin_, pending_end_ - pending_begin_);
  pending_begin_ = pending_end_ = nullptr;
}

void RedactionStream::EmitRedaction(size_t text_begin, size_t text_end,
                                    TypeId type, uint16_t rule,
                                    bool continuation) {
  FlushPending();
  if (!continuation) {
    const std::string& name = redactor_.type_names()[type];
    const size_t before = out_->size();
    out_->append("[REDACTED:");
    out_->append(name);
    out_->push_back(']');
    bytes_out_ += out_->size() - before;
    ++counts_[type];
  }
  if (span_sink_ == nullptr) return;
  const uint64_t b = text_origin_ + text_begin;
  const uint64_t e = text_origin_ + text_end;
  if (continuation && !span_sink_->empty()) {
    if (e > span_sink_->back().end) span_sink_->back().end = e;
    return;
  }
  absl::string_view rule_id;
  if (rule == kClassifiedRule) {
    rule_id = "classified_file";
  } else if (rule == kPartialRule) {
    rule_id = "partial";
  } else if (rule < redactor_.rules().rules().size()) {
    rule_id = redactor_.rules().rules()[rule].id;
  } else {
    rule_id =
        redactor_.rules().blocks()[rule - redactor_.rules().rules().size()].id;
  }
  span_sink_->push_back(
      SensitiveSpan{b, e, redactor_.type_names()[type], rule_id});
}

void RedactionStream::KeepContext(absl::string_view text, size_t end) {
  const size_t from = end > kContext ? end - kContext : 0;
  context_.assign(text.data() + from, end - from);
}

void RedactionStream::Commit(size_t buf_end) {
  if (buf_end == 0) return;
  buf_start_ += buf_end;
  buf_.erase(0, buf_end);
  pos_ -= buf_end;
  if (classified_ != nullptr) classified_->DropBefore(buf_start_);
}

}  // namespace forge::privacy
