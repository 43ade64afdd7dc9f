#pragma once
// Configuration of one HttpClient. One client serves one trust setup (CA, client certificate, proxy): a gateway
// with grocers that need different client certificates uses one client per grocer. Values are checked once by
// HttpClient::create(); the data path never re-checks them.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "gateway/tls/tls_context.hpp"

namespace gw::httpclient {

struct ClientOptions {
    // Connections per origin (scheme, host, port), busy or idle. Further requests wait for a free connection,
    // bounded by their total deadline.
    std::size_t max_connections_per_host = 8;
    // An idle keep-alive connection older than this is closed instead of reused (servers drop idle connections
    // too; reusing one they already closed costs a failed request).
    std::chrono::milliseconds idle_timeout{30'000};

    std::chrono::milliseconds connect_timeout{10'000};  // DNS + TCP + proxy CONNECT + TLS handshake
    std::chrono::milliseconds request_timeout{30'000};  // one exchange on a connection: write request, read response
    std::chrono::milliseconds total_timeout{60'000};    // request() to callback: pool wait, connects, redirects, retry

    std::uint32_t max_header_bytes = 64 * 1024;
    // Response body as received on the wire. A bigger body is cut off at this many bytes: too_large, and memory
    // stays bounded whatever the server sends (an endless chunked stream, a 2 GB Content-Length).
    std::uint64_t max_body_bytes = 16 * 1024 * 1024;
    // Body after gzip/deflate decoding (a small gzip bomb must not become gigabytes in memory).
    std::uint64_t max_decoded_bytes = 64 * 1024 * 1024;
    // Send Accept-Encoding: gzip, deflate and decode what the server compressed.
    bool decode_content = true;

    // 0: a 3xx is returned to the caller like any response. N > 0: follow up to N redirects (303, and 301/302 after
    // POST, become GET without a body; Authorization and Cookie are dropped when the origin changes); more than N is
    // a protocol_error.
    unsigned max_redirects = 0;

    // https:// targets: CA (empty: the system store), client certificate for mTLS, verify_peer (tests only). The
    // host name is always verified against the certificate when verify_peer is on, and sent as SNI.
    tls::ClientTlsOptions tls;

    // "http://host:port" (optionally "http://user:password@host:port" for Proxy-Authorization: Basic). https://
    // targets go through a CONNECT tunnel, http:// targets are sent to the proxy in absolute form. Empty: direct.
    std::string proxy;
    // Hosts reached directly even when a proxy is set (exact names, or ".example.no" for a domain and its hosts).
    std::vector<std::string> no_proxy;

    std::string user_agent = "care-grocer-gateway/0.1";
};

}  // namespace gw::httpclient
