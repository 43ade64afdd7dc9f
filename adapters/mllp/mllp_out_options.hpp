#pragma once
// What an mllp_out destination is told by the deployment. Everything comes from the VendorSettings the composition
// root builds for the destination (gateway.yaml `mllp[].status_out`), so no vendor folder is involved:
//   base_url   mllp://HOST:PORT (plain TCP) or mllps://HOST:PORT (TLS; http.tls holds the CA and client certificate)
//   http.connect_timeout       TCP connect + TLS handshake
//   http.request_timeout       writing one message and receiving its acknowledgement
//   http.idle_timeout          a connection unused this long is closed (receivers drop idle peers too)
//   http.max_connections_per_host   connections at once; 1 (the default here) keeps reports in queue order

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>

#include "adapters/adapter.hpp"
#include "gateway/core/result.hpp"
#include "gateway/tls/tls_context.hpp"

namespace gw::adapters::mllp {

struct MllpOutOptions {
    std::string name;  // the destination's name, for logs and errors ("care-system")
    std::string host;
    std::uint16_t port = 0;
    bool tls = false;
    tls::ClientTlsOptions tls_options;
    std::chrono::milliseconds connect_timeout{10'000};
    std::chrono::milliseconds ack_timeout{30'000};
    std::chrono::milliseconds idle_timeout{60'000};
    std::size_t connections = 1;
    std::size_t max_ack_bytes = 64 * 1024;  // an answer bigger than this is not an ACK
    std::size_t max_queue = 1024;           // messages waiting for a connection; more are refused (retryable)
};

// Errors (invalid_argument) name the bad value: a base_url that is not mllp:// or mllps://, a port out of range.
Result<MllpOutOptions> mllp_out_options(const VendorSettings& settings);

}  // namespace gw::adapters::mllp
