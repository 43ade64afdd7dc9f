#pragma once
// A small blocking HTTP/1.1 client for tests and tools: one connection, plain or TLS, every call bounded by a
// timeout. It can also write raw bytes and watch for the server closing, which the protocol-abuse tests need.
// It is not the gateway's outbound HTTP client (that one is asynchronous and retries); don't use it on a data path.

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "gateway/core/result.hpp"
#include "gateway/http/message.hpp"
#include "gateway/tls/tls_context.hpp"

namespace gw::http {

struct ClientResponse {
    unsigned status = 0;
    Fields headers;
    std::string body;
    bool keep_alive = false;

    std::string header(std::string_view name) const;
};

struct TestClientOptions {
    std::chrono::milliseconds timeout{5'000};  // per call
    std::optional<tls::ClientTlsOptions> tls;  // set: connect with TLS (and a client certificate, if given)
    std::string server_name = "localhost";     // SNI and certificate host name check under TLS
};

class TestClient {
  public:
    explicit TestClient(TestClientOptions options = {});
    ~TestClient();
    TestClient(TestClient&&) noexcept;
    TestClient& operator=(TestClient&&) noexcept;

    // Connects (and under TLS completes the handshake).
    Result<void> connect(std::uint16_t port, const std::string& host = "127.0.0.1");

    // Sends one request (Host, Content-Length set for you; extra headers as given) and reads the response.
    Result<ClientResponse> request(Verb method, std::string_view target, std::string body = {},
                                   const Fields& headers = {});

    Result<void> write(std::string_view bytes);
    Result<ClientResponse> read_response();
    // Whatever bytes arrive next (at least one), or an error: io_error when the server closed, timeout.
    Result<std::string> read_some(std::chrono::milliseconds timeout);
    // True if the server closes the connection within timeout (data arriving meanwhile is discarded).
    bool wait_closed(std::chrono::milliseconds timeout);

    void close();

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace gw::http
