#include "gateway/httpclient/http_client.hpp"

#include <atomic>
#include <map>
#include <mutex>

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core/string.hpp>

#include <fmt/format.h>

#include "gateway/httpclient/content_decoding.hpp"
#include "gateway/httpclient/origin.hpp"

namespace gw::httpclient {

namespace net = boost::asio;
namespace bhttp = boost::beast::http;
using error_code = boost::system::error_code;
using detail::ClientConfig;
using detail::Connection;
using detail::ExchangeOutcome;
using detail::HostPool;
using detail::WireRequest;

struct HttpClient::State {
    State(net::io_context& io, std::shared_ptr<const ClientConfig> c) : ioc(io), config(std::move(c)) {}

    net::io_context& ioc;
    const std::shared_ptr<const ClientConfig> config;

    std::mutex mutex;
    std::map<std::string, std::shared_ptr<HostPool>> pools;
    bool shut_down = false;

    // nullptr after shutdown().
    std::shared_ptr<HostPool> pool_for(const Origin& origin, bool via_proxy) {
        auto key = via_proxy ? origin.key() + " via proxy" : origin.key();
        std::lock_guard lock(mutex);
        if (shut_down) return nullptr;
        auto& pool = pools[key];
        if (!pool) pool = std::make_shared<HostPool>(ioc, config, origin, via_proxy);
        return pool;
    }
};

namespace {

long long millis(std::chrono::milliseconds d) { return static_cast<long long>(d.count()); }

bool is_redirect(unsigned status) {
    return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

// RFC 9110 idempotent methods, or a request the server can recognise as a repeat.
bool safe_to_resend(const HttpRequest& request) {
    switch (request.method) {
        case Verb::get:
        case Verb::head:
        case Verb::options:
        case Verb::put:
        case Verb::delete_:
        case Verb::trace:
            return true;
        default:
            return request.headers.find("Idempotency-Key") != request.headers.end() ||
                   request.headers.find("X-Idempotency-Key") != request.headers.end();
    }
}

// One request from request() to its callback: URL, pool, connection, retry, redirects, decoding, total deadline.
class Exchange : public std::enable_shared_from_this<Exchange> {
public:
    Exchange(std::shared_ptr<HttpClient::State> state, HttpRequest request, HttpClient::Callback callback)
        : state_(std::move(state)),
          request_(std::move(request)),
          callback_(std::move(callback)),
          strand_(net::make_strand(state_->ioc)),
          deadline_(strand_) {}

    void start() {
        net::post(strand_, [self = shared_from_this()] { self->on_start(); });
    }

private:
    const ClientOptions& options() const { return state_->config->options; }

    void on_start() {
        auto total = request_.total_timeout.value_or(options().total_timeout);
        deadline_.expires_after(total);
        deadline_.async_wait([self = shared_from_this(), total](const error_code& ec) {
            if (!ec) self->on_deadline(total);
        });
        auto target = parse_target(request_.url);
        if (!target) return complete(std::move(target).error());
        target_ = std::move(*target);
        send(false);
    }

    bool via_proxy() const {
        return state_->config->proxy && !bypasses_proxy(options().no_proxy, target_.origin.host);
    }

    std::shared_ptr<const WireRequest> wire_request() const {
        auto wire = std::make_shared<WireRequest>();
        wire->method(request_.method);
        // Plain http through a proxy: the proxy needs the absolute URL; everything else is origin-form.
        bool absolute = via_proxy() && !target_.origin.tls;
        wire->target(absolute ? target_.url : target_.path_and_query);
        wire->version(11);
        for (const auto& field : request_.headers) wire->insert(field.name_string(), field.value());
        if (wire->find(bhttp::field::host) == wire->end()) wire->set(bhttp::field::host, target_.origin.authority());
        if (wire->find(bhttp::field::user_agent) == wire->end() && !options().user_agent.empty()) {
            wire->set(bhttp::field::user_agent, options().user_agent);
        }
        if (options().decode_content && wire->find(bhttp::field::accept_encoding) == wire->end()) {
            wire->set(bhttp::field::accept_encoding, "gzip, deflate");
        }
        if (absolute && !state_->config->proxy->authorization.empty()) {
            wire->set(bhttp::field::proxy_authorization, state_->config->proxy->authorization);
        }
        wire->body() = request_.body;
        wire->prepare_payload();
        return wire;
    }

    void send(bool fresh) {
        bool proxied = via_proxy();
        auto pool = state_->pool_for(target_.origin, proxied);
        if (!pool) return complete(make_failure(FailureKind::cancelled, "the HTTP client was shut down", target_.url));
        auto wire = wire_request();
        std::weak_ptr<Exchange> weak = weak_from_this();
        HostPool::Lease lease;
        lease.wanted = [weak] {
            auto self = weak.lock();
            return self && !self->finished_.load();
        };
        lease.grant = [self = shared_from_this(), pool, wire](std::shared_ptr<Connection> connection) {
            self->on_connection(pool, std::move(connection), wire);
        };
        lease.cancelled = [self = shared_from_this()] {
            self->complete(make_failure(FailureKind::cancelled, "the HTTP client was shut down", self->target_.url));
        };
        pool->acquire(std::move(lease), fresh);
    }

    void on_connection(const std::shared_ptr<HostPool>& pool, std::shared_ptr<Connection> connection,
                       std::shared_ptr<const WireRequest> wire) {
        bool abandoned = false;
        {
            // Under the lock so that on_deadline() either sees this connection (and aborts it) or we see finished_.
            std::lock_guard lock(mutex_);
            abandoned = finished_.load();
            if (!abandoned) active_ = connection;
        }
        if (abandoned) return pool->release(connection, true);
        connection->start(std::move(wire), target_.url,
                          [self = shared_from_this(), pool, connection](Result<HttpResponse> result,
                                                                       ExchangeOutcome outcome) {
                              pool->release(connection, outcome.reusable);
                              {
                                  std::lock_guard lock(self->mutex_);
                                  self->active_.reset();
                              }
                              net::post(self->strand_, [self, result = std::move(result), outcome]() mutable {
                                  self->on_exchange(std::move(result), outcome);
                              });
                          });
    }

    void on_exchange(Result<HttpResponse> result, ExchangeOutcome outcome) {
        if (finished_.load()) return;
        if (!result) {
            auto kind = failure_kind(result.error());
            if (kind == FailureKind::connection_reset && outcome.reused && !outcome.response_started && !retried_ &&
                safe_to_resend(request_)) {
                retried_ = true;
                return send(true);
            }
            return complete(std::move(result));
        }
        auto& response = *result;
        if (options().max_redirects > 0 && is_redirect(response.status)) {
            auto location = response.header("Location");
            if (!location.empty()) return follow(response.status, location);
        }
        response.redirects = redirects_;
        if (options().decode_content) {
            auto encoding = response.header("Content-Encoding");
            if (!encoding.empty()) {
                auto decoded = decode_content(encoding, std::move(response.body), options().max_decoded_bytes);
                if (!decoded) {
                    auto error = std::move(decoded).error();
                    error.where.path = target_.url;
                    return complete(std::move(error));
                }
                response.body = std::move(*decoded);
                response.headers.erase(bhttp::field::content_encoding);
                response.headers.erase(bhttp::field::content_length);
            }
        }
        complete(std::move(result));
    }

    void follow(unsigned status, const std::string& location) {
        if (redirects_ >= options().max_redirects) {
            return complete(make_failure(FailureKind::protocol_error,
                                         fmt::format("more than {} redirects", options().max_redirects),
                                         target_.url));
        }
        auto next_url = resolve_location(target_.url, location);
        if (!next_url) return complete(std::move(next_url).error());
        auto next = parse_target(*next_url);
        if (!next) return complete(std::move(next).error());
        ++redirects_;
        if (status == 303 || ((status == 301 || status == 302) && request_.method == Verb::post)) {
            request_.method = Verb::get;
            request_.body.clear();
            request_.headers.erase(bhttp::field::content_type);
        }
        if (next->origin.key() != target_.origin.key()) {
            // Credentials belong to the origin they were meant for.
            request_.headers.erase(bhttp::field::authorization);
            request_.headers.erase(bhttp::field::cookie);
        }
        request_.headers.erase(bhttp::field::host);
        target_ = std::move(*next);
        retried_ = false;
        send(false);
    }

    void on_deadline(std::chrono::milliseconds total) {
        complete(make_failure(FailureKind::timeout,
                              fmt::format("no response within {} ms (total_timeout)", millis(total)),
                              target_.url.empty() ? request_.url : target_.url));
        std::shared_ptr<Connection> active;
        {
            std::lock_guard lock(mutex_);
            active = active_;
        }
        if (active) active->abort();
    }

    void complete(Result<HttpResponse> result) {
        if (finished_.exchange(true)) return;
        net::post(strand_, [self = shared_from_this()] { self->deadline_.cancel(); });
        auto callback = std::move(callback_);
        callback_ = nullptr;
        if (callback) callback(std::move(result));
    }

    std::shared_ptr<HttpClient::State> state_;
    HttpRequest request_;
    HttpClient::Callback callback_;
    net::strand<net::io_context::executor_type> strand_;
    net::steady_timer deadline_;
    std::atomic<bool> finished_{false};

    std::mutex mutex_;
    std::shared_ptr<Connection> active_;

    Target target_;
    unsigned redirects_ = 0;
    bool retried_ = false;
};

}  // namespace

Result<std::unique_ptr<HttpClient>> HttpClient::create(net::io_context& ioc, ClientOptions options) {
    if (options.max_connections_per_host == 0) {
        return make_error(ErrorCode::invalid_value, "HTTP client max_connections_per_host must be at least 1");
    }
    for (auto timeout : {options.connect_timeout, options.request_timeout, options.total_timeout}) {
        if (timeout.count() <= 0) return make_error(ErrorCode::invalid_value, "HTTP client timeouts must be positive");
    }
    auto config = std::make_shared<ClientConfig>();
    auto proxy = parse_proxy(options.proxy);
    if (!proxy) return std::move(proxy).error();
    config->proxy = std::move(*proxy);
    auto ssl = tls::make_client_context(options.tls);
    if (!ssl) return std::move(ssl).error();
    config->ssl = std::move(*ssl);
    config->options = std::move(options);
    auto state = std::make_shared<State>(ioc, std::move(config));
    return std::unique_ptr<HttpClient>(new HttpClient(std::move(state)));
}

HttpClient::HttpClient(std::shared_ptr<State> state) : state_(std::move(state)) {}

HttpClient::~HttpClient() { shutdown(); }

void HttpClient::request(HttpRequest request, Callback callback) {
    std::make_shared<Exchange>(state_, std::move(request), std::move(callback))->start();
}

void HttpClient::shutdown() {
    std::map<std::string, std::shared_ptr<HostPool>> pools;
    {
        std::lock_guard lock(state_->mutex);
        state_->shut_down = true;
        pools.swap(state_->pools);
    }
    for (auto& [key, pool] : pools) pool->shutdown();
}

PoolStats HttpClient::stats() const {
    PoolStats total;
    std::lock_guard lock(state_->mutex);
    for (const auto& [key, pool] : state_->pools) {
        auto s = pool->stats();
        total.open += s.open;
        total.idle += s.idle;
        total.waiting += s.waiting;
        total.connections_opened += s.connections_opened;
    }
    return total;
}

const ClientOptions& HttpClient::options() const { return state_->config->options; }

}  // namespace gw::httpclient
