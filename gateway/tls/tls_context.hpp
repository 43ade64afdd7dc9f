#pragma once
// Builds OpenSSL contexts for our listeners and clients from typed options. Every listener (MLLP, HTTP) and the HTTP
// client use these, so TLS policy (minimum version, verification, client certificates) is decided in one place.

#include <memory>
#include <string>

#include <boost/asio/ssl/context.hpp>

#include "gateway/core/result.hpp"

namespace gw::tls {

struct ServerTlsOptions {
    bool enabled = false;
    std::string cert_file;         // PEM server certificate (chain)
    std::string key_file;          // PEM private key
    std::string ca_file;           // PEM CA bundle that client certificates must chain to (mTLS)
    bool require_client_cert = false;  // mTLS: refuse clients without a valid certificate
};

struct ClientTlsOptions {
    std::string ca_file;           // empty: the system's default CA store
    std::string cert_file;         // client certificate for mTLS (optional)
    std::string key_file;
    bool verify_peer = true;       // only tests may turn this off
};

using SslContextPtr = std::shared_ptr<boost::asio::ssl::context>;

// TLS 1.2+ server context; errors name the file that could not be loaded.
Result<SslContextPtr> make_server_context(const ServerTlsOptions& options);

// TLS 1.2+ client context with peer verification on by default; hostname verification is set per connection.
Result<SslContextPtr> make_client_context(const ClientTlsOptions& options);

}  // namespace gw::tls
