// The streamable HTTP transport of mcp_session.h: one HTTP/1.1 POST per
// message over a fresh connection (Connection: close; TLS for https://,
// http_stream.h), the answer read as application/json or as a
// text/event-stream, chunked or not.

#include <atomic>
#include <map>

#include "absl/base/thread_annotations.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "common/status_macros.h"
#include "server/mcp/http_stream.h"
#include "server/mcp/jsonrpc.h"
#include "server/mcp/mcp_client.h"
#include "server/mcp/mcp_session.h"

namespace forge::mcp {
namespace {

using ::nlohmann::json;

constexpr size_t kMaxResponseBytes = 64 << 20;

struct Url {
  bool tls = false;
  std::string host;
  std::string port;
  std::string path;
};

absl::StatusOr<Url> ParseUrl(absl::string_view url) {
  Url out;
  const std::string original(url);
  out.tls = absl::ConsumePrefix(&url, "https://");
  if (!out.tls && !absl::ConsumePrefix(&url, "http://"))
    return absl::InvalidArgumentError(
        "only http:// and https:// URLs are supported");
  const size_t slash = url.find('/');
  absl::string_view authority = url.substr(0, slash);
  out.path =
      slash == absl::string_view::npos ? "/" : std::string(url.substr(slash));
  const size_t colon = authority.rfind(':');
  if (colon != absl::string_view::npos) {
    out.host = std::string(authority.substr(0, colon));
    out.port = std::string(authority.substr(colon + 1));
  } else {
    out.host = std::string(authority);
    out.port = out.tls ? "443" : "80";
  }
  if (out.host.empty() || out.port.empty())
    return absl::InvalidArgumentError(absl::StrCat("bad URL ", original));
  return out;
}

struct HttpResponse {
  int status = 0;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
};

// Decodes a chunked body; false while it is incomplete.
bool Dechunk(absl::string_view raw, std::string* out) {
  out->clear();
  while (true) {
    const size_t eol = raw.find("\r\n");
    if (eol == absl::string_view::npos) return false;
    absl::string_view size_text = raw.substr(0, eol);
    size_text = size_text.substr(0, size_text.find(';'));
    uint64_t size = 0;
    if (!absl::SimpleHexAtoi(absl::StripAsciiWhitespace(size_text), &size))
      return false;
    raw.remove_prefix(eol + 2);
    if (size == 0) return true;
    if (raw.size() < size + 2) return false;
    out->append(raw.data(), size);
    raw.remove_prefix(size + 2);
  }
}

// The JSON-RPC messages of an event stream ("data:" lines per event).
std::vector<json> SseMessages(absl::string_view body) {
  std::vector<json> messages;
  std::string data;
  for (absl::string_view line : absl::StrSplit(body, '\n')) {
    absl::ConsumeSuffix(&line, "\r");
    if (line.empty()) {
      if (!data.empty()) {
        json message = json::parse(data, nullptr, false);
        if (!message.is_discarded()) messages.push_back(std::move(message));
      }
      data.clear();
    } else if (absl::ConsumePrefix(&line, "data:")) {
      absl::ConsumePrefix(&line, " ");
      if (!data.empty()) data.push_back('\n');
      data.append(line.data(), line.size());
    }
  }
  return messages;
}

// The response to `id` among `messages` (a JSON value or an array of them).
const json* FindResponse(const std::vector<json>& messages, int64_t id) {
  for (const json& message : messages) {
    if (message.is_array()) {
      for (const json& item : message)
        if (item.is_object() && item.value("id", json()) == id) return &item;
    } else if (message.is_object() && message.value("id", json()) == id) {
      return &message;
    }
  }
  return nullptr;
}

class HttpSession final : public McpSession {
 public:
  HttpSession(Url url, std::map<std::string, std::string> headers,
              std::shared_ptr<TlsClientContext> tls)
      : url_(std::move(url)),
        headers_(std::move(headers)),
        tls_(std::move(tls)) {}

  absl::StatusOr<json> Request(const std::string& method, json params,
                               absl::Time deadline) override {
    const int64_t id = next_id_.fetch_add(1);
    FORGE_ASSIGN_OR_RETURN(
        HttpResponse response,
        Post(JsonRpcMessage(id, method, std::move(params)).dump(), deadline,
             id));
    if (method == "initialize") {
      auto session = response.headers.find("mcp-session-id");
      absl::MutexLock lock(&mutex_);
      if (session != response.headers.end()) session_id_ = session->second;
      initialized_ = true;
    }
    std::vector<json> messages;
    if (absl::StrContains(response.headers["content-type"],
                          "text/event-stream")) {
      messages = SseMessages(response.body);
    } else {
      json message = json::parse(response.body, nullptr, false);
      if (!message.is_discarded()) messages.push_back(std::move(message));
    }
    const json* answer = FindResponse(messages, id);
    if (answer == nullptr) {
      return absl::UnavailableError(
          absl::StrCat("no answer to ", method, " in the HTTP response"));
    }
    return JsonRpcResult(*answer);
  }

  absl::Status Notify(const std::string& method, json params) override {
    return Post(JsonRpcMessage(-1, method, std::move(params)).dump(),
                absl::Now() + absl::Seconds(10), -1)
        .status();
  }

  bool Alive() const override {
    absl::MutexLock lock(&mutex_);
    return alive_;
  }

 private:
  absl::StatusOr<HttpResponse> Post(const std::string& body,
                                    absl::Time deadline, int64_t id) {
    std::string request = absl::StrCat(
        "POST ", url_.path, " HTTP/1.1\r\nHost: ", url_.host, ":", url_.port,
        "\r\nContent-Type: application/json\r\n"
        "Accept: application/json, text/event-stream\r\n"
        "Connection: close\r\nContent-Length: ",
        body.size(), "\r\n");
    {
      absl::MutexLock lock(&mutex_);
      if (!session_id_.empty())
        absl::StrAppend(&request, "Mcp-Session-Id: ", session_id_, "\r\n");
      if (initialized_) {
        absl::StrAppend(&request, "MCP-Protocol-Version: ", kMcpProtocolVersion,
                        "\r\n");
      }
    }
    for (const auto& [name, value] : headers_)
      absl::StrAppend(&request, name, ": ", value, "\r\n");
    absl::StrAppend(&request, "\r\n", body);

    FORGE_ASSIGN_OR_RETURN(
        std::unique_ptr<HttpStream> stream,
        OpenHttpStream(url_.host, url_.port, tls_, deadline));
    FORGE_RETURN_IF_ERROR(stream->SendAll(request, deadline));
    std::string raw;
    HttpResponse response;
    size_t header_end = std::string::npos;
    while (true) {
      if (header_end == std::string::npos) {
        header_end = raw.find("\r\n\r\n");
        if (header_end != std::string::npos)
          ParseHead(raw, header_end, response);
      }
      if (header_end != std::string::npos &&
          Complete(raw.substr(header_end + 4), response, id))
        break;
      FORGE_ASSIGN_OR_RETURN(size_t n, stream->Receive(raw, deadline));
      if (n == 0) {
        if (header_end == std::string::npos)
          return absl::UnavailableError("HTTP connection closed early");
        Complete(raw.substr(header_end + 4), response, id, /*eof=*/true);
        break;
      }
      if (raw.size() > kMaxResponseBytes)
        return absl::UnavailableError("HTTP response too large");
    }
    absl::MutexLock lock(&mutex_);
    if (response.status == 404 && !session_id_.empty()) {
      alive_ = false;  // the server forgot our session
      return absl::UnavailableError("MCP session expired (HTTP 404)");
    }
    if (response.status / 100 != 2) {
      return absl::UnavailableError(
          absl::StrCat("HTTP ", response.status, " from ", url_.host));
    }
    return response;
  }

  static void ParseHead(const std::string& raw, size_t end,
                        HttpResponse& response) {
    std::vector<absl::string_view> lines =
        absl::StrSplit(absl::string_view(raw).substr(0, end), "\r\n");
    std::vector<absl::string_view> status = absl::StrSplit(lines[0], ' ');
    if (status.size() >= 2) (void)absl::SimpleAtoi(status[1], &response.status);
    for (size_t i = 1; i < lines.size(); ++i) {
      const size_t colon = lines[i].find(':');
      if (colon == absl::string_view::npos) continue;
      response.headers[absl::AsciiStrToLower(lines[i].substr(0, colon))] =
          std::string(absl::StripAsciiWhitespace(lines[i].substr(colon + 1)));
    }
  }

  // Whether the body is complete (filling response.body), or at EOF.
  static bool Complete(const std::string& raw, HttpResponse& response,
                       int64_t id, bool eof = false) {
    const bool chunked = absl::StrContains(
        absl::AsciiStrToLower(response.headers["transfer-encoding"]),
        "chunked");
    bool done = eof;
    if (chunked) {
      done = Dechunk(raw, &response.body) || eof;
    } else {
      response.body = raw;
      uint64_t length = 0;
      if (absl::SimpleAtoi(response.headers["content-length"], &length))
        done = done || raw.size() >= length;
    }
    if (response.status == 202 || response.status == 204) return true;
    // An event stream may stay open after our answer: stop at the answer.
    if (!done && id >= 0 &&
        absl::StrContains(response.headers["content-type"],
                          "text/event-stream")) {
      done = FindResponse(SseMessages(response.body), id) != nullptr;
    }
    return done;
  }

  const Url url_;
  const std::map<std::string, std::string> headers_;
  const std::shared_ptr<TlsClientContext> tls_;  // null for http://
  std::atomic<int64_t> next_id_{1};
  mutable absl::Mutex mutex_;
  std::string session_id_ ABSL_GUARDED_BY(mutex_);
  bool initialized_ ABSL_GUARDED_BY(mutex_) = false;
  bool alive_ ABSL_GUARDED_BY(mutex_) = true;
};

}  // namespace

absl::StatusOr<std::unique_ptr<McpSession>> StartHttpSession(
    const std::string& url, const std::map<std::string, std::string>& headers,
    const std::string& ca_path) {
  FORGE_ASSIGN_OR_RETURN(Url parsed, ParseUrl(url));
  std::shared_ptr<TlsClientContext> tls;
  if (parsed.tls) {
    FORGE_ASSIGN_OR_RETURN(tls, TlsClientContext::Create(ca_path));
  } else if (!ca_path.empty()) {
    return absl::InvalidArgumentError("a CA file is only for https:// URLs");
  }
  return std::unique_ptr<McpSession>(
      new HttpSession(std::move(parsed), headers, std::move(tls)));
}

}  // namespace forge::mcp
