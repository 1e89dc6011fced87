// The server as an operator and a tool see it: health, reflection-based
// discovery (what grpcurl does), the CLI, and the SIGTERM drain.
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <thread>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/descriptor.pb.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "reflection_v1alpha.grpc.pb.h"
#include "tests/integration/server_process.h"

namespace forge::testing {
namespace {

using ::testing::Contains;
using ::testing::HasSubstr;

class LifecycleTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0)
      GTEST_SKIP() << "needs root to create sandboxes with mapped ids";
    auto server = ServerProcess::Start();
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = std::move(*server);
    channel_ = grpc::CreateChannel(server_->address(),
                                   grpc::InsecureChannelCredentials());
  }

  grpc::health::v1::HealthCheckResponse::ServingStatus Health(
      const std::string& service) {
    auto stub = grpc::health::v1::Health::NewStub(channel_);
    grpc::ClientContext context;
    grpc::health::v1::HealthCheckRequest request;
    request.set_service(service);
    grpc::health::v1::HealthCheckResponse response;
    grpc::Status status = stub->Check(&context, request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response.status();
  }

  std::unique_ptr<ServerProcess> server_;
  std::shared_ptr<grpc::Channel> channel_;
};

TEST_F(LifecycleTest, HealthIsServing) {
  EXPECT_EQ(Health(""), grpc::health::v1::HealthCheckResponse::SERVING);
  EXPECT_EQ(Health("forge.exec.v1.ExecutionService"),
            grpc::health::v1::HealthCheckResponse::SERVING);
}

TEST_F(LifecycleTest, ReflectionDescribesTheApi) {
  auto stub = grpc::reflection::v1alpha::ServerReflection::NewStub(channel_);
  grpc::ClientContext context;
  auto stream = stub->ServerReflectionInfo(&context);
  grpc::reflection::v1alpha::ServerReflectionRequest request;
  request.set_list_services("");
  ASSERT_TRUE(stream->Write(request));
  grpc::reflection::v1alpha::ServerReflectionResponse response;
  ASSERT_TRUE(stream->Read(&response));
  std::vector<std::string> services;
  for (const auto& service : response.list_services_response().service()) {
    services.push_back(service.name());
  }
  EXPECT_THAT(services, Contains("forge.exec.v1.ExecutionService"));
  EXPECT_THAT(services, Contains("grpc.health.v1.Health"));

  // Resolve the service's schema the way grpcurl does and check a method.
  request.set_file_containing_symbol("forge.exec.v1.ExecutionService");
  ASSERT_TRUE(stream->Write(request));
  ASSERT_TRUE(stream->Read(&response));
  google::protobuf::DescriptorPool pool;
  std::vector<google::protobuf::FileDescriptorProto> files;
  for (const std::string& bytes :
       response.file_descriptor_response().file_descriptor_proto()) {
    files.emplace_back().ParseFromString(bytes);
  }
  // Build each file once its dependencies are in the pool.
  for (size_t round = 0; round < files.size(); ++round) {
    for (const auto& file : files) {
      if (pool.FindFileByName(file.name()) != nullptr) continue;
      bool ready = true;
      for (const std::string& dependency : file.dependency()) {
        ready &= pool.FindFileByName(dependency) != nullptr;
      }
      if (ready) pool.BuildFile(file);
    }
  }
  stream->WritesDone();
  const google::protobuf::ServiceDescriptor* service =
      pool.FindServiceByName("forge.exec.v1.ExecutionService");
  ASSERT_NE(service, nullptr);
  const google::protobuf::MethodDescriptor* execute =
      service->FindMethodByName("Execute");
  ASSERT_NE(execute, nullptr);
  EXPECT_TRUE(execute->server_streaming());
  EXPECT_EQ(execute->input_type()->full_name(), "forge.exec.v1.ExecuteRequest");
  EXPECT_NE(execute->input_type()->FindFieldByName("approval_wait"), nullptr);
}

std::string RunCli(const std::string& args, int* exit_code) {
  const std::string command =
      absl::StrCat(BuildDir(), "/client/forge-exec ", args, " 2>&1");
  FILE* pipe = ::popen(command.c_str(), "r");
  std::string output;
  char buffer[4096];
  size_t n;
  while ((n = std::fread(buffer, 1, sizeof(buffer), pipe)) > 0)
    output.append(buffer, n);
  int status = ::pclose(pipe);
  *exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return output;
}

TEST_F(LifecycleTest, CliRunsFilesOfEveryRuntimeAndMapsExitCodes) {
  char dir[] = "/tmp/forge-cli-XXXXXX";
  ASSERT_NE(::mkdtemp(dir), nullptr);
  const std::pair<const char*, const char*> files[] = {
      {"hello.py", "print('hi py')"},
      {"hello.js", "console.log('hi js')"},
      {"hello.ts", "const s: string = 'hi ts'; console.log(s)"},
      {"hello.sh", "echo hi sh"}};
  int code;
  for (const auto& [name, content] : files) {
    const std::string path = absl::StrCat(dir, "/", name);
    std::ofstream(path) << content;
    std::string out = RunCli(
        absl::StrCat("--server ", server_->address(), " run ", path), &code);
    EXPECT_EQ(code, 0) << name << ": " << out;
    EXPECT_THAT(out, HasSubstr("hi ")) << name;
  }
  std::ofstream(absl::StrCat(dir, "/exit.py")) << "import sys; sys.exit(42)";
  RunCli(
      absl::StrCat("--server ", server_->address(), " run ", dir, "/exit.py"),
      &code);
  EXPECT_EQ(code, 42);
  std::ofstream(absl::StrCat(dir, "/slow.sh")) << "sleep 10";
  std::string out =
      RunCli(absl::StrCat("--server ", server_->address(),
                          " --timeout 300ms run ", dir, "/slow.sh"),
             &code);
  EXPECT_EQ(code, 124) << out;
  EXPECT_THAT(out, HasSubstr("WALL_TIMEOUT"));
  out = RunCli(absl::StrCat("--server ", server_->address(), " --json run ",
                            dir, "/hello.py"),
               &code);
  EXPECT_THAT(out, HasSubstr("\"accepted\""));
  EXPECT_THAT(out, HasSubstr("\"finished\""));
  out =
      RunCli(absl::StrCat("--server ", server_->address(), " runtimes"), &code);
  EXPECT_EQ(code, 0);
  EXPECT_THAT(out, HasSubstr("typescript"));
  out = RunCli(absl::StrCat("--server 127.0.0.1:1 run ", dir, "/hello.py"),
               &code);
  EXPECT_NE(code, 0);
  EXPECT_THAT(out, HasSubstr("cannot reach forge-execd at 127.0.0.1:1"));
  std::system(absl::StrCat("rm -rf ", dir).c_str());
}

TEST_F(LifecycleTest, SigtermDrainsRunningExecutionsAndRefusesNewOnes) {
  auto stub = server_->NewStub();
  // A running execution that outlives the signal by a second.
  grpc::ClientContext running_context;
  auto running = stub->Execute(
      &running_context, Request("bash", "echo begin; sleep 1.5; echo end"));
  forge::exec::v1::ExecuteEvent event;
  while (running->Read(&event) && !event.has_output()) {
  }
  ASSERT_EQ(event.output().data(), "begin\n");
  ASSERT_EQ(::kill(server_->pid(), SIGTERM), 0);
  // New calls are refused while draining; health says NOT_SERVING.
  bool refused = false;
  for (int attempt = 0; attempt < 50 && !refused; ++attempt) {
    CollectedEvents late = Execute(*stub, Request("python", "print(1)"));
    refused = late.status.error_code() == grpc::StatusCode::UNAVAILABLE;
    if (!refused) absl::SleepFor(absl::Milliseconds(10));
  }
  EXPECT_TRUE(refused);
  EXPECT_EQ(Health(""), grpc::health::v1::HealthCheckResponse::NOT_SERVING);
  std::string rest;
  forge::exec::v1::Finished finished;
  while (running->Read(&event)) {
    if (event.has_output()) rest += event.output().data();
    if (event.has_finished()) finished = event.finished();
  }
  EXPECT_TRUE(running->Finish().ok());
  EXPECT_EQ(rest, "end\n");
  EXPECT_EQ(finished.outcome(), forge::exec::v1::OUTCOME_EXITED);
  absl::StatusOr<int> status = server_->Terminate(absl::Seconds(10));
  ASSERT_TRUE(status.ok()) << status.status();
  EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0)
      << server_->Log();
}

}  // namespace
}  // namespace forge::testing
