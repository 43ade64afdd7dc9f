#pragma once
// CareOrder: the canonical grocery order. Every inbound format (HL7 OMS^O05, MsgHead XML, ...) maps into it and
// every grocer mapping reads from it, so N formats and M grocers need N+M mappings. Field-by-field documentation and
// the HL7/MsgHead/UBL mappings are in gateway/model/README.md; validate() in validation.hpp states the rules.
//
// Privacy: the recipient is a pseudonymous reference plus what a driver needs at the door. No national identity
// number and no clinical data belong here; validation rejects text that looks like a fødselsnummer.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/model/datetime.hpp"
#include "gateway/model/decimal.hpp"

namespace gw::model {

// How the order reached the gateway.
enum class Channel {
    hl7_mllp,      // HL7 v2 over MLLP (OMS^O05)
    msghead_http,  // Norwegian MsgHead XML over HTTP
    api_json,      // the gateway's own JSON API (tests, manual entry)
};
std::string_view to_string(Channel channel) noexcept;
std::optional<Channel> parse_channel(std::string_view name) noexcept;

// What the care system asks for (HL7 ORC-1: NW new, CA cancel, RP/XO replace).
enum class OrderAction { new_order, cancel, replace };
std::string_view to_string(OrderAction action) noexcept;  // "new", "cancel", "replace"
std::optional<OrderAction> parse_order_action(std::string_view name) noexcept;

struct OrderSource {
    Channel channel = Channel::hl7_mllp;
    std::string control_id;           // HL7 MSH-10 / MsgHead MsgInfo/MsgId: the message's id, for ACK and dedup
    std::string placer_order_number;  // HL7 ORC-2: the care system's order id; cancel/replace refer to it
    friend bool operator==(const OrderSource&, const OrderSource&) = default;
};

struct Municipality {
    std::string number;                              // kommunenummer, 4 digits: "3201" (Bærum)
    std::optional<std::string> organisation_number;  // 9 digits with mod-11 check digit
    std::optional<std::string> district;             // the care service's district/zone; used by routing
    friend bool operator==(const Municipality&, const Municipality&) = default;
};

struct PersonName {
    std::string given;
    std::string family;
    friend bool operator==(const PersonName&, const PersonName&) = default;
};

struct Address {
    std::string street;          // "Kirkeveien 12 B"; unit/floor included
    std::string postal_code;     // 4 digits when country is NO
    std::string city;            // postal town: "Sandvika"
    std::string country = "NO";  // ISO 3166-1 alpha-2
    friend bool operator==(const Address&, const Address&) = default;
};

struct Recipient {
    std::string reference;             // pseudonymous id from the care system (PID-3), never a national identity number
    PersonName name;                   // for the label at the door
    Address address;                   // delivery address
    std::optional<std::string> phone;  // "+4791234567": the driver calls this
    std::optional<std::string> access_notes;  // door/key box/access notes, free text
    friend bool operator==(const Recipient&, const Recipient&) = default;
};

struct Delivery {
    Date date;                              // the local delivery day
    std::optional<LocalTime> window_start;  // both or neither; start < end
    std::optional<LocalTime> window_end;
    std::optional<std::string> instructions;  // free text for the driver
    friend bool operator==(const Delivery&, const Delivery&) = default;
};

// A UN/ECE Recommendation 20 unit code plus the text the care system sent ("stk", "kg", "pk").
struct Unit {
    std::string code;                 // "EA", "KGM", "GRM", "LTR", ...
    std::optional<std::string> text;  // original unit text, for people and round-trips
    friend bool operator==(const Unit&, const Unit&) = default;
};

struct OrderLine {
    std::uint32_t line_number = 0;          // 1-based, unique within the order (RQD-1 / UBL LineItem/ID)
    std::optional<std::string> gtin;        // GTIN-14, valid check digit; gtin or vendor_sku or both
    std::optional<std::string> vendor_sku;  // the grocer's own article number
    std::string description;                // "Lettmelk 1 l"
    Decimal quantity;                       // > 0, exact
    Unit unit;
    bool substitution_allowed = false;  // the grocer may replace the item with an equivalent one
    std::optional<std::string> note;    // free text for the picker
    friend bool operator==(const OrderLine&, const OrderLine&) = default;
};

struct StaffMember {
    std::string staff_id;             // the care worker's id in the care system (ORC-12 / ORC-10)
    std::optional<std::string> name;  // display name
    friend bool operator==(const StaffMember&, const StaffMember&) = default;
};

struct CareOrder {
    std::string gateway_id;  // assigned by the gateway when it stores the order; unique, URL-safe
    OrderSource source;
    OrderAction action = OrderAction::new_order;
    Municipality municipality;
    Recipient recipient;
    std::optional<Delivery> delivery;  // required unless action is cancel
    std::vector<OrderLine> lines;      // at least one unless action is cancel
    StaffMember ordered_by;
    Timestamp created_at;  // when the care worker placed the order (ORC-9 / MsgHead GenDate)
    friend bool operator==(const CareOrder&, const CareOrder&) = default;
};

}  // namespace gw::model
