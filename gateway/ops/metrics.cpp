#include "gateway/ops/metrics.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include <fmt/format.h>

#include "gateway/log/log.hpp"

namespace gw::ops {

namespace {

using LabelPairs = std::vector<std::pair<std::string, std::string>>;

void append_labels(std::string& out, const LabelPairs& labels, std::string_view le = {}) {
    if (labels.empty() && le.empty()) return;
    out += '{';
    bool first = true;
    for (const auto& [name, value] : labels) {
        if (!first) out += ',';
        first = false;
        out += name;
        out += "=\"";
        out += escape_label_value(value);
        out += '"';
    }
    if (!le.empty()) {
        if (!first) out += ',';
        out += "le=\"";
        out += le;
        out += '"';
    }
    out += '}';
}

void append_header(std::string& out, std::string_view name, std::string_view help, MetricType type) {
    out += "# HELP ";
    out += name;
    out += ' ';
    out += escape_help(help);
    out += "\n# TYPE ";
    out += name;
    out += ' ';
    out += to_string(type);
    out += '\n';
}

void append_sample(std::string& out, std::string_view name, const LabelPairs& labels, double value,
                   std::string_view le = {}) {
    out += name;
    append_labels(out, labels, le);
    out += ' ';
    out += format_value(value);
    out += '\n';
}

LabelPairs pairs(const std::vector<std::string>& names, const LabelValues& values) {
    LabelPairs out;
    out.reserve(names.size());
    for (std::size_t i = 0; i < names.size(); ++i) out.emplace_back(names[i], i < values.size() ? values[i] : "");
    return out;
}

template <class Fam>
void render_simple(std::string& out, const Fam& family, MetricType type) {
    append_header(out, family.name(), family.help(), type);
    family.each([&](const LabelValues& values, const auto& child) {
        append_sample(out, family.name(), pairs(family.labels(), values), static_cast<double>(child.value()));
    });
}

void render_histogram(std::string& out, const HistogramFamily& family) {
    append_header(out, family.name(), family.help(), MetricType::histogram);
    const std::string bucket = family.name() + "_bucket";
    const std::string sum = family.name() + "_sum";
    const std::string count = family.name() + "_count";
    family.each([&](const LabelValues& values, const Histogram& h) {
        const auto labels = pairs(family.labels(), values);
        const auto snap = h.snapshot();
        for (std::size_t i = 0; i < snap.bounds.size(); ++i) {
            append_sample(out, bucket, labels, static_cast<double>(snap.buckets[i]), format_value(snap.bounds[i]));
        }
        append_sample(out, bucket, labels, static_cast<double>(snap.count), "+Inf");
        append_sample(out, sum, labels, snap.sum);
        append_sample(out, count, labels, static_cast<double>(snap.count));
    });
}

}  // namespace

// ---- histogram ----------------------------------------------------------------------------------------------

Histogram::Histogram(std::vector<double> bounds)
    : bounds_(std::move(bounds)), counts_(new std::atomic<std::uint64_t>[bounds_.size() + 1]) {
    for (std::size_t i = 0; i <= bounds_.size(); ++i) counts_[i].store(0, std::memory_order_relaxed);
}

void Histogram::observe(double value) noexcept {
    if (std::isnan(value)) return;
    const auto it = std::lower_bound(bounds_.begin(), bounds_.end(), value);  // first bound >= value: le semantics
    counts_[static_cast<std::size_t>(it - bounds_.begin())].fetch_add(1, std::memory_order_relaxed);
    sum_.fetch_add(value, std::memory_order_relaxed);
    count_.fetch_add(1, std::memory_order_relaxed);
}

HistogramSnapshot Histogram::snapshot() const {
    HistogramSnapshot s;
    s.bounds = bounds_;
    s.buckets.resize(bounds_.size());
    std::uint64_t running = 0;
    for (std::size_t i = 0; i < bounds_.size(); ++i) {
        running += counts_[i].load(std::memory_order_relaxed);
        s.buckets[i] = running;
    }
    // Read racing writers: the total must be at least the sum of the finite buckets so the series stays monotone.
    s.count = std::max(running + counts_[bounds_.size()].load(std::memory_order_relaxed), running);
    s.sum = sum_.load(std::memory_order_relaxed);
    return s;
}

double HistogramSnapshot::quantile(double q) const {
    if (count == 0 || bounds.empty()) return 0;
    q = std::clamp(q, 0.0, 1.0);
    const double rank = q * static_cast<double>(count);
    double lower_bound = 0;
    std::uint64_t lower_count = 0;
    for (std::size_t i = 0; i < bounds.size(); ++i) {
        if (static_cast<double>(buckets[i]) >= rank) {
            const double in_bucket = static_cast<double>(buckets[i] - lower_count);
            if (in_bucket <= 0) return bounds[i];
            return lower_bound + (bounds[i] - lower_bound) * ((rank - static_cast<double>(lower_count)) / in_bucket);
        }
        lower_bound = bounds[i];
        lower_count = buckets[i];
    }
    return bounds.back();
}

HistogramSnapshot HistogramSnapshot::minus(const HistogramSnapshot& earlier) const {
    HistogramSnapshot d = *this;
    if (earlier.bounds != bounds) return d;
    for (std::size_t i = 0; i < buckets.size(); ++i) d.buckets[i] -= std::min(d.buckets[i], earlier.buckets[i]);
    d.count -= std::min(d.count, earlier.count);
    d.sum -= earlier.sum;
    return d;
}

std::string_view to_string(MetricType type) noexcept {
    switch (type) {
        case MetricType::counter: return "counter";
        case MetricType::gauge: return "gauge";
        case MetricType::histogram: return "histogram";
    }
    return "untyped";
}

// ---- scrape-time samples ------------------------------------------------------------------------------------

void Scrape::gauge(std::string_view name, std::string_view help, LabelPairs labels, double value) {
    add(name, help, MetricType::gauge, std::move(labels), value);
}

void Scrape::counter(std::string_view name, std::string_view help, LabelPairs labels, double value) {
    add(name, help, MetricType::counter, std::move(labels), value);
}

void Scrape::add(std::string_view name, std::string_view help, MetricType type, LabelPairs labels, double value) {
    // A family is written once with all its samples, however the collector interleaves them.
    auto it = std::find_if(families_.begin(), families_.end(), [&](const FamilySamples& f) { return f.name == name; });
    if (it == families_.end()) {
        families_.push_back({std::string(name), std::string(help), type, {}});
        it = families_.end() - 1;
    }
    it->samples.push_back({std::move(labels), value});
}

// ---- registry -----------------------------------------------------------------------------------------------

Result<Registry::Entry*> Registry::find_or_add(std::string& name, const std::string& help, MetricType type,
                                               std::vector<std::string>& labels, std::vector<double> bounds) {
    if (!valid_metric_name(name)) {
        return make_error(ErrorCode::invalid_argument, fmt::format("metrics: invalid metric name '{}'", name));
    }
    for (const auto& label : labels) {
        if (!valid_label_name(label) || (type == MetricType::histogram && label == "le")) {
            return make_error(ErrorCode::invalid_argument,
                              fmt::format("metrics: invalid label name '{}' on {}", label, name));
        }
    }
    if (type == MetricType::histogram) {
        if (bounds.empty() || !std::is_sorted(bounds.begin(), bounds.end()) ||
            std::adjacent_find(bounds.begin(), bounds.end()) != bounds.end()) {
            return make_error(ErrorCode::invalid_argument,
                              fmt::format("metrics: histogram {} needs strictly ascending bucket bounds", name));
        }
    }
    std::lock_guard lock(mutex_);
    if (auto it = entries_.find(name); it != entries_.end()) {
        if (it->second.type != type || it->second.labels != labels || it->second.bounds != bounds) {
            return make_error(ErrorCode::conflict,
                              fmt::format("metrics: {} is already registered with another type or labels", name));
        }
        return &it->second;
    }
    Entry entry{type, labels, bounds, nullptr, true};
    switch (type) {
        case MetricType::counter:
            entry.family = std::make_shared<CounterFamily>(name, help, labels, [] { return std::make_unique<Counter>(); });
            break;
        case MetricType::gauge:
            entry.family = std::make_shared<GaugeFamily>(name, help, labels, [] { return std::make_unique<Gauge>(); });
            break;
        case MetricType::histogram:
            entry.family = std::make_shared<HistogramFamily>(name, help, labels,
                                                             [bounds] { return std::make_unique<Histogram>(bounds); });
            break;
    }
    order_.push_back(name);
    return &entries_.emplace(name, std::move(entry)).first->second;
}

Result<CounterFamily*> Registry::try_counter(std::string name, std::string help, std::vector<std::string> labels) {
    auto e = find_or_add(name, help, MetricType::counter, labels, {});
    if (!e) return std::move(e).error();
    return static_cast<CounterFamily*>((*e)->family.get());
}

Result<GaugeFamily*> Registry::try_gauge(std::string name, std::string help, std::vector<std::string> labels) {
    auto e = find_or_add(name, help, MetricType::gauge, labels, {});
    if (!e) return std::move(e).error();
    return static_cast<GaugeFamily*>((*e)->family.get());
}

Result<HistogramFamily*> Registry::try_histogram(std::string name, std::string help, std::vector<std::string> labels,
                                                 std::vector<double> bounds) {
    auto e = find_or_add(name, help, MetricType::histogram, labels, std::move(bounds));
    if (!e) return std::move(e).error();
    return static_cast<HistogramFamily*>((*e)->family.get());
}


// A bad name fixed in the source is a bug that a test catches; at run time the family records into a stand-in that
// is never rendered rather than taking the gateway down.
CounterFamily& Registry::counter(std::string name, std::string help, std::vector<std::string> labels) {
    if (auto f = try_counter(name, help, labels)) return **f;
    else log::error("metrics.registration_failed", {{"error", f.error().to_string()}});
    static CounterFamily unrendered("unrendered", "", {}, [] { return std::make_unique<Counter>(); });
    return unrendered;
}

GaugeFamily& Registry::gauge(std::string name, std::string help, std::vector<std::string> labels) {
    if (auto f = try_gauge(name, help, labels)) return **f;
    else log::error("metrics.registration_failed", {{"error", f.error().to_string()}});
    static GaugeFamily unrendered("unrendered", "", {}, [] { return std::make_unique<Gauge>(); });
    return unrendered;
}

HistogramFamily& Registry::histogram(std::string name, std::string help, std::vector<std::string> labels,
                                     std::vector<double> bounds) {
    if (auto f = try_histogram(name, help, labels, bounds)) return **f;
    else log::error("metrics.registration_failed", {{"error", f.error().to_string()}});
    static HistogramFamily unrendered("unrendered", "", {}, [] { return std::make_unique<Histogram>(std::vector<double>{1}); });
    return unrendered;
}

void Registry::add_collector(Collector collector) {
    std::lock_guard lock(mutex_);
    collectors_.push_back(std::move(collector));
}

std::string Registry::render() const {
    std::vector<std::pair<const Entry*, std::string>> entries;
    std::vector<Collector> collectors;
    {
        std::lock_guard lock(mutex_);
        for (const auto& name : order_) entries.emplace_back(&entries_.find(name)->second, name);
        collectors = collectors_;
    }
    std::string out;
    out.reserve(16 * 1024);
    for (const auto& [entry, name] : entries) {
        switch (entry->type) {
            case MetricType::counter:
                render_simple(out, *static_cast<const CounterFamily*>(entry->family.get()), MetricType::counter);
                break;
            case MetricType::gauge:
                render_simple(out, *static_cast<const GaugeFamily*>(entry->family.get()), MetricType::gauge);
                break;
            case MetricType::histogram:
                render_histogram(out, *static_cast<const HistogramFamily*>(entry->family.get()));
                break;
        }
    }
    Scrape scrape;
    for (const auto& collect : collectors) collect(scrape);
    for (const auto& family : scrape.families()) {
        // A collector must not shadow a registered family: two TYPE lines for one name break the scrape.
        const bool registered = std::any_of(entries.begin(), entries.end(),
                                            [&](const auto& e) { return e.second == family.name; });
        if (registered || !valid_metric_name(family.name)) continue;
        append_header(out, family.name, family.help, family.type);
        for (const auto& sample : family.samples) append_sample(out, family.name, sample.labels, sample.value);
    }
    return out;
}

// ---- text helpers -------------------------------------------------------------------------------------------

bool valid_metric_name(std::string_view name) noexcept {
    if (name.empty()) return false;
    for (std::size_t i = 0; i < name.size(); ++i) {
        const char c = name[i];
        const bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':';
        if (!alpha && !(i > 0 && c >= '0' && c <= '9')) return false;
    }
    return true;
}

bool valid_label_name(std::string_view name) noexcept {
    if (name.empty() || name.starts_with("__")) return false;
    for (std::size_t i = 0; i < name.size(); ++i) {
        const char c = name[i];
        const bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
        if (!alpha && !(i > 0 && c >= '0' && c <= '9')) return false;
    }
    return true;
}

std::string escape_label_value(std::string_view value) {
    std::string out;
    out.reserve(value.size());
    for (char c : value) {
        if (c == '\\') out += "\\\\";
        else if (c == '"') out += "\\\"";
        else if (c == '\n') out += "\\n";
        else out += c;
    }
    return out;
}

std::string escape_help(std::string_view help) {
    std::string out;
    out.reserve(help.size());
    for (char c : help) {
        if (c == '\\') out += "\\\\";
        else if (c == '\n') out += "\\n";
        else out += c;
    }
    return out;
}

std::string format_value(double value) {
    if (std::isnan(value)) return "NaN";
    if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
    if (value == std::floor(value) && std::fabs(value) < 9.007199254740992e15) {
        return fmt::format("{}", static_cast<long long>(value));
    }
    return fmt::format("{}", value);
}

}  // namespace gw::ops
