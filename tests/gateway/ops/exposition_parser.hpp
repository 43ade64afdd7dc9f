#pragma once
// A strict parser of the Prometheus text exposition format (0.0.4), for tests: what a Prometheus server would
// refuse, this refuses too (bad names, bad escapes, a family's samples not together, TYPE after samples, two TYPE
// lines, histogram buckets not cumulative or without +Inf == _count, counters without _total).

#include <cmath>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace gw::ops::testing {

struct ParsedSample {
    std::string name;  // as written: family name or name_bucket / _sum / _count
    std::map<std::string, std::string> labels;
    double value = 0;
};

struct ParsedFamily {
    std::string type = "untyped";
    std::string help;
    std::vector<ParsedSample> samples;

    // The sample with exactly these labels (and `suffix` appended to the family name), if any.
    std::optional<double> value(const std::map<std::string, std::string>& labels, std::string_view suffix = "") const {
        for (const auto& s : samples) {
            if (s.labels == labels && s.name.size() >= suffix.size() &&
                std::string_view(s.name).substr(s.name.size() - suffix.size()) == suffix) {
                return s.value;
            }
        }
        return std::nullopt;
    }
};

struct Parsed {
    std::map<std::string, ParsedFamily> families;
    std::string error;  // empty when the text is valid
    bool ok() const { return error.empty(); }
};

namespace detail {

inline bool metric_name(std::string_view n) {
    if (n.empty()) return false;
    for (std::size_t i = 0; i < n.size(); ++i) {
        const char c = n[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':' || (i && c >= '0' && c <= '9')))
            return false;
    }
    return true;
}

inline bool label_name(std::string_view n) {
    if (n.empty() || n.starts_with("__")) return false;
    for (std::size_t i = 0; i < n.size(); ++i) {
        const char c = n[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (i && c >= '0' && c <= '9')))
            return false;
    }
    return true;
}

inline std::optional<double> number(std::string_view v) {
    if (v == "+Inf" || v == "Inf") return INFINITY;
    if (v == "-Inf") return -INFINITY;
    if (v == "NaN") return NAN;
    if (v.empty()) return std::nullopt;
    std::string s(v);
    char* end = nullptr;
    const double d = std::strtod(s.c_str(), &end);
    if (end != s.c_str() + s.size()) return std::nullopt;
    return d;
}

// The family a sample name belongs to, given the declared families.
inline std::string family_of(const std::string& name, const std::map<std::string, ParsedFamily>& families) {
    for (const char* suffix : {"_bucket", "_sum", "_count"}) {
        const std::string_view sv(suffix);
        if (name.size() > sv.size() && std::string_view(name).substr(name.size() - sv.size()) == sv) {
            auto base = name.substr(0, name.size() - sv.size());
            auto it = families.find(base);
            if (it != families.end() && it->second.type == "histogram") return base;
        }
    }
    return name;
}

}  // namespace detail

inline Parsed parse_exposition(std::string_view text) {
    Parsed out;
    std::set<std::string> finished;  // families whose samples are over
    std::string current;
    int line_no = 0;
    auto fail = [&](const std::string& why) {
        if (out.error.empty()) out.error = "line " + std::to_string(line_no) + ": " + why;
    };
    std::size_t pos = 0;
    if (!text.empty() && text.back() != '\n') return Parsed{{}, "the text does not end with a newline"};
    while (pos < text.size() && out.ok()) {
        const auto eol = text.find('\n', pos);
        const auto line = text.substr(pos, eol - pos);
        pos = eol + 1;
        ++line_no;
        if (line.empty()) continue;
        if (line.starts_with("#")) {
            if (!line.starts_with("# HELP ") && !line.starts_with("# TYPE ")) continue;  // a comment
            const bool help = line.starts_with("# HELP ");
            auto rest = line.substr(7);
            const auto sp = rest.find(' ');
            const std::string name(rest.substr(0, sp));
            if (!detail::metric_name(name)) {
                fail("bad metric name '" + name + "'");
                break;
            }
            if (finished.count(name) || (current == name && !out.families[name].samples.empty())) {
                fail((help ? "HELP" : "TYPE") + std::string(" for ") + name + " after its samples");
                break;
            }
            auto& fam = out.families[name];
            if (current != name && !current.empty()) finished.insert(current);
            current = name;
            const std::string value(sp == std::string_view::npos ? "" : rest.substr(sp + 1));
            if (help) {
                if (!fam.help.empty()) fail("two HELP lines for " + name);
                for (std::size_t i = 0; i < value.size(); ++i) {
                    if (value[i] == '\\' && (i + 1 >= value.size() || (value[i + 1] != '\\' && value[i + 1] != 'n')))
                        fail("bad escape in HELP of " + name);
                    if (value[i] == '\\') ++i;
                }
                fam.help = value.empty() ? " " : value;
            } else {
                if (fam.type != "untyped") fail("two TYPE lines for " + name);
                if (value != "counter" && value != "gauge" && value != "histogram" && value != "summary" &&
                    value != "untyped")
                    fail("unknown type '" + value + "'");
                if (value == "counter" && !name.ends_with("_total")) fail("counter " + name + " does not end in _total");
                fam.type = value;
            }
            continue;
        }
        // name{labels} value [timestamp]
        ParsedSample s;
        std::size_t i = 0;
        while (i < line.size() && line[i] != '{' && line[i] != ' ') ++i;
        s.name = std::string(line.substr(0, i));
        if (!detail::metric_name(s.name)) {
            fail("bad sample name '" + s.name + "'");
            break;
        }
        if (i < line.size() && line[i] == '{') {
            ++i;
            while (i < line.size() && line[i] != '}') {
                auto eq = line.find('=', i);
                if (eq == std::string_view::npos) {
                    fail("label without '='");
                    break;
                }
                std::string lname(line.substr(i, eq - i));
                if (!detail::label_name(lname)) fail("bad label name '" + lname + "'");
                if (eq + 1 >= line.size() || line[eq + 1] != '"') {
                    fail("label value not quoted");
                    break;
                }
                std::string value;
                std::size_t j = eq + 2;
                bool closed = false;
                for (; j < line.size(); ++j) {
                    if (line[j] == '\\') {
                        if (j + 1 >= line.size()) break;
                        const char e = line[++j];
                        if (e == 'n') value += '\n';
                        else if (e == '\\' || e == '"') value += e;
                        else fail("bad escape \\" + std::string(1, e));
                    } else if (line[j] == '"') {
                        closed = true;
                        break;
                    } else {
                        value += line[j];
                    }
                }
                if (!closed) {
                    fail("unterminated label value");
                    break;
                }
                if (s.labels.count(lname)) fail("label " + lname + " twice");
                s.labels[lname] = value;
                i = j + 1;
                if (i < line.size() && line[i] == ',') ++i;
            }
            if (i >= line.size() || line[i] != '}') {
                fail("unterminated label set");
                break;
            }
            ++i;
        }
        if (i >= line.size() || line[i] != ' ') {
            fail("no value");
            break;
        }
        auto rest = line.substr(i + 1);
        const auto sp = rest.find(' ');
        auto v = detail::number(rest.substr(0, sp));
        if (!v) {
            fail("bad value '" + std::string(rest.substr(0, sp)) + "'");
            break;
        }
        s.value = *v;
        const auto fam_name = detail::family_of(s.name, out.families);
        if (fam_name != current) {
            if (finished.count(fam_name)) {
                fail("samples of " + fam_name + " are not together");
                break;
            }
            if (!current.empty()) finished.insert(current);
            current = fam_name;
        }
        out.families[fam_name].samples.push_back(std::move(s));
    }
    // Histograms: cumulative buckets, ascending le, +Inf bucket equal to _count, _sum present.
    for (auto& [name, fam] : out.families) {
        if (fam.type != "histogram" || !out.ok()) continue;
        std::map<std::map<std::string, std::string>, std::vector<std::pair<double, double>>> buckets;
        std::map<std::map<std::string, std::string>, double> counts;
        std::set<std::map<std::string, std::string>> sums;
        for (const auto& s : fam.samples) {
            auto labels = s.labels;
            if (s.name == name + "_bucket") {
                auto le = labels.find("le");
                if (le == labels.end()) {
                    out.error = name + ": bucket without le";
                    break;
                }
                auto bound = detail::number(le->second);
                labels.erase(le);
                if (!bound) out.error = name + ": bad le";
                else buckets[labels].emplace_back(*bound, s.value);
            } else if (s.name == name + "_count") {
                counts[labels] = s.value;
            } else if (s.name == name + "_sum") {
                sums.insert(labels);
            } else {
                out.error = name + ": unexpected sample " + s.name;
            }
        }
        for (const auto& [labels, list] : buckets) {
            for (std::size_t k = 1; k < list.size(); ++k) {
                if (!(list[k].first > list[k - 1].first)) out.error = name + ": le not ascending";
                if (list[k].second < list[k - 1].second) out.error = name + ": buckets not cumulative";
            }
            if (list.empty() || !std::isinf(list.back().first)) out.error = name + ": no +Inf bucket";
            else if (!counts.count(labels) || counts[labels] != list.back().second)
                out.error = name + ": +Inf bucket differs from _count";
            if (!sums.count(labels)) out.error = name + ": no _sum";
        }
    }
    return out;
}

}  // namespace gw::ops::testing
