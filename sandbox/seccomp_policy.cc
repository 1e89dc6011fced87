#include "sandbox/seccomp_policy.h"

#include <linux/audit.h>

#include <cstddef>
#include <cstring>
#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"

namespace forge::sandbox {
namespace {

// Where the filter finds things in struct seccomp_data (x86_64 is little
// endian: the low half of an argument comes first).
constexpr uint32_t kNrOffset = offsetof(seccomp_data, nr);
constexpr uint32_t kArchOffset = offsetof(seccomp_data, arch);
uint32_t ArgLowOffset(int index) {
  return offsetof(seccomp_data, args) + 8 * static_cast<uint32_t>(index);
}
uint32_t ArgHighOffset(int index) { return ArgLowOffset(index) + 4; }

constexpr size_t kMaxJump = 255;  // jt/jf are eight bits

sock_filter Statement(uint16_t code, uint32_t k) {
  return sock_filter{code, 0, 0, k};
}
sock_filter Jump(uint16_t code, uint32_t k, uint8_t jt, uint8_t jf) {
  return sock_filter{code, jt, jf, k};
}
sock_filter Return(const SeccompVerdict& verdict) {
  return Statement(BPF_RET | BPF_K, verdict.action());
}

// Appends "A = 32 bits at `offset`; A &= mask; if A != value goto fail",
// recording the jump so it can be pointed at the end of the case later.
void EmitCompare(std::vector<sock_filter>& out, std::vector<size_t>& to_fail,
                 uint32_t offset, uint32_t mask, uint32_t value) {
  out.push_back(Statement(BPF_LD | BPF_W | BPF_ABS, offset));
  if (mask != 0xffffffffu)
    out.push_back(Statement(BPF_ALU | BPF_AND | BPF_K, mask));
  to_fail.push_back(out.size());
  out.push_back(Jump(BPF_JMP | BPF_JEQ | BPF_K, value & mask, 0, 0));
}

// The instructions for one syscall, entered with its number matched; every
// path ends in a return.
std::vector<sock_filter> EmitRule(const std::vector<SeccompCase>& cases,
                                  const SeccompVerdict& otherwise) {
  std::vector<sock_filter> block;
  for (const SeccompCase& c : cases) {
    std::vector<size_t> to_fail;
    for (const SeccompArg& arg : c.when) {
      if (arg.wide()) {
        EmitCompare(block, to_fail, ArgHighOffset(arg.index()),
                    static_cast<uint32_t>(arg.mask() >> 32),
                    static_cast<uint32_t>(arg.value() >> 32));
      }
      EmitCompare(block, to_fail, ArgLowOffset(arg.index()),
                  static_cast<uint32_t>(arg.mask()),
                  static_cast<uint32_t>(arg.value()));
    }
    block.push_back(Return(c.verdict));
    // A failed test skips to the next case, just past this case's return.
    for (size_t at : to_fail) {
      block[at].jf = static_cast<uint8_t>(block.size() - at - 1);
    }
  }
  block.push_back(Return(otherwise));
  return block;
}

}  // namespace

SeccompVerdict SeccompVerdict::Errno(int errno_value) {
  // The kernel clamps larger values to MAX_ERRNO (4095).
  const bool valid = errno_value > 0 && errno_value <= 4095;
  return SeccompVerdict(
      SECCOMP_RET_ERRNO |
          (static_cast<uint32_t>(errno_value) & SECCOMP_RET_DATA),
      valid);
}

SeccompArg SeccompArg::MaskedEquals32(int index, uint32_t mask,
                                      uint32_t value) {
  return SeccompArg(index, mask, value, false);
}

SeccompArg SeccompArg::MaskedEquals64(int index, uint64_t mask,
                                      uint64_t value) {
  return SeccompArg(index, mask, value, true);
}

uint32_t SeccompPolicy::Evaluate(const seccomp_data& data) const {
  auto load = [&](uint32_t offset) -> uint32_t {
    uint32_t word = 0;
    if (offset + sizeof(word) <= sizeof(data)) {
      std::memcpy(&word, reinterpret_cast<const char*>(&data) + offset,
                  sizeof(word));
    }
    return word;
  };
  uint32_t a = 0;
  for (size_t pc = 0; pc < filter_.size(); ++pc) {
    const sock_filter& insn = filter_[pc];
    switch (insn.code) {
      case BPF_LD | BPF_W | BPF_ABS:
        a = load(insn.k);
        break;
      case BPF_ALU | BPF_AND | BPF_K:
        a &= insn.k;
        break;
      case BPF_JMP | BPF_JA:
        pc += insn.k;
        break;
      case BPF_JMP | BPF_JEQ | BPF_K:
        pc += (a == insn.k) ? insn.jt : insn.jf;
        break;
      case BPF_JMP | BPF_JGT | BPF_K:
        pc += (a > insn.k) ? insn.jt : insn.jf;
        break;
      case BPF_JMP | BPF_JGE | BPF_K:
        pc += (a >= insn.k) ? insn.jt : insn.jf;
        break;
      case BPF_RET | BPF_K:
        return insn.k;
      default:
        return SECCOMP_RET_KILL_PROCESS;  // never emitted
    }
  }
  return SECCOMP_RET_KILL_PROCESS;  // fell off the end: never emitted
}

void SeccompPolicyBuilder::SetError(absl::Status status) {
  if (status_.ok()) status_ = std::move(status);
}

bool SeccompPolicyBuilder::CheckVerdict(const SeccompVerdict& verdict,
                                        absl::string_view where) {
  if (verdict.valid()) return true;
  SetError(absl::InvalidArgumentError(
      absl::StrCat("errno of the verdict for ", where, " is not 1..4095")));
  return false;
}

SeccompPolicyBuilder& SeccompPolicyBuilder::On(absl::string_view syscall,
                                               SeccompVerdict verdict) {
  return OnArgs(syscall, {}, verdict);
}

SeccompPolicyBuilder& SeccompPolicyBuilder::OnArgs(
    absl::string_view syscall, std::vector<SeccompCase> cases,
    SeccompVerdict otherwise) {
  std::optional<int> nr = X86_64SyscallNumber(syscall);
  if (!nr) {
    SetError(absl::InvalidArgumentError(
        absl::StrCat("no x86_64 syscall named '", syscall, "'")));
    return *this;
  }
  if (rules_.count(*nr)) {
    SetError(absl::InvalidArgumentError(
        absl::StrCat("rule for '", syscall, "' set twice")));
    return *this;
  }
  if (!CheckVerdict(otherwise, syscall)) return *this;
  for (const SeccompCase& c : cases) {
    if (!CheckVerdict(c.verdict, syscall)) return *this;
    for (const SeccompArg& arg : c.when) {
      if (arg.index() < 0 || arg.index() > 5) {
        SetError(absl::InvalidArgumentError(absl::StrCat(
            "argument index ", arg.index(), " for '", syscall, "'")));
        return *this;
      }
    }
  }
  rules_[*nr] = Rule{std::string(syscall), std::move(cases), otherwise};
  return *this;
}

SeccompPolicyBuilder& SeccompPolicyBuilder::Default(SeccompVerdict verdict) {
  if (CheckVerdict(verdict, "syscalls without a rule")) default_ = verdict;
  return *this;
}

SeccompPolicyBuilder& SeccompPolicyBuilder::AboveHighest(
    int highest, SeccompVerdict verdict) {
  if (highest < 0 || static_cast<uint32_t>(highest) >= kX32SyscallBit) {
    SetError(absl::InvalidArgumentError(
        absl::StrCat("highest syscall number ", highest, " out of range")));
    return *this;
  }
  if (!CheckVerdict(verdict, "unknown syscall numbers")) return *this;
  highest_ = highest;
  above_highest_ = verdict;
  return *this;
}

SeccompPolicyBuilder& SeccompPolicyBuilder::ForeignAbi(SeccompVerdict verdict) {
  if (CheckVerdict(verdict, "foreign ABIs")) foreign_abi_ = verdict;
  return *this;
}

absl::StatusOr<SeccompPolicy> SeccompPolicyBuilder::TryBuild() const {
#if !defined(__x86_64__)
  return absl::UnimplementedError("seccomp policy is written for x86_64");
#endif
  if (!status_.ok()) return status_;
  std::vector<sock_filter> program = {
      // Anything but the x86_64 ABI (i386 via int $0x80) is foreign...
      Statement(BPF_LD | BPF_W | BPF_ABS, kArchOffset),
      Jump(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0),
      Return(foreign_abi_),
      // ...and so is x32, which shares the arch value but marks numbers.
      Statement(BPF_LD | BPF_W | BPF_ABS, kNrOffset),
      Jump(BPF_JMP | BPF_JGE | BPF_K, kX32SyscallBit, 0, 1),
      Return(foreign_abi_),
      Jump(BPF_JMP | BPF_JGT | BPF_K, static_cast<uint32_t>(highest_), 0, 1),
      Return(above_highest_),
  };
  bool needs_listener = foreign_abi_.is_violation() ||
                        above_highest_.is_violation() ||
                        default_.is_violation();
  // One "if nr == N" per rule; a mismatch skips the rule's block with the
  // number still in A for the next test.
  for (const auto& [nr, rule] : rules_) {
    const std::vector<sock_filter> block = EmitRule(rule.cases, rule.otherwise);
    if (block.size() > kMaxJump) {
      return absl::InvalidArgumentError(
          absl::StrCat("too many argument tests for '", rule.name, "'"));
    }
    program.push_back(Jump(BPF_JMP | BPF_JEQ | BPF_K, static_cast<uint32_t>(nr),
                           0, static_cast<uint8_t>(block.size())));
    program.insert(program.end(), block.begin(), block.end());
    needs_listener = needs_listener || rule.otherwise.is_violation();
    for (const SeccompCase& c : rule.cases) {
      needs_listener = needs_listener || c.verdict.is_violation();
    }
  }
  program.push_back(Return(default_));
  if (program.size() > BPF_MAXINSNS) {
    return absl::InvalidArgumentError(absl::StrCat(
        "filter has ", program.size(), " instructions, over ", BPF_MAXINSNS));
  }
  return SeccompPolicy(std::move(program), needs_listener);
}

}  // namespace forge::sandbox
