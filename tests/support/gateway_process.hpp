#pragma once
// Test support: a real `gateway serve` process (build/bin/gateway) on a config the test wrote, with its log in a
// file. start() waits until the gateway has written its --ready-file (every listener bound) and reads the ports from
// it; kill() is `kill -9` (the crash tests), stop() is SIGTERM and a wait. Destroying a running one kills it.

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/json/parse.hpp>

extern char** environ;

namespace gw::testing {

class GatewayProcess {
public:
    // `config` is a gateway.yaml path; the log goes to `log_file` (appended, so restarts keep one history).
    GatewayProcess(std::string config, std::string log_file)
        : config_(std::move(config)), log_(std::move(log_file)), ready_(log_ + ".ready.json") {}
    ~GatewayProcess() {
        if (pid_ > 0) kill();
    }
    GatewayProcess(const GatewayProcess&) = delete;
    GatewayProcess& operator=(const GatewayProcess&) = delete;

    // Starts the process and waits (up to `deadline`) for its ready file. False if it exited or never got ready.
    bool start(std::chrono::milliseconds deadline = std::chrono::seconds(30)) {
        std::error_code ec;
        std::filesystem::remove(ready_, ec);
        const std::string binary = std::string(GATEWAY_BIN_DIR) + "/gateway";
        posix_spawn_file_actions_t actions;
        posix_spawn_file_actions_init(&actions);
        posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, log_.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
        posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
        std::vector<std::string> args{binary, "serve", "--config", config_, "--ready-file", ready_};
        std::vector<char*> argv;
        for (auto& a : args) argv.push_back(a.data());
        argv.push_back(nullptr);
        const int spawned = posix_spawn(&pid_, binary.c_str(), &actions, nullptr, argv.data(), environ);
        posix_spawn_file_actions_destroy(&actions);
        if (spawned != 0) {
            pid_ = -1;
            return false;
        }
        const auto until = std::chrono::steady_clock::now() + deadline;
        while (std::chrono::steady_clock::now() < until) {
            if (read_ready()) return true;
            int status = 0;
            if (::waitpid(pid_, &status, WNOHANG) == pid_) {
                pid_ = -1;
                return false;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
        return false;
    }

    // kill -9: no shutdown code runs.
    void kill() { signal_and_wait(SIGKILL); }
    // SIGTERM: graceful stop; returns the exit status (or -1).
    int stop() { return signal_and_wait(SIGTERM); }

    bool running() const { return pid_ > 0; }
    pid_t pid() const { return pid_; }
    int http_port() const { return http_port_; }
    int mllp_port(const std::string& listener) const {
        auto it = mllp_ports_.find(listener);
        return it == mllp_ports_.end() ? 0 : it->second;
    }
    std::string log() const {
        std::ifstream in(log_);
        std::stringstream s;
        s << in.rdbuf();
        return s.str();
    }

private:
    bool read_ready() {
        std::ifstream in(ready_);
        if (!in) return false;
        std::stringstream s;
        s << in.rdbuf();
        boost::system::error_code ec;
        auto v = boost::json::parse(s.str(), ec);
        if (ec || !v.is_object()) return false;
        const auto& o = v.as_object();
        if (const auto* h = o.if_contains("http"); h && h->is_int64()) http_port_ = static_cast<int>(h->as_int64());
        mllp_ports_.clear();
        if (const auto* m = o.if_contains("mllp"); m && m->is_object()) {
            for (const auto& [name, port] : m->as_object()) {
                if (port.is_int64()) mllp_ports_[std::string(name)] = static_cast<int>(port.as_int64());
            }
        }
        return true;
    }

    int signal_and_wait(int sig) {
        if (pid_ <= 0) return -1;
        ::kill(pid_, sig);
        int status = 0;
        // A graceful stop is bounded too: after 30 s the test kills it rather than hang.
        const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(30);
        while (::waitpid(pid_, &status, WNOHANG) == 0) {
            if (std::chrono::steady_clock::now() > until) {
                ::kill(pid_, SIGKILL);
                ::waitpid(pid_, &status, 0);
                break;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
        pid_ = -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    }

    std::string config_;
    std::string log_;
    std::string ready_;
    pid_t pid_ = -1;
    int http_port_ = 0;
    std::map<std::string, int> mllp_ports_;
};

}  // namespace gw::testing
