// SwitchableAdapter: what the delivery engine holds across reloads. Runs finish on the adapter they started on;
// after a switch the next runs wait until the old adapter's runs have reported (two generations of a cart API's
// adapter never run side by side); the old adapter is shut down once drained. The adapters behind it here are
// recording stand-ins whose runs the test finishes by hand, so every interleaving is exact.
#include <gtest/gtest.h>

#include <deque>
#include <mutex>

#include "gateway/app/switchable_adapter.hpp"

namespace gw::app {
namespace {

using adapters::DeliveryOutcome;
using adapters::DeliveryRequest;
using adapters::Operation;

class RecordingAdapter final : public adapters::Adapter {
public:
    explicit RecordingAdapter(std::string tag, bool cancel = false) : tag_(std::move(tag)) { caps_.cancel = cancel; }

    const std::string& vendor() const noexcept override { return vendor_; }
    std::string_view kind() const noexcept override { return tag_; }
    const adapters::Capabilities& capabilities() const noexcept override { return caps_; }
    bool supports(Operation) const noexcept override { return true; }
    void run(Operation, DeliveryRequest request, std::function<void(DeliveryOutcome)> done) override {
        std::lock_guard lock(mutex_);
        if (stopped_) {
            stopped_runs_.push_back(request.order_id);
            DeliveryOutcome o;
            o.outcome = adapters::Outcome::retryable;
            o.error = "shutting down";
            done(o);
            return;
        }
        runs_.push_back({request.order_id, std::move(done)});
    }
    void shutdown() override {
        std::lock_guard lock(mutex_);
        stopped_ = true;
    }
    Result<std::vector<adapters::RenderedRequest>> render(Operation, const DeliveryRequest&) const override {
        return std::vector<adapters::RenderedRequest>{{tag_, "POST", "/", ""}};
    }

    // Finishes the oldest run still out, as the grocer's answer would.
    std::string finish_one() {
        std::pair<std::string, std::function<void(DeliveryOutcome)>> run;
        {
            std::lock_guard lock(mutex_);
            if (runs_.empty()) return {};
            run = std::move(runs_.front());
            runs_.pop_front();
        }
        DeliveryOutcome o;
        o.outcome = adapters::Outcome::success;
        o.state = tag_;
        run.second(o);
        return run.first;
    }
    std::size_t out() const {
        std::lock_guard lock(mutex_);
        return runs_.size();
    }
    bool stopped() const {
        std::lock_guard lock(mutex_);
        return stopped_;
    }
    std::vector<std::string> stopped_runs() const {
        std::lock_guard lock(mutex_);
        return stopped_runs_;
    }

private:
    std::string vendor_ = "oda-web";
    std::string tag_;
    adapters::Capabilities caps_;
    mutable std::mutex mutex_;
    std::deque<std::pair<std::string, std::function<void(DeliveryOutcome)>>> runs_;
    std::vector<std::string> stopped_runs_;
    bool stopped_ = false;
};

class SwitchableAdapterTest : public ::testing::Test {
protected:
    void run(const std::string& id) {
        DeliveryRequest r;
        r.order_id = id;
        switchable_->run(Operation::submit, std::move(r), [this, id](DeliveryOutcome o) {
            std::lock_guard lock(mutex_);
            outcomes_.emplace_back(id, o.outcome == adapters::Outcome::success ? o.state : "retry: " + o.error);
        });
    }
    std::vector<std::pair<std::string, std::string>> outcomes() {
        std::lock_guard lock(mutex_);
        return outcomes_;
    }

    std::shared_ptr<RecordingAdapter> first_ = std::make_shared<RecordingAdapter>("gen-1");
    std::shared_ptr<RecordingAdapter> second_ = std::make_shared<RecordingAdapter>("gen-2", true);
    std::shared_ptr<SwitchableAdapter> switchable_ = std::make_shared<SwitchableAdapter>(first_);
    std::mutex mutex_;
    std::vector<std::pair<std::string, std::string>> outcomes_;
};

TEST_F(SwitchableAdapterTest, RunsStartedBeforeASwitchFinishOnTheOldAdapterAndTheNextOnesWaitForThem) {
    run("A");
    run("B");
    EXPECT_EQ(first_->out(), 2u);
    switchable_->switch_to(second_);
    EXPECT_EQ(switchable_->vendor(), "oda-web");
    EXPECT_EQ(switchable_->kind(), "gen-2");
    EXPECT_TRUE(switchable_->capabilities().cancel);

    run("C");  // the old adapter still has two runs out: C waits
    EXPECT_EQ(second_->out(), 0u);
    EXPECT_EQ(switchable_->waiting(), 1u);
    EXPECT_EQ(switchable_->draining(), 2u);
    EXPECT_FALSE(first_->stopped());

    EXPECT_EQ(first_->finish_one(), "A");
    EXPECT_EQ(second_->out(), 0u);  // B is still out on the old adapter
    EXPECT_EQ(first_->finish_one(), "B");
    // The last old run reported: the old adapter is shut down and C goes to the new one.
    EXPECT_TRUE(first_->stopped());
    EXPECT_EQ(second_->out(), 1u);
    EXPECT_EQ(switchable_->waiting(), 0u);
    EXPECT_EQ(switchable_->draining(), 0u);
    EXPECT_EQ(second_->finish_one(), "C");

    run("D");  // nothing to wait for any more
    EXPECT_EQ(second_->finish_one(), "D");
    const std::vector<std::pair<std::string, std::string>> expected{
        {"A", "gen-1"}, {"B", "gen-1"}, {"C", "gen-2"}, {"D", "gen-2"}};
    EXPECT_EQ(outcomes(), expected);
}

TEST_F(SwitchableAdapterTest, AnIdleAdapterIsShutDownAtOnceAndRenderFollowsTheCurrentOne) {
    ASSERT_TRUE(switchable_->render(Operation::submit, {}));
    EXPECT_EQ(switchable_->render(Operation::submit, {})->at(0).step, "gen-1");
    switchable_->switch_to(second_);
    EXPECT_TRUE(first_->stopped());
    EXPECT_EQ(switchable_->render(Operation::submit, {})->at(0).step, "gen-2");
    run("A");
    EXPECT_EQ(second_->out(), 1u);
    EXPECT_EQ(second_->finish_one(), "A");
}

TEST_F(SwitchableAdapterTest, SwitchingAgainWhileDrainingWaitsForEveryOlderGeneration) {
    auto third = std::make_shared<RecordingAdapter>("gen-3");
    run("A");                      // on gen-1
    switchable_->switch_to(second_);
    switchable_->switch_to(third);  // gen-2 never ran anything: shut down at once
    EXPECT_TRUE(second_->stopped());
    run("B");
    EXPECT_EQ(third->out(), 0u);
    EXPECT_EQ(first_->finish_one(), "A");
    EXPECT_EQ(third->out(), 1u);
    EXPECT_EQ(third->finish_one(), "B");
}

TEST_F(SwitchableAdapterTest, ShutdownHandsWaitingRunsToTheStoppedAdapterWhichReportsThemRetryable) {
    run("A");
    switchable_->switch_to(second_);
    run("B");  // waits for A
    switchable_->shutdown();
    EXPECT_TRUE(first_->stopped());
    EXPECT_TRUE(second_->stopped());
    // B was not dropped: the stopped adapter answered it, so the engine files it for a later attempt.
    EXPECT_EQ(second_->stopped_runs(), std::vector<std::string>{"B"});
    EXPECT_EQ(first_->finish_one(), "A");  // A's answer still arrives
    const std::vector<std::pair<std::string, std::string>> expected{{"B", "retry: shutting down"}, {"A", "gen-1"}};
    EXPECT_EQ(outcomes(), expected);
}

}  // namespace
}  // namespace gw::app
