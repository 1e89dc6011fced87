// The sandbox's filesystem. Runs inside the sandbox init, after it entered
// its new user and mount namespaces and holds CAP_SYS_ADMIN there; never in
// the server. Every step is fallible and returns a Status naming the path.
#ifndef FORGE_SANDBOX_MOUNTS_H_
#define FORGE_SANDBOX_MOUNTS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "sandbox/sandbox_spec.h"

namespace forge::sandbox {

// Builds a fresh root on a tmpfs mounted at `staging_dir` (an empty host
// directory every sandbox reuses as its mount point: the mount is private to
// the sandbox's namespace) and pivots into it:
//   /usr/... and the spec's other binds    read-only, nosuid, nodev
//   /bin /lib /lib64 /sbin                 symlinks into /usr, as on the host
//   /etc                                   passwd, group, hosts, nsswitch.conf
//                                          written fresh; nothing else of the
//                                          host's /etc unless bound
//   /dev                                   null zero full random urandom, fd
//   links,
//                                          shm (tmpfs)
//   /proc                                  fresh, of the sandbox's pid
//   namespace /tmp                                   tmpfs, spec.tmp_bytes,
//   spec.tmpfs_inodes /workspace                             empty mount point
//   (MountWorkspace)
// The old root is detached; the new root is remounted read-only.
absl::Status BuildRootFilesystem(const SandboxSpec& spec,
                                 const std::string& staging_dir);

// Mounts a fresh tmpfs at /workspace of `bytes` and `inodes`, owned by the
// sandbox uid, mode 0755.
absl::Status MountWorkspace(uint64_t bytes, uint64_t inodes);

// Creates each file beneath /workspace with its mode (set-id bits dropped),
// making parent directories as needed. Paths were validated by the server;
// this still refuses absolute paths, "..", and never follows a symlink.
absl::Status WriteInputFiles(const std::vector<InputFileSpec>& files);

}  // namespace forge::sandbox

#endif  // FORGE_SANDBOX_MOUNTS_H_
