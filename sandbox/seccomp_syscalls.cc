#include "sandbox/seccomp_syscalls.h"

#include <linux/audit.h>
#include <seccomp.h>

#include <cstdlib>

#include "absl/strings/str_cat.h"

namespace forge::sandbox {
namespace {

// x86_64 syscalls newer than the libseccomp this is built with (2.5.4
// stops at futex_requeue, 456).
struct NewSyscall {
  int nr;
  const char* name;
};
constexpr NewSyscall kNewerSyscalls[] = {
    {451, "cachestat"},         {452, "fchmodat2"},
    {453, "map_shadow_stack"},  {454, "futex_wake"},
    {455, "futex_wait"},        {456, "futex_requeue"},
    {457, "statmount"},         {458, "listmount"},
    {459, "lsm_get_self_attr"}, {460, "lsm_set_self_attr"},
    {461, "lsm_list_modules"},  {462, "mseal"},
    {463, "setxattrat"},        {464, "getxattrat"},
    {465, "listxattrat"},       {466, "removexattrat"},
    {467, "open_tree_attr"},    {468, "file_getattr"},
    {469, "file_setattr"},
};

// libseccomp's name for `nr`, or empty.
std::string ResolveWithLibseccomp(uint32_t arch, int nr) {
  char* name = seccomp_syscall_resolve_num_arch(arch, nr);
  if (name == nullptr) return "";
  std::string result(name);
  std::free(name);
  return result;
}

}  // namespace

std::string SeccompSyscallName(uint32_t audit_arch, int nr) {
  std::string prefix;
  std::string name;
  if (audit_arch == AUDIT_ARCH_X86_64 &&
      (static_cast<uint32_t>(nr) & kX32SyscallBit) != 0) {
    prefix = "x32:";
    name = ResolveWithLibseccomp(SCMP_ARCH_X32, nr);
  } else if (audit_arch == AUDIT_ARCH_X86_64) {
    name = ResolveWithLibseccomp(SCMP_ARCH_X86_64, nr);
    for (const NewSyscall& syscall : kNewerSyscalls) {
      if (name.empty() && syscall.nr == nr) name = syscall.name;
    }
  } else if (audit_arch == AUDIT_ARCH_I386) {
    prefix = "i386:";
    name = ResolveWithLibseccomp(SCMP_ARCH_X86, nr);
  } else {
    prefix = absl::StrCat("arch_", absl::Hex(audit_arch), ":");
  }
  if (name.empty()) name = absl::StrCat("syscall_", nr);
  return prefix + name;
}

std::optional<int> X86_64SyscallNumber(absl::string_view name) {
  const std::string n(name);
  for (const NewSyscall& syscall : kNewerSyscalls) {
    if (n == syscall.name) return syscall.nr;
  }
  const int nr = seccomp_syscall_resolve_name_arch(SCMP_ARCH_X86_64, n.c_str());
  // Negative numbers are libseccomp's pseudo-syscalls for other ABIs.
  if (nr < 0) return std::nullopt;
  return nr;
}

}  // namespace forge::sandbox
