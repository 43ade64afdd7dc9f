#include "gateway/tls/tls_context.hpp"

#include <filesystem>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <fmt/format.h>

namespace gw::tls {
namespace ssl = boost::asio::ssl;

namespace {

Error file_error(std::string_view what, const std::string& file, const boost::system::error_code& ec) {
    SourceLocation where;
    where.path = file;
    return make_error(ErrorCode::io_error, fmt::format("cannot load TLS {} '{}': {}", what, file, ec.message()),
                      where);
}

Result<void> check_readable(std::string_view what, const std::string& file) {
    std::error_code ec;
    if (file.empty()) return make_error(ErrorCode::missing_required, fmt::format("TLS {} file not set", what));
    if (!std::filesystem::is_regular_file(file, ec)) {
        return make_error(ErrorCode::not_found, fmt::format("TLS {} file '{}' does not exist", what, file));
    }
    return {};
}

}  // namespace

Result<SslContextPtr> make_server_context(const ServerTlsOptions& options) {
    auto ctx = std::make_shared<ssl::context>(ssl::context::tls_server);
    ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                     ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 | ssl::context::single_dh_use);
    for (auto [what, file] : {std::pair{"certificate", &options.cert_file}, std::pair{"private key", &options.key_file}}) {
        if (auto r = check_readable(what, *file); !r) return std::move(r).error();
    }
    boost::system::error_code ec;
    ctx->use_certificate_chain_file(options.cert_file, ec);
    if (ec) return file_error("certificate", options.cert_file, ec);
    ctx->use_private_key_file(options.key_file, ssl::context::pem, ec);
    if (ec) return file_error("private key", options.key_file, ec);
    if (!options.ca_file.empty()) {
        ctx->load_verify_file(options.ca_file, ec);
        if (ec) return file_error("CA", options.ca_file, ec);
    }
    if (options.require_client_cert) {
        if (options.ca_file.empty()) {
            return make_error(ErrorCode::missing_required, "TLS require_client_cert needs ca_file");
        }
        ctx->set_verify_mode(ssl::verify_peer | ssl::verify_fail_if_no_peer_cert | ssl::verify_client_once);
    } else {
        ctx->set_verify_mode(ssl::verify_none);
    }
    return ctx;
}

Result<SslContextPtr> make_client_context(const ClientTlsOptions& options) {
    auto ctx = std::make_shared<ssl::context>(ssl::context::tls_client);
    ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                     ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
    boost::system::error_code ec;
    if (options.ca_file.empty()) {
        ctx->set_default_verify_paths(ec);
        if (ec) return file_error("default CA paths", "(system)", ec);
    } else {
        if (auto r = check_readable("CA", options.ca_file); !r) return std::move(r).error();
        ctx->load_verify_file(options.ca_file, ec);
        if (ec) return file_error("CA", options.ca_file, ec);
    }
    if (!options.cert_file.empty()) {
        ctx->use_certificate_chain_file(options.cert_file, ec);
        if (ec) return file_error("client certificate", options.cert_file, ec);
        ctx->use_private_key_file(options.key_file, ssl::context::pem, ec);
        if (ec) return file_error("client private key", options.key_file, ec);
    }
    ctx->set_verify_mode(options.verify_peer ? ssl::verify_peer : ssl::verify_none);
    return ctx;
}

}  // namespace gw::tls
