#include "gateway/routing/route_check.hpp"

#include <algorithm>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "gateway/routing/day_span.hpp"

namespace gw::routing {
namespace {

std::string route_label(const config::RouteSection& r) {
    std::string out = r.municipality == "*" ? std::string("the fallback route \"*\"")
                                            : fmt::format("municipality {}", r.municipality);
    if (!r.district.empty()) out += fmt::format(" district {}", r.district);
    return out;
}

std::string contract_label(const config::ContractSection& c) {
    return fmt::format("{} {}", c.vendor, to_text(span_of(c)));
}

Error problem(const SourceLocation& where, ErrorCode code, std::string message, std::string hint = {}) {
    return make_error(code, std::move(message), where, std::move(hint));
}

// The routes an order of `r` falls back to when `r` has no contract for its day, in the router's order.
std::vector<const config::RouteSection*> fallbacks(const config::RouteSection& r,
                                                   const std::vector<config::RouteSection>& routes) {
    std::vector<const config::RouteSection*> out;
    if (r.municipality == "*") return out;
    if (!r.district.empty()) {
        for (const auto& other : routes) {
            if (other.municipality == r.municipality && other.district.empty()) {
                out.push_back(&other);
                break;
            }
        }
    }
    for (const auto& other : routes) {
        if (other.municipality == "*" && other.district.empty()) {
            out.push_back(&other);
            break;
        }
    }
    return out;
}

std::vector<DaySpan> spans_of(const config::RouteSection& r) {
    std::vector<DaySpan> out;
    for (const auto& c : r.contracts) out.push_back(span_of(c));
    return out;
}

class Checker {
public:
    Checker(const std::vector<config::RouteSection>& routes, const VendorFactsMap& vendors, std::string today)
        : routes_(routes), vendors_(vendors), today_(std::move(today)) {}

    RouteCheck run() {
        for (std::size_t i = 0; i < routes_.size(); ++i) {
            const auto& r = routes_[i];
            if (duplicate(i)) continue;
            if (r.contracts.empty()) {
                out_.errors.push_back(problem(r.where, ErrorCode::missing_required,
                                              fmt::format("{} has no contracts", route_label(r)),
                                              "contracts: [{vendor: NAME, from: YYYY-MM-DD}]"));
                continue;
            }
            overlaps(r);
            gaps(r);
            capabilities(r);
            shadow(r);
        }
        return std::move(out_);
    }

private:
    bool duplicate(std::size_t i) {
        const auto& r = routes_[i];
        for (std::size_t j = 0; j < i; ++j) {
            const auto& first = routes_[j];
            if (first.municipality != r.municipality || first.district != r.district) continue;
            out_.errors.push_back(problem(
                r.where, ErrorCode::conflict, fmt::format("a second route for {}", route_label(r)),
                fmt::format("merge its contracts into the route at line {}", first.where.line)));
            return true;
        }
        return false;
    }

    void overlaps(const config::RouteSection& r) {
        for (std::size_t i = 0; i < r.contracts.size(); ++i) {
            for (std::size_t j = i + 1; j < r.contracts.size(); ++j) {
                const auto& a = r.contracts[i];
                const auto& b = r.contracts[j];
                const auto both = intersect(span_of(a), span_of(b));
                if (!both) continue;
                out_.errors.push_back(problem(
                    b.where, ErrorCode::conflict,
                    fmt::format("contract {} overlaps contract {} of {} on {}", contract_label(b), contract_label(a),
                                route_label(r), to_text(*both)),
                    "a contract's until is the first day of the next one (until is not covered)"));
            }
        }
    }

    void gaps(const config::RouteSection& r) {
        const auto own = spans_of(r);
        std::string first_day = kForever;
        for (const auto& s : own) first_day = std::min(first_day, s.from);
        std::vector<DaySpan> backup;
        for (const auto* f : fallbacks(r, routes_)) {
            for (const auto& s : spans_of(*f)) backup.push_back(s);
        }
        const bool has_fallback = !fallbacks(r, routes_).empty();
        for (const auto& gap : subtract(DaySpan{today_, kForever}, own)) {
            for (const auto& hole : subtract(gap, backup)) {
                if (hole.until <= first_day) {
                    // Before the route's first contract: the municipality may simply not be live yet.
                    out_.warnings.push_back(problem(
                        r.where, ErrorCode::not_found,
                        fmt::format("orders from {} on {} have no vendor: its first contract starts {}",
                                    route_label(r), to_text(hole), first_day),
                        "such orders are stored and marked failed; replay them once a contract covers them"));
                    continue;
                }
                out_.errors.push_back(problem(
                    r.where, ErrorCode::invalid_value,
                    fmt::format("no vendor for {} on {}: {}", route_label(r), to_text(hole),
                                has_fallback ? "neither its contracts nor its fallback routes cover these days"
                                             : "no contract covers these days and there is no fallback route"),
                    hole.until == kForever
                        ? "extend the last contract (leave out until), add a contract, or add a route for municipality \"*\""
                        : "make the contracts meet (until = the next from), or add a route for municipality \"*\""));
            }
        }
    }

    bool current_or_future(const config::ContractSection& c) const {
        return c.until.empty() || c.until > today_;
    }

    void capabilities(const config::RouteSection& r) {
        for (const auto& c : r.contracts) {
            if (!current_or_future(c)) continue;
            auto it = vendors_.find(c.vendor);
            if (it == vendors_.end()) continue;
            const auto& facts = it->second;
            for (const auto& need : missing(r, facts)) {
                out_.errors.push_back(problem(c.where, ErrorCode::unsupported,
                                              fmt::format("vendor {} cannot serve {}: {}", c.vendor, route_label(r),
                                                          need),
                                              fmt::format("the route requires: [{}]",
                                                          fmt::join(r.required_capabilities, ", "))));
            }
            if (!facts.enabled) {
                out_.warnings.push_back(problem(
                    c.where, ErrorCode::unavailable,
                    fmt::format("vendor {} is paused (enabled: false): orders of {} routed to it {} are stored and "
                                "wait in the outbox until it is resumed",
                                c.vendor, route_label(r), to_text(span_of(c))),
                    "resume it in the admin API, or set enabled: true and restart"));
            }
        }
    }

    static std::vector<std::string> missing(const config::RouteSection& r, const VendorFacts& facts) {
        std::vector<std::string> out;
        for (const auto& need : r.required_capabilities) {
            if (need == "status" && !facts.reports_status) {
                out.push_back(facts.cart_handoff_only
                                  ? "it takes a cart hand-off and never reports order status"
                                  : "it reports no order status (capabilities.status: none)");
            } else if (need == "cancel" && !facts.cancel) {
                out.push_back("it cannot cancel orders (capabilities.cancel: false)");
            }
        }
        return out;
    }

    void shadow(const config::RouteSection& r) {
        if (r.shadow.empty()) return;
        if (auto it = vendors_.find(r.shadow); it != vendors_.end()) {
            for (const auto& need : missing(r, it->second)) {
                out_.warnings.push_back(problem(
                    r.where, ErrorCode::unsupported,
                    fmt::format("shadow vendor {} could not take over {}: {}", r.shadow, route_label(r), need)));
            }
        }
        for (const auto& c : r.contracts) {
            if (c.vendor == r.shadow && span_of(c).contains(today_)) {
                out_.warnings.push_back(problem(
                    r.where, ErrorCode::conflict,
                    fmt::format("shadow vendor {} already serves {} on {}: its shadow results compare nothing",
                                r.shadow, route_label(r), today_),
                    "remove shadow: once the switch-over is done"));
            }
        }
    }

    const std::vector<config::RouteSection>& routes_;
    const VendorFactsMap& vendors_;
    std::string today_;
    RouteCheck out_;
};

}  // namespace

RouteCheck check_routes(const std::vector<config::RouteSection>& routes, const VendorFactsMap& vendors,
                        const std::string& today) {
    return Checker(routes, vendors, today).run();
}

std::string warning_text(const Error& warning) {
    auto text = warning.to_string();
    // Error::to_string() spells the severity "error:" right after the position (or at the start).
    if (auto pos = text.find("error: "); pos != std::string::npos) text.replace(pos, 6, "warning:");
    return text;
}

}  // namespace gw::routing
