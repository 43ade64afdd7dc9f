#include "gateway/log/log.hpp"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <mutex>
#include <random>

#include <fmt/chrono.h>
#include <fmt/format.h>

namespace gw::log {
namespace {

std::mutex g_mutex;
Options g_options;
std::atomic<int> g_level{static_cast<int>(Level::info)};

std::string_view level_name(Level level) {
    switch (level) {
        case Level::trace: return "trace";
        case Level::debug: return "debug";
        case Level::info: return "info";
        case Level::warn: return "warn";
        case Level::error: return "error";
        case Level::off: return "off";
    }
    return "info";
}

void append_json_string(std::string& out, std::string_view s) {
    out.push_back('"');
    for (unsigned char c : s) {
        switch (c) {
            case '"': out += "\\\""; break;
            case '\\': out += "\\\\"; break;
            case '\n': out += "\\n"; break;
            case '\r': out += "\\r"; break;
            case '\t': out += "\\t"; break;
            default:
                if (c < 0x20) {
                    out += fmt::format("\\u{:04x}", c);
                } else {
                    out.push_back(static_cast<char>(c));
                }
        }
    }
    out.push_back('"');
}

}  // namespace

std::optional<Level> parse_level(std::string_view name) {
    for (auto l : {Level::trace, Level::debug, Level::info, Level::warn, Level::error, Level::off}) {
        if (level_name(l) == name) return l;
    }
    if (name == "warning") return Level::warn;
    return std::nullopt;
}

void init(const Options& options) {
    std::lock_guard lock(g_mutex);
    g_options = options;
    g_level.store(static_cast<int>(options.level));
}

const Options& options() { return g_options; }

bool enabled(Level level) {
    return level != Level::off && static_cast<int>(level) >= g_level.load(std::memory_order_relaxed);
}

void write(Level level, std::string_view event, std::initializer_list<Field> fields) {
    if (!enabled(level)) return;
    const auto now = std::chrono::system_clock::now();
    std::string line;
    line.reserve(128);
    if (g_options.json) {
        line += fmt::format("{{\"ts\":\"{:%Y-%m-%dT%H:%M:%S}Z\",\"level\":\"{}\",\"event\":",
                            std::chrono::floor<std::chrono::milliseconds>(now), level_name(level));
        append_json_string(line, event);
        for (const auto& f : fields) {
            line.push_back(',');
            append_json_string(line, f.key);
            line.push_back(':');
            append_json_string(line, f.value);
        }
        line += "}\n";
    } else {
        line += fmt::format("{:%H:%M:%S} {:5} {}", std::chrono::floor<std::chrono::milliseconds>(now),
                            level_name(level), event);
        for (const auto& f : fields) line += fmt::format(" {}={}", f.key, f.value);
        line.push_back('\n');
    }
    // One fwrite per line keeps lines whole when several threads log at once.
    std::fwrite(line.data(), 1, line.size(), stderr);
}

std::string mask_always(std::string_view personal) {
    std::string out;
    out.reserve(personal.size());
    // Keep the first character of each word (and, for long digit runs, the last two) so operators can tell
    // records apart without reading them.
    bool word_start = true;
    std::size_t digits_total = 0;
    for (unsigned char c : personal) digits_total += (c >= '0' && c <= '9');
    std::size_t digits_seen = 0;
    for (std::size_t i = 0; i < personal.size(); ++i) {
        const unsigned char c = static_cast<unsigned char>(personal[i]);
        const bool space = c == ' ' || c == ',' || c == '\t';
        if (space) {
            out.push_back(static_cast<char>(c));
            word_start = true;
            continue;
        }
        if (c >= '0' && c <= '9') {
            ++digits_seen;
            out.push_back(digits_total >= 6 && digits_seen > digits_total - 2 ? static_cast<char>(c) : '*');
            word_start = false;
            continue;
        }
        if (word_start && c != '+') {
            // Keep a whole UTF-8 sequence for the first letter (Ø, Å ...).
            std::size_t len = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 1;
            out.append(personal.substr(i, len));
            i += len - 1;
            out += "***";
            word_start = false;
            // Skip the rest of the word.
            while (i + 1 < personal.size() && personal[i + 1] != ' ' && personal[i + 1] != ',' &&
                   !(personal[i + 1] >= '0' && personal[i + 1] <= '9')) {
                ++i;
            }
            continue;
        }
        if (c == '+') {
            out.push_back('+');
            continue;
        }
        word_start = false;
    }
    return out;
}

std::string mask(std::string_view personal) {
    if (!g_options.mask_personal_data) return std::string(personal);
    return mask_always(personal);
}

std::string new_correlation_id() {
    static std::atomic<std::uint64_t> counter{0};
    thread_local std::mt19937_64 rng{std::random_device{}() ^ counter.fetch_add(1)};
    return fmt::format("{:016x}", rng());
}

}  // namespace gw::log
