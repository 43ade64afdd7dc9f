// TLS and mTLS on the HttpServer, with certificates from certs/make-certs.

#include <gtest/gtest.h>

#include "server_harness.hpp"

namespace gw::http {
namespace {

using testing::cert_dir;
using testing::ServerHarness;
using testing::test_options;

class HttpServerTls : public ::testing::Test {
  protected:
    void SetUp() override {
        dir_ = cert_dir();
        ASSERT_FALSE(dir_.empty()) << "certs/make-certs failed";
    }

    std::string file(const char* name) const { return dir_ + "/" + name; }

    ServerOptions tls_options(bool require_client_cert) const {
        auto options = test_options();
        options.tls.enabled = true;
        options.tls.cert_file = file("server.pem");
        options.tls.key_file = file("server.key");
        options.tls.ca_file = file("ca.pem");
        options.tls.require_client_cert = require_client_cert;
        options.handshake_timeout = std::chrono::milliseconds(2'000);
        return options;
    }

    TestClientOptions client_options(const char* cert = nullptr, const char* key = nullptr) const {
        TestClientOptions options;
        tls::ClientTlsOptions tls;
        tls.ca_file = file("ca.pem");
        if (cert) {
            tls.cert_file = file(cert);
            tls.key_file = file(key);
        }
        options.tls = tls;
        return options;
    }

    static Router whoami_router() {
        Router router;
        router.get("/whoami", [](const Request& req) {
            return Response::text(Status::ok, std::string(req.tls ? "tls " : "plain ") + req.client_subject);
        });
        return router;
    }

    // Refused means: the handshake fails, or (TLS 1.3, where the client finishes first) the first request does.
    static bool refused(TestClient& client, std::uint16_t port) {
        if (!client.connect(port)) return true;
        auto response = client.request(Verb::get, "/whoami");
        return !response;
    }

    std::string dir_;
};

TEST_F(HttpServerTls, HandshakeAndRequest) {
    ServerHarness h(tls_options(false), whoami_router());
    ASSERT_TRUE(h.start());
    TestClient client(client_options());
    auto connected = client.connect(h.port());
    ASSERT_TRUE(connected) << connected.error().to_string();
    for (int i = 0; i < 2; ++i) {
        auto response = client.request(Verb::get, "/whoami");
        ASSERT_TRUE(response) << response.error().to_string();
        EXPECT_EQ(response->status, 200U);
        EXPECT_EQ(response->body, "tls ");
    }
}

TEST_F(HttpServerTls, PlainHttpToATlsPortIsClosed) {
    ServerHarness h(tls_options(false), whoami_router());
    ASSERT_TRUE(h.start());
    auto client = h.connect();
    ASSERT_TRUE(client.write("GET /whoami HTTP/1.1\r\nHost: x\r\n\r\n"));
    EXPECT_TRUE(client.wait_closed(std::chrono::milliseconds(5'000)));
}

TEST_F(HttpServerTls, MutualTlsAcceptsAClientCertificateFromOurCa) {
    ServerHarness h(tls_options(true), whoami_router());
    ASSERT_TRUE(h.start());
    TestClient client(client_options("client.pem", "client.key"));
    auto connected = client.connect(h.port());
    ASSERT_TRUE(connected) << connected.error().to_string();
    auto response = client.request(Verb::get, "/whoami");
    ASSERT_TRUE(response) << response.error().to_string();
    EXPECT_EQ(response->status, 200U);
    EXPECT_NE(response->body.find("CN=care-system"), std::string::npos) << response->body;
    EXPECT_NE(response->body.find("O=Care Grocer Gateway Dev"), std::string::npos) << response->body;
}

TEST_F(HttpServerTls, MutualTlsRefusesAClientWithoutCertificate) {
    ServerHarness h(tls_options(true), whoami_router());
    ASSERT_TRUE(h.start());
    TestClient client(client_options());
    EXPECT_TRUE(refused(client, h.port()));
}

TEST_F(HttpServerTls, MutualTlsRefusesACertificateFromAnotherCa) {
    ServerHarness h(tls_options(true), whoami_router());
    ASSERT_TRUE(h.start());
    TestClient client(client_options("other-client.pem", "other-client.key"));
    EXPECT_TRUE(refused(client, h.port()));
}

TEST_F(HttpServerTls, StartFailsOnMissingCertificate) {
    auto options = tls_options(false);
    options.tls.cert_file = dir_ + "/does-not-exist.pem";
    boost::asio::io_context ioc;
    HttpServer server(ioc, options, whoami_router());
    auto started = server.start();
    ASSERT_FALSE(started);
    EXPECT_EQ(started.error().code, ErrorCode::not_found);
}

}  // namespace
}  // namespace gw::http
