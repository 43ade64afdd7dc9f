#pragma once
// Test support for the HTTP client: our HttpServer on 127.0.0.1:0 (well-behaved servers), a raw Asio acceptor whose
// connections a test scripts byte by byte (misbehaving servers), a tiny forward proxy (CONNECT and absolute-form),
// and the dev certificates. Everything is loopback-only and stops when the test ends.

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <future>
#include <list>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <unistd.h>

#include <gtest/gtest.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>

#include "gateway/http/server.hpp"
#include "gateway/httpclient/blocking_client.hpp"

namespace gw::httpclient::testing {

using tcp = boost::asio::ip::tcp;

inline http::ServerOptions server_options(bool tls = false) {
    http::ServerOptions options;
    options.host = "127.0.0.1";
    options.port = 0;
    options.stop_timeout = std::chrono::milliseconds(3'000);
    options.tls.enabled = tls;
    return options;
}

// An HttpServer run by two io threads.
class TestHttpServer {
public:
    TestHttpServer(http::ServerOptions options, http::Router router)
        : server_(ioc_, std::move(options), std::move(router)) {}
    ~TestHttpServer() {
        auto done = std::make_shared<std::promise<void>>();
        auto stopped = done->get_future();
        server_.stop([done] { done->set_value(); });
        if (!threads_.empty()) stopped.wait_for(std::chrono::seconds(10));
        ioc_.stop();
        for (auto& t : threads_) t.join();
    }
    ::testing::AssertionResult start() {
        auto started = server_.start();
        if (!started) return ::testing::AssertionFailure() << started.error().to_string();
        for (int i = 0; i < 2; ++i) threads_.emplace_back([this] { ioc_.run(); });
        return ::testing::AssertionSuccess();
    }
    std::uint16_t port() const { return server_.port(); }
    std::string url(std::string_view path, std::string_view host = "127.0.0.1") const {
        return "http://" + std::string(host) + ":" +
               std::to_string(port()) + std::string(path);
    }
    std::string https_url(std::string_view path, std::string_view host = "localhost") const {
        return "https://" + std::string(host) + ":" + std::to_string(port()) + std::string(path);
    }

private:
    boost::asio::io_context ioc_;
    http::HttpServer server_;
    std::vector<std::thread> threads_;
};

// Accepts on 127.0.0.1:0 and runs `script` for each connection on its own thread. The script owns the socket; the
// server closes every socket (ending blocked scripts) when destroyed.
class RawServer {
public:
    using Script = std::function<void(tcp::socket&)>;

    explicit RawServer(Script script, int backlog = boost::asio::socket_base::max_listen_connections)
        : acceptor_(ioc_), script_(std::move(script)) {
        tcp::endpoint endpoint(boost::asio::ip::make_address("127.0.0.1"), 0);
        acceptor_.open(endpoint.protocol());
        acceptor_.set_option(boost::asio::socket_base::reuse_address(true));
        acceptor_.bind(endpoint);
        acceptor_.listen(backlog);
        port_ = acceptor_.local_endpoint().port();
    }
    ~RawServer() { stop(); }

    // Starts accepting (a server that never accepts is useful too: see the connect timeout test).
    void serve() {
        accept_thread_ = std::thread([this] {
            for (;;) {
                boost::system::error_code ec;
                auto socket = std::make_shared<tcp::socket>(ioc_);
                acceptor_.accept(*socket, ec);
                if (ec || stopping_) return;
                ++accepted_;
                std::lock_guard lock(mutex_);
                sockets_.push_back(socket);
                workers_.emplace_back([this, socket] {
                    script_(*socket);
                    boost::system::error_code ignored;
                    socket->shutdown(tcp::socket::shutdown_both, ignored);
                    socket->close(ignored);
                });
            }
        });
    }

    void stop() {
        if (stopping_.exchange(true)) return;
        boost::system::error_code ignored;
        // Wake accept() with a connection of our own, then close everything.
        {
            tcp::socket poke(ioc_);
            poke.connect(tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), port_), ignored);
        }
        if (accept_thread_.joinable()) accept_thread_.join();
        acceptor_.close(ignored);
        std::list<std::thread> workers;
        {
            std::lock_guard lock(mutex_);
            for (auto& s : sockets_) {
                s->shutdown(tcp::socket::shutdown_both, ignored);
            }
            workers.swap(workers_);
        }
        for (auto& t : workers) t.join();
    }

    std::uint16_t port() const { return port_; }
    int accepted() const { return accepted_.load(); }
    std::string url(std::string_view path = "/") const {
        return "http://127.0.0.1:" + std::to_string(port_) + std::string(path);
    }

private:
    boost::asio::io_context ioc_;
    tcp::acceptor acceptor_;
    Script script_;
    std::uint16_t port_ = 0;
    std::atomic<bool> stopping_{false};
    std::atomic<int> accepted_{0};
    std::thread accept_thread_;
    std::mutex mutex_;
    std::vector<std::shared_ptr<tcp::socket>> sockets_;
    std::list<std::thread> workers_;
};

// Reads a request header (up to the blank line); "" if the peer closed first.
inline std::string read_head(tcp::socket& socket, boost::asio::streambuf& buffer) {
    boost::system::error_code ec;
    auto n = boost::asio::read_until(socket, buffer, "\r\n\r\n", ec);
    if (ec) return {};
    std::string head(boost::asio::buffers_begin(buffer.data()), boost::asio::buffers_begin(buffer.data()) + n);
    buffer.consume(n);
    return head;
}

inline bool write_all(tcp::socket& socket, std::string_view bytes) {
    boost::system::error_code ec;
    boost::asio::write(socket, boost::asio::buffer(bytes), ec);
    return !ec;
}

// A forward proxy: CONNECT host:port opens a tunnel; an absolute-form request is rewritten to origin-form and sent
// to its origin. Records every request line it saw.
class TestProxy {
public:
    TestProxy()
        : server_([this](tcp::socket& client) { serve(client); }) {
        server_.serve();
    }
    std::string url() const { return "http://127.0.0.1:" + std::to_string(server_.port()); }
    std::vector<std::string> request_lines() {
        std::lock_guard lock(mutex_);
        return lines_;
    }
    void refuse_with(std::string status_line) { refusal_ = std::move(status_line); }

private:
    void serve(tcp::socket& client) {
        boost::asio::streambuf buffer;
        auto head = read_head(client, buffer);
        if (head.empty()) return;
        auto line = head.substr(0, head.find("\r\n"));
        {
            std::lock_guard lock(mutex_);
            lines_.push_back(line);
        }
        if (!refusal_.empty()) {
            write_all(client, refusal_ + "\r\nContent-Length: 0\r\n\r\n");
            return;
        }
        auto sp1 = line.find(' ');
        auto sp2 = line.rfind(' ');
        auto method = line.substr(0, sp1);
        auto target = line.substr(sp1 + 1, sp2 - sp1 - 1);
        std::string authority = target;
        std::string rest_of_head;
        if (method != "CONNECT") {
            // http://host:port/path -> host:port and /path
            auto after_scheme = target.substr(target.find("//") + 2);
            auto slash = after_scheme.find('/');
            authority = after_scheme.substr(0, slash);
            auto path = slash == std::string::npos ? std::string("/") : after_scheme.substr(slash);
            rest_of_head = method + " " + path + line.substr(sp2) + head.substr(line.size());
        }
        auto colon = authority.rfind(':');
        tcp::socket upstream(client.get_executor());
        boost::system::error_code ec;
        upstream.connect(tcp::endpoint(boost::asio::ip::make_address(authority.substr(0, colon) == "localhost"
                                                                        ? std::string("127.0.0.1")
                                                                        : authority.substr(0, colon)),
                                       static_cast<std::uint16_t>(std::stoi(authority.substr(colon + 1)))),
                         ec);
        if (ec) {
            write_all(client, "HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n");
            return;
        }
        if (method == "CONNECT") {
            write_all(client, "HTTP/1.1 200 Connection established\r\n\r\n");
        } else {
            write_all(upstream, rest_of_head);
        }
        if (buffer.size() > 0) {
            std::string pending(boost::asio::buffers_begin(buffer.data()), boost::asio::buffers_end(buffer.data()));
            write_all(upstream, pending);
        }
        std::thread back([&] { pipe(upstream, client); });
        pipe(client, upstream);
        back.join();
    }

    static void pipe(tcp::socket& from, tcp::socket& to) {
        std::array<char, 16 * 1024> data{};
        for (;;) {
            boost::system::error_code ec;
            auto n = from.read_some(boost::asio::buffer(data), ec);
            if (ec || !write_all(to, std::string_view(data.data(), n))) break;
        }
        boost::system::error_code ignored;
        to.shutdown(tcp::socket::shutdown_both, ignored);
        from.shutdown(tcp::socket::shutdown_both, ignored);
    }

    RawServer server_;
    std::mutex mutex_;
    std::vector<std::string> lines_;
    std::string refusal_;
};

// The dev certificates from certs/make-certs, made once per test process.
inline const std::string& cert_dir() {
    static std::once_flag once;
    static std::string dir;
    std::call_once(once, [] {
        auto path = std::filesystem::temp_directory_path() /
                    ("gw-httpclient-certs-" + std::to_string(static_cast<long>(::getpid())));
        std::filesystem::create_directories(path);
        std::string command =
            std::string("'") + GATEWAY_SOURCE_DIR + "/certs/make-certs' '" + path.string() + "' > /dev/null";
        if (std::system(command.c_str()) == 0) dir = path.string();
    });
    return dir;
}

inline std::unique_ptr<BlockingHttpClient> make_client(ClientOptions options = {}) {
    auto client = BlockingHttpClient::create(std::move(options), 2);
    EXPECT_TRUE(client) << (client ? "" : client.error().to_string());
    return client ? std::move(*client) : nullptr;
}

inline std::string describe(const Result<HttpResponse>& r) {
    return r ? "HTTP " + std::to_string(r->status) : r.error().to_string();
}

// The failure kind of a result, or nullopt for a response.
inline std::optional<FailureKind> kind_of(const Result<HttpResponse>& r) {
    if (r) return std::nullopt;
    return failure_kind(r.error());
}

}  // namespace gw::httpclient::testing
