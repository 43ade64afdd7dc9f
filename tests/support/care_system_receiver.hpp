#pragma once
// Test support: the care system's side of status reports — an MLLP receiver on a free port that records every
// message it gets and answers each one as the test's script says (an AA/AE/AR ACK built with gateway/hl7, an ACK for
// some other message, silence, or closing the connection). Plain blocking sockets on its own threads, so a test can
// make it misbehave in ways our MllpListener never would.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>

#include "gateway/hl7/ack.hpp"
#include "gateway/hl7/message.hpp"
#include "gateway/mllp/framer.hpp"

namespace gw::testing {

class CareSystemReceiver {
public:
    struct Answer {
        enum class Kind { ack, raw, silence, close } kind = Kind::ack;
        std::string code = "AA";    // ack: MSA-1
        std::string condition;      // ack: ERR-3.1 (HL7 table 0357), empty: no ERR
        std::string text;           // ack: ERR-8
        std::string raw;            // raw: this payload is framed and sent as the answer
        bool close_after = false;   // close the connection after answering
    };
    // Called for each message (its 0-based arrival index); the default answers AA.
    using Script = std::function<Answer(const std::string& message, std::size_t index)>;

    explicit CareSystemReceiver(Script script = {}) : script_(std::move(script)), acceptor_(io_) {
        using boost::asio::ip::tcp;
        tcp::endpoint endpoint(boost::asio::ip::make_address("127.0.0.1"), 0);
        acceptor_.open(endpoint.protocol());
        acceptor_.set_option(tcp::acceptor::reuse_address(true));
        acceptor_.bind(endpoint);
        acceptor_.listen();
        port_ = acceptor_.local_endpoint().port();
        accept_thread_ = std::thread([this] { accept_loop(); });
    }

    ~CareSystemReceiver() {
        stopping_ = true;
        boost::system::error_code ignored;
        {
            // A blocking accept() does not notice close() from another thread: wake it with a connection.
            boost::asio::ip::tcp::socket wake(io_);
            wake.connect({boost::asio::ip::make_address("127.0.0.1"), port_}, ignored);
        }
        if (accept_thread_.joinable()) accept_thread_.join();
        acceptor_.close(ignored);
        {
            std::lock_guard lock(mutex_);
            for (auto& s : sockets_) {
                s->shutdown(boost::asio::ip::tcp::socket::shutdown_both, ignored);
                s->close(ignored);
            }
        }
        for (auto& t : threads_) t.join();
    }

    std::uint16_t port() const { return port_; }

    void set_script(Script script) {
        std::lock_guard lock(mutex_);
        script_ = std::move(script);
    }

    std::vector<std::string> messages() const {
        std::lock_guard lock(mutex_);
        return messages_;
    }
    std::size_t connections() const {
        std::lock_guard lock(mutex_);
        return connections_;
    }

    // Waits until at least `n` messages arrived (or `timeout`); returns them.
    std::vector<std::string> wait_for(std::size_t n, std::chrono::milliseconds timeout = std::chrono::seconds(20)) {
        std::unique_lock lock(mutex_);
        changed_.wait_for(lock, timeout, [&] { return messages_.size() >= n; });
        return messages_;
    }

    // Waits until `pred(messages)` holds (or `timeout`); returns whether it did.
    bool wait_until(const std::function<bool(const std::vector<std::string>&)>& pred,
                    std::chrono::milliseconds timeout = std::chrono::seconds(20)) {
        std::unique_lock lock(mutex_);
        return changed_.wait_for(lock, timeout, [&] { return pred(messages_); });
    }

    // The ACK an HL7 receiver would send for `message`, with MSA-1 `code` (and ERR when `condition` is set).
    static std::string ack_for(const std::string& message, const Answer& a) {
        auto parsed = hl7::parse(message, hl7::ParseOptions{.strict = false, .charset = {}});
        if (!parsed) return "MSH|^~\\&|CARE|SYS|||20260101000000||ACK|X1|P|2.5\rMSA|AR|\r";
        std::vector<hl7::AckIssue> issues;
        if (!a.condition.empty()) {
            hl7::AckIssue issue;
            issue.condition = static_cast<hl7::ErrorCondition>(std::stoi(a.condition));
            issue.text = a.text;
            issues.push_back(issue);
        }
        hl7::AckCode code = hl7::AckCode::AA;
        for (auto c : {hl7::AckCode::AA, hl7::AckCode::AE, hl7::AckCode::AR, hl7::AckCode::CA, hl7::AckCode::CE,
                       hl7::AckCode::CR}) {
            if (hl7::to_string(c) == a.code) code = c;
        }
        hl7::AckContext context{"CARE", "SYS", hl7::new_control_id(), std::chrono::system_clock::now()};
        return hl7::build_ack(*parsed, code, issues, context).encode();
    }

private:
    using Socket = boost::asio::ip::tcp::socket;

    void accept_loop() {
        while (!stopping_) {
            auto socket = std::make_shared<Socket>(io_);
            boost::system::error_code ec;
            acceptor_.accept(*socket, ec);
            if (stopping_) return;
            if (ec) continue;
            std::lock_guard lock(mutex_);
            ++connections_;
            sockets_.push_back(socket);
            threads_.emplace_back([this, socket] { serve(socket); });
        }
    }

    void serve(const std::shared_ptr<Socket>& socket) {
        mllp::MllpFramer framer;
        char buf[4096];
        for (;;) {
            boost::system::error_code ec;
            const std::size_t n = socket->read_some(boost::asio::buffer(buf), ec);
            if (ec) return;
            std::string_view input(buf, n);
            while (!input.empty()) {
                auto step = framer.feed(input);
                input.remove_prefix(step.consumed);
                if (!step.event || step.event->is_error()) continue;
                Answer answer;
                {
                    std::lock_guard lock(mutex_);
                    const std::size_t index = messages_.size();
                    messages_.push_back(step.event->payload);
                    if (script_) answer = script_(step.event->payload, index);
                }
                changed_.notify_all();
                if (!respond(*socket, step.event->payload, answer)) return;
            }
        }
    }

    // False when the connection was closed.
    bool respond(Socket& socket, const std::string& message, const Answer& answer) {
        boost::system::error_code ec;
        switch (answer.kind) {
            case Answer::Kind::silence:
                break;
            case Answer::Kind::close:
                socket.shutdown(Socket::shutdown_both, ec);
                socket.close(ec);
                return false;
            case Answer::Kind::raw:
                boost::asio::write(socket, boost::asio::buffer(mllp::frame(answer.raw)), ec);
                break;
            case Answer::Kind::ack:
                boost::asio::write(socket, boost::asio::buffer(mllp::frame(ack_for(message, answer))), ec);
                break;
        }
        if (answer.close_after) {
            socket.shutdown(Socket::shutdown_both, ec);
            socket.close(ec);
            return false;
        }
        return !ec;
    }

    Script script_;
    boost::asio::io_context io_;
    boost::asio::ip::tcp::acceptor acceptor_;
    std::uint16_t port_ = 0;
    std::atomic<bool> stopping_{false};
    std::thread accept_thread_;
    mutable std::mutex mutex_;
    std::condition_variable changed_;
    std::vector<std::string> messages_;
    std::size_t connections_ = 0;
    std::list<std::shared_ptr<Socket>> sockets_;
    std::list<std::thread> threads_;
};

}  // namespace gw::testing
