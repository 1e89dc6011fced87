// Benchmark of CARS assessments on one core: latency (p50, p99) and
// assessments per second for inputs of 1 KB, 4 KB, 16 KB and 1 MB per
// language, built by concatenating the development set's snippets (benign
// and risky alike) up to the size. Per-KB cost shows whether time stays
// linear in input size.
//
//   cars_bench [--rules PATH] [--data DIR] [--seconds S] [--threads N]
//              [--only LANGUAGE] [--sizes KB,KB,...]
//
// Defaults: $FORGE_SOURCE_DIR (or .)/deploy/cars/rules.textproto and
// tests/cars/data; S = 1 second of assessments per cell. Latency is the
// calling thread's CPU time per Assess call on a warmed-up assessor (the
// development machines are shared, so wall time measures the neighbours);
// with --threads N > 1 a last table reports wall-clock throughput with N
// threads sharing one Assessor.
#include <time.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "cars/assessor.h"
#include "cars/rules_file.h"
#include "nlohmann/json.hpp"

namespace {

using Clock = std::chrono::steady_clock;

double ThreadCpuMicros() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

// All snippets of one language, concatenated.
std::string Corpus(const std::string& data_dir, const std::string& language) {
  std::ifstream labels(data_dir + "/labels.jsonl");
  std::string line;
  std::string corpus;
  while (std::getline(labels, line)) {
    if (line.empty()) continue;
    const auto label = nlohmann::json::parse(line);
    std::string runtime = label["runtime"];
    if (runtime == "typescript") runtime = "javascript";
    if (runtime != language) continue;
    corpus += ReadFile(data_dir + "/" + label["file"].get<std::string>());
    corpus += "\n";
  }
  return corpus;
}

// `size` bytes of the corpus, repeated as needed, cut at a line end.
std::string Input(const std::string& corpus, size_t size) {
  std::string out;
  while (out.size() < size) out += corpus;
  size_t cut = out.rfind('\n', size);
  if (cut == std::string::npos || cut < size / 2) cut = size;
  out.resize(cut);
  return out;
}

struct Result {
  double p50_us;
  double p99_us;
  double per_second;
};

Result Measure(const forge::cars::Assessor& assessor,
               const std::string& runtime, const std::string& code,
               double seconds) {
  forge::cars::AssessmentInput input;
  input.runtime = runtime;
  input.code = code;
  for (int i = 0; i < 3; ++i) (void)assessor.Assess(input);  // warm up
  std::vector<double> samples;
  const auto start = Clock::now();
  while (
      samples.size() < 20 ||
      (std::chrono::duration<double>(Clock::now() - start).count() < seconds &&
       samples.size() < 200000)) {
    const double t0 = ThreadCpuMicros();
    auto result = assessor.Assess(input);
    const double t1 = ThreadCpuMicros();
    if (!result.ok()) {
      std::fprintf(stderr, "assess failed: %s\n",
                   std::string(result.status().message()).c_str());
      std::exit(1);
    }
    samples.push_back(t1 - t0);
  }
  std::sort(samples.begin(), samples.end());
  double total = 0;
  for (double s : samples) total += s;
  return Result{samples[samples.size() / 2], samples[samples.size() * 99 / 100],
                1e6 * static_cast<double>(samples.size()) / total};
}

}  // namespace

int main(int argc, char** argv) {
  const char* source = std::getenv("FORGE_SOURCE_DIR");
  const std::string root = source != nullptr ? source : ".";
  std::string rules_path = root + "/deploy/cars/rules.textproto";
  std::string data_dir = root + "/tests/cars/data";
  double seconds = 1.0;
  int threads = 1;
  std::string only;
  std::vector<size_t> sizes = {1 << 10, 4 << 10, 16 << 10, 1 << 20};
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--rules") rules_path = argv[i + 1];
    if (flag == "--data") data_dir = argv[i + 1];
    if (flag == "--seconds") seconds = std::atof(argv[i + 1]);
    if (flag == "--threads") threads = std::atoi(argv[i + 1]);
    if (flag == "--only") only = argv[i + 1];
    if (flag == "--sizes") {
      sizes.clear();
      for (absl::string_view kb : absl::StrSplit(argv[i + 1], ',')) {
        sizes.push_back(static_cast<size_t>(std::atoi(std::string(kb).c_str()))
                        << 10);
      }
    }
  }
  auto rules = forge::cars::LoadRuleSetFile(rules_path);
  if (!rules.ok()) {
    std::fprintf(stderr, "%s\n", std::string(rules.status().message()).c_str());
    return 2;
  }
  auto assessor =
      forge::cars::Assessor::Create(*rules, forge::exec::v1::CarsPolicy());
  if (!assessor.ok()) {
    std::fprintf(stderr, "%s\n",
                 std::string(assessor.status().message()).c_str());
    return 2;
  }
  std::printf("CARS assessments, one thread, %zu rules\n",
              static_cast<size_t>(rules->rules_size()));
  std::printf("%-11s %8s %10s %10s %12s %10s\n", "language", "size", "p50 us",
              "p99 us", "assess/s", "us/KB p50");
  for (const std::string language : {"python", "javascript", "bash"}) {
    if (!only.empty() && language != only) continue;
    const std::string corpus = Corpus(data_dir, language);
    if (corpus.empty()) {
      std::fprintf(stderr, "no %s snippets in %s\n", language.c_str(),
                   data_dir.c_str());
      return 2;
    }
    for (size_t size : sizes) {
      const std::string code = Input(corpus, size);
      const Result r = Measure(**assessor, language, code, seconds);
      std::printf("%-11s %7zuK %10.1f %10.1f %12.1f %10.2f\n", language.c_str(),
                  size >> 10, r.p50_us, r.p99_us, r.per_second,
                  r.p50_us / (static_cast<double>(code.size()) / 1024));
    }
  }
  if (threads > 1) {
    const std::string code = Input(Corpus(data_dir, "python"), 4 << 10);
    forge::cars::AssessmentInput input;
    input.runtime = "python";
    input.code = code;
    std::atomic<long> done{0};
    std::atomic<bool> stop{false};
    std::vector<std::thread> pool;
    const auto start = Clock::now();
    for (int t = 0; t < threads; ++t) {
      pool.emplace_back([&] {
        while (!stop.load()) {
          (void)(*assessor)->Assess(input);
          done.fetch_add(1);
        }
      });
    }
    std::this_thread::sleep_for(std::chrono::duration<double>(seconds * 2));
    stop = true;
    for (auto& th : pool) th.join();
    const double elapsed =
        std::chrono::duration<double>(Clock::now() - start).count();
    std::printf(
        "\n%d threads sharing one Assessor, 4 KB python: %.1f assessments/s\n",
        threads, done.load() / elapsed);
  }
  return 0;
}
