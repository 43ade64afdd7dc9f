#pragma once
// Strict, typed reading of YAML config and mapping files. A reader walks the YAML tree once, converting values into
// typed structs; every problem (unknown key, wrong type, missing required key, bad value, unset env variable,
// unreadable secret file) is collected with its FILE:LINE:COL and a hint, so `gateway check` reports all of them at
// once. The data path never sees YAML: components receive the typed structs built here.
//
// Scalars may use ${VAR} and ${VAR:-default} (environment substitution, `$${` for a literal `${`). A secret key `x`
// may instead be given as `x_file: PATH` (the file's content, trailing newline removed), so secrets never sit inline.

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "gateway/core/error.hpp"

namespace gw::config {

using EnvLookup = std::function<std::optional<std::string>(const std::string&)>;

// The process environment.
EnvLookup process_env();

// Expands ${VAR} / ${VAR:-default} in `text`. On an unset variable without default returns an error naming it.
struct Expanded {
    std::string value;
    std::optional<std::string> error;
};
Expanded expand_env(std::string_view text, const EnvLookup& env);

// "did you mean X?" for the closest candidate within a small edit distance, or "" if none is close.
std::string did_you_mean(std::string_view word, const std::vector<std::string>& candidates);

class Diagnostics {
public:
    explicit Diagnostics(std::string file) : file_(std::move(file)) {}

    void add(const YAML::Mark& mark, ErrorCode code, std::string message, std::string hint = {});
    void add_at_file(ErrorCode code, std::string message);  // no position (e.g. file unreadable)
    const std::string& file() const { return file_; }
    const std::vector<Error>& errors() const { return errors_; }
    bool ok() const { return errors_.empty(); }
    // Errors sorted by position, as printed by `gateway check`.
    std::vector<Error> sorted() const;

private:
    std::string file_;
    std::vector<Error> errors_;
};

class ObjectReader;

// Context shared by all readers of one file.
struct ReadContext {
    Diagnostics* diagnostics;
    EnvLookup env;
    std::string base_dir;  // relative *_file paths resolve against the config file's folder
};

// Reads one YAML mapping. Every key read is remembered; finish() reports the keys nobody asked for.
class ObjectReader {
public:
    ObjectReader(ReadContext& ctx, YAML::Node node, std::string path);
    ~ObjectReader();
    ObjectReader(const ObjectReader&) = delete;
    ObjectReader& operator=(const ObjectReader&) = delete;

    bool valid() const { return valid_; }
    bool has(const std::string& key) const;
    const YAML::Mark& mark() const { return mark_; }
    const std::string& path() const { return path_; }
    ReadContext& context() { return ctx_; }

    std::optional<std::string> string(const std::string& key, bool required = false);
    std::string string_or(const std::string& key, std::string fallback);
    std::optional<std::int64_t> integer(const std::string& key, std::int64_t min, std::int64_t max,
                                        bool required = false);
    std::int64_t integer_or(const std::string& key, std::int64_t fallback, std::int64_t min, std::int64_t max);
    bool boolean_or(const std::string& key, bool fallback);
    // "250ms", "30s", "5m", "2h", "1d"; a bare number is seconds.
    std::chrono::milliseconds duration_or(const std::string& key, std::chrono::milliseconds fallback);
    // "1048576", "512KiB", "1MiB", "2GiB" (also KB/MB as powers of 1000).
    std::uint64_t size_or(const std::string& key, std::uint64_t fallback);
    std::uint16_t port_or(const std::string& key, std::uint16_t fallback);
    std::string enumeration_or(const std::string& key, const std::vector<std::string>& allowed, std::string fallback);
    // A secret given as `key` (typically "${ENV}") or as `key_file` (path to a file holding it). Never both.
    std::optional<std::string> secret(const std::string& key, bool required = false);
    // A path, resolved against the config file's folder when relative.
    std::optional<std::string> file_path(const std::string& key, bool required = false, bool must_exist = false);

    // Nested mapping / sequence of mappings. The callback receives a reader for each element.
    bool object(const std::string& key, const std::function<void(ObjectReader&)>& fn, bool required = false);
    void list(const std::string& key, const std::function<void(ObjectReader&, std::size_t index)>& fn,
              bool required = false);
    std::vector<std::string> string_list(const std::string& key);
    // Keys of a mapping whose keys are names chosen by the user (vendors, routes ...).
    void named_objects(const std::string& key, const std::function<void(const std::string&, ObjectReader&)>& fn);

    // The keys of this mapping in file order, for maps whose keys are user-chosen names (secrets, params). Reading
    // each of them through the typed getters marks it as known.
    std::vector<std::string> keys() const;
    void error(const std::string& key, ErrorCode code, std::string message, std::string hint = {});
    void error_here(ErrorCode code, std::string message, std::string hint = {});

    // Reports unknown keys (with a did-you-mean hint). Called by the destructor if not called before.
    void finish();

private:
    std::optional<YAML::Node> child(const std::string& key, bool required);
    std::optional<std::string> scalar(const std::string& key, const YAML::Node& n);
    std::string key_path(const std::string& key) const;

    ReadContext& ctx_;
    YAML::Node node_;
    std::string path_;
    YAML::Mark mark_;
    bool valid_ = false;
    bool finished_ = false;
    std::set<std::string> read_;
};

// Parses YAML text; a syntax error becomes a diagnostic and returns nullopt. Duplicate keys are reported.
std::optional<YAML::Node> parse_yaml(std::string_view text, Diagnostics& diagnostics);
std::optional<YAML::Node> load_yaml_file(const std::string& path, Diagnostics& diagnostics);

}  // namespace gw::config
