#include "gateway/model/json.hpp"

#include <fmt/format.h>

#include <array>
#include <boost/json/parser.hpp>
#include <boost/json/serialize.hpp>
#include <initializer_list>
#include <span>

namespace gw::model {

namespace json = boost::json;

namespace {

// ---- writing ----

json::object unit_json(const Unit& u) {
    json::object o;
    o["code"] = u.code;
    if (u.text) o["text"] = *u.text;
    return o;
}

template <class T>
void put_opt(json::object& o, std::string_view key, const std::optional<T>& value) {
    if (value) o[key] = *value;
}

void put_opt_text(json::object& o, std::string_view key, const std::optional<Decimal>& d) {
    if (d) o[key] = d->to_string();
}

// ---- reading ----
// Reading stops at the first problem; the Reader keeps it. Every read_* returns false once it has failed.

class Reader {
  public:
    std::optional<Error> error;

    bool fail(ErrorCode code, const std::string& path, std::string message, std::string hint = {}) {
        if (!error) {
            SourceLocation where;
            where.path = path;
            error = make_error(code, std::move(message), std::move(where), std::move(hint));
        }
        return false;
    }
};

// RFC 6901: '~' -> "~0", '/' -> "~1". Only unknown keys can contain them, but their paths must still be pointers.
std::string child(const std::string& parent, std::string_view key) {
    std::string out = parent;
    out += '/';
    for (char c : key) {
        if (c == '~')
            out += "~0";
        else if (c == '/')
            out += "~1";
        else
            out += c;
    }
    return out;
}

std::string child(const std::string& parent, std::size_t index) {
    return fmt::format("{}/{}", parent, index);
}

bool read(Reader& r, const json::value& v, const std::string& path, std::string& out) {
    const auto* s = v.if_string();
    if (!s) return r.fail(ErrorCode::wrong_type, path, "expected a string");
    out.assign(s->data(), s->size());
    return true;
}

bool read(Reader& r, const json::value& v, const std::string& path, bool& out) {
    const auto* b = v.if_bool();
    if (!b) return r.fail(ErrorCode::wrong_type, path, "expected true or false");
    out = *b;
    return true;
}

bool read(Reader& r, const json::value& v, const std::string& path, std::uint32_t& out) {
    std::int64_t n = -1;
    if (const auto* i = v.if_int64())
        n = *i;
    else if (const auto* u = v.if_uint64())
        n = *u > 0xFFFF'FFFFULL ? -1 : static_cast<std::int64_t>(*u);
    else
        return r.fail(ErrorCode::wrong_type, path, "expected an integer");
    if (n < 0 || n > 0xFFFF'FFFFLL) return r.fail(ErrorCode::invalid_value, path, "expected an integer 0..4294967295");
    out = static_cast<std::uint32_t>(n);
    return true;
}

// Text with a grammar: read the string, then parse it with `parse`, failing with `expected`.
template <class T, class Parse>
bool read_text(Reader& r, const json::value& v, const std::string& path, T& out, Parse parse,
               std::string_view expected) {
    const auto* s = v.if_string();
    if (!s) return r.fail(ErrorCode::wrong_type, path, fmt::format("expected {}", expected));
    auto parsed = parse(std::string_view(s->data(), s->size()));
    if (!parsed)
        return r.fail(ErrorCode::invalid_value, path,
                      fmt::format("expected {}, got \"{}\"", expected, std::string_view(s->data(), s->size())));
    out = *parsed;
    return true;
}

bool read(Reader& r, const json::value& v, const std::string& path, Decimal& out) {
    if (v.is_number())
        return r.fail(ErrorCode::wrong_type, path,
                      "expected a decimal string like \"2\" or \"0.5\", got a JSON number (quantities are strings "
                      "so they stay exact)");
    return read_text(r, v, path, out, Decimal::parse, "a decimal string like \"2\" or \"0.5\"");
}

bool read(Reader& r, const json::value& v, const std::string& path, Date& out) {
    return read_text(r, v, path, out, parse_date, "a date YYYY-MM-DD");
}

bool read(Reader& r, const json::value& v, const std::string& path, LocalTime& out) {
    return read_text(r, v, path, out, parse_local_time, "a time HH:MM");
}

bool read(Reader& r, const json::value& v, const std::string& path, Timestamp& out) {
    return read_text(r, v, path, out, parse_timestamp,
                     "an RFC 3339 timestamp with offset like 2026-11-25T14:03:00+01:00");
}

template <class E, class Parse>
bool read_enum(Reader& r, const json::value& v, const std::string& path, E& out, Parse parse,
               std::span<const E> values) {
    std::string names;
    for (E e : values) names += fmt::format("{}{}", names.empty() ? "" : ", ", to_string(e));
    return read_text(r, v, path, out, parse, fmt::format("one of {}", names));
}

constexpr std::array channels{Channel::hl7_mllp, Channel::msghead_http, Channel::api_json};
constexpr std::array actions{OrderAction::new_order, OrderAction::cancel, OrderAction::replace};
constexpr std::array outcome_kinds{LineOutcomeKind::confirmed, LineOutcomeKind::substituted,
                                   LineOutcomeKind::out_of_stock, LineOutcomeKind::quantity_changed};

bool read(Reader& r, const json::value& v, const std::string& path, Channel& out) {
    return read_enum(r, v, path, out, parse_channel, std::span<const Channel>(channels));
}

bool read(Reader& r, const json::value& v, const std::string& path, OrderAction& out) {
    return read_enum(r, v, path, out, parse_order_action, std::span<const OrderAction>(actions));
}

bool read(Reader& r, const json::value& v, const std::string& path, OrderState& out) {
    return read_enum(r, v, path, out, parse_order_state, std::span<const OrderState>(all_order_states));
}

bool read(Reader& r, const json::value& v, const std::string& path, LineOutcomeKind& out) {
    return read_enum(r, v, path, out, parse_line_outcome_kind, std::span<const LineOutcomeKind>(outcome_kinds));
}

// Declared here, defined below, so the Obj templates see every overload.
bool read(Reader& r, const json::value& v, const std::string& path, OrderSource& out);
bool read(Reader& r, const json::value& v, const std::string& path, Municipality& out);
bool read(Reader& r, const json::value& v, const std::string& path, PersonName& out);
bool read(Reader& r, const json::value& v, const std::string& path, Address& out);
bool read(Reader& r, const json::value& v, const std::string& path, Recipient& out);
bool read(Reader& r, const json::value& v, const std::string& path, Delivery& out);
bool read(Reader& r, const json::value& v, const std::string& path, Unit& out);
bool read(Reader& r, const json::value& v, const std::string& path, OrderLine& out);
bool read(Reader& r, const json::value& v, const std::string& path, StaffMember& out);
bool read(Reader& r, const json::value& v, const std::string& path, Substitute& out);
bool read(Reader& r, const json::value& v, const std::string& path, LineOutcome& out);

template <class T>
bool read(Reader& r, const json::value& v, const std::string& path, std::vector<T>& out) {
    const auto* a = v.if_array();
    if (!a) return r.fail(ErrorCode::wrong_type, path, "expected an array");
    out.clear();
    out.reserve(a->size());
    for (std::size_t i = 0; i < a->size(); ++i) {
        T item{};
        if (!read(r, (*a)[i], child(path, i), item)) return false;
        out.push_back(std::move(item));
    }
    return true;
}

// One JSON object being read: rejects keys it does not know, then reads fields by name.
class Obj {
  public:
    Obj(Reader& r, const std::string& path) : r_(r), path_(path) {}

    bool open(const json::value& v, std::initializer_list<std::string_view> known) {
        o_ = v.if_object();
        if (!o_) return r_.fail(ErrorCode::wrong_type, path_, "expected an object");
        for (const auto& kv : *o_) {
            const std::string_view key(kv.key().data(), kv.key().size());
            bool ok = false;
            for (auto k : known) ok = ok || k == key;
            if (ok) continue;
            std::string names;
            for (auto k : known) names += fmt::format("{}{}", names.empty() ? "" : ", ", k);
            return r_.fail(ErrorCode::unknown_key, child(path_, key), fmt::format("unknown key \"{}\"", key),
                           fmt::format("known keys: {}", names));
        }
        return true;
    }

    template <class T>
    bool req(std::string_view key, T& out) {
        const json::value* v = find(key);
        if (!v) return r_.fail(ErrorCode::missing_required, child(path_, key), "required");
        return read(r_, *v, child(path_, key), out);
    }

    template <class T>
    bool opt(std::string_view key, std::optional<T>& out) {
        out.reset();
        const json::value* v = find(key);
        if (!v) return true;
        T value{};
        if (!read(r_, *v, child(path_, key), value)) return false;
        out = std::move(value);
        return true;
    }

    // Absent keeps the default already in `out`.
    template <class T>
    bool dflt(std::string_view key, T& out) {
        const json::value* v = find(key);
        return !v || read(r_, *v, child(path_, key), out);
    }

  private:
    // null reads as absent: producers in other languages often write it for "no value".
    const json::value* find(std::string_view key) const {
        const json::value* v = o_->if_contains(key);
        return v && !v->is_null() ? v : nullptr;
    }

    Reader& r_;
    const std::string& path_;
    const json::object* o_ = nullptr;
};

bool read(Reader& r, const json::value& v, const std::string& path, OrderSource& out) {
    Obj o(r, path);
    return o.open(v, {"channel", "control_id", "placer_order_number"}) && o.req("channel", out.channel) &&
           o.req("control_id", out.control_id) && o.req("placer_order_number", out.placer_order_number);
}

bool read(Reader& r, const json::value& v, const std::string& path, Municipality& out) {
    Obj o(r, path);
    return o.open(v, {"number", "organisation_number", "district"}) && o.req("number", out.number) &&
           o.opt("organisation_number", out.organisation_number) && o.opt("district", out.district);
}

bool read(Reader& r, const json::value& v, const std::string& path, PersonName& out) {
    Obj o(r, path);
    return o.open(v, {"given", "family"}) && o.dflt("given", out.given) && o.dflt("family", out.family);
}

bool read(Reader& r, const json::value& v, const std::string& path, Address& out) {
    Obj o(r, path);
    return o.open(v, {"street", "postal_code", "city", "country"}) && o.req("street", out.street) &&
           o.req("postal_code", out.postal_code) && o.req("city", out.city) && o.dflt("country", out.country);
}

bool read(Reader& r, const json::value& v, const std::string& path, Recipient& out) {
    Obj o(r, path);
    return o.open(v, {"reference", "name", "address", "phone", "access_notes"}) && o.req("reference", out.reference) &&
           o.req("name", out.name) && o.req("address", out.address) && o.opt("phone", out.phone) &&
           o.opt("access_notes", out.access_notes);
}

bool read(Reader& r, const json::value& v, const std::string& path, Delivery& out) {
    Obj o(r, path);
    return o.open(v, {"date", "window_start", "window_end", "instructions"}) && o.req("date", out.date) &&
           o.opt("window_start", out.window_start) && o.opt("window_end", out.window_end) &&
           o.opt("instructions", out.instructions);
}

bool read(Reader& r, const json::value& v, const std::string& path, Unit& out) {
    Obj o(r, path);
    return o.open(v, {"code", "text"}) && o.req("code", out.code) && o.opt("text", out.text);
}

bool read(Reader& r, const json::value& v, const std::string& path, OrderLine& out) {
    Obj o(r, path);
    return o.open(v, {"line_number", "gtin", "vendor_sku", "description", "quantity", "unit", "substitution_allowed",
                      "note"}) &&
           o.req("line_number", out.line_number) && o.opt("gtin", out.gtin) && o.opt("vendor_sku", out.vendor_sku) &&
           o.req("description", out.description) && o.req("quantity", out.quantity) && o.req("unit", out.unit) &&
           o.dflt("substitution_allowed", out.substitution_allowed) && o.opt("note", out.note);
}

bool read(Reader& r, const json::value& v, const std::string& path, StaffMember& out) {
    Obj o(r, path);
    return o.open(v, {"staff_id", "name"}) && o.req("staff_id", out.staff_id) && o.opt("name", out.name);
}

bool read(Reader& r, const json::value& v, const std::string& path, Substitute& out) {
    Obj o(r, path);
    return o.open(v, {"gtin", "vendor_sku", "description", "quantity", "unit"}) && o.opt("gtin", out.gtin) &&
           o.opt("vendor_sku", out.vendor_sku) && o.req("description", out.description) &&
           o.req("quantity", out.quantity) && o.opt("unit", out.unit);
}

bool read(Reader& r, const json::value& v, const std::string& path, LineOutcome& out) {
    Obj o(r, path);
    return o.open(v, {"line_number", "outcome", "substitute", "new_quantity"}) &&
           o.req("line_number", out.line_number) && o.req("outcome", out.outcome) &&
           o.opt("substitute", out.substitute) && o.opt("new_quantity", out.new_quantity);
}

bool read(Reader& r, const json::value& v, const std::string& path, CareOrder& out) {
    Obj o(r, path);
    return o.open(v, {"gateway_id", "source", "action", "municipality", "recipient", "delivery", "lines", "ordered_by",
                      "created_at"}) &&
           o.dflt("gateway_id", out.gateway_id) && o.req("source", out.source) && o.req("action", out.action) &&
           o.req("municipality", out.municipality) && o.req("recipient", out.recipient) &&
           o.opt("delivery", out.delivery) && o.dflt("lines", out.lines) && o.req("ordered_by", out.ordered_by) &&
           o.req("created_at", out.created_at);
}

bool read(Reader& r, const json::value& v, const std::string& path, OrderEvent& out) {
    Obj o(r, path);
    return o.open(v, {"order_id", "vendor", "vendor_order_ref", "state", "lines", "occurred_at", "vendor_event_id",
                      "reason"}) &&
           o.req("order_id", out.order_id) && o.req("vendor", out.vendor) &&
           o.opt("vendor_order_ref", out.vendor_order_ref) && o.req("state", out.state) && o.dflt("lines", out.lines) &&
           o.req("occurred_at", out.occurred_at) && o.opt("vendor_event_id", out.vendor_event_id) &&
           o.opt("reason", out.reason);
}

template <class T>
Result<T> from_value(const json::value& v) {
    Reader r;
    T out{};
    if (!read(r, v, std::string{}, out)) return std::move(*r.error);
    return out;
}

Result<json::value> parse_text(std::string_view text) {
    json::parser p;
    json::error_code ec;
    const std::size_t consumed = p.write(text.data(), text.size(), ec);
    if (ec) {
        SourceLocation where;
        where.byte_offset = consumed;
        return make_error(ErrorCode::parse_error, fmt::format("malformed JSON: {}", ec.message()), std::move(where));
    }
    return p.release();
}

}  // namespace

json::value to_json(const CareOrder& order) {
    json::object o;
    o["gateway_id"] = order.gateway_id;
    o["source"] = json::object{{"channel", to_string(order.source.channel)},
                               {"control_id", order.source.control_id},
                               {"placer_order_number", order.source.placer_order_number}};
    o["action"] = to_string(order.action);

    json::object municipality{{"number", order.municipality.number}};
    put_opt(municipality, "organisation_number", order.municipality.organisation_number);
    put_opt(municipality, "district", order.municipality.district);
    o["municipality"] = std::move(municipality);

    const Recipient& r = order.recipient;
    json::object recipient{{"reference", r.reference}};
    recipient["name"] = json::object{{"given", r.name.given}, {"family", r.name.family}};
    recipient["address"] = json::object{{"street", r.address.street},
                                        {"postal_code", r.address.postal_code},
                                        {"city", r.address.city},
                                        {"country", r.address.country}};
    put_opt(recipient, "phone", r.phone);
    put_opt(recipient, "access_notes", r.access_notes);
    o["recipient"] = std::move(recipient);

    if (order.delivery) {
        const Delivery& d = *order.delivery;
        json::object delivery{{"date", to_string(d.date)}};
        if (d.window_start) delivery["window_start"] = to_string(*d.window_start);
        if (d.window_end) delivery["window_end"] = to_string(*d.window_end);
        put_opt(delivery, "instructions", d.instructions);
        o["delivery"] = std::move(delivery);
    }

    json::array lines;
    for (const auto& line : order.lines) {
        json::object l{{"line_number", line.line_number}};
        put_opt(l, "gtin", line.gtin);
        put_opt(l, "vendor_sku", line.vendor_sku);
        l["description"] = line.description;
        l["quantity"] = line.quantity.to_string();
        l["unit"] = unit_json(line.unit);
        l["substitution_allowed"] = line.substitution_allowed;
        put_opt(l, "note", line.note);
        lines.push_back(std::move(l));
    }
    o["lines"] = std::move(lines);

    json::object ordered_by{{"staff_id", order.ordered_by.staff_id}};
    put_opt(ordered_by, "name", order.ordered_by.name);
    o["ordered_by"] = std::move(ordered_by);
    o["created_at"] = to_string(order.created_at);
    return o;
}

json::value to_json(const OrderEvent& event) {
    json::object o;
    o["order_id"] = event.order_id;
    o["vendor"] = event.vendor;
    put_opt(o, "vendor_order_ref", event.vendor_order_ref);
    o["state"] = to_string(event.state);
    json::array lines;
    for (const auto& outcome : event.lines) {
        json::object l{{"line_number", outcome.line_number}, {"outcome", to_string(outcome.outcome)}};
        if (outcome.substitute) {
            const Substitute& s = *outcome.substitute;
            json::object sub;
            put_opt(sub, "gtin", s.gtin);
            put_opt(sub, "vendor_sku", s.vendor_sku);
            sub["description"] = s.description;
            sub["quantity"] = s.quantity.to_string();
            if (s.unit) sub["unit"] = unit_json(*s.unit);
            l["substitute"] = std::move(sub);
        }
        put_opt_text(l, "new_quantity", outcome.new_quantity);
        lines.push_back(std::move(l));
    }
    o["lines"] = std::move(lines);
    o["occurred_at"] = to_string(event.occurred_at);
    put_opt(o, "vendor_event_id", event.vendor_event_id);
    put_opt(o, "reason", event.reason);
    return o;
}

std::string to_json_string(const CareOrder& order) {
    return json::serialize(to_json(order));
}
std::string to_json_string(const OrderEvent& event) {
    return json::serialize(to_json(event));
}

Result<CareOrder> care_order_from_value(const json::value& v) {
    return from_value<CareOrder>(v);
}
Result<OrderEvent> order_event_from_value(const json::value& v) {
    return from_value<OrderEvent>(v);
}

Result<CareOrder> care_order_from_json(std::string_view text) {
    auto v = parse_text(text);
    if (!v) return std::move(v).error();
    return from_value<CareOrder>(*v);
}

Result<OrderEvent> order_event_from_json(std::string_view text) {
    auto v = parse_text(text);
    if (!v) return std::move(v).error();
    return from_value<OrderEvent>(*v);
}

}  // namespace gw::model
