#pragma once
// MllpClient: a small blocking MLLP client (plain TCP or TLS, optionally with a client certificate) for tests, the
// load tool and outbound messages (ORS^O06 to the care system). One connection, one caller thread; each call has a
// deadline. Internally it runs Asio on a private io_context, so it needs no threads of its own and never blocks
// longer than its deadline.
//
// After a timeout or an I/O error the connection is closed (a half-read response cannot be resynchronised); call
// connect() again to retry.

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "gateway/core/result.hpp"
#include "gateway/mllp/framer.hpp"
#include "gateway/tls/tls_context.hpp"

namespace gw::mllp {

struct ClientOptions {
    std::string host = "127.0.0.1";
    std::uint16_t port = 2575;
    bool tls = false;
    tls::ClientTlsOptions tls_options;                  // CA to verify the server; client certificate for mTLS
    std::string tls_server_name;                        // SNI and name to verify; empty: host
    std::chrono::milliseconds connect_timeout{10'000};  // TCP connect plus TLS handshake
    std::chrono::milliseconds io_timeout{30'000};       // each send(), and each receive() until a whole frame
    std::size_t max_response_bytes = kDefaultMaxMessageBytes;
};

class MllpClient {
  public:
    explicit MllpClient(ClientOptions options);
    ~MllpClient();
    MllpClient(const MllpClient&) = delete;
    MllpClient& operator=(const MllpClient&) = delete;
    MllpClient(MllpClient&&) noexcept;
    MllpClient& operator=(MllpClient&&) noexcept;

    // Errors: unavailable (cannot connect), timeout, io_error (TLS handshake or verification failed).
    Result<void> connect();
    // Frames `payload` and writes it.
    Result<void> send(std::string_view payload);
    // Writes bytes as they are (tests: split frames, junk, broken framing).
    Result<void> send_raw(std::string_view bytes);
    // Reads one framed response. Errors: timeout, io_error (connection closed, including by the server's refusal),
    // or the framer's too_large / parse_error for a bad response frame.
    Result<std::string> receive();
    // send() then receive().
    Result<std::string> exchange(std::string_view payload);

    // Half-closes the sending side (the server still answers frames it has received).
    Result<void> shutdown_send();
    void close();
    bool is_open() const;

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace gw::mllp
