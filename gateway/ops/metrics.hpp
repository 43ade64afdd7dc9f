#pragma once
// A small Prometheus metrics registry and the text exposition format (version 0.0.4), written by hand because
// Debian has no prometheus-cpp. Three kinds of metric, each a family of children told apart by label values:
//
//   auto& sent = registry.counter("gateway_deliveries_total", "Deliveries filed", {"vendor", "action"});
//   sent.with({"oda-web", "delivered"}).inc();        // look the child up once and keep the reference on hot paths
//   auto& latency = registry.histogram("gateway_delivery_attempt_duration_seconds", "...", {"vendor"},
//                                      {0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10});
//   latency.with({"oda-web"}).observe(0.42);
//
// Recording is lock-free (atomics); finding a child takes a mutex, so hot paths cache the child. Values that other
// components already keep (store counts, engine status) are not copied here: a collector reads them at scrape time
// and adds samples (Scrape::gauge / Scrape::counter). render() writes every family once, with HELP and TYPE lines.
//
// Names follow the Prometheus conventions: base unit (seconds, bytes), counters end in _total, and the label set
// of a family is fixed at registration. Invalid names are a programming error and are refused (invalid_argument).

#include <atomic>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/core/result.hpp"

namespace gw::ops {

inline constexpr std::string_view exposition_content_type = "text/plain; version=0.0.4; charset=utf-8";

class Counter {
  public:
    void inc(std::uint64_t n = 1) noexcept { value_.fetch_add(n, std::memory_order_relaxed); }
    std::uint64_t value() const noexcept { return value_.load(std::memory_order_relaxed); }

  private:
    std::atomic<std::uint64_t> value_{0};
};

class Gauge {
  public:
    void set(double v) noexcept { value_.store(v, std::memory_order_relaxed); }
    void add(double v) noexcept { value_.fetch_add(v, std::memory_order_relaxed); }
    double value() const noexcept { return value_.load(std::memory_order_relaxed); }

  private:
    std::atomic<double> value_{0};
};

// Cumulative counts per upper bound, as Prometheus wants them, plus sum and count.
struct HistogramSnapshot {
    std::vector<double> bounds;          // upper bounds, ascending, without +Inf
    std::vector<std::uint64_t> buckets;  // cumulative count per bound; buckets.size() == bounds.size()
    std::uint64_t count = 0;             // the +Inf bucket
    double sum = 0;

    // The q-quantile (0..1) by linear interpolation inside the bucket that holds it, as PromQL's
    // histogram_quantile does; 0 when empty. Observations above the last bound report that bound.
    double quantile(double q) const;
    // this - earlier (the observations in between), for the same bounds.
    HistogramSnapshot minus(const HistogramSnapshot& earlier) const;
};

class Histogram {
  public:
    explicit Histogram(std::vector<double> bounds);
    void observe(double value) noexcept;
    HistogramSnapshot snapshot() const;

  private:
    const std::vector<double> bounds_;
    std::unique_ptr<std::atomic<std::uint64_t>[]> counts_;  // per bucket, not cumulative; last one is +Inf
    std::atomic<std::uint64_t> count_{0};
    std::atomic<double> sum_{0};
};

enum class MetricType { counter, gauge, histogram };
std::string_view to_string(MetricType type) noexcept;

using LabelValues = std::vector<std::string>;

// One family: a name, help text, label names and a child per label-value combination.
template <class T>
class Family {
  public:
    Family(std::string name, std::string help, std::vector<std::string> labels,
           std::function<std::unique_ptr<T>()> make)
        : name_(std::move(name)), help_(std::move(help)), labels_(std::move(labels)), make_(std::move(make)) {}

    // The child for these label values (created on first use). Values must match the label names in number;
    // missing values are empty, extra ones are dropped.
    T& with(std::initializer_list<std::string_view> values) {
        return with_values(LabelValues(values.begin(), values.end()));
    }
    T& with_values(LabelValues values) {
        values.resize(labels_.size());
        std::lock_guard lock(mutex_);
        auto& slot = children_[values];
        if (!slot) slot = make_();
        return *slot;
    }

    // Every child with its label values, in label-value order.
    template <class Fn>
    void each(Fn&& fn) const {
        std::lock_guard lock(mutex_);
        for (const auto& [values, child] : children_) fn(values, *child);
    }

    const std::string& name() const { return name_; }
    const std::string& help() const { return help_; }
    const std::vector<std::string>& labels() const { return labels_; }

  private:
    std::string name_;
    std::string help_;
    std::vector<std::string> labels_;
    std::function<std::unique_ptr<T>()> make_;
    mutable std::mutex mutex_;
    std::map<LabelValues, std::unique_ptr<T>> children_;
};

using CounterFamily = Family<Counter>;
using GaugeFamily = Family<Gauge>;
using HistogramFamily = Family<Histogram>;

// What a collector adds at scrape time: samples of counter or gauge families whose values live elsewhere.
class Scrape {
  public:
    struct Sample {
        std::vector<std::pair<std::string, std::string>> labels;
        double value = 0;
    };
    struct FamilySamples {
        std::string name;
        std::string help;
        MetricType type = MetricType::gauge;
        std::vector<Sample> samples;
    };

    void gauge(std::string_view name, std::string_view help, std::vector<std::pair<std::string, std::string>> labels,
               double value);
    void counter(std::string_view name, std::string_view help,
                 std::vector<std::pair<std::string, std::string>> labels, double value);

    const std::vector<FamilySamples>& families() const { return families_; }

  private:
    void add(std::string_view name, std::string_view help, MetricType type,
             std::vector<std::pair<std::string, std::string>> labels, double value);
    std::vector<FamilySamples> families_;
};

class Registry {
  public:
    using Collector = std::function<void(Scrape&)>;

    // A family is registered once; registering the same name again returns the first family when kind and labels
    // agree, and an error otherwise. Errors: invalid_argument (bad metric or label name), conflict.
    Result<CounterFamily*> try_counter(std::string name, std::string help, std::vector<std::string> labels = {});
    Result<GaugeFamily*> try_gauge(std::string name, std::string help, std::vector<std::string> labels = {});
    Result<HistogramFamily*> try_histogram(std::string name, std::string help, std::vector<std::string> labels,
                                           std::vector<double> bounds);

    // The same, for names fixed in the source: a bad name is a bug, reported by aborting in debug builds and by a
    // family that is never rendered in release builds.
    CounterFamily& counter(std::string name, std::string help, std::vector<std::string> labels = {});
    GaugeFamily& gauge(std::string name, std::string help, std::vector<std::string> labels = {});
    HistogramFamily& histogram(std::string name, std::string help, std::vector<std::string> labels,
                               std::vector<double> bounds);

    void add_collector(Collector collector);

    // The whole exposition: registered families in registration order, then what the collectors add.
    std::string render() const;

  private:
    struct Entry {
        MetricType type;
        std::vector<std::string> labels;
        std::vector<double> bounds;
        std::shared_ptr<void> family;
        bool render = true;
    };
    Result<Entry*> find_or_add(std::string& name, const std::string& help, MetricType type,
                               std::vector<std::string>& labels, std::vector<double> bounds);

    mutable std::mutex mutex_;
    std::vector<std::string> order_;
    std::map<std::string, Entry, std::less<>> entries_;
    std::vector<Collector> collectors_;
};

// Name rules of the exposition format: metric [a-zA-Z_:][a-zA-Z0-9_:]*, label [a-zA-Z_][a-zA-Z0-9_]* without a
// leading "__" (reserved), and "le" is reserved for histograms.
bool valid_metric_name(std::string_view name) noexcept;
bool valid_label_name(std::string_view name) noexcept;

// Exposition text helpers, exposed for tests: a label value with \ " and newline escaped; a HELP text with \ and
// newline escaped; a sample value (integers without a fraction, +Inf/-Inf/NaN spelled as Prometheus does).
std::string escape_label_value(std::string_view value);
std::string escape_help(std::string_view help);
std::string format_value(double value);

}  // namespace gw::ops
