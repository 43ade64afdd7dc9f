// mllp_ack_server: the gateway's inbound path alone, for load tests — MllpListener -> HL7 intake -> a sink -> ACK,
// on 127.0.0.1. No HTTP, no mapping, no outbox: it measures how fast an MLLP peer gets its ACKs, and (with a SQLite
// sink) how fast the gateway can make messages durable before acknowledging them.
//
//   mllp_ack_server PORT THREADS SINK [--log-level LEVEL] [--queue N]
//     PORT     0 = any free port; the port in use is printed as "listening PORT" on stdout
//     THREADS  threads running the io_context (the listener and the HL7 intake)
//     SINK     memory                 InMemorySink (keeps every message in RAM, nothing durable)
//              sqlite:PATH            SqliteStore (WAL, synchronous=FULL: fsync per commit) + GroupCommitSink
//              sqlite-nobatch:PATH    the same with max_batch = 1: one transaction (one fsync) per message
//     --log-level  gateway log level on stderr (default info, as in config/gateway.yaml: one line per message)
//     --queue      GroupCommitSink queue capacity (default 4096, the store's default)
//
// Runs until SIGTERM or SIGINT, then stops gracefully (responses already owed are written, the sink's queue is
// committed) and prints one stats line on stdout and exits 0:
//   STATS sink=... stored=N acks=N acks_aa=N batches=N largest_batch=N failed_batches=N vm_hwm_kb=N
// `stored` is counted in the sink itself after shutdown (SQLite: rows in inbound_message, read back from the file),
// `acks` are the ACKs the intake handed to the transport, `acks_aa` those with MSA-1 = AA/CA.

#include <atomic>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include "gateway/app/hl7_frame_handler.hpp"
#include "gateway/ingest/in_memory_sink.hpp"
#include "gateway/log/log.hpp"
#include "gateway/mllp/listener.hpp"
#include "gateway/store/group_commit_sink.hpp"
#include "gateway/store/sqlite_store.hpp"

namespace {

namespace asio = boost::asio;

struct AckCounters {
    std::atomic<std::uint64_t> acks{0};
    std::atomic<std::uint64_t> accepted{0};
};

// True when an ER7 ACK's MSA-1 is AA or CA.
bool is_positive_ack(std::string_view ack) {
    const auto msa = ack.find("\rMSA");
    if (msa == std::string_view::npos || msa + 7 > ack.size()) return false;
    const auto code = ack.substr(msa + 5, 2);
    return code == "AA" || code == "CA";
}

// The gateway's own Hl7FrameHandler, with a count of the ACKs it sends.
class CountingHandler final : public gw::mllp::FrameHandler {
public:
    CountingHandler(gw::hl7::IntakeConfig config, gw::ingest::MessageSink& sink, AckCounters& counters)
        : inner_(std::move(config), sink), counters_(counters) {}

    void on_frame(std::string payload, const gw::mllp::PeerInfo& peer, gw::mllp::Reply reply) override {
        inner_.on_frame(std::move(payload), peer, wrap(std::move(reply)));
    }
    void on_frame_error(const gw::Error& error, std::string_view prefix, const gw::mllp::PeerInfo& peer,
                        gw::mllp::Reply reply) override {
        inner_.on_frame_error(error, prefix, peer, wrap(std::move(reply)));
    }
    bool ready() const override { return inner_.ready(); }

private:
    gw::mllp::Reply wrap(gw::mllp::Reply reply) {
        return [reply = std::move(reply), &c = counters_](std::string ack) {
            c.acks.fetch_add(1, std::memory_order_relaxed);
            if (is_positive_ack(ack)) c.accepted.fetch_add(1, std::memory_order_relaxed);
            reply(std::move(ack));
        };
    }

    gw::app::Hl7FrameHandler inner_;
    AckCounters& counters_;
};

long vm_hwm_kb() {
    std::ifstream status("/proc/self/status");
    std::string line;
    while (std::getline(status, line)) {
        if (line.rfind("VmHWM:", 0) == 0) return std::atol(line.c_str() + 6);
    }
    return -1;
}

int usage(const char* argv0) {
    std::fprintf(stderr,
                 "usage: %s PORT THREADS memory|sqlite:PATH|sqlite-nobatch:PATH [--log-level LEVEL] [--queue N]\n",
                 argv0);
    return 2;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 4) return usage(argv[0]);
    const long port = std::strtol(argv[1], nullptr, 10);
    const long threads = std::strtol(argv[2], nullptr, 10);
    const std::string sink_spec = argv[3];
    if (port < 0 || port > 65535 || threads < 1 || threads > 256) return usage(argv[0]);
    gw::log::Options log_options;
    std::size_t queue_capacity = gw::store::GroupCommitSinkOptions{}.queue_capacity;
    for (int i = 4; i < argc; i += 2) {
        const std::string_view flag = argv[i];
        if (i + 1 >= argc) return usage(argv[0]);
        if (flag == "--log-level") {
            const auto level = gw::log::parse_level(argv[i + 1]);
            if (!level) return usage(argv[0]);
            log_options.level = *level;
        } else if (flag == "--queue") {
            const long n = std::strtol(argv[i + 1], nullptr, 10);
            if (n < 1) return usage(argv[0]);
            queue_capacity = static_cast<std::size_t>(n);
        } else {
            return usage(argv[0]);
        }
    }
    gw::log::init(log_options);

    // The sink: in memory, or SQLite behind the group-commit writer (max_batch 1 = one transaction per message).
    std::unique_ptr<gw::ingest::InMemorySink> memory;
    std::unique_ptr<gw::store::SqliteStore> store;
    std::unique_ptr<gw::store::GroupCommitSink> group;
    gw::ingest::MessageSink* sink = nullptr;
    std::string db_path;
    if (sink_spec == "memory") {
        memory = std::make_unique<gw::ingest::InMemorySink>();
        sink = memory.get();
    } else if (sink_spec.rfind("sqlite:", 0) == 0 || sink_spec.rfind("sqlite-nobatch:", 0) == 0) {
        const bool batch = sink_spec.rfind("sqlite:", 0) == 0;
        db_path = sink_spec.substr(sink_spec.find(':') + 1);
        if (db_path.empty()) return usage(argv[0]);
        gw::store::SqliteStoreOptions so;
        so.path = db_path;
        auto opened = gw::store::SqliteStore::open(std::move(so));
        if (!opened) {
            std::fprintf(stderr, "cannot open %s: %s\n", db_path.c_str(), opened.error().to_string().c_str());
            return 1;
        }
        store = std::move(opened).value();
        gw::store::GroupCommitSinkOptions go;
        go.queue_capacity = queue_capacity;
        go.max_batch = batch ? gw::store::GroupCommitSinkOptions{}.max_batch : 1;
        group = std::make_unique<gw::store::GroupCommitSink>(*store, std::move(go));
        sink = group.get();
    } else {
        return usage(argv[0]);
    }

    asio::io_context io(static_cast<int>(threads));
    AckCounters counters;
    gw::hl7::IntakeConfig intake;
    intake.channel = "bench";
    auto handler = std::make_shared<CountingHandler>(std::move(intake), *sink, counters);
    gw::mllp::ListenerOptions lo;
    lo.name = "bench";
    lo.host = "127.0.0.1";
    lo.port = static_cast<std::uint16_t>(port);
    auto created = gw::mllp::MllpListener::create(io, std::move(lo), handler);
    if (!created) {
        std::fprintf(stderr, "cannot listen: %s\n", created.error().to_string().c_str());
        return 1;
    }
    auto listener = std::move(created).value();
    listener->start();

    asio::signal_set signals(io, SIGINT, SIGTERM);
    signals.async_wait([&](const boost::system::error_code& ec, int) {
        if (ec) return;
        listener->stop(std::chrono::milliseconds(2000));
    });

    std::printf("listening %u\n", static_cast<unsigned>(listener->port()));
    std::fflush(stdout);

    std::vector<std::thread> pool;
    for (long i = 1; i < threads; ++i) pool.emplace_back([&io] { io.run(); });
    io.run();  // returns once the listener and every connection have closed
    for (auto& t : pool) t.join();
    listener.reset();

    std::uint64_t stored = 0;
    gw::store::GroupCommitSink::Stats gs;
    if (memory) {
        stored = memory->size();
    } else {
        group->stop();  // commits whatever is still queued
        gs = group->stats();
        auto st = store->stats();
        if (!st) {
            std::fprintf(stderr, "cannot read store stats: %s\n", st.error().to_string().c_str());
            return 1;
        }
        stored = static_cast<std::uint64_t>(st->messages_received + st->messages_processed + st->messages_rejected +
                                            st->messages_failed);
    }
    std::printf("STATS sink=%s stored=%llu acks=%llu acks_aa=%llu batches=%llu largest_batch=%zu failed_batches=%llu "
                "vm_hwm_kb=%ld\n",
                memory ? "memory" : sink_spec.substr(0, sink_spec.find(':')).c_str(),
                static_cast<unsigned long long>(stored), static_cast<unsigned long long>(counters.acks.load()),
                static_cast<unsigned long long>(counters.accepted.load()),
                static_cast<unsigned long long>(gs.batches), gs.largest_batch,
                static_cast<unsigned long long>(gs.failed_batches), vm_hwm_kb());
    std::fflush(stdout);
    return 0;
}
