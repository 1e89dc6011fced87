// OutputPump reads the programs' stdout/stderr pipes on one epoll thread and
// hands each chunk to the pipe's listener. A pipe is read only while armed:
// it is disarmed after every chunk (EPOLLONESHOT) and the listener re-arms it
// once the chunk has left the server. That pause is the backpressure: a slow
// client stops the reads, the pipe fills, and the program blocks in write()
// instead of the server buffering its output.
//
// The pump also keeps one idle deadline per pipe: a listener holding back
// part of a line (the privacy filter waits for the rest of a value) asks to
// be told when the pipe has been quiet for a moment.
//
// Thread-safe. Listeners are called on the pump thread, one call at a time;
// they must not block.
#ifndef FORGE_SERVER_OUTPUT_PUMP_H_
#define FORGE_SERVER_OUTPUT_PUMP_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/unique_fd.h"

namespace forge::server {

class PipeListener {
 public:
  virtual ~PipeListener() = default;
  // A chunk read from pipe `tag`. The pipe is now disarmed.
  virtual void OnPipeData(int tag, absl::string_view data) = 0;
  // The pipe reached end of file (or failed); it has been removed and closed.
  virtual void OnPipeClosed(int tag) = 0;
  // The idle deadline set with ScheduleIdle passed.
  virtual void OnPipeIdle(int tag) = 0;
};

class OutputPump {
 public:
  // Largest chunk handed to a listener at once.
  static constexpr size_t kChunkBytes = 64 * 1024;

  static absl::StatusOr<std::unique_ptr<OutputPump>> Create();
  // Stops the thread; pipes still registered are closed without callbacks.
  ~OutputPump();

  // Takes ownership of the read end `fd` (made non-blocking here) and starts
  // reading it (armed). The pump keeps `listener` alive while the pipe is
  // registered. Returns a handle for the calls below.
  absl::StatusOr<uint64_t> Add(UniqueFd fd, int tag,
                               std::shared_ptr<PipeListener> listener);

  // Re-arms a pipe after its chunk was consumed. No-op for a removed handle.
  void Arm(uint64_t handle);

  // Calls OnPipeIdle at `when` (replacing an earlier deadline), unless
  // CancelIdle or Remove comes first — or the pipe then still has bytes or
  // its end unread (the program did not pause; output waits on the reader),
  // in which case the deadline is dropped and the listener, which sees those
  // bytes next, may schedule a new one.
  void ScheduleIdle(uint64_t handle, absl::Time when);
  void CancelIdle(uint64_t handle);

  // Stops reading a pipe and closes it; no callback follows. Idempotent.
  void Remove(uint64_t handle);

 private:
  struct Pipe {
    // Shared so a read in progress keeps the descriptor open even if the
    // pipe is removed meanwhile (its number cannot be reused under us).
    std::shared_ptr<UniqueFd> fd;
    int tag;
    std::shared_ptr<PipeListener> listener;
    absl::Time idle_at = absl::InfiniteFuture();
  };

  OutputPump(UniqueFd epoll, UniqueFd wake);
  void Loop();
  void ReadOne(uint64_t handle);
  void FireIdle();
  void Kick();

  UniqueFd epoll_;
  UniqueFd wake_;  // eventfd: a new idle deadline, or shutdown
  std::atomic<bool> stopping_{false};
  std::thread thread_;
  absl::Mutex mutex_;
  uint64_t next_handle_ ABSL_GUARDED_BY(mutex_) = 1;
  absl::flat_hash_map<uint64_t, Pipe> pipes_ ABSL_GUARDED_BY(mutex_);
  absl::Time next_idle_ ABSL_GUARDED_BY(mutex_) = absl::InfiniteFuture();
};

}  // namespace forge::server

#endif  // FORGE_SERVER_OUTPUT_PUMP_H_
