// Commit before completion: a child process stores messages through the sink and reports each completion over a
// pipe; the parent kills it with SIGKILL mid-stream, reopens the database and checks that every message the child
// saw completed as stored is there. (SIGKILL loses the process, not the OS page cache; power-loss durability rests
// on synchronous=FULL, which this test cannot observe. With PostgreSQL the server outlives the killed gateway; what
// is under test is that a completion only fires after the server acknowledged the commit.)

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <condition_variable>
#include <map>

#include "gateway/store/group_commit_sink.hpp"
#include "store_test_util.hpp"

namespace gw::store {
namespace {

using testing::hl7_message;

struct Report {
    std::int64_t message_id;
    std::int64_t sequence;
};

bool write_all(int fd, const void* data, std::size_t size) {
    const auto* p = static_cast<const char*>(data);
    while (size > 0) {
        const ssize_t n = ::write(fd, p, size);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        p += n;
        size -= static_cast<std::size_t>(n);
    }
    return true;
}

// Returns false at end of stream.
bool read_report(int fd, Report& report) {
    auto* p = reinterpret_cast<char*>(&report);
    std::size_t got = 0;
    while (got < sizeof report) {
        const ssize_t n = ::read(fd, p + got, sizeof report - got);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        got += static_cast<std::size_t>(n);
    }
    return true;
}

// The child: waves of 32 concurrent submissions, forever, each completion reported as soon as it fires.
[[noreturn]] void run_child(testing::TestDatabase& db, int report_fd) {
    auto opened = db.try_open();
    if (!opened) _exit(3);
    auto store = std::move(opened).value();
    GroupCommitSink sink(*store);
    std::mutex mutex;
    std::condition_variable cv;
    int outstanding = 0;
    for (std::int64_t sequence = 0; sequence < 1'000'000; ++sequence) {
        {
            std::unique_lock lock(mutex);
            cv.wait(lock, [&] { return outstanding < 32; });
            ++outstanding;
        }
        sink.submit(hl7_message("D-" + std::to_string(sequence)), [&, sequence, report_fd](ingest::SinkResult r) {
            if (r.status == ingest::SinkStatus::stored) {
                const Report report{r.message_id, sequence};
                if (!write_all(report_fd, &report, sizeof report)) _exit(4);
            }
            std::lock_guard lock(mutex);
            --outstanding;
            cv.notify_one();
        });
    }
    _exit(5);  // never reached in practice: the parent kills us long before
}

class Durability : public ::testing::TestWithParam<testing::Backend> {};

TEST_P(Durability, EveryCompletedMessageSurvivesSigkill) {
    GW_SKIP_UNLESS_BACKEND(GetParam());
    testing::TestDatabase db(GetParam());
    ASSERT_TRUE(db.open());  // create the schema before the child starts
    int fds[2];
    ASSERT_EQ(::pipe(fds), 0);
    const pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
        ::close(fds[0]);
        run_child(db, fds[1]);
    }
    ::close(fds[1]);

    std::map<std::int64_t, std::int64_t> completed;  // message id -> sequence
    Report report{};
    constexpr std::size_t kBeforeKill = 400;
    while (completed.size() < kBeforeKill && read_report(fds[0], report)) {
        completed[report.message_id] = report.sequence;
    }
    ASSERT_EQ(::kill(child, SIGKILL), 0);
    // Completions that fired before the kill landed are just as much promises; drain them until the pipe closes.
    while (read_report(fds[0], report)) completed[report.message_id] = report.sequence;
    ::close(fds[0]);
    int status = 0;
    ASSERT_EQ(::waitpid(child, &status, 0), child);
    ASSERT_TRUE(WIFSIGNALED(status)) << "child exited with " << WEXITSTATUS(status) << " before it was killed";
    ASSERT_GE(completed.size(), kBeforeKill);

    auto store = db.open();
    ASSERT_TRUE(store);
    for (const auto& [id, sequence] : completed) {
        auto message = store->get_message(id);
        ASSERT_TRUE(message) << "completed message " << id << " (D-" << sequence
                             << ") lost: " << message.error().to_string();
        EXPECT_EQ(message->control_id, "D-" + std::to_string(sequence));
    }
    // And nothing was stored twice.
    EXPECT_GE(testing::count_messages(*store), static_cast<std::int64_t>(completed.size()));
}

INSTANTIATE_TEST_SUITE_P(Backends, Durability, testing::kBothBackends, testing::backend_name);

}  // namespace
}  // namespace gw::store
