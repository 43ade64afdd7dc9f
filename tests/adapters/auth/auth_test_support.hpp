#pragma once
// Shared by the auth tests: an HttpServer in the test (grocer stand-in that checks credentials, or a counting token
// endpoint), a real HttpClient, YAML -> AuthConfig -> scheme, and blocking wrappers around apply().

#include <atomic>
#include <chrono>
#include <future>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>

#include "adapters/auth/factory.hpp"
#include "gateway/config/yaml_reader.hpp"
#include "gateway/http/server.hpp"
#include "gateway/httpclient/blocking_client.hpp"

namespace gw::adapters::auth::testing {

using namespace std::chrono_literals;
using httpclient::HttpRequest;
using httpclient::HttpResponse;

// A gw::http::HttpServer on 127.0.0.1:0 with its own io thread.
class TestServer {
public:
    explicit TestServer(http::Router router) : server_(ioc_, options(), std::move(router)) {
        started_ = server_.start().ok();
        if (started_) thread_ = std::thread([this] { ioc_.run(); });
    }
    ~TestServer() {
        server_.stop();
        ioc_.stop();
        if (thread_.joinable()) thread_.join();
    }
    bool started() const { return started_; }
    std::string url(std::string_view path = "") const {
        return "http://127.0.0.1:" + std::to_string(server_.port()) + std::string(path);
    }

private:
    static http::ServerOptions options() {
        http::ServerOptions o;
        o.port = 0;
        o.stop_timeout = 2s;
        return o;
    }
    boost::asio::io_context ioc_;
    http::HttpServer server_;
    std::thread thread_;
    bool started_ = false;
};

inline std::unique_ptr<httpclient::BlockingHttpClient> make_client() {
    httpclient::ClientOptions options;
    options.total_timeout = 10s;
    options.connect_timeout = 2s;
    auto c = httpclient::BlockingHttpClient::create(options, 2);
    EXPECT_TRUE(c) << c.error().to_string();
    return c ? std::move(*c) : nullptr;
}

// Reads `yaml` (the content of an adapter.yaml `auth:` node) as the factory's caller does.
struct ReadResult {
    AuthConfig config;
    std::vector<Error> errors;
};
inline ReadResult read_yaml(const std::string& yaml, const std::string& file = "vendor/adapter.yaml") {
    config::Diagnostics diagnostics(file);
    ReadResult out;
    auto node = config::parse_yaml(yaml, diagnostics);
    if (node) {
        config::ReadContext ctx{&diagnostics, [](const std::string&) { return std::optional<std::string>(); }, "."};
        config::ObjectReader root(ctx, *node, "");
        root.object("auth", [&](config::ObjectReader& auth) { out.config = read_auth_config(auth); }, true);
        root.finish();
    }
    out.errors = diagnostics.sorted();
    return out;
}

inline std::string messages(const std::vector<Error>& errors) {
    std::string out;
    for (const auto& e : errors) out += e.to_string() + "\n";
    return out;
}

// YAML -> a working scheme, failing the test on any config error.
inline std::shared_ptr<AuthScheme> make_scheme(const std::string& yaml, httpclient::HttpClient& client,
                                               const std::string& base_url, SecretMap secrets,
                                               std::function<std::chrono::steady_clock::time_point()> steady = {},
                                               std::function<std::chrono::system_clock::time_point()> system = {}) {
    auto read = read_yaml(yaml);
    EXPECT_TRUE(read.errors.empty()) << messages(read.errors);
    auto scheme = make_auth(read.config, AuthContext{client, base_url, std::move(secrets), {}, std::move(steady),
                                                     std::move(system)});
    EXPECT_TRUE(scheme) << scheme.error().to_string();
    return scheme ? *scheme : nullptr;
}

// apply() as a blocking call (never on an io thread).
inline Result<HttpRequest> apply_sync(AuthScheme& scheme, HttpRequest request) {
    std::promise<Result<HttpRequest>> promise;
    auto future = promise.get_future();
    scheme.apply(std::move(request), [&promise](Result<HttpRequest> r) { promise.set_value(std::move(r)); });
    if (future.wait_for(15s) != std::future_status::ready) {
        return make_error(ErrorCode::timeout, "apply() never called done");
    }
    return future.get();
}

// apply() then send; returns the response (the scheme has seen it through on_response_for) and whether the scheme
// asked for a repeat.
struct Exchange {
    Result<HttpResponse> response = make_error(ErrorCode::internal, "not sent");
    bool stale = false;
};
inline Exchange send(AuthScheme& scheme, httpclient::BlockingHttpClient& client, HttpRequest request) {
    auto prepared = apply_sync(scheme, std::move(request));
    if (!prepared) return {prepared.error(), false};
    Exchange out;
    out.response = client.request(*prepared);
    if (out.response) out.stale = scheme.on_response_for(*prepared, *out.response);
    return out;
}

// What an adapter step does: send, and on a "stale credentials" answer apply again and repeat once.
inline Result<HttpResponse> send_with_retry(AuthScheme& scheme, httpclient::BlockingHttpClient& client,
                                            const HttpRequest& request) {
    auto first = send(scheme, client, request);
    if (!first.stale) return std::move(first.response);
    return std::move(send(scheme, client, request).response);
}

}  // namespace gw::adapters::auth::testing
