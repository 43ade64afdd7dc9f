#include "gateway/mapping/functions.hpp"

#include <algorithm>
#include <array>

#include <fmt/format.h>

#include "gateway/mapping/clock.hpp"
#include "gateway/mapping/evaluator.hpp"
#include "gateway/mapping/number.hpp"
#include "gateway/mapping/sha256.hpp"
#include "gateway/model/gtin.hpp"

namespace gw::mapping {
namespace {

using T = StaticType;

Value keep_origin(Value v, const Value& from) {
    v.origin = from.origin;
    return v;
}

// A text result: "" becomes absent, so an empty result never produces an empty output field.
void set_text(Value& out, std::string s, const Value& from) {
    out = Value{};
    out.origin = from.origin;
    if (s.empty()) return;
    out.type = ValueType::text;
    out.text = std::move(s);
}

// ---- text -------------------------------------------------------------------------------------------------

std::string_view trim_view(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r' || s.front() == '\n'))
        s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n'))
        s.remove_suffix(1);
    return s;
}

bool f_trim(EvalContext&, const Expr&, Value* a, std::size_t, Value& out) {
    if (!a[0].present()) return out = std::move(a[0]), true;
    set_text(out, std::string(trim_view(a[0].as_text())), a[0]);
    return true;
}

// ASCII plus the Latin-1 letters of UTF-8 (æøå ÆØÅ é ü ...): what Norwegian names and addresses need.
std::string change_case(std::string_view s, bool upper) {
    std::string out(s);
    for (std::size_t i = 0; i < out.size(); ++i) {
        auto c = static_cast<unsigned char>(out[i]);
        if (c < 0x80) {
            if (upper && c >= 'a' && c <= 'z') out[i] = static_cast<char>(c - 32);
            if (!upper && c >= 'A' && c <= 'Z') out[i] = static_cast<char>(c + 32);
        } else if (c == 0xC3 && i + 1 < out.size()) {
            auto n = static_cast<unsigned char>(out[i + 1]);
            if (upper && n >= 0xA0 && n <= 0xBE && n != 0xB7) out[i + 1] = static_cast<char>(n - 0x20);
            if (!upper && n >= 0x80 && n <= 0x9E && n != 0x97) out[i + 1] = static_cast<char>(n + 0x20);
            ++i;
        }
    }
    return out;
}

bool f_upper(EvalContext&, const Expr&, Value* a, std::size_t, Value& out) {
    if (!a[0].present()) return out = std::move(a[0]), true;
    set_text(out, change_case(a[0].as_text(), true), a[0]);
    return true;
}

bool f_lower(EvalContext&, const Expr&, Value* a, std::size_t, Value& out) {
    if (!a[0].present()) return out = std::move(a[0]), true;
    set_text(out, change_case(a[0].as_text(), false), a[0]);
    return true;
}

bool f_concat(EvalContext&, const Expr&, Value* a, std::size_t n, Value& out) {
    std::string s;
    const Value* first = nullptr;
    for (std::size_t i = 0; i < n; ++i) {
        if (!a[i].present()) continue;
        if (!first && a[i].origin.source) first = &a[i];
        s += a[i].as_text();
    }
    set_text(out, std::move(s), first ? *first : a[0]);
    return true;
}

std::size_t utf8_offset(std::string_view s, std::size_t code_points) {
    std::size_t i = 0;
    while (i < s.size() && code_points > 0) {
        ++i;
        while (i < s.size() && (static_cast<unsigned char>(s[i]) & 0xC0) == 0x80) ++i;
        --code_points;
    }
    return i;
}

bool whole_number(EvalContext& ctx, const Value& v, std::int64_t& out, const char* what) {
    const auto n = Number::parse(v.as_text());
    if (!n || !n->is_integer()) return fail(ctx, fmt::format("{} must be a whole number", what), &v);
    out = normalize(*n).mantissa;
    return true;
}

bool f_substring(EvalContext& ctx, const Expr&, Value* a, std::size_t n, Value& out) {
    if (!a[0].present()) return out = std::move(a[0]), true;
    std::int64_t start = 1, length = -1;
    if (!whole_number(ctx, a[1], start, "substring start")) return false;
    if (n > 2 && !whole_number(ctx, a[2], length, "substring length")) return false;
    const std::string s = a[0].as_text();
    const std::size_t b = utf8_offset(s, static_cast<std::size_t>(std::max<std::int64_t>(start - 1, 0)));
    const std::size_t e = length < 0 ? s.size() : b + utf8_offset(std::string_view(s).substr(b), static_cast<std::size_t>(length));
    set_text(out, s.substr(b, e - b), a[0]);
    return true;
}

bool f_replace(EvalContext&, const Expr&, Value* a, std::size_t, Value& out) {
    if (!a[0].present()) return out = std::move(a[0]), true;
    std::string s = a[0].as_text();
    const std::string from = a[1].as_text(), to = a[2].as_text();
    if (!from.empty()) {
        for (std::size_t p = s.find(from); p != std::string::npos; p = s.find(from, p + to.size())) s.replace(p, from.size(), to);
    }
    set_text(out, std::move(s), a[0]);
    return true;
}

bool f_pad_left(EvalContext& ctx, const Expr&, Value* a, std::size_t n, Value& out) {
    if (!a[0].present()) return out = std::move(a[0]), true;
    std::int64_t width = 0;
    if (!whole_number(ctx, a[1], width, "pad width")) return false;
    std::string s = a[0].as_text();
    const std::string fill = n > 2 ? a[2].as_text() : std::string("0");
    if (!fill.empty() && static_cast<std::int64_t>(s.size()) < width)
        s.insert(0, static_cast<std::size_t>(width) - s.size(), fill[0]);
    set_text(out, std::move(s), a[0]);
    return true;
}

bool f_digits(EvalContext&, const Expr&, Value* a, std::size_t, Value& out) {
    std::string s;
    for (char c : a[0].as_text())
        if (c >= '0' && c <= '9') s += c;
    set_text(out, std::move(s), a[0]);
    return true;
}

bool f_string(EvalContext&, const Expr&, Value* a, std::size_t, Value& out) {
    if (!a[0].present()) return out = std::move(a[0]), true;
    set_text(out, a[0].as_text(), a[0]);
    return true;
}

bool f_length(EvalContext&, const Expr&, Value* a, std::size_t, Value& out) {
    std::size_t n = 0;
    if (a[0].type == ValueType::list) {
        n = a[0].items.size();
    } else {
        for (char c : a[0].as_text())
            if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++n;
    }
    out = Value::make_typed(ValueType::number, std::to_string(n), a[0].origin);
    return true;
}

bool f_join(EvalContext&, const Expr&, Value* a, std::size_t n, Value& out) {
    const std::string sep = n > 1 ? a[1].as_text() : std::string(" ");
    std::string s;
    const Value* first = nullptr;
    auto add = [&](const Value& v) {
        if (!v.present()) return;
        if (!first) first = &v;
        if (!s.empty()) s += sep;
        s += v.as_text();
    };
    if (a[0].type == ValueType::list) {
        for (const auto& v : a[0].items) add(v);
    } else {
        add(a[0]);
    }
    set_text(out, std::move(s), first ? *first : a[0]);
    return true;
}

bool f_split(EvalContext&, const Expr&, Value* a, std::size_t, Value& out) {
    out = Value{};
    out.type = ValueType::list;
    out.origin = a[0].origin;
    const std::string s = a[0].as_text(), sep = a[1].as_text();
    if (s.empty()) return true;
    std::size_t start = 0;
    while (true) {
        const auto p = sep.empty() ? std::string::npos : s.find(sep, start);
        auto part = trim_view(std::string_view(s).substr(start, p == std::string::npos ? std::string::npos : p - start));
        if (!part.empty()) out.items.push_back(Value::make_text(std::string(part), a[0].origin));
        if (p == std::string::npos) break;
        start = p + sep.size();
    }
    return true;
}

bool f_starts_with(EvalContext&, const Expr&, Value* a, std::size_t, Value& out) {
    out = Value::make_bool(a[0].as_text().rfind(a[1].as_text(), 0) == 0, a[0].origin);
    return true;
}

bool f_contains(EvalContext&, const Expr&, Value* a, std::size_t, Value& out) {
    bool found = false;
    if (a[0].type == ValueType::list) {
        for (const auto& v : a[0].items) found = found || v.as_text() == a[1].as_text();
    } else {
        found = a[0].as_text().find(a[1].as_text()) != std::string::npos;
    }
    out = Value::make_bool(found, a[0].origin);
    return true;
}

// ---- logic ------------------------------------------------------------------------------------------------

bool f_if(EvalContext& ctx, const Expr& call, Value*, std::size_t, Value& out) {
    Value cond;
    if (!eval(call.args[0], ctx, cond)) return false;
    if (cond.truthy()) return eval(call.args[1], ctx, out);
    if (call.args.size() > 2) return eval(call.args[2], ctx, out);
    out = Value{};
    return true;
}

bool f_default(EvalContext& ctx, const Expr& call, Value*, std::size_t, Value& out) {
    for (const auto& arg : call.args) {
        if (!eval(arg, ctx, out)) return false;
        if (out.present() && !(out.type == ValueType::list && out.items.empty())) return true;
    }
    return true;
}

bool f_required(EvalContext& ctx, const Expr&, Value* a, std::size_t n, Value& out) {
    if (!a[0].present()) return fail(ctx, n > 1 ? a[1].as_text() : std::string("required value is missing"), &a[0]);
    out = std::move(a[0]);
    return true;
}

bool f_fail(EvalContext& ctx, const Expr&, Value* a, std::size_t n, Value&) {
    return fail(ctx, a[0].as_text(), n > 1 ? &a[1] : nullptr);
}

bool same(const Value& x, const Value& y) {
    if ((x.type == ValueType::number || y.type == ValueType::number) && x.present() && y.present()) {
        const auto a = Number::parse(x.as_text()), b = Number::parse(y.as_text());
        if (a && b) {
            const auto d = sub(*a, *b);
            return d && d->mantissa == 0;
        }
    }
    return x.as_text() == y.as_text();
}

bool f_eq(EvalContext&, const Expr&, Value* a, std::size_t, Value& out) {
    out = Value::make_bool(same(a[0], a[1]));
    return true;
}

bool f_ne(EvalContext&, const Expr&, Value* a, std::size_t, Value& out) {
    out = Value::make_bool(!same(a[0], a[1]));
    return true;
}

bool f_in(EvalContext&, const Expr&, Value* a, std::size_t n, Value& out) {
    bool found = false;
    for (std::size_t i = 1; i < n && !found; ++i) found = same(a[0], a[i]);
    out = Value::make_bool(found, a[0].origin);
    return true;
}

bool compare_numbers(EvalContext& ctx, Value* a, int& cmp) {
    const auto x = Number::parse(a[0].as_text());
    if (!x) return fail(ctx, "not a number", &a[0]);
    const auto y = Number::parse(a[1].as_text());
    if (!y) return fail(ctx, "not a number", &a[1]);
    const auto d = sub(*x, *y);
    if (!d) return fail(ctx, "number out of range", &a[0]);
    cmp = d->mantissa < 0 ? -1 : d->mantissa > 0 ? 1 : 0;
    return true;
}

bool f_gt(EvalContext& ctx, const Expr&, Value* a, std::size_t, Value& out) {
    int cmp = 0;
    if (!compare_numbers(ctx, a, cmp)) return false;
    out = Value::make_bool(cmp > 0);
    return true;
}

bool f_lt(EvalContext& ctx, const Expr&, Value* a, std::size_t, Value& out) {
    int cmp = 0;
    if (!compare_numbers(ctx, a, cmp)) return false;
    out = Value::make_bool(cmp < 0);
    return true;
}

bool f_not(EvalContext&, const Expr&, Value* a, std::size_t, Value& out) {
    out = Value::make_bool(!a[0].truthy());
    return true;
}

bool f_and(EvalContext& ctx, const Expr& call, Value*, std::size_t, Value& out) {
    for (const auto& arg : call.args) {
        Value v;
        if (!eval(arg, ctx, v)) return false;
        if (!v.truthy()) return out = Value::make_bool(false), true;
    }
    out = Value::make_bool(true);
    return true;
}

bool f_or(EvalContext& ctx, const Expr& call, Value*, std::size_t, Value& out) {
    for (const auto& arg : call.args) {
        Value v;
        if (!eval(arg, ctx, v)) return false;
        if (v.truthy()) return out = Value::make_bool(true), true;
    }
    out = Value::make_bool(false);
    return true;
}

bool f_present(EvalContext&, const Expr&, Value* a, std::size_t, Value& out) {
    out = Value::make_bool(a[0].truthy());
    return true;
}

bool f_empty(EvalContext&, const Expr&, Value* a, std::size_t, Value& out) {
    out = Value::make_bool(!a[0].truthy());
    return true;
}

bool f_bool(EvalContext& ctx, const Expr&, Value* a, std::size_t, Value& out) {
    if (!a[0].present()) return out = std::move(a[0]), true;
    if (a[0].type == ValueType::boolean) return out = std::move(a[0]), true;
    const std::string s = change_case(trim_view(a[0].as_text()), false);
    if (s == "y" || s == "yes" || s == "j" || s == "ja" || s == "true" || s == "1") return out = keep_origin(Value::make_bool(true), a[0]), true;
    if (s == "n" || s == "no" || s == "nei" || s == "false" || s == "0") return out = keep_origin(Value::make_bool(false), a[0]), true;
    return fail(ctx, "expected a yes/no value (Y/N, J/N, true/false, 1/0)", &a[0]);
}

// ---- numbers ----------------------------------------------------------------------------------------------

bool to_number(EvalContext& ctx, const Value& v, Number& n) {
    const auto parsed = Number::parse(v.as_text());
    if (!parsed) return fail(ctx, "not a number", &v);
    n = *parsed;
    return true;
}

void set_number(Value& out, Number n, const Value& from) {
    out = Value::make_typed(ValueType::number, n.to_string(), from.origin);
}

bool f_number(EvalContext& ctx, const Expr&, Value* a, std::size_t, Value& out) {
    if (!a[0].present()) return out = std::move(a[0]), true;
    Number n;
    if (!to_number(ctx, a[0], n)) return false;
    set_number(out, n, a[0]);
    return true;
}

bool f_int(EvalContext& ctx, const Expr&, Value* a, std::size_t, Value& out) {
    if (!a[0].present()) return out = std::move(a[0]), true;
    Number n;
    if (!to_number(ctx, a[0], n)) return false;
    if (!n.is_integer()) return fail(ctx, "not a whole number", &a[0]);
    set_number(out, normalize(n), a[0]);
    return true;
}

bool f_decimal(EvalContext& ctx, const Expr& call, Value* a, std::size_t, Value& out) {
    if (!a[0].present()) return out = std::move(a[0]), true;
    Number n;
    if (!to_number(ctx, a[0], n)) return false;
    if (call.aux < 0) return set_number(out, normalize(n), a[0]), true;
    const auto r = round(n, call.aux, static_cast<Rounding>(call.aux2 < 0 ? 0 : call.aux2));
    if (!r) return fail(ctx, "number out of range", &a[0]);
    set_number(out, *r, a[0]);
    return true;
}

template <std::optional<Number> (*Op)(Number, Number) noexcept>
bool arithmetic(EvalContext& ctx, const Expr&, Value* a, std::size_t, Value& out) {
    if (!a[0].present() || !a[1].present()) return out = Value{}, true;
    Number x, y;
    if (!to_number(ctx, a[0], x) || !to_number(ctx, a[1], y)) return false;
    const auto r = Op(x, y);
    if (!r) return fail(ctx, "number out of range", &a[0]);
    set_number(out, *r, a[0]);
    return true;
}

bool f_convert(EvalContext& ctx, const Expr&, Value* a, std::size_t, Value& out) {
    if (!a[0].present()) return out = std::move(a[0]), true;
    Number n;
    if (!to_number(ctx, a[0], n)) return false;
    const auto factor = unit_factor(a[1].as_text(), a[2].as_text());
    if (!factor)
        return fail(ctx, fmt::format("cannot convert from unit '{}' to '{}'", a[1].as_text(), a[2].as_text()), &a[1]);
    const auto r = mul(n, *factor);
    if (!r) return fail(ctx, "number out of range", &a[0]);
    set_number(out, *r, a[0]);
    return true;
}

// ---- dates and times --------------------------------------------------------------------------------------

std::string_view pattern_arg(const Expr& call, const Value* a, std::size_t n, std::size_t i) {
    (void)call;
    return i < n ? std::string_view(a[i].text) : std::string_view("iso");
}

bool parse_time_value(EvalContext& ctx, const Value& v, std::string_view pattern, CivilTime& t) {
    std::string problem;
    std::string_view p = pattern;
    // Values computed by date()/datetime() are ISO whatever pattern the caller names for text input.
    if (v.type == ValueType::date || v.type == ValueType::time || v.type == ValueType::datetime) p = "iso";
    const auto parsed = parse_civil(trim_view(v.as_text()), p, problem);
    if (!parsed) {
        if (problem == "no such date" || problem == "no such time of day")
            return fail(ctx, fmt::format("{} (pattern '{}')", problem, p), &v);
        return fail(ctx, fmt::format("not a date/time: {}", problem), &v);
    }
    t = *parsed;
    return true;
}

bool f_date(EvalContext& ctx, const Expr& call, Value* a, std::size_t n, Value& out) {
    if (!a[0].present()) return out = std::move(a[0]), true;
    CivilTime t;
    if (!parse_time_value(ctx, a[0], pattern_arg(call, a, n, 1), t)) return false;
    if (!t.has_date) return fail(ctx, "has no date", &a[0]);
    out = Value::make_typed(ValueType::date, iso_date(t), a[0].origin);
    return true;
}

bool f_time(EvalContext& ctx, const Expr& call, Value* a, std::size_t n, Value& out) {
    if (!a[0].present()) return out = std::move(a[0]), true;
    CivilTime t;
    if (!parse_time_value(ctx, a[0], pattern_arg(call, a, n, 1), t)) return false;
    if (!t.has_time) return fail(ctx, "has no time of day", &a[0]);
    out = Value::make_typed(ValueType::time, iso_time(t), a[0].origin);
    return true;
}

bool to_instant(EvalContext& ctx, const Value& v, std::string_view pattern, Zone zone, CivilTime& t) {
    if (!parse_time_value(ctx, v, pattern, t)) return false;
    if (!t.has_date) return fail(ctx, "has no date", &v);
    if (!t.offset_minutes) {
        std::string problem;
        const auto offset = resolve_local(zone, t, problem);
        if (!offset) return fail(ctx, problem, &v);
        t.offset_minutes = *offset;
    }
    t.has_time = true;
    return true;
}

bool f_datetime(EvalContext& ctx, const Expr& call, Value* a, std::size_t n, Value& out) {
    if (!a[0].present()) return out = std::move(a[0]), true;
    CivilTime t;
    if (!to_instant(ctx, a[0], pattern_arg(call, a, n, 1), static_cast<Zone>(call.aux < 0 ? 1 : call.aux), t))
        return false;
    out = Value::make_typed(ValueType::datetime, rfc3339(t), a[0].origin);
    return true;
}

bool f_format_date(EvalContext& ctx, const Expr&, Value* a, std::size_t, Value& out) {
    if (!a[0].present()) return out = std::move(a[0]), true;
    CivilTime t;
    if (!parse_time_value(ctx, a[0], "iso", t)) return false;
    if (!t.has_date) return fail(ctx, "has no date", &a[0]);
    t.has_time = false;
    set_text(out, format_civil(t, a[1].text), a[0]);
    return true;
}

bool f_format_time(EvalContext& ctx, const Expr&, Value* a, std::size_t, Value& out) {
    if (!a[0].present()) return out = std::move(a[0]), true;
    CivilTime t;
    if (!parse_time_value(ctx, a[0], "iso", t)) return false;
    t.has_date = false;
    set_text(out, format_civil(t, a[1].text), a[0]);
    return true;
}

bool f_format_datetime(EvalContext& ctx, const Expr& call, Value* a, std::size_t, Value& out) {
    if (!a[0].present()) return out = std::move(a[0]), true;
    const Zone zone = static_cast<Zone>(call.aux < 0 ? 1 : call.aux);
    CivilTime t;
    if (!to_instant(ctx, a[0], "iso", zone, t)) return false;
    set_text(out, format_civil(to_zone(t, zone), a[1].text), a[0]);
    return true;
}

bool f_now(EvalContext& ctx, const Expr&, Value*, std::size_t, Value& out) {
    out = Value::make_typed(ValueType::datetime, rfc3339(to_zone(ctx.now, Zone::europe_oslo)));
    return true;
}

bool f_local_date(EvalContext& ctx, const Expr& call, Value* a, std::size_t, Value& out) {
    if (!a[0].present()) return out = std::move(a[0]), true;
    const Zone zone = static_cast<Zone>(call.aux < 0 ? 1 : call.aux);
    CivilTime t;
    if (!to_instant(ctx, a[0], "iso", zone, t)) return false;
    out = Value::make_typed(ValueType::date, iso_date(to_zone(t, zone)), a[0].origin);
    return true;
}

// ---- GTIN -------------------------------------------------------------------------------------------------

bool f_gtin14(EvalContext& ctx, const Expr&, Value* a, std::size_t, Value& out) {
    if (!a[0].present()) return out = std::move(a[0]), true;
    auto r = model::normalize_gtin(trim_view(a[0].as_text()));
    if (!r) return fail(ctx, "invalid GTIN: " + r.error().message, &a[0]);
    set_text(out, std::move(r).value(), a[0]);
    return true;
}

bool f_gtin13(EvalContext& ctx, const Expr&, Value* a, std::size_t, Value& out) {
    if (!a[0].present()) return out = std::move(a[0]), true;
    auto r = model::to_gtin13(trim_view(a[0].as_text()));
    if (!r) return fail(ctx, "invalid GTIN: " + r.error().message, &a[0]);
    set_text(out, std::move(r).value(), a[0]);
    return true;
}

bool f_is_gtin(EvalContext&, const Expr&, Value* a, std::size_t, Value& out) {
    out = Value::make_bool(model::is_valid_gtin(trim_view(a[0].as_text())), a[0].origin);
    return true;
}

// ---- tables, maps, hashing, lists -------------------------------------------------------------------------

bool do_lookup(EvalContext& ctx, const Expr& call, Value* a, Value& out, const Value* fallback) {
    if (!a[1].present()) return out = std::move(a[1]), true;
    const Table& table = ctx.plan->tables[static_cast<std::size_t>(call.aux)];
    const auto it = table.rows.find(a[1].as_text());
    if (it == table.rows.end()) {
        if (fallback) return out = *fallback, true;
        return fail(ctx, fmt::format("no row for this key in table '{}'", table.name), &a[1]);
    }
    const std::size_t column = call.aux2 < 0 ? 1 : static_cast<std::size_t>(call.aux2);
    set_text(out, column < it->second.size() ? it->second[column] : std::string(), a[1]);
    return true;
}

bool f_lookup(EvalContext& ctx, const Expr& call, Value* a, std::size_t, Value& out) {
    return do_lookup(ctx, call, a, out, nullptr);
}

bool f_lookup_or(EvalContext& ctx, const Expr& call, Value* a, std::size_t, Value& out) {
    return do_lookup(ctx, call, a, out, &a[2]);
}

bool do_map(EvalContext& ctx, const Expr& call, Value* a, Value& out, const Value* fallback) {
    if (!a[1].present()) return out = std::move(a[1]), true;
    const ValueMap& map = ctx.plan->maps[static_cast<std::size_t>(call.aux)];
    const auto it = map.entries.find(a[1].as_text());
    if (it == map.entries.end()) {
        if (fallback) return out = *fallback, true;
        std::vector<std::string> keys;
        for (const auto& [k, v] : map.entries) keys.push_back(k);
        std::sort(keys.begin(), keys.end());
        std::string known;
        for (const auto& k : keys) known += (known.empty() ? "" : ", ") + k;
        return fail(ctx, fmt::format("unknown value for map '{}' (known: {})", map.name, known), &a[1]);
    }
    set_text(out, it->second, a[1]);
    return true;
}

bool f_map(EvalContext& ctx, const Expr& call, Value* a, std::size_t, Value& out) {
    return do_map(ctx, call, a, out, nullptr);
}

bool f_map_or(EvalContext& ctx, const Expr& call, Value* a, std::size_t, Value& out) {
    return do_map(ctx, call, a, out, &a[2]);
}

bool f_sha256(EvalContext&, const Expr&, Value* a, std::size_t, Value& out) {
    if (!a[0].present()) return out = std::move(a[0]), true;
    set_text(out, to_hex(sha256(a[0].as_text())), a[0]);
    return true;
}

bool f_hmac_sha256(EvalContext& ctx, const Expr&, Value* a, std::size_t, Value& out) {
    if (!a[0].present()) return out = std::move(a[0]), true;
    if (!a[1].present()) return fail(ctx, "hmac_sha256 needs a key (is the param set?)", &a[1]);
    set_text(out, to_hex(hmac_sha256(a[1].as_text(), a[0].as_text())), a[0]);
    return true;
}

bool f_first(EvalContext&, const Expr&, Value* a, std::size_t, Value& out) {
    if (a[0].type != ValueType::list) return out = std::move(a[0]), true;
    if (a[0].items.empty()) return out = Value{}, true;
    out = std::move(a[0].items.front());
    return true;
}

bool f_nth(EvalContext& ctx, const Expr&, Value* a, std::size_t, Value& out) {
    std::int64_t i = 0;
    if (!whole_number(ctx, a[1], i, "nth index")) return false;
    if (a[0].type != ValueType::list || i < 1 || static_cast<std::size_t>(i) > a[0].items.size()) return out = Value{}, true;
    out = std::move(a[0].items[static_cast<std::size_t>(i - 1)]);
    return true;
}

bool f_count(EvalContext&, const Expr&, Value* a, std::size_t, Value& out) {
    const std::size_t n = a[0].type == ValueType::list ? a[0].items.size() : a[0].present() ? 1 : 0;
    out = Value::make_typed(ValueType::number, std::to_string(n));
    return true;
}

bool f_pick(EvalContext&, const Expr&, Value* a, std::size_t, Value& out) {
    out = Value{};
    out.type = ValueType::list;
    out.origin = a[0].origin;
    if (a[0].type != ValueType::list || a[1].type != ValueType::list) return true;
    const std::string wanted = a[2].as_text();
    const std::size_t n = std::min(a[0].items.size(), a[1].items.size());
    for (std::size_t i = 0; i < n; ++i)
        if (a[1].items[i].as_text() == wanted) out.items.push_back(a[0].items[i]);
    return true;
}

bool f_all(EvalContext&, const Expr&, Value* a, std::size_t, Value& out) {
    out = std::move(a[0]);
    return true;
}

// Sorted by name for binary search.
constexpr std::array<FunctionDef, 59> kFunctions{{
    {"add", 2, 2, {T::number, T::number}, T::number, false, arithmetic<add>, "add(a, b)"},
    {"all", 1, 1, {T::any}, T::list, false, f_all, "all(source)"},
    {"and", 1, -1, {T::any}, T::boolean, true, f_and, "and(a, b, ...)"},
    {"bool", 1, 1, {T::any}, T::boolean, false, f_bool, "bool(text)"},
    {"coalesce", 1, -1, {T::any}, T::any, true, f_default, "coalesce(a, b, ...)"},
    {"concat", 1, -1, {T::text}, T::text, false, f_concat, "concat(a, b, ...)"},
    {"contains", 2, 2, {T::any, T::text}, T::boolean, false, f_contains, "contains(text_or_list, text)"},
    {"convert", 3, 3, {T::number, T::text, T::text}, T::number, false, f_convert, "convert(quantity, from_unit, to_unit)"},
    {"count", 1, 1, {T::list}, T::number, false, f_count, "count(list)"},
    {"date", 1, 2, {T::any, T::text}, T::date, false, f_date, "date(text, pattern?)"},
    {"datetime", 1, 3, {T::any, T::text, T::text}, T::datetime, false, f_datetime, "datetime(text, pattern?, zone?)"},
    {"decimal", 1, 3, {T::number, T::number, T::text}, T::number, false, f_decimal, "decimal(x, places?, rounding?)"},
    {"default", 2, 2, {T::any, T::any}, T::any, true, f_default, "default(x, fallback)"},
    {"digits", 1, 1, {T::text}, T::text, false, f_digits, "digits(text)"},
    {"empty", 1, 1, {T::any}, T::boolean, false, f_empty, "empty(x)"},
    {"eq", 2, 2, {T::any, T::any}, T::boolean, false, f_eq, "eq(a, b)"},
    {"fail", 1, 2, {T::text, T::any}, T::any, false, f_fail, "fail(message, value?)"},
    {"first", 1, 1, {T::list}, T::any, false, f_first, "first(list)"},
    {"format_date", 2, 2, {T::date, T::text}, T::text, false, f_format_date, "format_date(date, pattern)"},
    {"format_datetime", 2, 3, {T::datetime, T::text, T::text}, T::text, false, f_format_datetime, "format_datetime(datetime, pattern, zone?)"},
    {"format_time", 2, 2, {T::time, T::text}, T::text, false, f_format_time, "format_time(time, pattern)"},
    {"gt", 2, 2, {T::number, T::number}, T::boolean, false, f_gt, "gt(a, b)"},
    {"gtin13", 1, 1, {T::text}, T::text, false, f_gtin13, "gtin13(gtin)"},
    {"gtin14", 1, 1, {T::text}, T::text, false, f_gtin14, "gtin14(gtin)"},
    {"hmac_sha256", 2, 2, {T::text, T::text}, T::text, false, f_hmac_sha256, "hmac_sha256(text, key)"},
    {"if", 2, 3, {T::any, T::any, T::any}, T::any, true, f_if, "if(condition, then, else?)"},
    {"in", 2, -1, {T::any, T::any}, T::boolean, false, f_in, "in(x, a, b, ...)"},
    {"int", 1, 1, {T::number}, T::number, false, f_int, "int(x)"},
    {"is_gtin", 1, 1, {T::text}, T::boolean, false, f_is_gtin, "is_gtin(text)"},
    {"join", 1, 2, {T::any, T::text}, T::text, false, f_join, "join(list, separator?)"},
    {"length", 1, 1, {T::any}, T::number, false, f_length, "length(text_or_list)"},
    {"local_date", 1, 2, {T::datetime, T::text}, T::date, false, f_local_date, "local_date(datetime, zone?)"},
    {"lookup", 2, 3, {T::text, T::text, T::text}, T::text, false, f_lookup, "lookup(table, key, column?)"},
    {"lookup_or", 3, 3, {T::text, T::text, T::any}, T::any, false, f_lookup_or, "lookup_or(table, key, fallback)"},
    {"lower", 1, 1, {T::text}, T::text, false, f_lower, "lower(text)"},
    {"lt", 2, 2, {T::number, T::number}, T::boolean, false, f_lt, "lt(a, b)"},
    {"map", 2, 2, {T::text, T::text}, T::text, false, f_map, "map(name, key)"},
    {"map_or", 3, 3, {T::text, T::text, T::any}, T::any, false, f_map_or, "map_or(name, key, fallback)"},
    {"mul", 2, 2, {T::number, T::number}, T::number, false, arithmetic<mul>, "mul(a, b)"},
    {"ne", 2, 2, {T::any, T::any}, T::boolean, false, f_ne, "ne(a, b)"},
    {"not", 1, 1, {T::any}, T::boolean, false, f_not, "not(x)"},
    {"now", 0, 0, {}, T::datetime, false, f_now, "now()"},
    {"nth", 2, 2, {T::list, T::number}, T::any, false, f_nth, "nth(list, n)"},
    {"number", 1, 1, {T::any}, T::number, false, f_number, "number(text)"},
    {"or", 1, -1, {T::any}, T::boolean, true, f_or, "or(a, b, ...)"},
    {"pad_left", 2, 3, {T::text, T::number, T::text}, T::text, false, f_pad_left, "pad_left(text, width, fill?)"},
    {"pick", 3, 3, {T::list, T::list, T::text}, T::list, false, f_pick, "pick(values, keys, wanted)"},
    {"present", 1, 1, {T::any}, T::boolean, false, f_present, "present(x)"},
    {"replace", 3, 3, {T::text, T::text, T::text}, T::text, false, f_replace, "replace(text, from, to)"},
    {"required", 1, 2, {T::any, T::text}, T::any, false, f_required, "required(x, message?)"},
    {"sha256", 1, 1, {T::text}, T::text, false, f_sha256, "sha256(text)"},
    {"split", 2, 2, {T::text, T::text}, T::list, false, f_split, "split(text, separator)"},
    {"starts_with", 2, 2, {T::text, T::text}, T::boolean, false, f_starts_with, "starts_with(text, prefix)"},
    {"string", 1, 1, {T::any}, T::text, false, f_string, "string(x)"},
    {"sub", 2, 2, {T::number, T::number}, T::number, false, arithmetic<sub>, "sub(a, b)"},
    {"substring", 2, 3, {T::text, T::number, T::number}, T::text, false, f_substring, "substring(text, start, length?)"},
    {"time", 1, 2, {T::any, T::text}, T::time, false, f_time, "time(text, pattern?)"},
    {"trim", 1, 1, {T::text}, T::text, false, f_trim, "trim(text)"},
    {"upper", 1, 1, {T::text}, T::text, false, f_upper, "upper(text)"},
}};

bool is_constant_text(const Expr& e) { return e.kind == Expr::Kind::constant; }

}  // namespace

const FunctionDef* find_function(std::string_view name) noexcept {
    for (const auto& f : kFunctions)
        if (f.name == name) return &f;
    return nullptr;
}

std::vector<std::string> function_names() {
    std::vector<std::string> out;
    for (const auto& f : kFunctions) out.emplace_back(f.name);
    return out;
}

std::string resolve_call(Expr& call, const Plan& plan, std::size_t& arg) {
    const std::string_view name = call.fn->name;
    auto constant = [&](std::size_t i, const char* what) -> std::string {
        arg = i;
        if (!is_constant_text(call.args[i]))
            return fmt::format("{}: the {} must be a constant ('...')", call.fn->signature, what);
        return {};
    };
    auto zone_at = [&](std::size_t i) -> std::string {
        if (call.args.size() <= i) return {};
        if (auto p = constant(i, "time zone"); !p.empty()) return p;
        const auto z = parse_zone(call.args[i].constant.text);
        if (!z) return fmt::format("unknown time zone '{}' (supported: Europe/Oslo, UTC)", call.args[i].constant.text);
        call.aux = static_cast<int>(*z);
        return {};
    };
    auto pattern_at = [&](std::size_t i) -> std::string {
        if (call.args.size() <= i) return {};
        if (auto p = constant(i, "pattern"); !p.empty()) return p;
        const auto problem = check_pattern(call.args[i].constant.text);
        return problem.empty() ? std::string{} : "bad date/time pattern: " + problem;
    };
    // Piped form: `key | map('units')` arrives as map(key, 'units'); the name is the constant one.
    if ((name == "lookup" || name == "lookup_or" || name == "map" || name == "map_or") && call.args.size() >= 2 &&
        !is_constant_text(call.args[0]) && is_constant_text(call.args[1]))
        std::swap(call.args[0], call.args[1]);
    if (name == "lookup" || name == "lookup_or") {
        if (auto p = constant(0, "table name"); !p.empty()) return p;
        const auto& t = call.args[0].constant.text;
        for (std::size_t i = 0; i < plan.tables.size(); ++i) {
            if (plan.tables[i].name != t) continue;
            call.aux = static_cast<int>(i);
            if (name == "lookup" && call.args.size() > 2) {
                if (auto p = constant(2, "column name"); !p.empty()) return p;
                const auto& cols = plan.tables[i].columns;
                const auto c = std::find(cols.begin(), cols.end(), call.args[2].constant.text);
                if (c == cols.end()) return fmt::format("table '{}' has no column '{}'", t, call.args[2].constant.text);
                call.aux2 = static_cast<int>(c - cols.begin());
            }
            return {};
        }
        arg = 0;
        return fmt::format("unknown table '{}' (declare it under tables:)", t);
    }
    if (name == "map" || name == "map_or") {
        if (auto p = constant(0, "map name"); !p.empty()) return p;
        for (std::size_t i = 0; i < plan.maps.size(); ++i) {
            if (plan.maps[i].name == call.args[0].constant.text) {
                call.aux = static_cast<int>(i);
                return {};
            }
        }
        arg = 0;
        return fmt::format("unknown map '{}' (declare it under maps:)", call.args[0].constant.text);
    }
    if (name == "date" || name == "time") return pattern_at(1);
    if (name == "datetime") {
        if (auto p = pattern_at(1); !p.empty()) return p;
        return zone_at(2);
    }
    if (name == "format_date" || name == "format_time") return pattern_at(1);
    if (name == "format_datetime") {
        if (auto p = pattern_at(1); !p.empty()) return p;
        return zone_at(2);
    }
    if (name == "local_date") return zone_at(1);
    if (name == "decimal" && call.args.size() > 1) {
        if (auto p = constant(1, "number of places"); !p.empty()) return p;
        const auto n = Number::parse(call.args[1].constant.text);
        if (!n || !n->is_integer() || n->mantissa < 0 || n->mantissa > 9)
            return "decimal places must be a whole number 0..9";
        call.aux = static_cast<int>(normalize(*n).mantissa);
        if (call.args.size() > 2) {
            if (auto p = constant(2, "rounding mode"); !p.empty()) return p;
            const auto r = parse_rounding(call.args[2].constant.text);
            if (!r) return fmt::format("unknown rounding '{}' (half_up, half_even, down, up)", call.args[2].constant.text);
            call.aux2 = static_cast<int>(*r);
        }
        return {};
    }
    if (name == "convert") {
        for (std::size_t i = 1; i < 3; ++i) {
            if (!is_constant_text(call.args[i])) continue;
            if (!is_known_unit(call.args[i].constant.text)) {
                arg = i;
                return fmt::format("unknown unit '{}' (KGM GRM HGM MGM LTR DLT CLT MLT EA H87 C62 NAR PCE XPK)",
                                   call.args[i].constant.text);
            }
        }
        if (is_constant_text(call.args[1]) && is_constant_text(call.args[2]) &&
            !unit_factor(call.args[1].constant.text, call.args[2].constant.text)) {
            arg = 2;
            return fmt::format("cannot convert '{}' to '{}' (different dimensions)", call.args[1].constant.text,
                               call.args[2].constant.text);
        }
    }
    return {};
}

}  // namespace gw::mapping
