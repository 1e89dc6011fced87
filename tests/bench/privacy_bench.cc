// Benchmark of the privacy filter on one core: throughput on (a) typical
// program output with no sensitive data and (b) a dense corpus (every record
// carries a value to redact), each against a raw memchr scan of the same
// bytes; and the latency the filter adds to interactive output.
//
//   privacy_bench [--mb N] [--rounds N] [--data DIR] [--only a|b]
//
// N MB of each corpus (default 32) are fed through a RedactionStream in
// 64 KiB chunks (a pipe read), `rounds` times (default 5); the best round
// is reported, timed both by the thread's CPU clock (the figure that means
// something on a shared, loaded machine: time other processes take from
// the core is not counted) and by the wall clock, with the load average
// at the start of the run. DIR (default
// $FORGE_SOURCE_DIR/tests/privacy/data, else
// ./tests/privacy/data) holds positives.jsonl, the source of (b).
//
// Latency: a writer thread writes one line every 100 ms into a pipe; the
// reader polls it (with the idle-release timer while bytes are held), feeds
// the stream and timestamps the moment the line's redacted bytes are out.
// Reported: write → out with the filter, minus the same path without it.
// A second run writes a prompt without a newline, which only the idle
// release lets out.
#include <fcntl.h>
#include <poll.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <memory>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "nlohmann/json.hpp"
#include "server/privacy/redactor.h"

namespace forge::privacy {
namespace {

using Clock = std::chrono::steady_clock;

// CPU time of this thread: throughput is per core, and other processes on
// a shared machine then slow the clock less than they slow the wall.
double ThreadCpuSeconds() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

// ---------------------------------------------------------------------------
// Corpus (a): typical output without sensitive data.
// ---------------------------------------------------------------------------

std::string TypicalCorpus(size_t bytes) {
  std::mt19937_64 rng(42);
  auto pick = [&](std::initializer_list<const char*> l) {
    return *(l.begin() + rng() % l.size());
  };
  auto hex = [&](int n) {
    std::string s;
    for (int i = 0; i < n; ++i) s.push_back("0123456789abcdef"[rng() % 16]);
    return s;
  };
  auto ts = [&]() {
    return absl::StrFormat("2024-%02d-%02dT%02d:%02d:%02d.%03dZ",
                           1 + rng() % 12, 1 + rng() % 28, rng() % 24,
                           rng() % 60, rng() % 60, rng() % 1000);
  };
  std::string out;
  out.reserve(bytes + 512);
  while (out.size() < bytes) {
    switch (rng() % 12) {
      case 0:
        absl::StrAppendFormat(
            &out, "%s %s [%s] processed batch %d of %d in %.3f ms (rows=%d)\n",
            ts(), pick({"INFO", "DEBUG", "WARN"}),
            pick({"worker-1", "ingest", "scheduler", "api"}), rng() % 5000,
            5000 + rng() % 5000, (rng() % 100000) / 1000.0, rng() % 100000);
        break;
      case 1:
        absl::StrAppendFormat(
            &out,
            "{\"ts\":\"%s\",\"level\":\"info\",\"msg\":\"request done\","
            "\"method\":\"%s\",\"path\":\"/api/v1/items/%d\",\"status\":%d,"
            "\"duration_ms\":%.2f,\"request_id\":\"%s-%s-%s-%s-%s\"}\n",
            ts(), pick({"GET", "POST", "PUT"}), rng() % 100000,
            pick({"200", "201", "404"}) == std::string("404") ? 404 : 200,
            (rng() % 10000) / 100.0, hex(8), hex(4), hex(4), hex(4), hex(12));
        break;
      case 2:
        absl::StrAppendFormat(
            &out, "tests/test_%s.py::test_%s[case-%d] %s [%3d%%]\n",
            pick({"parser", "models", "api", "cache"}),
            pick({"roundtrip", "empty_input", "unicode", "large_batch"}),
            rng() % 50, pick({"PASSED", "PASSED", "SKIPPED"}), rng() % 101);
        break;
      case 3:
        absl::StrAppendFormat(&out,
                              "src/%s.c:%d:%d: warning: unused variable '%s' "
                              "[-Wunused-variable]\n",
                              pick({"main", "parser", "util/hash", "net/io"}),
                              rng() % 2000, rng() % 80,
                              pick({"tmp", "len", "rc", "buf"}));
        break;
      case 4:
        absl::StrAppendFormat(
            &out, "  File \"/usr/lib/python3.11/%s.py\", line %d, in %s\n",
            pick({"json/decoder", "asyncio/base_events", "subprocess"}),
            rng() % 2000, pick({"decode", "run_until_complete", "_execute"}));
        break;
      case 5:
        absl::StrAppendFormat(&out, "%d,%.4f,%.4f,%s,%d\n", rng() % 100000,
                              (rng() % 10000) / 10000.0,
                              (rng() % 10000) / 10000.0,
                              pick({"ok", "retry", "skip"}), rng() % 1000);
        break;
      case 6:
        absl::StrAppendFormat(
            &out, "epoch %d/%d - loss: %.4f - acc: %.4f - val_loss: %.4f\n",
            1 + rng() % 50, 50, (rng() % 10000) / 10000.0,
            (rng() % 10000) / 10000.0, (rng() % 10000) / 10000.0);
        break;
      case 7:
        absl::StrAppendFormat(&out, "commit %s\n%s %s\n", hex(40), hex(7),
                              pick({"fix: handle empty input",
                                    "chore(deps): bump requests to 2.31.0",
                                    "docs: update README"}));
        break;
      case 8:
        absl::StrAppendFormat(
            &out, "Successfully installed %s-%d.%d.%d %s-%d.%d.%d\n",
            pick({"numpy", "requests", "urllib3"}), rng() % 3, rng() % 30,
            rng() % 20, pick({"idna", "certifi", "pydantic"}), rng() % 3,
            rng() % 30, rng() % 20);
        break;
      case 9:
        absl::StrAppendFormat(&out, "| %-24s | %8d | %6.2f%% | %s |\n",
                              pick({"web-7d9f8c6b5-x2k4p", "db-0", "cache-1"}),
                              rng() % 100000, (rng() % 10000) / 100.0,
                              pick({"Running", "Pending", "Completed"}));
        break;
      case 10:
        absl::StrAppendFormat(&out, "sha256:%s  dist/%s-%d.%d.%d.tar.gz\n",
                              hex(64), pick({"app", "lib", "tool"}), rng() % 5,
                              rng() % 20, rng() % 20);
        break;
      default:
        absl::StrAppendFormat(
            &out, "[%s] %s: %s /home/runner/work/app/%s (%d bytes)\n", ts(),
            pick({"copy", "write", "read"}), pick({"saved", "loaded", "ok"}),
            pick({"build/out.bin", "data/input.csv", "logs/run.log"}),
            rng() % 1000000);
        break;
    }
  }
  return out;
}

// ---------------------------------------------------------------------------
// Corpus (b): the evaluation positives, every record with a value.
// ---------------------------------------------------------------------------

std::string DenseCorpus(const std::string& dir, size_t bytes) {
  std::ifstream in(dir + "/positives.jsonl");
  if (!in) {
    std::fprintf(stderr, "cannot read %s/positives.jsonl\n", dir.c_str());
    std::exit(2);
  }
  std::vector<std::string> texts;
  std::string line;
  size_t total = 0;
  while (std::getline(in, line)) {
    texts.push_back(nlohmann::json::parse(line)["text"].get<std::string>() +
                    "\n");
    total += texts.back().size();
  }
  std::string out;
  out.reserve(bytes + total);
  while (out.size() < bytes) {
    for (const std::string& t : texts) out += t;
  }
  return out;
}

// ---------------------------------------------------------------------------
// Throughput
// ---------------------------------------------------------------------------

constexpr size_t kChunk = 64 * 1024;

double WallSeconds() {
  return std::chrono::duration<double>(Clock::now().time_since_epoch()).count();
}

// Best round of a throughput run, by each clock (the rounds need not be the
// same one).
struct Rate {
  double cpu_mbps = 0;
  double wall_mbps = 0;
};

double MemchrMBps(const std::string& data, int rounds) {
  double best = 0;
  volatile size_t sink = 0;
  for (int r = 0; r < rounds; ++r) {
    const double t0 = ThreadCpuSeconds();
    size_t lines = 0;
    for (size_t off = 0; off < data.size(); off += kChunk) {
      const char* p = data.data() + off;
      const char* end = p + std::min(kChunk, data.size() - off);
      while ((p = static_cast<const char*>(std::memchr(p, '\n', end - p)))) {
        ++lines;
        ++p;
      }
    }
    sink = sink + lines;
    best = std::max(best, data.size() / 1e6 / (ThreadCpuSeconds() - t0));
  }
  return best;
}

struct FilterResult {
  Rate rate;
  uint64_t redactions = 0;
  size_t out_bytes = 0;
};

FilterResult FilterMBps(const Redactor& redactor, const std::string& data,
                        int rounds) {
  FilterResult result;
  std::string out;
  out.reserve(kChunk * 2);
  for (int r = 0; r < rounds; ++r) {
    auto stream = redactor.NewStream(redactor.DefaultOptions());
    size_t out_bytes = 0;
    const double w0 = WallSeconds();
    const double t0 = ThreadCpuSeconds();
    for (size_t off = 0; off < data.size(); off += kChunk) {
      out.clear();
      stream->Feed(absl::string_view(data).substr(off, kChunk), &out);
      out_bytes += out.size();
    }
    out.clear();
    stream->Flush(&out);
    out_bytes += out.size();
    const double mbps = data.size() / 1e6 / (ThreadCpuSeconds() - t0);
    const double wall = data.size() / 1e6 / (WallSeconds() - w0);
    result.rate.wall_mbps = std::max(result.rate.wall_mbps, wall);
    if (mbps > result.rate.cpu_mbps) {
      result.rate.cpu_mbps = mbps;
      result.redactions = stream->redaction_count();
      result.out_bytes = out_bytes;
    }
  }
  return result;
}

// ---------------------------------------------------------------------------
// Interactive latency
// ---------------------------------------------------------------------------

struct LatencyStats {
  double p50_us = 0;
  double max_us = 0;
};

LatencyStats Summarize(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return LatencyStats{v[v.size() / 2], v.back()};
}

// Writes `lines` lines (or prompts, without '\n') 100 ms apart through a
// pipe; returns write → redacted-out latencies (µs). `redactor` null: the
// same loop without the filter.
std::vector<double> MeasureLatency(const Redactor* redactor, int lines,
                                   bool newline) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) {
    std::perror("pipe2");
    std::exit(1);
  }
  std::vector<Clock::time_point> written(lines);
  std::atomic<int> sent{0};
  std::thread writer([&] {
    for (int i = 0; i < lines; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      const std::string line =
          absl::StrFormat("%s step %d of %d: loss=0.%04d%s",
                          newline ? "progress" : "Enter value", i, lines,
                          i * 37 % 10000, newline ? "\n" : ": ");
      written[i] = Clock::now();
      sent.store(i + 1);
      if (write(fds[1], line.data(), line.size()) < 0) std::abort();
    }
    close(fds[1]);
  });
  std::unique_ptr<RedactionStream> stream;
  if (redactor != nullptr)
    stream = redactor->NewStream(redactor->DefaultOptions());
  const int idle_ms =
      redactor != nullptr
          ? std::max<int>(1,
                          absl::ToInt64Milliseconds(redactor->idle_release()))
          : 1;
  std::vector<double> latencies;
  char buf[kChunk];
  std::string out;
  int delivered = 0;
  for (;;) {
    pollfd pfd{fds[0], POLLIN, 0};
    const bool held = stream != nullptr && stream->held_bytes() > 0;
    const int ready = poll(&pfd, 1, held ? idle_ms : -1);
    out.clear();
    if (ready == 0) {
      stream->ReleaseHeld(&out);
    } else {
      const ssize_t n = read(fds[0], buf, sizeof(buf));
      if (n <= 0) break;
      if (stream != nullptr) {
        stream->Feed(absl::string_view(buf, n), &out);
      } else {
        out.assign(buf, n);
      }
    }
    if (!out.empty() && delivered < sent.load()) {
      latencies.push_back(std::chrono::duration<double, std::micro>(
                              Clock::now() - written[delivered])
                              .count());
      ++delivered;
    }
  }
  writer.join();
  close(fds[0]);
  return latencies;
}

int Main(int argc, char** argv) {
  size_t mb = 32;
  int rounds = 5;
  std::string only;
  const char* root = std::getenv("FORGE_SOURCE_DIR");
  std::string dir =
      std::string(root != nullptr ? root : ".") + "/tests/privacy/data";
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--mb") == 0) {
      mb = std::strtoul(argv[i + 1], nullptr, 10);
    } else if (std::strcmp(argv[i], "--rounds") == 0) {
      rounds = std::atoi(argv[i + 1]);
    } else if (std::strcmp(argv[i], "--data") == 0) {
      dir = argv[i + 1];
    } else if (std::strcmp(argv[i], "--only") == 0) {
      only = argv[i + 1];  // profiling one corpus; no latency runs
    }
  }
  auto redactor = Redactor::CreateFromConfig({});
  if (!redactor.ok()) {
    std::fprintf(stderr, "%s\n", redactor.status().ToString().c_str());
    return 1;
  }
  const std::string typical = TypicalCorpus(mb << 20);
  const std::string dense = DenseCorpus(dir, mb << 20);

  double load[3] = {0, 0, 0};
  if (getloadavg(load, 3) != 3) load[0] = load[1] = load[2] = -1;
  std::printf(
      "privacy filter, one core, %zu MB per corpus, %d KiB chunks, "
      "best of %d; load average %.2f %.2f %.2f\n"
      "MB/s by the thread's CPU time (cpu) and by the wall clock (wall); "
      "ratio = memchr / filter, by CPU time\n\n",
      mb, static_cast<int>(kChunk / 1024), rounds, load[0], load[1], load[2]);
  std::printf("%-34s %11s %11s %11s %7s %11s\n", "corpus", "filter cpu",
              "filter wall", "memchr cpu", "ratio", "redactions");
  for (const auto& [name, data] :
       {std::pair<const char*, const std::string*>{
            "(a) typical, no sensitive data", &typical},
        {"(b) dense (every record a value)", &dense}}) {
    if (!only.empty() && name[1] != only[0]) continue;
    const double raw = MemchrMBps(*data, rounds);
    const FilterResult f = FilterMBps(**redactor, *data, rounds);
    std::printf("%-34s %6.0f MB/s %6.0f MB/s %6.0f MB/s %6.1fx %11llu\n", name,
                f.rate.cpu_mbps, f.rate.wall_mbps, raw, raw / f.rate.cpu_mbps,
                static_cast<unsigned long long>(f.redactions));
  }

  if (!only.empty()) return 0;
  const int kLines = 20;
  std::printf("\ninteractive output, one line every 100 ms (%d lines):\n",
              kLines);
  const LatencyStats base = Summarize(MeasureLatency(nullptr, kLines, true));
  const LatencyStats with =
      Summarize(MeasureLatency(redactor->get(), kLines, true));
  std::printf(
      "  line with newline: pipe alone p50 %.0f us max %.0f us; "
      "filtered p50 %.0f us max %.0f us; added p50 %.0f us\n",
      base.p50_us, base.max_us, with.p50_us, with.max_us,
      with.p50_us - base.p50_us);
  const LatencyStats prompt =
      Summarize(MeasureLatency(redactor->get(), kLines, false));
  std::printf(
      "  prompt without newline (idle release %.1f ms): p50 %.0f us "
      "max %.0f us\n",
      absl::ToDoubleMilliseconds((*redactor)->idle_release()), prompt.p50_us,
      prompt.max_us);
  return 0;
}

}  // namespace
}  // namespace forge::privacy

int main(int argc, char** argv) { return forge::privacy::Main(argc, argv); }
