#include "event/event.h"

namespace auditlog::event {

bool Geo::empty() const {
  return country_code.empty() && country_code3.empty() && country_name.empty() && region_code.empty() &&
         region_name.empty() && city_name.empty() && !latitude && !longitude && time_zone.empty() &&
         continent_code.empty();
}

bool UserAgentInfo::empty() const {
  return name.empty() && major.empty() && minor.empty() && patch.empty() && os.empty() && os_major.empty() &&
         device.empty() && !is_mobile;
}

std::string_view OutcomeName(Outcome outcome) {
  switch (outcome) {
    case Outcome::kUnset: return "";
    case Outcome::kSuccess: return "success";
    case Outcome::kFailure: return "failure";
  }
  return "";
}

}  // namespace auditlog::event
