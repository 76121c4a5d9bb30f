#include "runnel/msgpack.h"

#include <bit>
#include <chrono>
#include <cstring>

namespace runnel {
namespace {

template <typename T>
void PutBE(std::string* out, T v) {
  if constexpr (std::endian::native == std::endian::little && sizeof(T) > 1) {
    v = std::byteswap(v);
  }
  char buf[sizeof(T)];
  std::memcpy(buf, &v, sizeof(T));
  out->append(buf, sizeof(T));
}

template <typename T>
T GetBE(const char* p) {
  T v;
  std::memcpy(&v, p, sizeof(T));
  if constexpr (std::endian::native == std::endian::little && sizeof(T) > 1) {
    v = std::byteswap(v);
  }
  return v;
}

void PutTag(std::string* out, uint8_t tag) { out->push_back(static_cast<char>(tag)); }

Status Truncated(size_t pos) {
  return DataLoss("msgpack: truncated input at byte " + std::to_string(pos));
}

constexpr int kMaxDepth = 64;

}  // namespace

EventTime EventTime::FromNanos(int64_t ns) {
  if (ns < 0) {
    ns = 0;
  }
  return EventTime{static_cast<uint32_t>(ns / 1'000'000'000),
                   static_cast<uint32_t>(ns % 1'000'000'000)};
}

EventTime EventTime::Now() {
  auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                std::chrono::system_clock::now().time_since_epoch())
                .count();
  return FromNanos(ns);
}

std::string_view MsgTypeName(MsgType type) {
  switch (type) {
    case MsgType::kNil: return "nil";
    case MsgType::kBool: return "bool";
    case MsgType::kInt: return "int";
    case MsgType::kUint: return "uint";
    case MsgType::kFloat: return "float";
    case MsgType::kStr: return "str";
    case MsgType::kBin: return "bin";
    case MsgType::kArray: return "array";
    case MsgType::kMap: return "map";
    case MsgType::kExt: return "ext";
  }
  return "unknown";
}

void MsgpackWriter::Nil() { PutTag(out_, 0xc0); }
void MsgpackWriter::Bool(bool v) { PutTag(out_, v ? 0xc3 : 0xc2); }

void MsgpackWriter::Int(int64_t v) {
  if (v >= 0) {
    Uint(static_cast<uint64_t>(v));
  } else if (v >= -32) {
    PutTag(out_, static_cast<uint8_t>(v));
  } else if (v >= INT8_MIN) {
    PutTag(out_, 0xd0);
    PutBE<int8_t>(out_, static_cast<int8_t>(v));
  } else if (v >= INT16_MIN) {
    PutTag(out_, 0xd1);
    PutBE<int16_t>(out_, static_cast<int16_t>(v));
  } else if (v >= INT32_MIN) {
    PutTag(out_, 0xd2);
    PutBE<int32_t>(out_, static_cast<int32_t>(v));
  } else {
    PutTag(out_, 0xd3);
    PutBE<int64_t>(out_, v);
  }
}

void MsgpackWriter::Uint(uint64_t v) {
  if (v < 128) {
    PutTag(out_, static_cast<uint8_t>(v));
  } else if (v <= UINT8_MAX) {
    PutTag(out_, 0xcc);
    PutBE<uint8_t>(out_, static_cast<uint8_t>(v));
  } else if (v <= UINT16_MAX) {
    PutTag(out_, 0xcd);
    PutBE<uint16_t>(out_, static_cast<uint16_t>(v));
  } else if (v <= UINT32_MAX) {
    PutTag(out_, 0xce);
    PutBE<uint32_t>(out_, static_cast<uint32_t>(v));
  } else {
    PutTag(out_, 0xcf);
    PutBE<uint64_t>(out_, v);
  }
}

void MsgpackWriter::Double(double v) {
  PutTag(out_, 0xcb);
  PutBE<uint64_t>(out_, std::bit_cast<uint64_t>(v));
}

void MsgpackWriter::Str(std::string_view v) {
  size_t n = v.size();
  if (n < 32) {
    PutTag(out_, static_cast<uint8_t>(0xa0 | n));
  } else if (n <= UINT8_MAX) {
    PutTag(out_, 0xd9);
    PutBE<uint8_t>(out_, static_cast<uint8_t>(n));
  } else if (n <= UINT16_MAX) {
    PutTag(out_, 0xda);
    PutBE<uint16_t>(out_, static_cast<uint16_t>(n));
  } else {
    PutTag(out_, 0xdb);
    PutBE<uint32_t>(out_, static_cast<uint32_t>(n));
  }
  out_->append(v);
}

void MsgpackWriter::Bin(std::string_view v) {
  size_t n = v.size();
  if (n <= UINT8_MAX) {
    PutTag(out_, 0xc4);
    PutBE<uint8_t>(out_, static_cast<uint8_t>(n));
  } else if (n <= UINT16_MAX) {
    PutTag(out_, 0xc5);
    PutBE<uint16_t>(out_, static_cast<uint16_t>(n));
  } else {
    PutTag(out_, 0xc6);
    PutBE<uint32_t>(out_, static_cast<uint32_t>(n));
  }
  out_->append(v);
}

void MsgpackWriter::ArrayHeader(uint32_t n) {
  if (n < 16) {
    PutTag(out_, static_cast<uint8_t>(0x90 | n));
  } else if (n <= UINT16_MAX) {
    PutTag(out_, 0xdc);
    PutBE<uint16_t>(out_, static_cast<uint16_t>(n));
  } else {
    PutTag(out_, 0xdd);
    PutBE<uint32_t>(out_, n);
  }
}

void MsgpackWriter::MapHeader(uint32_t n) {
  if (n < 16) {
    PutTag(out_, static_cast<uint8_t>(0x80 | n));
  } else if (n <= UINT16_MAX) {
    PutTag(out_, 0xde);
    PutBE<uint16_t>(out_, static_cast<uint16_t>(n));
  } else {
    PutTag(out_, 0xdf);
    PutBE<uint32_t>(out_, n);
  }
}

void MsgpackWriter::Ext(int8_t type, std::string_view payload) {
  size_t n = payload.size();
  switch (n) {
    case 1: PutTag(out_, 0xd4); break;
    case 2: PutTag(out_, 0xd5); break;
    case 4: PutTag(out_, 0xd6); break;
    case 8: PutTag(out_, 0xd7); break;
    case 16: PutTag(out_, 0xd8); break;
    default:
      if (n <= UINT8_MAX) {
        PutTag(out_, 0xc7);
        PutBE<uint8_t>(out_, static_cast<uint8_t>(n));
      } else if (n <= UINT16_MAX) {
        PutTag(out_, 0xc8);
        PutBE<uint16_t>(out_, static_cast<uint16_t>(n));
      } else {
        PutTag(out_, 0xc9);
        PutBE<uint32_t>(out_, static_cast<uint32_t>(n));
      }
  }
  out_->push_back(static_cast<char>(type));
  out_->append(payload);
}

void MsgpackWriter::Time(EventTime t) {
  PutTag(out_, 0xd7);
  out_->push_back(static_cast<char>(kEventTimeExtType));
  PutBE<uint32_t>(out_, t.sec);
  PutBE<uint32_t>(out_, t.nsec);
}

size_t MsgpackWriter::BeginMap32() {
  size_t pos = out_->size();
  PutTag(out_, 0xdf);
  PutBE<uint32_t>(out_, 0);
  return pos;
}

void MsgpackWriter::PatchMap32(size_t pos, uint32_t n) {
  uint32_t be = n;
  if constexpr (std::endian::native == std::endian::little) {
    be = std::byteswap(be);
  }
  std::memcpy(out_->data() + pos + 1, &be, sizeof(be));
}

Result<MsgObject> MsgpackReader::Next() {
  if (pos_ >= data_.size()) {
    return Err(Truncated(pos_));
  }
  const char* base = data_.data();
  const size_t size = data_.size();
  const auto tag = static_cast<uint8_t>(base[pos_]);
  size_t p = pos_ + 1;
  MsgObject obj;

  auto need = [&](size_t n) { return size - p >= n; };
  // Reads a payload of `len` bytes at p into obj.data.
  auto payload = [&](size_t len) -> bool {
    if (!need(len)) {
      return false;
    }
    obj.data = std::string_view(base + p, len);
    p += len;
    return true;
  };

  if (tag <= 0x7f) {
    obj.type = MsgType::kInt;
    obj.i64 = tag;
  } else if (tag >= 0xe0) {
    obj.type = MsgType::kInt;
    obj.i64 = static_cast<int8_t>(tag);
  } else if ((tag & 0xf0) == 0x80) {
    obj.type = MsgType::kMap;
    obj.count = tag & 0x0f;
  } else if ((tag & 0xf0) == 0x90) {
    obj.type = MsgType::kArray;
    obj.count = tag & 0x0f;
  } else if ((tag & 0xe0) == 0xa0) {
    obj.type = MsgType::kStr;
    if (!payload(tag & 0x1f)) {
      return Err(Truncated(pos_));
    }
  } else {
    // Length-prefixed forms: read the length of `lw` bytes, then a payload.
    auto read_len = [&](int lw, size_t* out) -> bool {
      if (!need(lw)) {
        return false;
      }
      if (lw == 1) {
        *out = GetBE<uint8_t>(base + p);
      } else if (lw == 2) {
        *out = GetBE<uint16_t>(base + p);
      } else {
        *out = GetBE<uint32_t>(base + p);
      }
      p += lw;
      return true;
    };
    size_t len = 0;
    switch (tag) {
      case 0xc0: obj.type = MsgType::kNil; break;
      case 0xc2:
      case 0xc3:
        obj.type = MsgType::kBool;
        obj.boolean = tag == 0xc3;
        break;
      case 0xc4:
      case 0xc5:
      case 0xc6:
        obj.type = MsgType::kBin;
        if (!read_len(1 << (tag - 0xc4), &len) || !payload(len)) {
          return Err(Truncated(pos_));
        }
        break;
      case 0xc7:
      case 0xc8:
      case 0xc9:
        obj.type = MsgType::kExt;
        if (!read_len(1 << (tag - 0xc7), &len) || !need(1)) {
          return Err(Truncated(pos_));
        }
        obj.ext_type = static_cast<int8_t>(base[p++]);
        if (!payload(len)) {
          return Err(Truncated(pos_));
        }
        break;
      case 0xca:
        if (!need(4)) {
          return Err(Truncated(pos_));
        }
        obj.type = MsgType::kFloat;
        obj.f64 = std::bit_cast<float>(GetBE<uint32_t>(base + p));
        p += 4;
        break;
      case 0xcb:
        if (!need(8)) {
          return Err(Truncated(pos_));
        }
        obj.type = MsgType::kFloat;
        obj.f64 = std::bit_cast<double>(GetBE<uint64_t>(base + p));
        p += 8;
        break;
      case 0xcc:
      case 0xcd:
      case 0xce:
      case 0xcf: {
        const int w = 1 << (tag - 0xcc);
        if (!need(w)) {
          return Err(Truncated(pos_));
        }
        uint64_t v = w == 1   ? GetBE<uint8_t>(base + p)
                     : w == 2 ? GetBE<uint16_t>(base + p)
                     : w == 4 ? GetBE<uint32_t>(base + p)
                              : GetBE<uint64_t>(base + p);
        p += w;
        if (v > static_cast<uint64_t>(INT64_MAX)) {
          obj.type = MsgType::kUint;
          obj.u64 = v;
        } else {
          obj.type = MsgType::kInt;
          obj.i64 = static_cast<int64_t>(v);
        }
        break;
      }
      case 0xd0:
      case 0xd1:
      case 0xd2:
      case 0xd3: {
        const int w = 1 << (tag - 0xd0);
        if (!need(w)) {
          return Err(Truncated(pos_));
        }
        obj.type = MsgType::kInt;
        obj.i64 = w == 1   ? GetBE<int8_t>(base + p)
                  : w == 2 ? GetBE<int16_t>(base + p)
                  : w == 4 ? GetBE<int32_t>(base + p)
                           : GetBE<int64_t>(base + p);
        p += w;
        break;
      }
      case 0xd4:
      case 0xd5:
      case 0xd6:
      case 0xd7:
      case 0xd8:
        obj.type = MsgType::kExt;
        if (!need(1)) {
          return Err(Truncated(pos_));
        }
        obj.ext_type = static_cast<int8_t>(base[p++]);
        if (!payload(size_t{1} << (tag - 0xd4))) {
          return Err(Truncated(pos_));
        }
        break;
      case 0xd9:
      case 0xda:
      case 0xdb:
        obj.type = MsgType::kStr;
        if (!read_len(1 << (tag - 0xd9), &len) || !payload(len)) {
          return Err(Truncated(pos_));
        }
        break;
      case 0xdc:
      case 0xdd:
        obj.type = MsgType::kArray;
        if (!read_len(tag == 0xdc ? 2 : 4, &len)) {
          return Err(Truncated(pos_));
        }
        obj.count = static_cast<uint32_t>(len);
        break;
      case 0xde:
      case 0xdf:
        obj.type = MsgType::kMap;
        if (!read_len(tag == 0xde ? 2 : 4, &len)) {
          return Err(Truncated(pos_));
        }
        obj.count = static_cast<uint32_t>(len);
        break;
      default:  // 0xc1 is never used
        return Err(DataLoss("msgpack: invalid type byte 0xc1 at byte " + std::to_string(pos_)));
    }
  }
  // A container cannot hold more elements than there are bytes left (each takes >= 1 byte).
  if ((obj.type == MsgType::kArray && obj.count > size - p) ||
      (obj.type == MsgType::kMap && obj.count > (size - p) / 2)) {
    return Err(Truncated(pos_));
  }
  pos_ = p;
  return obj;
}

Status MsgpackReader::SkipDepth(int depth) {
  if (depth > kMaxDepth) {
    return DataLoss("msgpack: nesting deeper than 64 at byte " + std::to_string(pos_));
  }
  RUNNEL_ASSIGN_OR_RETURN(MsgObject obj, Next());
  if (obj.type == MsgType::kArray || obj.type == MsgType::kMap) {
    uint64_t n = obj.type == MsgType::kMap ? uint64_t{obj.count} * 2 : obj.count;
    for (uint64_t i = 0; i < n; ++i) {
      RUNNEL_RETURN_IF_ERROR(SkipDepth(depth + 1));
    }
  }
  return OkStatus();
}

Status MsgpackReader::Skip() { return SkipDepth(0); }

Result<std::string_view> MsgpackReader::NextRaw() {
  size_t start = pos_;
  Status s = Skip();
  if (!s.ok()) {
    pos_ = start;
    return Err(std::move(s));
  }
  return data_.substr(start, pos_ - start);
}

namespace {
Status WrongType(std::string_view want, const MsgObject& got, size_t pos) {
  return DataLoss("msgpack: expected " + std::string(want) + ", got " +
                  std::string(MsgTypeName(got.type)) + " at byte " + std::to_string(pos));
}
}  // namespace

Result<uint32_t> MsgpackReader::ReadArrayHeader() {
  size_t at = pos_;
  RUNNEL_ASSIGN_OR_RETURN(MsgObject obj, Next());
  if (obj.type != MsgType::kArray) {
    return Err(WrongType("array", obj, at));
  }
  return obj.count;
}

Result<uint32_t> MsgpackReader::ReadMapHeader() {
  size_t at = pos_;
  RUNNEL_ASSIGN_OR_RETURN(MsgObject obj, Next());
  if (obj.type != MsgType::kMap) {
    return Err(WrongType("map", obj, at));
  }
  return obj.count;
}

Result<std::string_view> MsgpackReader::ReadStr() {
  size_t at = pos_;
  RUNNEL_ASSIGN_OR_RETURN(MsgObject obj, Next());
  if (obj.type != MsgType::kStr) {
    return Err(WrongType("str", obj, at));
  }
  return obj.data;
}

Result<EventTime> MsgpackReader::ReadTime() {
  size_t at = pos_;
  RUNNEL_ASSIGN_OR_RETURN(MsgObject obj, Next());
  auto t = EventTimeFromObject(obj);
  if (!t) {
    return Err(t.error().WithPrefix("at byte " + std::to_string(at)));
  }
  return *t;
}

Result<EventTime> EventTimeFromObject(const MsgObject& obj) {
  switch (obj.type) {
    case MsgType::kExt:
      if (obj.ext_type != kEventTimeExtType || obj.data.size() != 8) {
        return Err(DataLoss("msgpack: ext type " + std::to_string(obj.ext_type) + " of " +
                            std::to_string(obj.data.size()) +
                            " bytes is not an EventTime (type 0, 8 bytes)"));
      }
      return EventTime{GetBE<uint32_t>(obj.data.data()), GetBE<uint32_t>(obj.data.data() + 4)};
    case MsgType::kInt:
      if (obj.i64 < 0 || obj.i64 > UINT32_MAX) {
        return Err(DataLoss("msgpack: time " + std::to_string(obj.i64) + " is out of range"));
      }
      return EventTime{static_cast<uint32_t>(obj.i64), 0};
    case MsgType::kFloat: {
      if (!(obj.f64 >= 0 && obj.f64 < 4294967296.0)) {
        return Err(DataLoss("msgpack: time is out of range"));
      }
      auto sec = static_cast<uint32_t>(obj.f64);
      auto nsec = static_cast<uint32_t>((obj.f64 - sec) * 1e9);
      return EventTime{sec, nsec > 999'999'999 ? 999'999'999u : nsec};
    }
    default:
      return Err(DataLoss("msgpack: expected a time (EventTime or integer), got " +
                          std::string(MsgTypeName(obj.type))));
  }
}

}  // namespace runnel
