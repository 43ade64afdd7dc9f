#include "relay.hpp"

#include <array>
#include <charconv>
#include <chrono>

#include <sys/socket.h>

#include <boost/asio/read.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/string.hpp>

#include <fmt/format.h>

#include "sandbox.hpp"

namespace sandbox {

namespace net = boost::asio;
using tcp = net::ip::tcp;
using error_code = boost::system::error_code;

struct Relay::Link {
    explicit Link(net::io_context& ioc) : client(ioc), backend(ioc) {}
    tcp::socket client;
    tcp::socket backend;
    std::mutex mutex;     // closing from the other direction's thread or from stop()
    bool reset = false;   // the client gets RST: never FIN first

    void close_both() {
        std::lock_guard lock(mutex);
        error_code ignored;
        if (!reset) client.shutdown(tcp::socket::shutdown_both, ignored);
        backend.shutdown(tcp::socket::shutdown_both, ignored);
    }

    // RST needs the socket's last reference to close with SO_LINGER 0, but the client-to-backend thread is blocked
    // reading it: stop its reads (SHUT_RD sends nothing), and that thread closes the socket (finish_reader).
    void begin_reset() {
        std::lock_guard lock(mutex);
        reset = true;
        error_code ignored;
        client.set_option(net::socket_base::linger(true, 0), ignored);
        ::shutdown(client.native_handle(), SHUT_RD);
    }

    void finish_reader() {
        {
            std::lock_guard lock(mutex);
            error_code ignored;
            if (reset) client.close(ignored);
        }
        close_both();
    }
};

namespace {

bool write_all(tcp::socket& socket, std::string_view bytes) {
    error_code ec;
    net::write(socket, net::buffer(bytes), ec);
    return !ec;
}

// Value of a header in a raw response head, "" when absent. Header names are matched case-insensitively.
std::string header_value(std::string_view head, std::string_view name) {
    std::size_t pos = head.find("\r\n");
    while (pos != std::string_view::npos && pos + 2 < head.size()) {
        auto start = pos + 2;
        auto end = head.find("\r\n", start);
        if (end == std::string_view::npos || end == start) break;
        auto line = head.substr(start, end - start);
        auto colon = line.find(':');
        if (colon != std::string_view::npos && boost::beast::iequals(line.substr(0, colon), name)) {
            auto value = line.substr(colon + 1);
            while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
            return std::string(value);
        }
        pos = end;
    }
    return {};
}

std::string without_header(std::string_view head, std::string_view name) {
    std::string out;
    std::size_t start = 0;
    while (start < head.size()) {
        auto end = head.find("\r\n", start);
        auto line = head.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start + 2);
        auto colon = line.find(':');
        bool drop = start > 0 && colon != std::string_view::npos && boost::beast::iequals(line.substr(0, colon), name);
        if (!drop) out += line;
        if (end == std::string_view::npos) break;
        start = end + 2;
    }
    return out;
}

}  // namespace

Relay::Relay(std::string host, std::uint16_t port, std::uint16_t backend_port)
    : acceptor_(ioc_), host_(std::move(host)), port_(port), backend_port_(backend_port) {}

Relay::~Relay() { stop(); }

gw::Result<void> Relay::start() {
    error_code ec;
    auto address = net::ip::make_address(host_, ec);
    if (ec) return gw::make_error(gw::ErrorCode::invalid_value, fmt::format("'{}' is not an IP address", host_));
    tcp::endpoint endpoint(address, port_);
    acceptor_.open(endpoint.protocol(), ec);
    if (!ec) acceptor_.set_option(net::socket_base::reuse_address(true), ec);
    if (!ec) acceptor_.bind(endpoint, ec);
    if (!ec) acceptor_.listen(net::socket_base::max_listen_connections, ec);
    if (ec) {
        return gw::make_error(gw::ErrorCode::io_error,
                              fmt::format("cannot listen on {}:{}: {}", host_, port_, ec.message()));
    }
    port_ = acceptor_.local_endpoint().port();
    accept_thread_ = std::thread([this] { accept_loop(); });
    return {};
}

void Relay::accept_loop() {
    for (;;) {
        auto link = std::make_shared<Link>(ioc_);
        error_code ec;
        acceptor_.accept(link->client, ec);
        if (stopping_) return;
        if (ec) {
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
            continue;
        }
        link->backend.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), backend_port_), ec);
        if (ec) continue;
        // A relay must not add Nagle delays of its own to small request/response exchanges.
        link->client.set_option(tcp::no_delay(true), ec);
        link->backend.set_option(tcp::no_delay(true), ec);
        std::lock_guard lock(mutex_);
        links_.remove_if([](const std::weak_ptr<Link>& w) { return w.expired(); });
        links_.push_back(link);
        // Client to backend: bytes as they come.
        threads_.emplace_back([link] {
            std::array<char, 16 * 1024> data{};
            for (;;) {
                error_code read_ec;
                auto n = link->client.read_some(net::buffer(data), read_ec);
                if (read_ec || !write_all(link->backend, std::string_view(data.data(), n))) break;
            }
            link->finish_reader();
        });
        threads_.emplace_back([this, link] { serve(link); });
    }
}

// Backend to client, one response at a time (HttpServer always sends Content-Length).
void Relay::serve(const std::shared_ptr<Link>& link) {
    net::streambuf buffer;
    for (;;) {
        error_code ec;
        auto n = net::read_until(link->backend, buffer, "\r\n\r\n", ec);
        if (ec) break;
        std::string head(net::buffers_begin(buffer.data()), net::buffers_begin(buffer.data()) + static_cast<long>(n));
        buffer.consume(n);
        auto fault = header_value(head, fault_header);
        std::size_t length = 0;
        auto length_text = header_value(head, "Content-Length");
        std::from_chars(length_text.data(), length_text.data() + length_text.size(), length);
        if (buffer.size() < length) net::read(link->backend, buffer, net::transfer_exactly(length - buffer.size()), ec);
        if (ec) break;
        std::string body(net::buffers_begin(buffer.data()), net::buffers_begin(buffer.data()) + static_cast<long>(length));
        buffer.consume(length);

        if (fault == "reset") {
            link->begin_reset();
            break;
        }
        if (!write_all(link->client, fault.empty() ? head : without_header(head, fault_header))) break;
        if (fault.starts_with("trickle=")) {
            int pause = 0;
            std::from_chars(fault.data() + 8, fault.data() + fault.size(), pause);
            bool ok = true;
            for (std::size_t at = 0; ok && at < body.size(); at += 16) {
                ok = write_all(link->client, std::string_view(body).substr(at, 16));
                std::this_thread::sleep_for(std::chrono::milliseconds(pause));
            }
            if (!ok) break;
        } else if (!write_all(link->client, body)) {
            break;
        }
    }
    link->close_both();
}

void Relay::stop() {
    if (stopping_.exchange(true)) return;
    error_code ignored;
    // A blocked accept() does not return when the acceptor is closed; a connection of our own wakes it.
    if (accept_thread_.joinable()) {
        tcp::socket poke(ioc_);
        poke.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port_), ignored);
        accept_thread_.join();
    }
    acceptor_.close(ignored);
    std::list<std::thread> threads;
    {
        std::lock_guard lock(mutex_);
        for (auto& weak : links_) {
            if (auto link = weak.lock()) link->close_both();
        }
        threads.swap(threads_);
    }
    for (auto& t : threads) t.join();
}

}  // namespace sandbox
