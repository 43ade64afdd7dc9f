// HttpClient over TLS against our HttpServer with the certs/make-certs CA: verification of the chain and of the
// host name, SNI, and client certificates (mTLS).

#include <gtest/gtest.h>

#include "test_servers.hpp"

namespace gw::httpclient {
namespace {

using namespace std::chrono_literals;
using testing::cert_dir;
using testing::describe;
using testing::kind_of;
using testing::make_client;
using testing::TestHttpServer;

class HttpClientTls : public ::testing::Test {
protected:
    void SetUp() override { ASSERT_FALSE(cert_dir().empty()) << "certs/make-certs failed"; }

    static std::string cert(const char* name) { return cert_dir() + "/" + name; }

    static http::ServerOptions tls_server(bool require_client_cert = false, std::string host = "127.0.0.1") {
        auto options = testing::server_options(true);
        options.host = std::move(host);
        options.tls.cert_file = cert("server.pem");
        options.tls.key_file = cert("server.key");
        if (require_client_cert) {
            options.tls.ca_file = cert("ca.pem");
            options.tls.require_client_cert = true;
        }
        return options;
    }

    static http::Router whoami() {
        http::Router router;
        router.get("/whoami", [](const http::Request& req) {
            return http::Response::text(http::Status::ok, req.client_subject.empty() ? "anonymous" : req.client_subject);
        });
        return router;
    }

    static ClientOptions trusting(const char* ca = "ca.pem") {
        ClientOptions options;
        options.tls.ca_file = cert(ca);
        options.connect_timeout = 3s;
        options.total_timeout = 5s;
        return options;
    }
};

TEST_F(HttpClientTls, VerifiedConnectionByNameAndByAddress) {
    TestHttpServer server(tls_server(), whoami());
    ASSERT_TRUE(server.start());
    auto client = make_client(trusting());
    for (auto host : {"localhost", "127.0.0.1"}) {
        auto r = client->request(HttpRequest::get(server.https_url("/whoami", host)));
        ASSERT_TRUE(r) << host << ": " << describe(r);
        EXPECT_EQ(r->status, 200u);
        EXPECT_EQ(r->body, "anonymous");
    }
}

TEST_F(HttpClientTls, WrongHostNameIsRefused) {
    // 127.0.0.2 is loopback too, but the certificate names only localhost, 127.0.0.1 and ::1.
    TestHttpServer server(tls_server(false, "127.0.0.2"), whoami());
    ASSERT_TRUE(server.start());
    auto client = make_client(trusting());
    auto r = client->request(HttpRequest::get(server.https_url("/whoami", "127.0.0.2")));
    ASSERT_EQ(kind_of(r), FailureKind::tls_error) << describe(r);
    EXPECT_NE(r.error().message.find("mismatch"), std::string::npos) << r.error().message;
}

TEST_F(HttpClientTls, UntrustedCaIsRefused) {
    TestHttpServer server(tls_server(), whoami());
    ASSERT_TRUE(server.start());
    auto client = make_client(trusting("other-ca.pem"));
    auto r = client->request(HttpRequest::get(server.https_url("/whoami")));
    ASSERT_EQ(kind_of(r), FailureKind::tls_error) << describe(r);
    EXPECT_NE(r.error().message.find("certificate verify failed"), std::string::npos) << r.error().message;
    EXPECT_FALSE(is_transient(FailureKind::tls_error));
}

TEST_F(HttpClientTls, ClientCertificateIsPresentedForMutualTls) {
    TestHttpServer server(tls_server(true), whoami());
    ASSERT_TRUE(server.start());
    auto options = trusting();
    options.tls.cert_file = cert("client.pem");
    options.tls.key_file = cert("client.key");
    auto client = make_client(options);
    auto r = client->request(HttpRequest::get(server.https_url("/whoami")));
    ASSERT_TRUE(r) << describe(r);
    EXPECT_NE(r->body.find("CN=care-system"), std::string::npos) << r->body;
}

TEST_F(HttpClientTls, MutualTlsWithoutAClientCertificateFails) {
    TestHttpServer server(tls_server(true), whoami());
    ASSERT_TRUE(server.start());
    auto client = make_client(trusting());
    auto r = client->request(HttpRequest::get(server.https_url("/whoami")));
    ASSERT_FALSE(r);
    auto kind = kind_of(r);
    // TLS 1.3 reports the server's refusal after the client's side of the handshake is done, as an alert or a close.
    EXPECT_TRUE(kind == FailureKind::tls_error || kind == FailureKind::connection_reset) << describe(r);
}

TEST_F(HttpClientTls, MissingCaFileIsAConfigurationError) {
    ClientOptions options;
    options.tls.ca_file = "/nonexistent/ca.pem";
    boost::asio::io_context ioc;
    auto client = HttpClient::create(ioc, options);
    ASSERT_FALSE(client);
    EXPECT_EQ(client.error().code, ErrorCode::not_found);
}

}  // namespace
}  // namespace gw::httpclient
