// MLLP over TLS and mutual TLS, with certificates from certs/make-certs.
#include <chrono>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/gateway/mllp/test_support.hpp"

namespace gw::mllp::testing {
namespace {

using ::testing::HasSubstr;

class MllpTlsTest : public ListenerFixture {
  protected:
    void SetUp() override { ASSERT_TRUE(certs().ok()) << "certs/make-certs failed"; }

    static const DevCerts& certs() { return DevCerts::get(); }

    ListenerOptions tls_options(bool mutual) const {
        auto o = default_options();
        o.tls.enabled = true;
        o.tls.cert_file = certs().path("server.pem");
        o.tls.key_file = certs().path("server.key");
        if (mutual) {
            o.tls.ca_file = certs().path("ca.pem");
            o.tls.require_client_cert = true;
        }
        return o;
    }

    ClientOptions tls_client(const char* cert = nullptr, const char* key = nullptr) const {
        auto o = client_options();
        o.tls = true;
        o.tls_options.ca_file = certs().path("ca.pem");
        if (cert != nullptr) {
            o.tls_options.cert_file = certs().path(cert);
            o.tls_options.key_file = certs().path(key);
        }
        return o;
    }

    // A refused mTLS client may see its handshake succeed (TLS 1.3 verifies the client after the client's Finished)
    // and learn of the refusal on its first read; either way no frame gets through.
    void expect_refused(ClientOptions options) {
        MllpClient client(std::move(options));
        auto connected = client.connect();
        if (connected) {
            auto response = client.exchange("MSH|should not pass");
            EXPECT_FALSE(response) << "got a response: " << *response;
        }
        EXPECT_TRUE(handler_->frames().empty());
    }
};

TEST_F(MllpTlsTest, ServerTls) {
    start_listener(tls_options(false));
    auto client = connected_client(tls_client());
    auto response = client.exchange("MSH|tls");
    ASSERT_TRUE(response) << response.error().to_string();
    EXPECT_EQ(*response, "ACK:MSH|tls");
    auto peers = handler_->peers();
    ASSERT_EQ(peers.size(), 1u);
    EXPECT_TRUE(peers[0].tls);
    EXPECT_TRUE(peers[0].client_cert_subject.empty());
}

TEST_F(MllpTlsTest, ServerNameIsVerifiedByTheClient) {
    start_listener(tls_options(false));
    auto options = tls_client();
    options.tls_server_name = "localhost";
    auto client = connected_client(options);
    EXPECT_TRUE(client.exchange("by name"));

    options.tls_server_name = "somebody-else.example";
    MllpClient wrong_name(options);
    auto refused = wrong_name.connect();
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().code, ErrorCode::io_error);
}

TEST_F(MllpTlsTest, ClientRefusesAServerFromAnotherCa) {
    start_listener(tls_options(false));
    auto options = tls_client();
    options.tls_options.ca_file = certs().path("other-ca.pem");
    MllpClient client(options);
    auto refused = client.connect();
    ASSERT_FALSE(refused);
    EXPECT_THAT(refused.error().message, HasSubstr("TLS handshake"));
}

TEST_F(MllpTlsTest, PipelinedAndSplitFramesOverTls) {
    start_listener(tls_options(false));
    auto client = connected_client(tls_client());
    const std::string burst = frame("a") + frame("b") + frame("c");
    ASSERT_TRUE(client.send_raw(burst.substr(0, 5)));
    ASSERT_TRUE(client.send_raw(burst.substr(5)));
    EXPECT_EQ(receive_text(client), "ACK:a");
    EXPECT_EQ(receive_text(client), "ACK:b");
    EXPECT_EQ(receive_text(client), "ACK:c");
}

TEST_F(MllpTlsTest, MutualTlsAcceptsAClientFromTheDevCa) {
    start_listener(tls_options(true));
    auto client = connected_client(tls_client("client.pem", "client.key"));
    auto response = client.exchange("MSH|mtls");
    ASSERT_TRUE(response) << response.error().to_string();
    EXPECT_EQ(*response, "ACK:MSH|mtls");
    auto peers = handler_->peers();
    ASSERT_EQ(peers.size(), 1u);
    EXPECT_THAT(peers[0].client_cert_subject, HasSubstr("CN=care-system"));
}

TEST_F(MllpTlsTest, MutualTlsRefusesAClientWithoutCertificate) {
    start_listener(tls_options(true));
    expect_refused(tls_client());
}

TEST_F(MllpTlsTest, MutualTlsRefusesAClientFromAnotherCa) {
    start_listener(tls_options(true));
    expect_refused(tls_client("other-client.pem", "other-client.key"));
}

TEST_F(MllpTlsTest, PlainClientOnATlsListenerIsClosedAfterTheHandshakeTimeout) {
    auto options = tls_options(false);
    options.tls_handshake_timeout = 200ms;
    start_listener(options);
    auto client = connected_client();  // plain TCP, says nothing
    const auto started = std::chrono::steady_clock::now();
    auto response = client.receive();
    ASSERT_FALSE(response);
    EXPECT_EQ(response.error().code, ErrorCode::io_error);
    EXPECT_LT(std::chrono::steady_clock::now() - started, 5s);
}

TEST_F(MllpTlsTest, MissingCertificateFileIsAnErrorAtCreate) {
    auto options = tls_options(false);
    options.tls.cert_file = certs().path("does-not-exist.pem");
    auto created = MllpListener::create(io_.context(), options, handler_);
    ASSERT_FALSE(created);
    EXPECT_EQ(created.error().code, ErrorCode::not_found);
}

}  // namespace
}  // namespace gw::mllp::testing
