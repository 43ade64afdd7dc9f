#pragma once
// Structured logging: one JSON object per line on stderr, {"ts","level","event", ...fields}. Every message on the
// data path carries a correlation id. Personal data (names, addresses, phone numbers) goes through mask() so that
// logs never show it unless the operator explicitly turned masking off in config (logging.mask_personal_data).

#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace gw::log {

enum class Level { trace, debug, info, warn, error, off };

std::optional<Level> parse_level(std::string_view name);

struct Options {
    Level level = Level::info;
    bool json = true;                // false: human-readable lines (for a developer's terminal)
    bool mask_personal_data = true;  // false only where config explicitly enables it
};

// Safe to call again (e.g. after a reload); until called, defaults apply.
void init(const Options& options);
const Options& options();

// A field of a structured log line. Values are escaped as JSON strings.
struct Field {
    std::string_view key;
    std::string value;
    Field(std::string_view k, std::string_view v) : key(k), value(v) {}
    Field(std::string_view k, const std::string& v) : key(k), value(v) {}
    Field(std::string_view k, const char* v) : key(k), value(v) {}
    template <class N, class = std::enable_if_t<std::is_arithmetic_v<N>>>
    Field(std::string_view k, N n) : key(k), value(std::to_string(n)) {}
};

void write(Level level, std::string_view event, std::initializer_list<Field> fields = {});
inline void debug(std::string_view event, std::initializer_list<Field> f = {}) { write(Level::debug, event, f); }
inline void info(std::string_view event, std::initializer_list<Field> f = {}) { write(Level::info, event, f); }
inline void warn(std::string_view event, std::initializer_list<Field> f = {}) { write(Level::warn, event, f); }
inline void error(std::string_view event, std::initializer_list<Field> f = {}) { write(Level::error, event, f); }
bool enabled(Level level);

// Personal data for a log line: "Kari Nordmann" -> "K*** N***", "+47 912 34 567" -> "+47*******67"; unchanged when
// masking is off. Use for every name, address, phone number or free-text note that reaches a log.
std::string mask(std::string_view personal);
// Masking regardless of configuration (the admin API masks for roles without phi-reader).
std::string mask_always(std::string_view personal);

// A new random correlation id (16 hex chars), unique enough to find one message's lines.
std::string new_correlation_id();

}  // namespace gw::log
