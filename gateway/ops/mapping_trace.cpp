#include "gateway/ops/mapping_trace.hpp"

#include <string>

#include <fmt/format.h>

// The compiled plan is the mapping module's internal form; the trace only reads it (through Mapping::plan()) to
// name each output field's source, and never depends on how it is evaluated.
#include "gateway/mapping/plan.hpp"

namespace gw::ops {

namespace json = boost::json;

namespace {

std::string source_of(const mapping::Expr& expr) {
    if (expr.primary) return expr.primary->text;
    if (expr.source) return expr.source->text;
    for (const auto& arg : expr.args) {
        auto s = source_of(arg);
        if (!s.empty()) return s;
    }
    return {};
}

void walk(const mapping::JsonNode& node, const json::value* out, const std::string& path, json::array& fields) {
    using Kind = mapping::JsonNode::Kind;
    switch (node.kind) {
        case Kind::constant:
        case Kind::expr: {
            if (!out) return;  // not written ($when false, or an absent optional value)
            auto source = node.kind == Kind::expr ? source_of(node.expr) : std::string();
            fields.push_back(json::object{{"output", path},
                                          {"source", source.empty() ? json::value(nullptr) : json::value(source)},
                                          {"value", *out}});
            return;
        }
        case Kind::object: {
            const auto* o = out ? out->if_object() : nullptr;
            if (!o) return;
            for (const auto& child : node.children) {
                walk(child, o->if_contains(child.key), path.empty() ? child.key : path + "." + child.key, fields);
            }
            return;
        }
        case Kind::array: {
            const auto* a = out ? out->if_array() : nullptr;
            if (!a) return;
            // One repeated template ($each) produces every element; otherwise templates and elements pair up.
            const bool repeated = node.children.size() == 1 && node.children.front().control.each;
            for (std::size_t i = 0; i < a->size(); ++i) {
                const mapping::JsonNode* t = repeated ? &node.children.front()
                                             : i < node.children.size() ? &node.children[i]
                                                                        : nullptr;
                if (t) walk(*t, &(*a)[i], fmt::format("{}[{}]", path, i), fields);
            }
            return;
        }
    }
}

}  // namespace

Result<json::value> trace_mapping(const mapping::Mapping& mapping, std::string_view input) {
    auto run = mapping.run(input);
    if (!run) return std::move(run).error();
    json::array fields;
    if (run->format == mapping::Format::json || mapping::is_canonical(run->format)) {
        walk(mapping.plan().json, &run->json, "", fields);
    }
    return json::value(json::object{{"mapping", mapping.name()}, {"file", mapping.file()}, {"fields", std::move(fields)}});
}

}  // namespace gw::ops
