#include "gateway/mapping/mapping.hpp"

#include <algorithm>
#include <chrono>
#include <filesystem>

#include <boost/json.hpp>
#include <fmt/format.h>

#include "gateway/mapping/evaluator.hpp"
#include "gateway/mapping/json_text.hpp"
#include "gateway/mapping/loader.hpp"
#include "gateway/mapping/writers.hpp"
#include "gateway/mapping/xml_input.hpp"
#include "gateway/model/json.hpp"
#include "gateway/model/validation.hpp"

namespace gw::mapping {
namespace {

namespace fs = std::filesystem;

CivilTime system_now() {
    const auto now = std::chrono::system_clock::now();
    const auto secs = std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
    CivilTime t;
    const std::int64_t days = secs / 86400;
    civil_from_days(days, t.year, t.month, t.day);
    const std::int64_t rest = secs - days * 86400;
    t.hour = static_cast<unsigned>(rest / 3600);
    t.minute = static_cast<unsigned>(rest / 60 % 60);
    t.second = static_cast<unsigned>(rest % 60);
    t.offset_minutes = 0;
    t.has_date = t.has_time = true;
    return t;
}

Result<CivilTime> resolve_now(const RunOptions& options) {
    if (!options.now) return system_now();
    std::string problem;
    auto t = parse_civil(*options.now, "iso", problem);
    if (!t || !t->has_date || !t->has_time || !t->offset_minutes)
        return make_error(ErrorCode::invalid_argument,
                          fmt::format("'now' must be an RFC 3339 date-time with offset, got \"{}\"", *options.now));
    return *t;
}

// Runs the plan once. With `tracked` set, also records where every output value came from.
Result<Output> execute(const Plan& plan, const InputDocument& doc, const RunOptions& options,
                       std::vector<Tracked>* tracked = nullptr) {
    auto now = resolve_now(options);
    if (!now) return std::move(now).error();
    EvalContext ctx;
    ctx.plan = &plan;
    ctx.doc = &doc;
    ctx.params = options.params;
    ctx.now = *now;
    ctx.frames.resize(static_cast<std::size_t>(plan.frames));
    ctx.stack.resize(64);
    ctx.track = tracked != nullptr;
    if (plan.item) {
        if (!options.item)
            return make_error(ErrorCode::invalid_argument,
                              fmt::format("mapping '{}' renders one element of {} (item:): the caller must say which",
                                          plan.name, plan.item_list));
        const auto* list = resolve_json(*plan.item->source, ctx);
        const std::size_t count = list && list->is_array() ? list->get_array().size() : 0;
        if (*options.item >= count)
            return make_error(ErrorCode::invalid_argument,
                              fmt::format("mapping '{}': item {} does not exist, {} has {} element(s)", plan.name,
                                          *options.item, plan.item_list, count));
        Frame& f = ctx.frames[static_cast<std::size_t>(plan.item->depth)];
        f.json = &list->get_array()[*options.item];
        f.index = static_cast<std::int32_t>(*options.item);
    } else if (options.item) {
        return make_error(ErrorCode::invalid_argument,
                          fmt::format("mapping '{}' renders the whole document; it has no item: to select", plan.name));
    }
    if (!bind_variables(ctx)) return std::move(*ctx.error);
    Output out;
    out.format = plan.output;
    bool ok = false;
    switch (plan.output) {
        case Format::xml: ok = write_xml(ctx, out.text); break;
        case Format::hl7: ok = write_hl7(ctx, out.text); break;
        default: ok = write_json(ctx, out.json); break;
    }
    if (!ok) return std::move(*ctx.error);
    if (tracked) *tracked = std::move(ctx.tracked);
    return out;
}

// "/lines/0/quantity" -> "lines[0].quantity", the dotted form the model's validation uses.
std::string dotted(std::string_view pointer) {
    std::string out;
    std::size_t pos = 0;
    while (pos < pointer.size()) {
        ++pos;
        const auto next = pointer.find('/', pos);
        const auto token = pointer.substr(pos, next == std::string_view::npos ? std::string_view::npos : next - pos);
        if (!token.empty() && token.find_first_not_of("0123456789") == std::string_view::npos) {
            out += fmt::format("[{}]", token);
        } else {
            if (!out.empty()) out += '.';
            out += token;
        }
        pos = next == std::string_view::npos ? pointer.size() : next;
    }
    return out;
}

// Adds the input location of `path` (from a tracking run) to a model problem.
std::string explain(const EvalContext& ctx, const std::vector<Tracked>& tracked, const std::string& path,
                    const std::string& message) {
    std::string text = path.empty() ? message : path + ": " + message;
    const Tracked* best = nullptr;
    for (const auto& t : tracked) {
        if (t.path == path) {
            best = &t;
            break;
        }
    }
    if (!best) return text;
    if (best->present && best->origin.source)
        return text + fmt::format(" (input {} = \"{}\")", render_origin(ctx, best->origin), best->value);
    if (!best->present && best->primary) return text + fmt::format(" (input {} is empty)", best->primary->text);
    return text;
}

Error explain_failure(const Plan& plan, const InputDocument& doc, const RunOptions& options,
                      const std::vector<std::pair<std::string, std::string>>& problems, ErrorCode code) {
    std::vector<Tracked> tracked;
    (void)execute(plan, doc, options, &tracked);
    EvalContext ctx;
    ctx.plan = &plan;
    ctx.doc = &doc;
    std::string message;
    std::string first_location;
    for (const auto& [path, text] : problems) {
        if (!message.empty()) message += "; ";
        message += explain(ctx, tracked, path, text);
        if (first_location.empty()) {
            for (const auto& t : tracked) {
                if (t.path != path) continue;
                first_location = t.origin.source ? render_origin(ctx, t.origin) : t.primary ? t.primary->text : "";
                break;
            }
        }
    }
    SourceLocation where;
    where.path = first_location;
    return make_error(code, std::move(message), std::move(where));
}

// Canonical output: the model parses (shape) and validates (meaning); the result is the model's normalised JSON.
Result<Output> canonicalise(const Plan& plan, const InputDocument& doc, const RunOptions& options, Output out) {
    if (plan.output == Format::care_order) {
        auto order = model::care_order_from_value(out.json);
        if (!order)
            return explain_failure(plan, doc, options, {{dotted(order.error().where.path), order.error().message}},
                                   order.error().code);
        model::ValidationOptions vo;
        vo.require_gateway_id = false;
        const auto problems = model::validate(*order, vo);
        if (!problems.empty()) {
            std::vector<std::pair<std::string, std::string>> list;
            for (const auto& p : problems) list.emplace_back(p.path, p.message);
            return explain_failure(plan, doc, options, list, ErrorCode::invalid_value);
        }
        out.json = model::to_json(*order);
        return out;
    }
    auto event = model::order_event_from_value(out.json);
    if (!event)
        return explain_failure(plan, doc, options, {{dotted(event.error().where.path), event.error().message}},
                               event.error().code);
    const auto problems = model::validate(*event);
    if (!problems.empty()) {
        std::vector<std::pair<std::string, std::string>> list;
        for (const auto& p : problems) list.emplace_back(p.path, p.message);
        return explain_failure(plan, doc, options, list, ErrorCode::invalid_value);
    }
    out.json = model::to_json(*event);
    return out;
}

Result<Output> run_document(const Plan& plan, const InputDocument& doc, const RunOptions& options) {
    auto out = execute(plan, doc, options);
    if (!out) return out;
    if (!is_canonical(plan.output)) return out;
    return canonicalise(plan, doc, options, std::move(out).value());
}

}  // namespace

std::string Output::to_string(bool readable) const {
    switch (format) {
        case Format::xml: return text;
        case Format::hl7: {
            if (!readable) return text;
            std::string s = text;
            std::replace(s.begin(), s.end(), '\r', '\n');
            if (!s.empty() && s.back() != '\n') s += '\n';
            return s;
        }
        default: return to_json_text(json, readable);
    }
}

Mapping::Mapping(std::shared_ptr<const Plan> plan) : plan_(std::move(plan)) {}

const std::string& Mapping::name() const noexcept { return plan_->name; }
const std::string& Mapping::file() const noexcept { return plan_->file; }
Format Mapping::input() const noexcept { return plan_->input; }
Format Mapping::output() const noexcept { return plan_->output; }

const std::string& Mapping::item_list() const noexcept { return plan_->item_list; }

std::vector<std::string> Mapping::params() const {
    std::vector<std::string> out;
    for (const auto& v : plan_->variables)
        if (v.is_param) out.push_back(v.name);
    return out;
}

Result<Output> Mapping::run_hl7(const hl7::Message& message, const RunOptions& options) const {
    if (plan_->input != Format::hl7)
        return make_error(ErrorCode::invalid_argument,
                          fmt::format("mapping '{}' reads {}, not hl7", plan_->name, to_string(plan_->input)));
    InputDocument doc;
    doc.kind = Format::hl7;
    doc.hl7 = &message;
    return run_document(*plan_, doc, options);
}

Result<Output> Mapping::run_json(const boost::json::value& input, const RunOptions& options) const {
    if (plan_->input == Format::hl7 || plan_->input == Format::xml)
        return make_error(ErrorCode::invalid_argument,
                          fmt::format("mapping '{}' reads {}, not JSON", plan_->name, to_string(plan_->input)));
    InputDocument doc;
    doc.kind = plan_->input;
    doc.json = &input;
    return run_document(*plan_, doc, options);
}

Result<Output> Mapping::run(std::string_view input, const RunOptions& options) const {
    switch (plan_->input) {
        case Format::hl7: {
            auto msg = hl7::parse_view(input);
            if (!msg) return std::move(msg).error();
            return run_hl7(*msg, options);
        }
        case Format::xml: {
            auto doc = parse_xml_input(input, plan_->namespaces);
            if (!doc) return std::move(doc).error();
            InputDocument d;
            d.kind = Format::xml;
            d.xml = **doc;
            return run_document(*plan_, d, options);
        }
        default: {
            boost::system::error_code ec;
            auto json = boost::json::parse(boost::json::string_view(input.data(), input.size()), ec);
            if (ec) return make_error(ErrorCode::parse_error, fmt::format("malformed JSON: {}", ec.message()));
            if (plan_->input == Format::care_order) {
                auto order = model::care_order_from_value(json);
                if (!order) {
                    auto e = std::move(order).error();
                    e.message = fmt::format("input is not a canonical CareOrder: {}: {}", e.where.path, e.message);
                    return e;
                }
                json = model::to_json(*order);
            } else if (plan_->input == Format::order_event) {
                auto event = model::order_event_from_value(json);
                if (!event) {
                    auto e = std::move(event).error();
                    e.message = fmt::format("input is not a canonical OrderEvent: {}: {}", e.where.path, e.message);
                    return e;
                }
                json = model::to_json(*event);
            }
            return run_json(json, options);
        }
    }
}

LoadResult load_mapping(const std::string& path) {
    auto compiled = compile_mapping_file(path);
    LoadResult r;
    r.errors = std::move(compiled.errors);
    if (compiled.plan) r.mapping = std::make_shared<const Mapping>(std::move(compiled.plan));
    return r;
}

LoadResult load_mapping_text(std::string_view yaml, const std::string& file, const std::string& base_dir) {
    auto compiled = compile_mapping_text(yaml, file, base_dir);
    LoadResult r;
    r.errors = std::move(compiled.errors);
    if (compiled.plan) r.mapping = std::make_shared<const Mapping>(std::move(compiled.plan));
    return r;
}

FolderLoadResult load_mapping_folder(const std::string& dir) {
    FolderLoadResult out;
    std::error_code ec;
    std::vector<fs::path> files;
    for (const auto& entry : fs::directory_iterator(dir, ec)) {
        const auto name = entry.path().filename().string();
        if (!entry.is_regular_file() || entry.path().extension() != ".yaml") continue;
        if (name == "adapter.yaml" || (name.size() > 10 && name.substr(name.size() - 10) == ".test.yaml")) continue;
        files.push_back(entry.path());
    }
    if (ec) {
        SourceLocation where;
        where.file = dir;
        out.errors.push_back(make_error(ErrorCode::not_found, fmt::format("cannot read folder '{}'", dir), where));
        return out;
    }
    std::sort(files.begin(), files.end());
    for (const auto& f : files) {
        auto loaded = load_mapping(f.string());
        for (auto& e : loaded.errors) out.errors.push_back(std::move(e));
        if (loaded.mapping) out.mappings.emplace(f.stem().string(), std::move(loaded.mapping));
    }
    return out;
}

Result<boost::json::value> translate_hl7_to_care_order(const Mapping& mapping, std::string_view frame,
                                                       const RunOptions& options) {
    if (mapping.output() != Format::care_order)
        return make_error(ErrorCode::invalid_argument,
                          fmt::format("mapping '{}' produces {}, not canonical:care_order", mapping.name(),
                                      to_string(mapping.output())));
    auto msg = hl7::parse_view(frame);
    if (!msg) return std::move(msg).error();
    auto out = mapping.run_hl7(*msg, options);
    if (!out) return std::move(out).error();
    return std::move(out->json);
}

Result<std::string> render_vendor_request(const Mapping& mapping, const boost::json::value& canonical,
                                          const Params& params, std::optional<std::size_t> item) {
    RunOptions options;
    options.params = &params;
    options.item = item;
    auto out = mapping.run_json(canonical, options);
    if (!out) return std::move(out).error();
    return out->to_string(false);
}

}  // namespace gw::mapping
