#include "http/server.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <thread>

#include "http/error_mapping.h"
#include "testing/http_client.h"
#include "testing/status_matchers.h"
#include "testing/tls_certs.h"

namespace auditlog::http {
namespace {

using ::testing::AllOf;
using ::testing::EndsWith;
using testing::Fetch;
using ::testing::HasSubstr;
using testing::HttpCall;
using testing::HttpReply;
using ::testing::Not;
using testing::RawExchange;
using testing::RawReply;
using ::testing::StartsWith;
using testing::StatusIs;

// Echoes what the server handed over: method, path, parameters, body size.
Response Echo(Request& request) {
  if (request.path == "/slow") std::this_thread::sleep_for(std::chrono::milliseconds(400));
  if (request.path == "/throw") throw std::runtime_error("boom");
  std::string body = request.method + " " + request.path;
  for (const auto& [name, value] : request.query) body += " " + name + "=" + value;
  body += " body=" + std::to_string(request.body.size());
  if (request.tls) body += " tls";
  Response response = Response::Json(200, body);
  response.content_type = "text/plain";
  if (const auto echo = request.Param("echo_header"))
    response.AddHeader("X-Echo", std::string(*echo));
  if (request.path == "/body") response.body = std::string(request.body_text());
  if (request.path == "/empty") response.status = 204;  // its body is not sent
  return response;
}

class ServerTest : public ::testing::Test {
 protected:
  void StartServer(ServerOptions options = {}) {
    options.io_threads = 2;
    options.worker_threads = 4;
    options.read_threads = 3;
    AL_ASSERT_OK_AND_ASSIGN(server_, Server::Start(
                                         std::move(options), Echo,
                                         [](const Request&, int status, const Status& why) {
                                           return NativeError(status, why);
                                         },
                                         [this](const Request&, const RequestSummary& summary) {
                                           observed_.fetch_add(1);
                                           last_status_.store(summary.status);
                                         }));
    base_ = "http://127.0.0.1:" + std::to_string(server_->port());
  }

  HttpReply Get(const std::string& path_and_query) {
    auto reply = Fetch(HttpCall{.url = base_ + path_and_query});
    EXPECT_TRUE(reply.ok()) << reply.status().ToString();
    return reply.ok() ? *reply : HttpReply{};
  }

  std::unique_ptr<Server> server_;
  std::string base_;
  std::atomic<int> observed_{0};
  std::atomic<int> last_status_{0};
};

TEST_F(ServerTest, AnswersAndDecodesTheTarget) {
  StartServer();
  const HttpReply reply = Get("/a%20b?q=x+y&n=1");
  EXPECT_EQ(reply.status, 200);
  EXPECT_EQ(reply.body, "GET /a b q=x y n=1 body=0");
  EXPECT_EQ(reply.Header("server"), "auditlog");
  EXPECT_EQ(reply.Header("content-type"), "text/plain");
  // The observer runs once the response is written, which may be just after
  // the client has read it.
  for (int i = 0; i < 100 && observed_.load() == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(observed_.load(), 1);
  EXPECT_EQ(last_status_.load(), 200);
}

TEST_F(ServerTest, PostsBodiesIncludingLargeOnesWithExpectContinue) {
  StartServer();
  const std::string big(3 << 20, 'x');  // libcurl sends Expect: 100-continue for this
  AL_ASSERT_OK_AND_ASSIGN(HttpReply reply,
                          Fetch(HttpCall{.method = "POST", .url = base_ + "/body", .body = big}));
  EXPECT_EQ(reply.status, 200);
  EXPECT_EQ(reply.body.size(), big.size());
  EXPECT_EQ(reply.body, big);
}

TEST_F(ServerTest, KeepsConnectionsAliveAndPipelines) {
  StartServer();
  AL_ASSERT_OK_AND_ASSIGN(
      RawReply reply,
      RawExchange(server_->port(),
                  "GET /one HTTP/1.1\r\nHost: x\r\n\r\nGET /two HTTP/1.1\r\nHost: x\r\n"
                  "Connection: close\r\n\r\n",
                  std::chrono::seconds(5)));
  EXPECT_TRUE(reply.closed);
  EXPECT_THAT(reply.bytes, HasSubstr("GET /one body=0"));
  EXPECT_THAT(reply.bytes, HasSubstr("GET /two body=0"));
}

// A large body is read through a buffer grown for it and given back after
// the request; a request pipelined behind it, already in the buffer, must
// survive both.
TEST_F(ServerTest, ReadsARequestPipelinedBehindALargeBody) {
  StartServer();
  const std::string body(200'000, 'b');
  AL_ASSERT_OK_AND_ASSIGN(
      RawReply reply,
      RawExchange(server_->port(),
                  "POST /big HTTP/1.1\r\nHost: x\r\nContent-Length: 200000\r\n\r\n" + body +
                      "GET /two HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
                  std::chrono::seconds(5)));
  EXPECT_TRUE(reply.closed);
  EXPECT_THAT(reply.bytes, HasSubstr("POST /big body=200000"));
  EXPECT_THAT(reply.bytes, HasSubstr("GET /two body=0"));
}

TEST_F(ServerTest, RefusesAnOversizeBodyBeforeReadingIt) {
  StartServer(ServerOptions{.body_limit_bytes = 1000});
  // Only the header is sent: the 413 must come without waiting for the body.
  AL_ASSERT_OK_AND_ASSIGN(
      RawReply reply, RawExchange(server_->port(),
                                  "POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 10485760\r\n\r\n",
                                  std::chrono::seconds(5)));
  EXPECT_THAT(reply.bytes, StartsWith("HTTP/1.1 413"));
  EXPECT_THAT(reply.bytes, HasSubstr("over the limit of 1000 bytes"));
  EXPECT_TRUE(reply.closed);
}

TEST_F(ServerTest, RefusesAChunkedBodyOnceItPassesTheLimit) {
  StartServer(ServerOptions{.body_limit_bytes = 1000});
  std::string request = "POST /x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n";
  for (int i = 0; i < 5; ++i) request += "12C\r\n" + std::string(300, 'a') + "\r\n";
  request += "0\r\n\r\n";
  AL_ASSERT_OK_AND_ASSIGN(RawReply reply,
                          RawExchange(server_->port(), request, std::chrono::seconds(5)));
  EXPECT_THAT(reply.bytes, StartsWith("HTTP/1.1 413"));
}

TEST_F(ServerTest, InflatesGzipBodiesWithinTheLimit) {
  StartServer(ServerOptions{.body_limit_bytes = 100'000});
  const std::string text(50'000, 'z');
  AL_ASSERT_OK_AND_ASSIGN(HttpReply ok, Fetch(HttpCall{.method = "POST",
                                                       .url = base_ + "/body",
                                                       .headers = {"Content-Encoding: gzip"},
                                                       .body = testing::Gzip(text)}));
  EXPECT_EQ(ok.status, 200);
  EXPECT_EQ(ok.body, text);

  // A small body that inflates past the limit (a zip bomb) is refused.
  AL_ASSERT_OK_AND_ASSIGN(HttpReply bomb,
                          Fetch(HttpCall{.method = "POST",
                                         .url = base_ + "/body",
                                         .headers = {"Content-Encoding: gzip"},
                                         .body = testing::Gzip(std::string(5'000'000, 'z'))}));
  EXPECT_EQ(bomb.status, 413);
  EXPECT_THAT(bomb.body, HasSubstr("inflates past the limit"));

  AL_ASSERT_OK_AND_ASSIGN(HttpReply broken, Fetch(HttpCall{.method = "POST",
                                                           .url = base_ + "/body",
                                                           .headers = {"Content-Encoding: gzip"},
                                                           .body = "definitely not gzip"}));
  EXPECT_EQ(broken.status, 400);
  EXPECT_THAT(broken.body, HasSubstr("gzip"));

  AL_ASSERT_OK_AND_ASSIGN(HttpReply brotli, Fetch(HttpCall{.method = "POST",
                                                           .url = base_ + "/body",
                                                           .headers = {"Content-Encoding: br"},
                                                           .body = "x"}));
  EXPECT_EQ(brotli.status, 415);
}

TEST_F(ServerTest, MalformedRequestsGet400AndAreClosed) {
  StartServer();
  for (const char* bytes :
       {"GARBAGE\r\n\r\n", "GET /x HTTP/9.9\r\n\r\n", "GET /x HTTP/1.1\r\nBad Header\r\n\r\n",
        "GET http://elsewhere/x HTTP/1.1\r\nHost: x\r\n\r\n",
        "GET /%zz HTTP/1.1\r\nHost: x\r\n\r\n"}) {
    AL_ASSERT_OK_AND_ASSIGN(RawReply reply,
                            RawExchange(server_->port(), bytes, std::chrono::seconds(5)));
    EXPECT_THAT(reply.bytes, StartsWith("HTTP/1.1 400")) << bytes;
    EXPECT_TRUE(reply.closed) << bytes;
  }
}

TEST_F(ServerTest, OversizeHeadersGet431) {
  StartServer();
  const std::string request =
      "GET /x HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(70'000, 'a') + "\r\n\r\n";
  AL_ASSERT_OK_AND_ASSIGN(RawReply reply,
                          RawExchange(server_->port(), request, std::chrono::seconds(5)));
  EXPECT_THAT(reply.bytes, StartsWith("HTTP/1.1 431"));
}

TEST_F(ServerTest, ClosesSlowHeaders) {
  StartServer(ServerOptions{.header_timeout = std::chrono::milliseconds(300),
                            .idle_timeout = std::chrono::milliseconds(300)});
  // One byte every 50 ms: 40 bytes take 2 s, far past the 300 ms budget.
  const auto start = std::chrono::steady_clock::now();
  AL_ASSERT_OK_AND_ASSIGN(
      RawReply reply,
      RawExchange(server_->port(), "GET /x HTTP/1.1\r\nHost: x\r\nX-A: bbbbbb\r\n\r\n",
                  std::chrono::seconds(5), 1, std::chrono::milliseconds(50)));
  EXPECT_TRUE(reply.closed);
  EXPECT_THAT(reply.bytes, Not(HasSubstr("200")));
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(4));
  EXPECT_GE(server_->stats().connections_timed_out, 1u);
}

TEST_F(ServerTest, ClosesIdleConnectionsAndSlowBodies) {
  StartServer(ServerOptions{.header_timeout = std::chrono::milliseconds(300),
                            .idle_timeout = std::chrono::milliseconds(300)});
  AL_ASSERT_OK_AND_ASSIGN(RawReply idle, RawExchange(server_->port(), "", std::chrono::seconds(3)));
  EXPECT_TRUE(idle.closed);
  AL_ASSERT_OK_AND_ASSIGN(
      RawReply slow_body,
      RawExchange(server_->port(), "POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nab",
                  std::chrono::seconds(3)));
  EXPECT_TRUE(slow_body.closed);
  EXPECT_THAT(slow_body.bytes, Not(HasSubstr("200")));
}

TEST_F(ServerTest, HeaderValuesCannotInjectHeaders) {
  StartServer();
  AL_ASSERT_OK_AND_ASSIGN(
      RawReply reply,
      RawExchange(server_->port(),
                  "GET /x?echo_header=a%0D%0ASet-Cookie:%20evil=1 HTTP/1.1\r\nHost: x\r\n"
                  "Connection: close\r\n\r\n",
                  std::chrono::seconds(5)));
  const std::string head = reply.bytes.substr(0, reply.bytes.find("\r\n\r\n"));
  EXPECT_THAT(head, HasSubstr("X-Echo: aSet-Cookie: evil=1\r\n"));
  EXPECT_THAT(head, Not(HasSubstr("\r\nSet-Cookie")));
}

TEST_F(ServerTest, HeadHasNoBody) {
  StartServer();
  AL_ASSERT_OK_AND_ASSIGN(
      RawReply reply,
      RawExchange(server_->port(), "HEAD /x HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
                  std::chrono::seconds(5)));
  EXPECT_THAT(reply.bytes, StartsWith("HTTP/1.1 200"));
  EXPECT_THAT(reply.bytes, HasSubstr("Content-Length: 14\r\n"));
  EXPECT_THAT(reply.bytes, Not(HasSubstr("HEAD /x")));
}

TEST_F(ServerTest, ResponseHeadsSayWhatHttpAsks) {
  StartServer();
  // Two requests on one connection: a 204 states no length (it has no
  // body), and the connection goes on to the next request, whose answer
  // says it closes as asked.
  AL_ASSERT_OK_AND_ASSIGN(RawReply reply,
                          RawExchange(server_->port(),
                                      "GET /empty HTTP/1.1\r\nHost: x\r\n\r\n"
                                      "GET /x HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
                                      std::chrono::seconds(5)));
  const size_t second = reply.bytes.find("HTTP/1.1 200 OK\r\n");
  ASSERT_NE(second, std::string::npos) << reply.bytes;
  const std::string first = reply.bytes.substr(0, second);
  EXPECT_THAT(first, StartsWith("HTTP/1.1 204 No Content\r\nServer: auditlog\r\n"));
  EXPECT_THAT(first, Not(HasSubstr("Content-Length")));
  EXPECT_THAT(first, Not(HasSubstr("Connection:")));
  EXPECT_THAT(first, EndsWith("\r\n\r\n"));  // and the handler's body left out
  EXPECT_THAT(reply.bytes.substr(second),
              AllOf(HasSubstr("Content-Type: text/plain\r\n"), HasSubstr("Connection: close\r\n"),
                    HasSubstr("Content-Length: 13\r\n\r\nGET /x body=0")));
  // HTTP/1.0 closes unless asked to keep the connection, and then says so.
  AL_ASSERT_OK_AND_ASSIGN(RawReply old_client,
                          RawExchange(server_->port(),
                                      "GET /x HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"
                                      "GET /x HTTP/1.0\r\n\r\n",
                                      std::chrono::seconds(5)));
  EXPECT_THAT(old_client.bytes,
              StartsWith("HTTP/1.0 200 OK\r\nServer: auditlog\r\nContent-Type: text/plain\r\n"
                         "Connection: keep-alive\r\nContent-Length: 13\r\n\r\nGET /x body=0"
                         "HTTP/1.0 200 OK\r\nServer: auditlog\r\nContent-Type: text/plain\r\n"
                         "Content-Length: 13\r\n\r\nGET /x body=0"));
}

TEST_F(ServerTest, ManyClientsAtOnce) {
  StartServer();
  std::atomic<int> good{0};
  std::vector<std::thread> clients;
  for (int t = 0; t < 8; ++t) {
    clients.emplace_back([&, t] {
      for (int i = 0; i < 25; ++i) {
        auto reply = Fetch(HttpCall{.url = base_ + "/c?t=" + std::to_string(t)});
        if (reply.ok() && reply->status == 200 &&
            reply->body == "GET /c t=" + std::to_string(t) + " body=0") {
          good.fetch_add(1);
        }
      }
    });
  }
  for (std::thread& client : clients) client.join();
  EXPECT_EQ(good.load(), 200);
}

// A read on an idle server runs on its I/O thread, later ones on the read
// pool, and an I/O thread always stays free to read requests: two slow
// reads at once (on the pool, or one inline) leave room for a quick one.
TEST_F(ServerTest, SlowReadsDoNotHoldUpOthers) {
  StartServer();
  std::vector<std::thread> slow;
  std::atomic<int> slow_good{0};
  for (int i = 0; i < 2; ++i) {
    slow.emplace_back([&] {
      auto reply = Fetch(HttpCall{.url = base_ + "/slow"});
      if (reply.ok() && reply->status == 200) slow_good.fetch_add(1);
    });
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (server_->stats().requests_in_flight < 2 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  ASSERT_EQ(server_->stats().requests_in_flight, 2u);
  const auto start = std::chrono::steady_clock::now();
  const HttpReply quick = Get("/quick");
  const auto waited = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(quick.status, 200);
  EXPECT_EQ(quick.body, "GET /quick body=0");
  for (std::thread& thread : slow) thread.join();
  EXPECT_EQ(slow_good.load(), 2);
  // The slow ones sleep 400 ms; the quick one waited for neither.
  EXPECT_LT(waited, std::chrono::milliseconds(300));
}

TEST_F(ServerTest, AHandlerThatThrowsIsAnswered500) {
  StartServer();
  for (const char* method : {"GET", "POST"}) {  // inline or on a pool, and on a pool
    auto reply = Fetch(HttpCall{.method = method, .url = base_ + "/throw"});
    ASSERT_TRUE(reply.ok()) << reply.status().ToString();
    EXPECT_EQ(reply->status, 500) << method;
    EXPECT_THAT(reply->body, HasSubstr("handler failed: boom")) << method;
  }
  EXPECT_EQ(Get("/after").status, 200);
}

TEST_F(ServerTest, StopFinishesRequestsInFlight) {
  StartServer();
  std::optional<Result<HttpReply>> slow;
  std::thread client([&] { slow = Fetch(HttpCall{.url = base_ + "/slow"}); });
  std::this_thread::sleep_for(std::chrono::milliseconds(150));  // the request is in the handler
  server_->Stop(std::chrono::seconds(5));
  client.join();
  ASSERT_TRUE(slow->ok()) << slow->status().ToString();
  EXPECT_EQ((*slow)->status, 200);
  EXPECT_EQ((*slow)->Header("connection"), "close");
  EXPECT_FALSE(Fetch(HttpCall{.url = base_ + "/x", .timeout = std::chrono::seconds(2)}).ok());
}

TEST_F(ServerTest, ClientsOverTheLimitGet503) {
  StartServer(ServerOptions{.max_connections = 1});
  auto wait_for_open = [&](uint64_t count) {
    for (int i = 0; i < 300 && server_->stats().connections_open != count; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return server_->stats().connections_open == count;
  };
  // One connection holds the only slot (sending nothing) while another tries.
  std::thread holder([&] { (void)RawExchange(server_->port(), "", std::chrono::seconds(2)); });
  ASSERT_TRUE(wait_for_open(1));
  AL_ASSERT_OK_AND_ASSIGN(
      RawReply refused,
      RawExchange(server_->port(), "GET /x HTTP/1.1\r\nHost: x\r\n\r\n", std::chrono::seconds(3)));
  holder.join();
  EXPECT_THAT(refused.bytes, StartsWith("HTTP/1.1 503"));
  EXPECT_TRUE(refused.closed);
  // Once the holder is gone the slot is free again.
  ASSERT_TRUE(wait_for_open(0));
  AL_ASSERT_OK_AND_ASSIGN(
      RawReply served,
      RawExchange(server_->port(), "GET /x HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
                  std::chrono::seconds(3)));
  EXPECT_THAT(served.bytes, StartsWith("HTTP/1.1 200"));
}

TEST_F(ServerTest, SaturationIsAnswered429WithRetryAfter) {
  StartServer(ServerOptions{.max_requests_in_flight = 1});
  std::thread slow([&] { (void)Fetch(HttpCall{.url = base_ + "/slow"}); });
  std::this_thread::sleep_for(std::chrono::milliseconds(150));  // /slow holds the only slot
  AL_ASSERT_OK_AND_ASSIGN(HttpReply busy, Fetch(HttpCall{.url = base_ + "/x"}));
  slow.join();
  EXPECT_EQ(busy.status, 429);
  EXPECT_EQ(busy.Header("retry-after"), "1");
  EXPECT_THAT(busy.body, HasSubstr("resource_exhausted"));
  AL_ASSERT_OK_AND_ASSIGN(HttpReply after, Fetch(HttpCall{.url = base_ + "/x"}));
  EXPECT_EQ(after.status, 200);
}

TEST_F(ServerTest, SaturationRefusesBodiesBeforeInvitingThem) {
  StartServer(ServerOptions{.max_requests_in_flight = 1});
  std::thread slow([&] { (void)Fetch(HttpCall{.url = base_ + "/slow"}); });
  std::this_thread::sleep_for(std::chrono::milliseconds(150));
  AL_ASSERT_OK_AND_ASSIGN(RawReply busy,
                          RawExchange(server_->port(),
                                      "POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n"
                                      "Expect: 100-continue\r\n\r\n",
                                      std::chrono::seconds(3)));
  slow.join();
  EXPECT_THAT(busy.bytes, StartsWith("HTTP/1.1 429"));
  EXPECT_THAT(busy.bytes, Not(HasSubstr("100 Continue")));
  EXPECT_TRUE(busy.closed);  // the unread body would desynchronise the connection
}

TEST_F(ServerTest, UnboundableAddressIsAnError) {
  StartServer();
  auto second = Server::Start(
      ServerOptions{.port = server_->port()}, Echo,
      [](const Request&, int status, const Status& why) { return NativeError(status, why); });
  EXPECT_THAT(second.status(), StatusIs(StatusCode::kUnavailable, HasSubstr("cannot listen")));
}

class TlsServerTest : public ServerTest {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("auditlog_tls_test_" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
    AL_ASSERT_OK_AND_ASSIGN(certs_, testing::MakeTestCertificates(dir_.string()));
  }
  void TearDown() override {
    server_.reset();
    std::filesystem::remove_all(dir_);
  }
  std::filesystem::path dir_;
  testing::TestCertificates certs_;
};

TEST_F(TlsServerTest, ServesHttpsWithTheConfiguredCertificate) {
  StartServer(ServerOptions{.tls_cert_file = certs_.cert_file, .tls_key_file = certs_.key_file});
  EXPECT_TRUE(server_->tls());
  const std::string url = "https://127.0.0.1:" + std::to_string(server_->port());
  AL_ASSERT_OK_AND_ASSIGN(HttpReply reply, Fetch(HttpCall{.method = "POST",
                                                          .url = url + "/body?k=v",
                                                          .body = std::string(2 << 20, 'q'),
                                                          .ca_file = certs_.ca_file}));
  EXPECT_EQ(reply.status, 200);
  EXPECT_EQ(reply.body.size(), size_t{2} << 20);
  AL_ASSERT_OK_AND_ASSIGN(HttpReply tls_flag,
                          Fetch(HttpCall{.url = url + "/x", .ca_file = certs_.ca_file}));
  EXPECT_EQ(tls_flag.body, "GET /x body=0 tls");
  // Without trusting the CA the handshake fails; plain HTTP gets no answer.
  EXPECT_FALSE(Fetch(HttpCall{.url = url + "/x"}).ok());
  auto plain = Fetch(HttpCall{.url = "http://127.0.0.1:" + std::to_string(server_->port()) + "/x",
                              .timeout = std::chrono::seconds(3)});
  EXPECT_TRUE(!plain.ok() || plain->status != 200);
}

TEST_F(TlsServerTest, BadCertificateFilesAreErrors) {
  auto missing = Server::Start(
      ServerOptions{.tls_cert_file = dir_.string() + "/nope.pem", .tls_key_file = certs_.key_file},
      Echo, [](const Request&, int status, const Status& why) { return NativeError(status, why); });
  EXPECT_THAT(missing.status(), StatusIs(StatusCode::kInvalidArgument, HasSubstr("nope.pem")));
  auto half = Server::Start(
      ServerOptions{.tls_cert_file = certs_.cert_file}, Echo,
      [](const Request&, int status, const Status& why) { return NativeError(status, why); });
  EXPECT_THAT(half.status(),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("both a certificate and a key")));
}

}  // namespace
}  // namespace auditlog::http
