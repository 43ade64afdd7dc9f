#pragma once
// Test support: a running build/bin/grocer-sandbox on a free port with a given config, stopped (SIGTERM) and reaped
// when destroyed. Shared by the integration tests and the adapter tests, which all talk to the real sandbox.

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace gw::testing {

inline std::string temp_dir() {
    auto dir = std::filesystem::temp_directory_path() /
               ("gw-sandbox-test-" + std::to_string(::getpid()) + "-" +
                std::to_string(std::chrono::steady_clock::now().time_since_epoch().count()));
    std::filesystem::create_directories(dir);
    return dir.string();
}

// A running grocer-sandbox; SIGTERM and reaped when destroyed.
class SandboxProcess {
public:
    // `port` 0: the kernel picks one (see port()); a fixed port lets a test start the grocer where clients already
    // point (a grocer that was down comes back).
    explicit SandboxProcess(const std::string& yaml, int port = 0) : dir_(temp_dir()) {
        config_ = dir_ + "/sandbox.yaml";
        std::ofstream(config_) << yaml;
        std::string binary = std::string(GATEWAY_BIN_DIR) + "/grocer-sandbox";
        int out[2];
        if (::pipe(out) != 0) return;
        posix_spawn_file_actions_t actions;
        posix_spawn_file_actions_init(&actions);
        posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
        posix_spawn_file_actions_addclose(&actions, out[0]);
        std::vector<std::string> args{binary, "--config", config_, "--port", std::to_string(port)};
        std::vector<char*> argv;
        for (auto& a : args) argv.push_back(a.data());
        argv.push_back(nullptr);
        if (posix_spawn(&pid_, binary.c_str(), &actions, nullptr, argv.data(), environ) != 0) pid_ = -1;
        posix_spawn_file_actions_destroy(&actions);
        ::close(out[1]);
        stdout_ = ::fdopen(out[0], "r");
        // The first line says where it listens; a startup error closes stdout instead.
        char line[512];
        if (pid_ > 0 && stdout_ && std::fgets(line, sizeof line, stdout_)) {
            std::string text(line);
            auto colon = text.rfind(':');
            if (text.starts_with("grocer-sandbox listening on ") && colon != std::string::npos) {
                port_ = std::stoi(text.substr(colon + 1));
            }
        }
    }
    ~SandboxProcess() {
        if (pid_ > 0) {
            ::kill(pid_, SIGTERM);
            int status = 0;
            ::waitpid(pid_, &status, 0);
        }
        if (stdout_) std::fclose(stdout_);
        std::error_code ec;
        std::filesystem::remove_all(dir_, ec);
    }
    bool running() const { return port_ > 0; }
    int port() const { return port_; }
    std::string base_url() const { return "http://127.0.0.1:" + std::to_string(port_); }
    std::string url(std::string_view path) const { return "http://127.0.0.1:" + std::to_string(port_) + std::string(path); }

private:
    std::string dir_;
    std::string config_;
    pid_t pid_ = -1;
    FILE* stdout_ = nullptr;
    int port_ = 0;
};

}  // namespace gw::testing
