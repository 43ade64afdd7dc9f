#pragma once
// One run of one operation (submit, cancel, status) for one order: its steps in order, `for_each: lines` steps once
// per canonical line, auth before every request (and the step repeated once when the scheme says its credentials
// went stale), captures into variables for later steps, the verdict of every answer (classify.hpp), and the
// operation's outcome. Asynchronous: each step is a send / on_response pair, the run keeps itself alive through
// shared_from_this until `done` has run. One deadline (DeliveryRequest::timeout, capped by adapter.yaml's
// operation timeout) bounds the whole run; each request gets the smaller of its step timeout and what is left.

#include <optional>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <mutex>

#include "adapters/adapter.hpp"
#include "adapters/auth/auth.hpp"
#include "adapters/http/adapter_yaml.hpp"
#include "adapters/http/response_body.hpp"
#include "gateway/httpclient/http_client.hpp"

namespace gw::adapters::http {

// What the runs of one adapter share: immutable config, the deployment's settings, the client and the auth scheme.
struct AdapterCore {
    boost::asio::io_context& io;
    std::shared_ptr<const AdapterConfig> config;
    VendorSettings settings;
    std::unique_ptr<httpclient::HttpClient> client;  // declared before auth: the scheme uses it and dies first
    std::shared_ptr<auth::AuthScheme> auth;
    std::function<std::chrono::system_clock::time_point()> system_now = [] { return std::chrono::system_clock::now(); };
};

class OperationRun : public std::enable_shared_from_this<OperationRun> {
public:
    using Done = std::function<void(DeliveryOutcome)>;
    OperationRun(std::shared_ptr<AdapterCore> core, const OperationConfig& operation, DeliveryRequest request, Done done);

    // Starts the first step; `done` runs later on an io thread, exactly once.
    void start();

private:
    void arm_deadline();                // on timer_strand_
    void run_step();                    // step_ / line_ say which; skips `when:`-false steps; finishes after the last
    void send(bool after_reauth);       // renders and sends the current step's request (through auth)
    void on_response(Result<httpclient::HttpResponse> response);
    void advance();                     // next line of a for_each step, or the next step
    void succeed();
    void finish(DeliveryOutcome outcome);
    bool finished();                    // by the deadline, while a request or token call was out

    const StepConfig& step() const { return operation_.steps[step_]; }
    std::optional<unsigned> last_status_;  // status of the latest response, reported with a success
    std::string step_label() const;     // "checkout", "add_line[2]" (line number)
    const boost::json::value* current_line() const;
    TemplateScope scope() const;
    std::string idempotency_key(bool after_reauth) const;
    std::chrono::milliseconds remaining() const;
    void check_partial(DeliveryOutcome& outcome) const;

    std::shared_ptr<AdapterCore> core_;
    const OperationConfig& operation_;  // owned by core_->config
    DeliveryRequest request_;
    Done done_;
    std::chrono::steady_clock::time_point deadline_;
    std::size_t step_ = 0;
    std::size_t line_ = 0;
    std::size_t line_count_ = 0;
    bool reauthed_ = false;           // the current request was already repeated after stale credentials
    StringMap vars_;                  // captured
    mapping::Params params_;          // what body mappings see: deployment params, variables, order_id ...
    // Bodies sent by for_each steps, per step: (line_number, body), for `partial_when`.
    std::map<std::string, std::vector<std::pair<int, std::string>>> sent_;
    std::string last_body_;           // the body of the request in flight
    ResponseBody final_body_;         // the last step's answer
    std::string final_text_;          // ... as received (status operation only: DeliveryOutcome::body)
    // The deadline holds even while an auth scheme fetches a token on its own timeout: this timer finishes the run
    // (retryable), and whatever answers later is ignored. `mutex_` guards only what the timer's handler touches.
    boost::asio::strand<boost::asio::io_context::executor_type> timer_strand_;  // every use of the timer
    boost::asio::steady_timer deadline_timer_;
    std::mutex mutex_;
    std::string label_;               // step in flight, for the deadline's message
    bool finished_ = false;
};

}  // namespace gw::adapters::http
