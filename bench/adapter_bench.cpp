// Adapter cost per order, two ways:
//  - BM_Render/<vendor>: the CPU an adapter spends on one order without any network — every request of the submit
//    operation rendered through the vendor's adapter.yaml templates and mappings (Adapter::render). Checked first:
//    the rendered requests carry the order's GTINs.
//  - BM_SubmitToSandbox/<vendor>/<in flight>: whole submissions against the real grocer-sandbox (its HTTP API on
//    loopback), N orders in flight, orders/s in real time. Checked: every outcome is a success and the sandbox
//    recorded exactly the orders sent (Idempotency-Key per order, so none twice).
#include <atomic>
#include <condition_variable>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>

#include <benchmark/benchmark.h>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/json.hpp>
#include <fmt/format.h>

#include "adapters/registry.hpp"
#include "gateway/httpclient/blocking_client.hpp"
#include "gateway/mapping/mapping.hpp"
#include "tests/support/sandbox_process.hpp"

namespace {

namespace json = boost::json;
using namespace gw;

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

// The canonical order the gateway makes from the shipped three-line sample.
const json::value& canonical_order() {
    static const json::value order = [] {
        const std::string root = GATEWAY_SOURCE_DIR;
        auto m = mapping::load_mapping(root + "/mappings/inbound/oms-o05.yaml");
        if (!m.mapping) std::abort();
        auto o = mapping::translate_hl7_to_care_order(*m.mapping,
                                                      read_file(root + "/mappings/inbound/samples/oms-o05-three-lines.hl7"));
        if (!o) std::abort();
        o->as_object()["gateway_id"] = "GW-BENCH";
        return std::move(o).value();
    }();
    return order;
}

adapters::DeliveryRequest request_for(int n) {
    adapters::DeliveryRequest r;
    r.order_id = fmt::format("GW-BENCH-{}", n);
    r.idempotency_key = r.order_id;
    r.order = canonical_order();
    r.order.as_object()["gateway_id"] = r.order_id;
    r.order.as_object()["source"].as_object()["placer_order_number"] = fmt::format("BK-BENCH-{}", n);
    r.timeout = std::chrono::seconds(30);
    return r;
}

struct Vendor {
    const char* name;
    const char* api;  // the sandbox's path prefix
};
constexpr Vendor kVendors[] = {
    {"oda-web", "oda-web"},
    {"instacart-connect", "instacart-connect"},
    {"kroger-cart", "kroger-cart"},
    {"peppol-bis", "peppol-ap"},
};

adapters::VendorSettings settings(const Vendor& v, const std::string& base) {
    adapters::VendorSettings s;
    s.name = v.name;
    s.folder = std::string(GATEWAY_SOURCE_DIR) + "/mappings/vendors/" + v.name;
    s.base_url = base + "/" + v.api;
    s.secrets = {{"username", "care"}, {"password", "pw"}, {"client_id", "gw"}, {"client_secret", "s3cret"},
                 {"webhook_secret", "hook-secret"}};
    s.params = {{"seller_org_number", "987654321"}, {"seller_name", "Grocer AS"}, {"currency", "NOK"}};
    return s;
}

void BM_Render(benchmark::State& state) {
    const auto& v = kVendors[state.range(0)];
    state.SetLabel(v.name);
    boost::asio::io_context io;
    auto load = adapters::create_adapter(io, settings(v, "http://127.0.0.1:9"));
    if (!load.adapter) {
        state.SkipWithError("adapter did not load");
        return;
    }
    const auto request = request_for(1);
    auto first = load.adapter->render(adapters::Operation::submit, request);
    if (!first || first->empty()) {
        state.SkipWithError(first ? "nothing rendered" : first.error().to_string().c_str());
        return;
    }
    std::string all;
    for (const auto& r : *first) all += r.body;
    // Every vendor's request(s) name the first line's product (as GTIN-14, GTIN-13/UPC or the raw GTIN).
    if (all.find("703801000") == std::string::npos) {
        state.SkipWithError("the rendered requests do not carry the order's GTIN");
        return;
    }
    for (auto _ : state) {
        auto r = load.adapter->render(adapters::Operation::submit, request);
        benchmark::DoNotOptimize(r);
    }
    state.counters["requests_per_order"] = static_cast<double>(first->size());
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Render)->DenseRange(0, 3)->Unit(benchmark::kMicrosecond);

class Sandbox {
public:
    static Sandbox& get() {
        static Sandbox s;
        return s;
    }
    bool running() const { return process_.running(); }
    std::string base() const { return process_.base_url(); }
    int orders(const std::string& vendor) {
        auto r = control_->request(httpclient::HttpRequest::get(process_.url("/_sandbox/orders")));
        if (!r) return -1;
        boost::system::error_code ec;
        const auto all = json::parse(r->body, ec);  // kept: a range-for over parse(...).as_array() would dangle
        if (ec || !all.is_array()) return -1;
        int n = 0;
        for (const auto& o : all.as_array())
            if (o.at("vendor") == vendor.c_str()) ++n;
        return n;
    }
    void reset() {
        control_->request(httpclient::HttpRequest{httpclient::Verb::delete_, process_.url("/_sandbox/orders"), {}, {}, {}});
    }

private:
    Sandbox()
        : process_(R"(sandbox:
  host: 127.0.0.1
  port: 0
  seed: 3
  threads: 1
vendors:
  oda-web: {username: care, password: pw, session_ttl: 1h, max_in_flight: 64}
  instacart-connect: {client_id: gw, client_secret: s3cret, token_ttl: 1h, slot_hold: 1h}
  kroger-cart: {client_id: gw, client_secret: s3cret, token_ttl: 1h}
  peppol-ap: {response_delay: 1h}
)") {
        httpclient::ClientOptions o;
        o.max_body_bytes = 512 * 1024 * 1024;
        control_ = std::move(httpclient::BlockingHttpClient::create(o)).value();
    }
    testing::SandboxProcess process_;
    std::unique_ptr<httpclient::BlockingHttpClient> control_;
};

void BM_SubmitToSandbox(benchmark::State& state) {
    const auto& v = kVendors[state.range(0)];
    const int in_flight = static_cast<int>(state.range(1));
    state.SetLabel(v.name);
    auto& sandbox = Sandbox::get();
    if (!sandbox.running()) {
        state.SkipWithError("grocer-sandbox did not start (build it: target grocer-sandbox)");
        return;
    }
    sandbox.reset();
    boost::asio::io_context io;
    auto work = boost::asio::make_work_guard(io);
    std::thread thread([&] { io.run(); });
    auto load = adapters::create_adapter(io, settings(v, sandbox.base()));
    if (!load.adapter) {
        state.SkipWithError("adapter did not load");
        work.reset();
        thread.join();
        return;
    }
    static std::atomic<int> next{0};
    std::mutex mutex;
    std::condition_variable cv;
    int running = 0, sent = 0, failed = 0;
    std::string first_error;
    for (auto _ : state) {
        // One iteration: `in_flight` submissions at once, all finished.
        {
            std::lock_guard lock(mutex);
            running = in_flight;
        }
        for (int i = 0; i < in_flight; ++i) {
            load.adapter->run(adapters::Operation::submit, request_for(next++), [&](adapters::DeliveryOutcome o) {
                std::lock_guard lock(mutex);
                if (o.outcome != adapters::Outcome::success && o.outcome != adapters::Outcome::partial) {
                    ++failed;
                    if (first_error.empty()) first_error = o.error;
                }
                if (--running == 0) cv.notify_all();
            });
        }
        std::unique_lock lock(mutex);
        cv.wait(lock, [&] { return running == 0; });
        sent += in_flight;
    }
    load.adapter->shutdown();
    work.reset();
    thread.join();
    if (failed > 0) {
        state.SkipWithError(fmt::format("{} of {} submissions failed: {}", failed, sent, first_error).c_str());
        return;
    }
    // Kroger's cart hand-off has no order at the grocer to count per submission, only cart adds.
    const int recorded = sandbox.orders(v.name == std::string("peppol-bis") ? "peppol-ap" : v.name);
    if (recorded != sent) {
        state.SkipWithError(fmt::format("sandbox recorded {} orders for {} sent", recorded, sent).c_str());
        return;
    }
    state.SetItemsProcessed(sent);
}
BENCHMARK(BM_SubmitToSandbox)
    ->ArgsProduct({{0, 1, 2, 3}, {1, 16}})
    ->UseRealTime()
    ->MinTime(2.0)
    ->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
