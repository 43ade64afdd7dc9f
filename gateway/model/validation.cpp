#include "gateway/model/validation.hpp"

#include <fmt/format.h>

#include <map>

#include "gateway/model/gtin.hpp"
#include "gateway/model/norwegian_ids.hpp"

namespace gw::model {

namespace {

bool all_digits(std::string_view s) noexcept {
    for (char c : s)
        if (c < '0' || c > '9') return false;
    return true;
}

std::string index_path(std::string_view array, std::size_t i) {
    return fmt::format("{}[{}]", array, i);
}

std::string join(std::string_view parent, std::string_view field) {
    return parent.empty() ? std::string(field) : fmt::format("{}.{}", parent, field);
}

class Checker {
  public:
    std::vector<Problem> problems;

    void add(std::string path, std::string message) { problems.push_back({std::move(path), std::move(message)}); }

    // Every text field passes here: present when required, not blank when given, and never a national id.
    void text(const std::string& path, const std::string& value, bool required = true) {
        if (value.empty()) {
            if (required) add(path, "required");
            return;
        }
        if (value.find_first_not_of(" \t\r\n") == std::string::npos) {
            add(path, "must not be blank");
            return;
        }
        no_national_id(path, value);
    }

    void text(const std::string& path, const std::optional<std::string>& value) {
        if (!value) return;
        if (value->empty()) {
            add(path, "must not be empty when present (omit it instead)");
            return;
        }
        text(path, *value);
    }

    void no_national_id(const std::string& path, std::string_view value) {
        if (auto at = find_fodselsnummer(value))
            add(path, fmt::format("contains what looks like a national identity number (fødselsnummer) at "
                                  "character {}; the gateway must not receive one",
                                  *at));
    }

    void gtin(const std::string& path, const std::optional<std::string>& value) {
        if (!value) return;
        if (auto problem = gtin14_problem(*value)) add(path, std::move(*problem));
    }

    void positive(const std::string& path, const Decimal& d) {
        if (!d.is_positive()) add(path, fmt::format("must be greater than 0, got {}", d.to_string()));
    }

    void unit(const std::string& path, const Unit& u) {
        const auto code_path = join(path, "code");
        if (u.code.empty()) {
            add(code_path, "required");
        } else if (u.code.size() < 2 || u.code.size() > 3 ||
                   u.code.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") != std::string::npos) {
            add(code_path,
                fmt::format("expected a UN/ECE Rec 20 code (2-3 uppercase letters/digits), got \"{}\"", u.code));
        }
        text(join(path, "text"), u.text);
    }

    void timestamp(const std::string& path, const Timestamp& ts) {
        if (!ts.valid()) add(path, "not a valid timestamp");
    }

    // Line numbers are how events, HL7 RQD-1 and UBL LineItem/ID refer back to lines: 1-based and unique.
    template <class Line>
    void line_numbers(const std::vector<Line>& lines) {
        std::map<std::uint32_t, std::size_t> seen;
        for (std::size_t i = 0; i < lines.size(); ++i) {
            const auto path = join(index_path("lines", i), "line_number");
            const auto n = lines[i].line_number;
            if (n == 0) {
                add(path, "must be 1 or more");
                continue;
            }
            auto [it, inserted] = seen.emplace(n, i);
            if (!inserted) add(path, fmt::format("duplicate line number {} (also lines[{}])", n, it->second));
        }
    }
};

bool is_gateway_id(std::string_view id) noexcept {
    if (id.empty() || id.size() > 64) return false;
    for (char c : id) {
        const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
                        c == '_' || c == '.' || c == '~';
        if (!ok) return false;
    }
    return true;
}

// "+47 912 34 567", "91234567", "+4791234567": optional '+', digits and single spaces, 8 to 15 digits (E.164).
bool is_phone(std::string_view phone) noexcept {
    std::size_t digits = 0;
    for (std::size_t i = 0; i < phone.size(); ++i) {
        const char c = phone[i];
        const bool leading_plus = c == '+' && i == 0;
        const bool single_space = c == ' ' && i > 0 && phone[i - 1] != ' ';
        if (c >= '0' && c <= '9')
            ++digits;
        else if (!leading_plus && !single_space)
            return false;
    }
    return digits >= 8 && digits <= 15 && phone.back() != ' ';
}

void check_recipient(Checker& c, const Recipient& r) {
    c.text("recipient.reference", r.reference);
    c.text("recipient.name.given", r.name.given, false);
    c.text("recipient.name.family", r.name.family, false);
    if (r.name.given.empty() && r.name.family.empty()) c.add("recipient.name", "given or family name required");

    const Address& a = r.address;
    c.text("recipient.address.street", a.street);
    c.text("recipient.address.city", a.city);
    if (a.country.size() != 2 || a.country.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZ") != std::string::npos)
        c.add("recipient.address.country",
              fmt::format("expected an ISO 3166-1 alpha-2 code like \"NO\", got \"{}\"", a.country));
    if (a.country == "NO") {
        if (a.postal_code.size() != 4 || !all_digits(a.postal_code))
            c.add("recipient.address.postal_code", fmt::format("expected 4 digits, got \"{}\"", a.postal_code));
    } else {
        c.text("recipient.address.postal_code", a.postal_code);
    }

    if (r.phone && !r.phone->empty() && !is_phone(*r.phone))
        c.add("recipient.phone", fmt::format("expected 8-15 digits with optional leading '+', got \"{}\"", *r.phone));
    c.text("recipient.phone", r.phone);
    c.text("recipient.access_notes", r.access_notes);
}

void check_delivery(Checker& c, const std::optional<Delivery>& delivery, OrderAction action) {
    if (!delivery) {
        if (action != OrderAction::cancel) c.add("delivery", "required");
        return;
    }
    const Delivery& d = *delivery;
    if (!d.date.valid()) c.add("delivery.date", fmt::format("not a valid date: {}", to_string(d.date)));
    if (d.window_start && !d.window_start->valid()) c.add("delivery.window_start", "not a valid time");
    if (d.window_end && !d.window_end->valid()) c.add("delivery.window_end", "not a valid time");
    if (d.window_start.has_value() != d.window_end.has_value()) {
        c.add(d.window_start ? "delivery.window_end" : "delivery.window_start",
              "window_start and window_end come together");
    } else if (d.window_start && d.window_start->valid() && d.window_end->valid() &&
               !(*d.window_start < *d.window_end)) {
        c.add("delivery.window_end", fmt::format("window end {} must be after start {}", to_string(*d.window_end),
                                                 to_string(*d.window_start)));
    }
    c.text("delivery.instructions", d.instructions);
}

void check_line(Checker& c, const std::string& path, const OrderLine& line) {
    if (!line.gtin && !line.vendor_sku) c.add(path, "gtin or vendor_sku required");
    c.gtin(join(path, "gtin"), line.gtin);
    c.text(join(path, "vendor_sku"), line.vendor_sku);
    c.text(join(path, "description"), line.description);
    c.positive(join(path, "quantity"), line.quantity);
    c.unit(join(path, "unit"), line.unit);
    c.text(join(path, "note"), line.note);
}

void check_outcome(Checker& c, const std::string& path, const LineOutcome& o) {
    const bool substituted = o.outcome == LineOutcomeKind::substituted;
    const bool changed = o.outcome == LineOutcomeKind::quantity_changed;
    if (substituted && !o.substitute) c.add(join(path, "substitute"), "required when outcome is substituted");
    if (!substituted && o.substitute)
        c.add(join(path, "substitute"),
              fmt::format("only allowed when outcome is substituted, not {}", to_string(o.outcome)));
    if (changed && !o.new_quantity) c.add(join(path, "new_quantity"), "required when outcome is quantity_changed");
    if (!changed && o.new_quantity)
        c.add(join(path, "new_quantity"),
              fmt::format("only allowed when outcome is quantity_changed, not {}", to_string(o.outcome)));
    if (o.new_quantity) c.positive(join(path, "new_quantity"), *o.new_quantity);
    if (o.substitute) {
        const auto sp = join(path, "substitute");
        const Substitute& s = *o.substitute;
        c.gtin(join(sp, "gtin"), s.gtin);
        c.text(join(sp, "vendor_sku"), s.vendor_sku);
        c.text(join(sp, "description"), s.description);
        c.positive(join(sp, "quantity"), s.quantity);
        if (s.unit) c.unit(join(sp, "unit"), *s.unit);
    }
}

}  // namespace

std::string Problem::to_string() const {
    return path.empty() ? message : fmt::format("{}: {}", path, message);
}

std::vector<Problem> validate(const CareOrder& order, const ValidationOptions& options) {
    Checker c;
    if (order.gateway_id.empty()) {
        if (options.require_gateway_id) c.add("gateway_id", "required");
    } else if (!is_gateway_id(order.gateway_id)) {
        c.add("gateway_id", "expected 1-64 characters from A-Z a-z 0-9 - _ . ~");
    }

    c.text("source.control_id", order.source.control_id);
    c.text("source.placer_order_number", order.source.placer_order_number);

    const Municipality& m = order.municipality;
    if (!is_valid_municipality_number(m.number))
        c.add("municipality.number", fmt::format("expected 4 digits (kommunenummer), got \"{}\"", m.number));
    if (m.organisation_number && !is_valid_organisation_number(*m.organisation_number))
        c.add("municipality.organisation_number",
              fmt::format("expected 9 digits with a valid mod-11 check digit, got \"{}\"", *m.organisation_number));
    c.text("municipality.district", m.district);

    check_recipient(c, order.recipient);
    check_delivery(c, order.delivery, order.action);

    if (order.lines.empty() && order.action != OrderAction::cancel)
        c.add("lines", fmt::format("at least one line required for action {}", to_string(order.action)));
    c.line_numbers(order.lines);
    for (std::size_t i = 0; i < order.lines.size(); ++i) check_line(c, index_path("lines", i), order.lines[i]);

    c.text("ordered_by.staff_id", order.ordered_by.staff_id);
    c.text("ordered_by.name", order.ordered_by.name);
    c.timestamp("created_at", order.created_at);
    return std::move(c.problems);
}

std::vector<Problem> validate(const OrderEvent& event) {
    Checker c;
    c.text("order_id", event.order_id);
    c.text("vendor", event.vendor);
    c.text("vendor_order_ref", event.vendor_order_ref);
    c.line_numbers(event.lines);
    for (std::size_t i = 0; i < event.lines.size(); ++i) check_outcome(c, index_path("lines", i), event.lines[i]);
    c.timestamp("occurred_at", event.occurred_at);
    c.text("vendor_event_id", event.vendor_event_id);
    c.text("reason", event.reason);
    return std::move(c.problems);
}

std::vector<Problem> validate(const OrderEvent& event, const CareOrder& order) {
    auto problems = validate(event);
    if (event.order_id != order.gateway_id)
        problems.push_back(
            {"order_id", fmt::format("event is for order \"{}\", not \"{}\"", event.order_id, order.gateway_id)});
    for (std::size_t i = 0; i < event.lines.size(); ++i) {
        const auto n = event.lines[i].line_number;
        bool found = false;
        for (const auto& line : order.lines) found = found || line.line_number == n;
        if (!found && n != 0)
            problems.push_back({join(index_path("lines", i), "line_number"),
                                fmt::format("order \"{}\" has no line {}", order.gateway_id, n)});
    }
    return problems;
}

Error to_error(const std::vector<Problem>& problems) {
    std::string message;
    for (const auto& p : problems) {
        if (!message.empty()) message += "; ";
        message += p.to_string();
    }
    return make_error(ErrorCode::invalid_value, std::move(message));
}

}  // namespace gw::model
