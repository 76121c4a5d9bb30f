#include "runnel/batch.h"

#include <cstdio>
#include <random>

namespace runnel {

BatchId BatchId::Random() {
  thread_local std::mt19937_64 rng = [] {
    std::random_device rd;
    std::seed_seq seq{rd(), rd(), rd(), rd()};
    return std::mt19937_64(seq);
  }();
  return BatchId{rng(), rng()};
}

std::string BatchId::ToHex() const {
  char buf[33];
  std::snprintf(buf, sizeof(buf), "%016llx%016llx", static_cast<unsigned long long>(hi),
                static_cast<unsigned long long>(lo));
  return std::string(buf, 32);
}

Status BatchReader::Next(EventTime* time, std::string_view* record) {
  size_t at = reader_.position();
  RUNNEL_ASSIGN_OR_RETURN(uint32_t n, reader_.ReadArrayHeader());
  if (n != 2) {
    return DataLoss("batch: entry at byte " + std::to_string(at) + " has " + std::to_string(n) +
                    " elements, want [time, record]");
  }
  RUNNEL_ASSIGN_OR_RETURN(*time, reader_.ReadTime());
  size_t rec_at = reader_.position();
  RUNNEL_ASSIGN_OR_RETURN(std::string_view raw, reader_.NextRaw());
  const auto tag = static_cast<uint8_t>(raw[0]);
  if ((tag & 0xf0) != 0x80 && tag != 0xde && tag != 0xdf) {
    return DataLoss("batch: record at byte " + std::to_string(rec_at) + " is not a map");
  }
  *record = raw;
  return OkStatus();
}

}  // namespace runnel
