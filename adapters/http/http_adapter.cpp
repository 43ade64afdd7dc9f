#include "adapters/http/http_adapter.hpp"

#include <deque>
#include <mutex>

#include <boost/asio/post.hpp>
#include <fmt/format.h>

#include "adapters/auth/factory.hpp"
#include "adapters/http/dry_run.hpp"
#include "adapters/http/operation_runner.hpp"

namespace gw::adapters::http {
namespace {

class HttpAdapter final : public Adapter, public std::enable_shared_from_this<HttpAdapter> {
public:
    explicit HttpAdapter(std::shared_ptr<AdapterCore> core) : core_(std::move(core)) {}
    ~HttpAdapter() override { core_->client->shutdown(); }

    const std::string& vendor() const noexcept override { return core_->config->vendor; }
    std::string_view kind() const noexcept override { return core_->config->kind; }
    const Capabilities& capabilities() const noexcept override { return core_->config->capabilities; }
    bool supports(Operation op) const noexcept override { return core_->config->operations.count(op) > 0; }

    void run(Operation op, DeliveryRequest request, std::function<void(DeliveryOutcome)> done) override {
        const auto it = core_->config->operations.find(op);
        if (it == core_->config->operations.end() || stopped()) {
            DeliveryOutcome o;
            o.outcome = it == core_->config->operations.end() ? Outcome::permanent : Outcome::retryable;
            o.error = it == core_->config->operations.end()
                          ? fmt::format("vendor {} has no {} operation", vendor(), to_string(op))
                          : fmt::format("adapter {} is shutting down", vendor());
            boost::asio::post(core_->io, [callback = std::move(done), result = std::move(o)]() mutable {
                callback(std::move(result));
            });
            return;
        }
        // The slot is released when the run reports, before the caller hears of it.
        auto weak = weak_from_this();
        auto run = std::make_shared<OperationRun>(
            core_, it->second, std::move(request),
            [weak, callback = std::move(done)](DeliveryOutcome outcome) {
                if (auto self = weak.lock()) self->release();
                callback(std::move(outcome));
            });
        std::unique_lock lock(mutex_);
        const auto limit = core_->config->concurrency;
        if (limit > 0 && running_ >= limit) {
            waiting_.push_back(std::move(run));
            return;
        }
        ++running_;
        lock.unlock();
        run->start();
    }

    Result<std::vector<RenderedRequest>> render(Operation op, const DeliveryRequest& request) const override {
        return render_operation(*core_->config, core_->settings, op, request);
    }

    void shutdown() override {
        {
            std::lock_guard lock(mutex_);
            stopped_ = true;
        }
        core_->client->shutdown();
    }

private:
    bool stopped() {
        std::lock_guard lock(mutex_);
        return stopped_;
    }

    void release() {
        std::shared_ptr<OperationRun> next;
        {
            std::lock_guard lock(mutex_);
            if (waiting_.empty()) {
                --running_;
                return;
            }
            next = std::move(waiting_.front());
            waiting_.pop_front();
        }
        next->start();  // keeps the slot
    }

    std::shared_ptr<AdapterCore> core_;
    std::mutex mutex_;
    std::size_t running_ = 0;
    std::deque<std::shared_ptr<OperationRun>> waiting_;
    bool stopped_ = false;
};

}  // namespace

Result<std::shared_ptr<Adapter>> make_http_adapter(boost::asio::io_context& io, const VendorSettings& settings,
                                                   std::shared_ptr<const AdapterConfig> config) {
    auto client = httpclient::HttpClient::create(io, settings.http);
    if (!client) return std::move(client).error();
    auto core = std::make_shared<AdapterCore>(AdapterCore{io, std::move(config), settings, std::move(client).value(), nullptr});
    auth::AuthContext ctx{*core->client, settings.base_url, settings.secrets, settings.params, {}, {}};
    auto scheme = auth::make_auth(core->config->auth, std::move(ctx));
    if (!scheme) return std::move(scheme).error();
    core->auth = std::move(scheme).value();
    return std::shared_ptr<Adapter>(std::make_shared<HttpAdapter>(std::move(core)));
}

}  // namespace gw::adapters::http
