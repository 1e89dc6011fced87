// The end of a warm Python program behaves as the end of the same program
// started cold (warm_vs_cold.h runs each script both ways and compares). The
// warm runner leaves out most of the interpreter's own finalization
// (warm_runner.cc); these are the parts it must keep. Needs root (id maps);
// skips otherwise.
#include <csignal>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/sandbox/warm_vs_cold.h"

namespace forge::sandbox {
namespace {

using ::testing::HasSubstr;

class WarmExitTest : public WarmVsColdTest {
 protected:
  void SetUp() override {
    // No PYTHONUNBUFFERED: stdout to a pipe is block-buffered, so what is
    // still buffered at the end must be flushed by the exit.
    runtime_ = {"/usr/bin/python3",
                {"-B"},
                "/workspace/main.py",
                {"PATH=/usr/bin:/bin", "HOME=/workspace", "LANG=C.UTF-8"},
                {}};
    WarmVsColdTest::SetUp();
  }
};

TEST_F(WarmExitTest, BufferedOutputIsFlushed) {
  Observed cold = RunBoth(
      "import sys\n"
      "print('out', end='')\n"
      "sys.stderr.write('err')\n");
  EXPECT_EQ(cold.exit_code, 0);
  EXPECT_EQ(cold.out, "out");
  EXPECT_EQ(cold.err, "err");
}

TEST_F(WarmExitTest, AtexitHandlersRunInReverseOrderAfterTheProgram) {
  Observed cold = RunBoth(
      "import atexit\n"
      "atexit.register(print, 'registered first')\n"
      "atexit.register(print, 'registered second')\n"
      "print('program')\n");
  EXPECT_EQ(cold.out, "program\nregistered second\nregistered first\n");
}

TEST_F(WarmExitTest, NonDaemonThreadsAreJoined) {
  Observed cold = RunBoth(
      "import threading, time\n"
      "def work():\n"
      "    time.sleep(0.2)\n"
      "    print('thread done')\n"
      "threading.Thread(target=work).start()\n"
      "import atexit\n"
      "atexit.register(print, 'atexit after the join')\n"
      "print('main done')\n");
  EXPECT_EQ(cold.out, "main done\nthread done\natexit after the join\n");
}

TEST_F(WarmExitTest, FilesLeftOpenReachTheirFiles) {
  Observed cold = RunBoth(
      "import gzip, zipfile\n"
      "kept = open('global.txt', 'w')\n"
      "kept.write('global ' * 10)\n"
      "class Holder:\n"  // a class is always part of a reference cycle
      "    file = open('cycle.txt', 'w')\n"
      "Holder.file.write('in a cycle')\n"
      "def leave_open():\n"
      "    leave_open.f = open('attribute.txt', 'w')\n"
      "    leave_open.f.write('on a function')\n"
      "leave_open()\n"
      "import json\n"
      "json.kept = open('other_module.txt', 'w')\n"
      "json.kept.write('stored in a module')\n"
      "archive = zipfile.ZipFile('left.zip', 'w')\n"
      "archive.writestr(zipfile.ZipInfo('a.txt', (1980, 1, 1, 0, 0, 0)), 'z')\n"
      "packed = gzip.GzipFile('left.gz', 'wb', mtime=0)\n"
      "packed.write(b'gzipped')\n");
  EXPECT_EQ(cold.exit_code, 0) << cold.err;
  ASSERT_EQ(cold.files.size(), 6u);
  EXPECT_EQ(cold.files[0], std::make_pair(std::string("attribute.txt"),
                                          std::string("on a function")));
  EXPECT_EQ(cold.files[1], std::make_pair(std::string("cycle.txt"),
                                          std::string("in a cycle")));
  std::string global;
  for (int i = 0; i < 10; ++i) global += "global ";
  EXPECT_EQ(cold.files[2], std::make_pair(std::string("global.txt"), global));
  EXPECT_EQ(cold.files[3].first, "left.gz");
  EXPECT_EQ(cold.files[4].first, "left.zip");
  EXPECT_EQ(cold.files[5], std::make_pair(std::string("other_module.txt"),
                                          std::string("stored in a module")));
}

TEST_F(WarmExitTest, FinalizersOfTheProgramsObjectsRun) {
  Observed cold = RunBoth(
      "class Noisy:\n"
      "    def __del__(self):\n"
      "        print('finalized', self.name)\n"
      "a = Noisy(); a.name = 'global'\n"
      "b = Noisy(); b.name = 'cycle'; b.me = b\n");
  EXPECT_THAT(cold.out, HasSubstr("finalized global\n"));
  EXPECT_THAT(cold.out, HasSubstr("finalized cycle\n"));
}

TEST_F(WarmExitTest, SystemExitCodes) {
  EXPECT_EQ(RunBoth("import sys\nsys.exit(3)\n").exit_code, 3);
  EXPECT_EQ(RunBoth("import sys\nsys.exit()\n").exit_code, 0);
  EXPECT_EQ(RunBoth("import sys\nsys.exit(True)\n").exit_code, 1);
  EXPECT_EQ(RunBoth("import sys\nsys.exit(-1)\n").exit_code, 255);
  EXPECT_EQ(RunBoth("raise SystemExit(2**70)\n").termination,
            Termination::kExited);
  Observed message = RunBoth(
      "import sys, atexit\n"
      "atexit.register(print, 'handler', file=sys.stderr)\n"
      "print('before', end='')\n"
      "sys.exit('the message')\n");
  EXPECT_EQ(message.exit_code, 1);
  EXPECT_EQ(message.out, "before");
  EXPECT_EQ(message.err, "the message\nhandler\n");
  Observed object = RunBoth("raise SystemExit(['not', 'a', 'code'])\n");
  EXPECT_EQ(object.exit_code, 1);
  EXPECT_EQ(object.err, "['not', 'a', 'code']\n");
}

TEST_F(WarmExitTest, UncaughtExceptionPrintsItsTracebackAndExitsWith1) {
  Observed cold = RunBoth(
      "import atexit, sys\n"
      "atexit.register(lambda: print('last:', repr(sys.last_value)))\n"
      "print('before', end='')\n"
      "def fail():\n"
      "    raise ValueError('boom')\n"
      "fail()\n");
  EXPECT_EQ(cold.exit_code, 1);
  EXPECT_EQ(cold.out, "beforelast: ValueError('boom')\n");
  EXPECT_EQ(cold.err,
            "Traceback (most recent call last):\n"
            "  File \"/workspace/main.py\", line 6, in <module>\n"
            "    fail()\n"
            "  File \"/workspace/main.py\", line 5, in fail\n"
            "    raise ValueError('boom')\n"
            "ValueError: boom\n");
}

TEST_F(WarmExitTest, KeyboardInterruptEndsTheProgramBySigint) {
  Observed cold = RunBoth(
      "import atexit\n"
      "atexit.register(print, 'handler')\n"
      "raise KeyboardInterrupt\n");
  EXPECT_EQ(cold.termination, Termination::kSignaled);
  EXPECT_EQ(cold.signal, SIGINT);
  EXPECT_EQ(cold.out, "handler\n");
  EXPECT_THAT(cold.err, HasSubstr("KeyboardInterrupt\n"));
}

TEST_F(WarmExitTest, AnExceptionInAnAtexitHandlerIsReportedAndIgnored) {
  Observed cold = RunBoth(
      "import atexit\n"
      "def broken():\n"
      "    raise RuntimeError('in handler')\n"
      "atexit.register(print, 'still runs')\n"
      "atexit.register(broken)\n"
      "print('program')\n");
  EXPECT_EQ(cold.exit_code, 0);
  EXPECT_EQ(cold.out, "program\nstill runs\n");
  EXPECT_THAT(cold.err,
              HasSubstr("Exception ignored in atexit callback: <function "
                        "broken at 0x?>\n"));
  EXPECT_THAT(cold.err, HasSubstr("RuntimeError: in handler\n"));
}

}  // namespace
}  // namespace forge::sandbox
