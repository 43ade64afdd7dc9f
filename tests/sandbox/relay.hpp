#pragma once
// The sandbox's public port. Our HttpServer deliberately never hands sockets to handlers, but a grocer sandbox must
// be able to reset a connection or trickle a body. So the public port is this small TCP relay in front of the
// HttpServer (which listens on an internal loopback port): bytes pass through unchanged, except that a response
// carrying the X-Sandbox-Fault header (set by Sandbox::route) is acted on: "reset" closes the client connection
// with RST instead of answering; "trickle=MS" sends the body 16 bytes at a time with MS between the pieces. The
// header itself never reaches the client. One thread per direction per connection: this is a test tool.

#include <atomic>
#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "gateway/core/result.hpp"

namespace sandbox {

class Relay {
public:
    Relay(std::string host, std::uint16_t port, std::uint16_t backend_port);
    ~Relay();
    Relay(const Relay&) = delete;
    Relay& operator=(const Relay&) = delete;

    gw::Result<void> start();
    std::uint16_t port() const { return port_; }
    void stop();

private:
    struct Link;
    void accept_loop();
    void serve(const std::shared_ptr<Link>& link);

    boost::asio::io_context ioc_;  // only for socket objects; all I/O here is blocking
    boost::asio::ip::tcp::acceptor acceptor_;
    std::string host_;
    std::uint16_t port_;
    std::uint16_t backend_port_;
    std::atomic<bool> stopping_{false};
    std::thread accept_thread_;
    std::mutex mutex_;
    std::list<std::weak_ptr<Link>> links_;
    std::list<std::thread> threads_;
};

}  // namespace sandbox
