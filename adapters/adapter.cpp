#include "adapters/adapter.hpp"

namespace gw::adapters {

std::string_view to_string(Operation op) noexcept {
    switch (op) {
        case Operation::submit: return "submit";
        case Operation::cancel: return "cancel";
        case Operation::status: return "status";
    }
    return "unknown";
}

std::string_view to_string(Outcome outcome) noexcept {
    switch (outcome) {
        case Outcome::success: return "success";
        case Outcome::partial: return "partial";
        case Outcome::retryable: return "retryable";
        case Outcome::permanent: return "permanent";
    }
    return "unknown";
}

Result<std::vector<RenderedRequest>> Adapter::render(Operation op, const DeliveryRequest&) const {
    return make_error(ErrorCode::unsupported,
                      "adapter kind " + std::string(kind()) + " cannot render " + std::string(to_string(op)) +
                          " without sending it");
}

std::string_view to_string(StatusMode mode) noexcept {
    switch (mode) {
        case StatusMode::webhook: return "webhook";
        case StatusMode::poll: return "poll";
        case StatusMode::none: return "none";
    }
    return "unknown";
}

}  // namespace gw::adapters
